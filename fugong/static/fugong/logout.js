/* Logging out on a shared phone leaves nothing of the user behind: before the logout form is
   posted, the inspections' drafts (IndexedDB, photos included), the service worker's caches
   and its registration are removed. The logout response also says `Clear-Site-Data: "storage"`
   (core/views.py), which Chromium honours on HTTPS and on localhost; this script covers plain
   http and browsers that ignore the header. Logging out never waits longer than CLEAR_MS. */
(function () {
  "use strict";
  var CLEAR_MS = 2000;
  var DATABASES = ["fugong-inspections"];

  function deleteDatabase(name) {
    return new Promise(function (resolve) {
      var request = window.indexedDB.deleteDatabase(name);
      request.onsuccess = request.onerror = request.onblocked = function () { resolve(); };
    });
  }

  function clearAll() {
    var work = [];
    if (window.indexedDB) { work = work.concat(DATABASES.map(deleteDatabase)); }
    if (window.caches) {
      work.push(window.caches.keys().then(function (names) {
        return Promise.all(names.map(function (name) { return window.caches.delete(name); }));
      }));
    }
    if (navigator.serviceWorker && navigator.serviceWorker.getRegistrations) {
      work.push(navigator.serviceWorker.getRegistrations().then(function (registrations) {
        return Promise.all(registrations.map(function (r) { return r.unregister(); }));
      }));
    }
    return Promise.all(work.map(function (p) { return p.catch(function () { return undefined; }); }));
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.hasAttribute || !form.hasAttribute("data-logout") || form.dataset.cleared) { return; }
    event.preventDefault();
    var go = function () {
      if (form.dataset.cleared) { return; }
      form.dataset.cleared = "1";
      form.submit();
    };
    window.setTimeout(go, CLEAR_MS);
    clearAll().then(go, go);
  });
}());
