/* The inspections' service worker (served from /inspections/sw.js, so its scope is the
   inspection pages). It keeps the on-site checklist and its assets available without network:
   a checklist page is fetched from the network first and kept, answered from the cache when
   the network is gone; static assets are answered from the cache once kept. The page asks it
   (a message listing its own URL and assets) to keep what it needs the first time it loads,
   before this worker controls it. Drafts are not kept here but in the page's IndexedDB. */
"use strict";

var CACHE = "fugong-inspections-v1";
var CHECKLIST = /^\/inspections\/\d+\/inspect\/$/;

self.addEventListener("install", function () {
  self.skipWaiting();
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys().then(function (names) {
      return Promise.all(
        names.filter(function (name) { return name !== CACHE; }).map(function (name) {
          return caches.delete(name);
        })
      );
    }).then(function () { return self.clients.claim(); })
  );
});

function keep(cache, url) {
  return fetch(url, { credentials: "same-origin" }).then(function (response) {
    if (response.ok && !response.redirected) {
      return cache.put(url, response);
    }
    return undefined;
  }).catch(function () { return undefined; });
}

self.addEventListener("message", function (event) {
  var urls = ((event.data && event.data.cache) || []).filter(function (url) {
    return new URL(url, self.location.href).origin === self.location.origin;
  });
  var port = event.ports && event.ports[0];
  event.waitUntil(
    caches.open(CACHE).then(function (cache) {
      return Promise.all(urls.map(function (url) { return keep(cache, url); }));
    }).then(function () {
      if (port) { port.postMessage({ cached: urls.length }); }
    })
  );
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") { return; }
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) { return; }
  if (url.pathname.indexOf("/static/") === 0) {
    event.respondWith(
      caches.match(request, { ignoreSearch: true }).then(function (hit) {
        return hit || fetch(request).then(function (response) {
          if (response.ok) {
            var copy = response.clone();
            caches.open(CACHE).then(function (cache) { cache.put(request, copy); });
          }
          return response;
        });
      })
    );
  } else if (CHECKLIST.test(url.pathname)) {
    event.respondWith(
      fetch(request).then(function (response) {
        var copy = response.clone();
        caches.open(CACHE).then(function (cache) {
          // a checklist done (the page now redirects) is no longer kept
          return response.ok && response.type === "basic"
            ? cache.put(url.pathname, copy) : cache.delete(url.pathname);
        });
        return response;
      }).catch(function () {
        return caches.match(url.pathname).then(function (hit) {
          return hit || Response.error();
        });
      })
    );
  }
});
