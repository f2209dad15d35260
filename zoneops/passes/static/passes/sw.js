// Service worker of the gate verifier: the page and its scripts come from the cache when offline;
// the signed trust, revocation and checkpoint lists are fetched fresh when possible and cached for offline use.
"use strict";
// The server writes ZONEOPS_SHELL (the page and every asset it loads, under their hashed production names)
// and its version in front of this file; a deployment with other assets is a new worker with a new cache.
var CACHE = "zoneops-verifier-v5-" + (self.ZONEOPS_SHELL_VERSION || "dev");
var SHELL = self.ZONEOPS_SHELL || ["/passes/verify", "/static/passes/verifier.js", "/static/passes/verifier-page.js",
  "/static/passes/passes.css", "/static/vendor/jsqr/jsQR.js"];
var LISTS = ["/api/v1/passes/trust-list", "/api/v1/passes/revocations", "/api/v1/passes/checkpoint-list"];

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) { return cache.addAll(SHELL); }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  // Earlier versions' caches (e.g. the unsigned checkpoint list) are dropped.
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (name) { return name.indexOf("zoneops-verifier-") === 0 && name !== CACHE; })
      .map(function (name) { return caches.delete(name); }));
  }).then(function () { return self.clients.claim(); }));
});

self.addEventListener("fetch", function (event) {
  var url = new URL(event.request.url);
  if (event.request.method !== "GET" || url.origin !== self.location.origin) { return; }
  var path = url.pathname;
  if (SHELL.indexOf(path) < 0 && LISTS.indexOf(path) < 0) { return; }
  // Network first (fresh lists, fresh page), the cache when offline.
  event.respondWith(
    fetch(event.request).then(function (response) {
      if (response.ok) {
        var copy = response.clone();
        caches.open(CACHE).then(function (cache) { cache.put(event.request, copy); });
      }
      return response;
    // The icon font is requested with a version query that the precached URL lacks.
    }).catch(function () { return caches.match(event.request, { ignoreSearch: SHELL.indexOf(path) >= 0 }); })
  );
});
