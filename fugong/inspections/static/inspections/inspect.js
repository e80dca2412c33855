/* The on-site checklist on a poor connection. Every change is kept as a draft in IndexedDB
   (the answers and the photos themselves, as blobs), so a reload without network finds it
   again; submitting posts the draft with fetch, and when the network is gone the draft waits
   and is posted as soon as the browser is online again. The service worker (sw.js) keeps the
   page and its assets. A draft belongs to the user who made it: another user's is dropped, and
   logging out removes them all (fugong/logout.js). Photos are previewed as data: URLs (the CSP allows no blob: images). */
(function () {
  "use strict";
  var form = document.getElementById("inspect-form");
  if (!form) { return; }
  var id = form.dataset.inspection;
  var statusBox = document.getElementById("draft-status");
  var errorBox = document.getElementById("server-errors");
  var DB = "fugong-inspections";
  var STORE = "drafts";
  var user = form.dataset.user || "";
  var draft = { id: id, user: user, key: "", fields: {}, photos: {}, pending: false };
  var sending = false;

  function say(text, kind) {
    statusBox.textContent = text;
    statusBox.className = "alert alert-" + (kind || "info");
  }

  function database() {
    return new Promise(function (resolve, reject) {
      var request = indexedDB.open(DB, 1);
      request.onupgradeneeded = function () {
        request.result.createObjectStore(STORE, { keyPath: "id" });
      };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }

  function withStore(mode, work) {
    return database().then(function (db) {
      return new Promise(function (resolve, reject) {
        var transaction = db.transaction(STORE, mode);
        var request = work(transaction.objectStore(STORE));
        transaction.oncomplete = function () {
          db.close();
          resolve(request ? request.result : undefined);
        };
        // an aborted transaction (quota, a closing database) rejects too, never hangs
        transaction.onabort = transaction.onerror = function () {
          db.close();
          reject(transaction.error || new Error("IndexedDB transaction aborted"));
        };
      });
    });
  }

  function save() {
    draft.savedAt = Date.now();
    return withStore("readwrite", function (store) { return store.put(draft); });
  }

  function forget() {
    return withStore("readwrite", function (store) { return store.delete(id); });
  }

  function answerable(element) {
    return element.name && ["file", "hidden", "submit"].indexOf(element.type) < 0;
  }

  function collect() {
    var fields = {};
    Array.prototype.forEach.call(form.elements, function (element) {
      if (!answerable(element)) { return; }
      if (element.type === "radio" || element.type === "checkbox") {
        if (element.checked) { (fields[element.name] = fields[element.name] || []).push(element.value); }
      } else {
        fields[element.name] = [element.value];
      }
    });
    draft.fields = fields;
  }

  function restore() {
    Array.prototype.forEach.call(form.elements, function (element) {
      if (!answerable(element)) { return; }
      var values = draft.fields[element.name];
      if (element.type === "radio" || element.type === "checkbox") {
        element.checked = Boolean(values) && values.indexOf(element.value) >= 0;
      } else if (values) {
        element.value = values[0];
      }
    });
    Object.keys(draft.photos).forEach(showPhotos);
  }

  function showPhotos(key) {
    var box = form.querySelector('[data-photos="' + key + '"]');
    if (!box) { return; }
    box.textContent = "";
    (draft.photos[key] || []).forEach(function (photo, index) {
      var figure = document.createElement("figure");
      figure.className = "m-0 d-flex align-items-start";
      var image = document.createElement("img");
      image.className = "thumb";
      image.alt = photo.name;
      var remove = document.createElement("button");
      remove.type = "button";
      remove.className = "btn btn-sm btn-ghost-danger";
      remove.textContent = "×";
      remove.setAttribute("aria-label", form.dataset.removePhoto + " " + photo.name);
      remove.addEventListener("click", function () {
        draft.photos[key].splice(index, 1);
        save().then(function () { showPhotos(key); });
      });
      figure.appendChild(image);
      figure.appendChild(remove);
      box.appendChild(figure);
      var reader = new FileReader();
      reader.onload = function () { image.src = reader.result; };
      reader.readAsDataURL(photo.blob);
    });
  }

  function newKey() {
    if (window.crypto && window.crypto.randomUUID) { return window.crypto.randomUUID(); }
    return String(Date.now()) + Math.random().toString(16).slice(2);
  }

  function showErrors(errors, fallback) {
    var lines = [];
    Object.keys(errors || {}).forEach(function (field) {
      [].concat(errors[field]).forEach(function (message) { lines.push(message); });
    });
    errorBox.textContent = "";
    var list = document.createElement("ul");
    (lines.length ? lines : [fallback]).forEach(function (line) {
      var item = document.createElement("li");
      item.textContent = line;
      list.appendChild(item);
    });
    errorBox.appendChild(list);
    errorBox.classList.remove("d-none");
  }

  function waitForNetwork() {
    // say so at once: the draft is already kept as it is typed; this write marks it pending
    draft.pending = true;
    say(form.dataset.offlineSaved, "warning");
    // if the phone cannot keep it, this page still sends it when the network is back
    return save().catch(function (error) { window.console.error(error); });
  }

  function send() {
    if (sending) { return Promise.resolve(); }
    sending = true;
    collect();
    draft.key = draft.key || newKey();
    var body = new FormData();
    var token = form.elements.csrfmiddlewaretoken.value;
    body.append("csrfmiddlewaretoken", token);
    body.append("version", form.elements.version.value);
    body.append("client_key", draft.key);
    Object.keys(draft.fields).forEach(function (name) {
      draft.fields[name].forEach(function (value) { body.append(name, value); });
    });
    Object.keys(draft.photos).forEach(function (key) {
      draft.photos[key].forEach(function (photo) {
        body.append("photos_" + key, photo.blob, photo.name);
      });
    });
    say(form.dataset.sending);
    return save().then(function () {
      return fetch(window.location.pathname, {
        method: "POST",
        body: body,
        credentials: "same-origin",
        headers: { "Accept": "application/json", "X-CSRFToken": token }
      });
    }).then(function (response) {
      return response.json().then(function (data) {
        sending = false;
        if (data.ok) {
          return forget().then(function () { window.location.assign(data.url); });
        }
        draft.pending = false;
        showErrors(data.errors, data.message || form.dataset.failed);
        return save().then(function () { say(form.dataset.failed, "danger"); });
      }, function () {
        sending = false;
        showErrors({}, form.dataset.failed);
        return undefined;
      });
    }, function () {
      sending = false;
      return waitForNetwork();
    });
  }

  form.addEventListener("change", function (event) {
    var element = event.target;
    if (element.type === "file") {
      var key = element.name.replace(/^photos_/, "");
      var list = draft.photos[key] = draft.photos[key] || [];
      Array.prototype.forEach.call(element.files, function (file) {
        list.push({ name: file.name, type: file.type, blob: file });
      });
      element.value = "";
      showPhotos(key);
    }
    collect();
    save().then(function () { say(form.dataset.saved); });
  });
  form.addEventListener("input", function () {
    collect();
    save();
  });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    errorBox.classList.add("d-none");
    if (!navigator.onLine) {
      collect();
      waitForNetwork();
      return;
    }
    send();
  });
  window.addEventListener("online", function () {
    if (draft.pending) { send(); }
  });

  withStore("readonly", function (store) { return store.get(id); }).then(function (kept) {
    if (kept && kept.user && kept.user !== user) {
      // another user's draft on a shared phone (logged out without logout.js): not theirs
      kept = null;
      return forget();
    }
    if (kept) {
      draft = kept;
      draft.user = user;
      restore();
      say(draft.pending ? form.dataset.offlineSaved : form.dataset.restored,
        draft.pending ? "warning" : "info");
      if (draft.pending && navigator.onLine) { send(); }
    }
  }).then(function () {
    form.dataset.draftReady = "1";
  });

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register(form.dataset.worker).then(function () {
      return navigator.serviceWorker.ready;
    }).then(function (registration) {
      var urls = [window.location.pathname];
      document.querySelectorAll("script[src], link[rel=stylesheet], link[rel=icon]").forEach(function (element) {
        urls.push(element.src || element.href);
      });
      document.querySelectorAll("use[href]").forEach(function (element) {
        var href = element.getAttribute("href").split("#")[0];
        if (href && urls.indexOf(href) < 0) { urls.push(href); }
      });
      var channel = new MessageChannel();
      channel.port1.onmessage = function () {
        form.dataset.offlineReady = "1";
      };
      registration.active.postMessage({ cache: urls }, [channel.port2]);
    });
  }
}());
