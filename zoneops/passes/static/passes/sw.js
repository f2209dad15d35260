// Service worker of the gate verifier: the page and its scripts come from the cache when offline;
// the signed trust list, the signed revocation list and the checkpoint list are fetched fresh when possible and cached for offline use.
"use strict";
var CACHE = "zoneops-verifier-v2";
var SHELL = ["/passes/verify", "/static/passes/verifier.js", "/static/passes/verifier-page.js", "/static/passes/passes.css"];
var LISTS = ["/api/v1/passes/trust-list", "/api/v1/passes/revocations", "/api/v1/checkpoints"];

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) { return cache.addAll(SHELL); }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) { event.waitUntil(self.clients.claim()); });

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
    }).catch(function () { return caches.match(event.request); })
  );
});
