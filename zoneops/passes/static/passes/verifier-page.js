// Gate verifier page: keeps the signed key list, revocation list and checkpoint list offline,
// checks passes with verifier.js (no network needed), queues scans and uploads them when back online.
(function () {
  "use strict";
  var STORE = "zoneops.verifier.";
  var root = document.querySelector("[data-verifier]");
  if (!root) { return; }
  var api = root.dataset.api;
  var csrf = root.dataset.csrf;
  var els = {
    checkpoint: root.querySelector("[data-checkpoint]"),
    payload: root.querySelector("[data-payload]"),
    check: root.querySelector("[data-check]"),
    camera: root.querySelector("[data-camera]"),
    video: root.querySelector("[data-video]"),
    cameraLabel: root.querySelector("[data-camera-label]"),
    cameraStatus: root.querySelector("[data-camera-status]"),
    result: root.querySelector("[data-result]"),
    lists: root.querySelector("[data-lists]"),
    queue: root.querySelector("[data-queue]")
  };
  var V = window.ZonePassVerifier;
  var trust = {};
  var trustVersion = null;  // the version of the verified trust list held (null: none held)
  var lists = null;  // the verified revocation list held: {version, issuedAt, revoked, suspended}
  var places = null;  // the verified checkpoint list held: {issuedAt, checkpoints: [{code, name, areas}]}
  var refused = "";  // why the last fetched lists were refused (bad root signature, older version)
  var rootKey = null;
  var rootBlock = document.getElementById("zone-root-key");
  var rootReady = (rootBlock ? Promise.resolve(JSON.parse(rootBlock.textContent)) : Promise.reject(new Error("no root key")))
    .then(V.importRoot);

  function load(name, fallback) { try { return JSON.parse(localStorage.getItem(STORE + name)) || fallback; } catch (e) { return fallback; } }
  function save(name, value) { localStorage.setItem(STORE + name, JSON.stringify(value)); }
  function text(el, value) { el.textContent = value; }

  function getJSON(path) {
    return fetch(api + path, { credentials: "same-origin", headers: { Accept: "application/json" } }).then(function (r) {
      if (!r.ok) { throw new Error(path + " " + r.status); }
      return r.json();
    });
  }

  function showLists() {
    if (refused) {
      text(els.lists, refused);
      els.lists.className = "small text-danger fw-bold";
      return;
    }
    if (!lists) { text(els.lists, root.dataset.noLists); els.lists.className = "small"; return; }
    var hours = (Date.now() - lists.issuedAt) / 3600000;
    text(els.lists, root.dataset.listsLabel + " v" + lists.version + " · " + hours.toFixed(1) + " h");
    els.lists.className = "small " + (hours > 72 ? "text-danger" : hours > 24 ? "text-warning" : "text-success");
  }

  function fillCheckpoints() {
    var list = places ? places.checkpoints : [];
    var chosen = load("checkpoint", "");
    els.checkpoint.innerHTML = "";
    list.forEach(function (c) {
      var option = document.createElement("option");
      option.value = c.code;
      option.textContent = c.code + " " + c.name;
      if (c.code === chosen) { option.selected = true; }
      els.checkpoint.appendChild(option);
    });
  }

  // The lists held in localStorage are the signed strings: opened (root signature checked) at every load.
  function loadHeld() {
    var signedTrust = load("trustlist", null);
    var signedRevocations = load("revocations", null);
    var signedCheckpoints = load("checkpointlist", null);
    return Promise.all([
      signedTrust ? V.openTrustList(signedTrust, rootKey).catch(function () { return null; }) : null,
      signedRevocations ? V.openRevocations(signedRevocations, rootKey).catch(function () { return null; }) : null,
      signedCheckpoints ? V.openCheckpoints(signedCheckpoints, rootKey).catch(function () { return null; }) : null
    ]).then(function (held) {
      trust = held[0] ? held[0].trust : {};
      trustVersion = held[0] ? held[0].version : null;
      lists = held[1];
      places = held[2];
    });
  }

  // All three lists or none: each must carry the pinned root key's signature and be no older than the one held.
  // An older trust list is a replay that could bring back a withdrawn (compromised) key.
  function fetchLists() {
    return Promise.all([getJSON("/passes/trust-list"), getJSON("/passes/revocations"), getJSON("/passes/checkpoint-list")])
      .then(function (parts) {
        return Promise.all([
          V.openTrustList(parts[0].signed, rootKey), V.openRevocations(parts[1].signed, rootKey),
          V.openCheckpoints(parts[2].signed, rootKey)
        ]).then(
          function (opened) {
            if (trustVersion !== null && opened[0].version < trustVersion) {
              refused = root.dataset.trustOlder;
              return;
            }
            if ((lists && opened[1].version < lists.version) || (places && opened[2].issuedAt < places.issuedAt)) {
              refused = root.dataset.listsOlder;
              return;
            }
            save("trustlist", parts[0].signed);
            save("revocations", parts[1].signed);
            save("checkpointlist", parts[2].signed);
            localStorage.removeItem(STORE + "checkpoints");  // the unsigned list of earlier versions
            refused = "";
          },
          function () { refused = root.dataset.listsRefused; }  // not signed by the pinned root key: keep what we hold
        );
      }, function () { /* offline: keep what we hold */ });
  }

  function refresh() {
    return rootReady
      .then(function (key) { rootKey = key; return loadHeld(); })
      .then(fetchLists)
      .then(loadHeld)
      .catch(function () { refused = root.dataset.listsRefused; trust = {}; trustVersion = null; lists = null; places = null; })
      .then(function () { fillCheckpoints(); showLists(); });
  }

  function currentCheckpoint() {
    var code = els.checkpoint.value;
    var found = (places ? places.checkpoints : []).filter(function (c) { return c.code === code; })[0];
    return found ? { code: found.code, areas: found.areas } : { code: code, areas: [] };
  }

  function render(result) {
    var colour = !result.valid ? "red" : result.amber ? "amber" : "green";
    els.result.className = "zo-verdict zo-verdict-" + colour;
    els.result.innerHTML = "";
    var big = document.createElement("div");
    big.className = "zo-verdict-reason";
    big.textContent = root.dataset["reason" + result.reason.replace(/(^|_)(\w)/g, function (m, a, b) { return b.toUpperCase(); })] || result.reason;
    els.result.appendChild(big);
    var c = result.claims;
    if (c) {
      [[c.holder_name + "  " + c.id_last4, "zo-verdict-name"], [c.plate, "zo-verdict-plate"], [c.type + " · " + c.serial, ""],
        [(c.affiliation || "") + " " + c.scope.join(", "), "small"], [root.dataset.validTo + " " + new Date(c.valid_to).toLocaleString(), "small"]]
        .forEach(function (line) {
          if (!line[0] || !line[0].trim()) { return; }
          var div = document.createElement("div");
          div.className = line[1];
          div.textContent = line[0];
          els.result.appendChild(div);
        });
    }
  }

  function queueScan(payload, checkpoint) {
    var queue = load("queue", []);
    queue.push({ payload: payload, checkpoint: checkpoint, at: new Date().toISOString() });
    save("queue", queue.slice(-500));
    upload();
  }

  var uploading = false;

  function upload() {
    var queue = load("queue", []);
    text(els.queue, queue.length ? root.dataset.queued + " " + queue.length : "");
    if (!queue.length || !navigator.onLine || uploading) { return; }
    uploading = true;  // one upload at a time, so no scan is sent twice
    fetch(api + "/passes/scans", {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify({ device: navigator.userAgent.slice(0, 60), scans: queue })
    }).then(function (r) {
      if (r.ok) {
        var rest = load("queue", []).slice(queue.length);  // scans queued meanwhile stay
        save("queue", rest);
        text(els.queue, rest.length ? root.dataset.queued + " " + rest.length : "");
      }
    }).catch(function () {}).then(function () { uploading = false; });
  }

  function check() {
    var payload = els.payload.value.trim();
    var held = lists || { revoked: [], suspended: [], issuedAt: 0 };  // no verified lists: stale, never green
    var checkpoint = currentCheckpoint();
    V.verify(payload, checkpoint, Date.now(), trust, held).then(function (result) {
      render(result);
      if (checkpoint.code) { queueScan(payload, checkpoint.code); }  // no verified checkpoint list: nothing to log
      els.payload.value = "";
    });
  }

  // Camera: BarcodeDetector where the browser has one that reads QR (Android Chrome); elsewhere (iOS Safari,
  // desktop Chromium) jsQR on video frames drawn to a canvas. Either way a hit goes through check(), like typed input.
  var SCAN_EVERY_MS = 250;  // a few decodes a second: enough for a guard, light on a phone's battery
  var MAX_SIDE = 1024;  // larger frames are scaled down: jsQR's time grows with the pixel count
  var scan = null;  // the running camera: {stream, stop}

  function cameraStatus(message) { text(els.cameraStatus, message || ""); }

  function cameraButton(running) {
    if (els.cameraLabel) { text(els.cameraLabel, running ? root.dataset.cameraStop : root.dataset.cameraStart); }
    els.camera.setAttribute("aria-pressed", running ? "true" : "false");
  }

  function stopCamera() {
    if (!scan) { return; }
    scan.stop();
    scan.stream.getTracks().forEach(function (t) { t.stop(); });
    els.video.srcObject = null;
    els.video.hidden = true;
    scan = null;
    cameraButton(false);
    cameraStatus("");
  }

  function scanned(value) {
    stopCamera();
    els.payload.value = value;
    check();
  }

  // The QR text in a canvas holding a camera frame, or null.
  function decodeCanvas(canvas) {
    var context = canvas.getContext("2d", { willReadFrequently: true });
    var image = context.getImageData(0, 0, canvas.width, canvas.height);
    var code = window.jsQR(image.data, image.width, image.height, { inversionAttempts: "dontInvert" });
    return code && code.data ? code.data : null;
  }

  function detectorReadsQr() {
    if (!("BarcodeDetector" in window)) { return Promise.resolve(false); }
    if (!window.BarcodeDetector.getSupportedFormats) { return Promise.resolve(true); }
    return window.BarcodeDetector.getSupportedFormats().then(
      function (formats) { return formats.indexOf("qr_code") >= 0; }, function () { return false; }
    );
  }

  function detectorLoop() {
    var detector = new window.BarcodeDetector({ formats: ["qr_code"] });
    var timer = window.setInterval(function () {
      detector.detect(els.video).then(function (codes) {
        if (codes.length && scan) { scanned(codes[0].rawValue); }
      }).catch(function () {});
    }, SCAN_EVERY_MS);
    return function () { window.clearInterval(timer); };
  }

  function jsqrLoop() {
    var canvas = document.createElement("canvas");
    var context = canvas.getContext("2d", { willReadFrequently: true });
    var last = 0;
    var frame = 0;
    function tick(now) {
      frame = window.requestAnimationFrame(tick);
      var w = els.video.videoWidth;
      var h = els.video.videoHeight;
      if (now - last < SCAN_EVERY_MS || els.video.readyState < 2 || !w || !h) { return; }
      last = now;
      var ratio = Math.min(1, MAX_SIDE / Math.max(w, h));
      canvas.width = Math.round(w * ratio);
      canvas.height = Math.round(h * ratio);
      context.drawImage(els.video, 0, 0, canvas.width, canvas.height);
      var value = decodeCanvas(canvas);
      if (value && scan) { scanned(value); }
    }
    frame = window.requestAnimationFrame(tick);
    return function () { window.cancelAnimationFrame(frame); };
  }

  function noCamera() {
    cameraStatus(root.dataset.cameraNone);
    els.payload.focus();
  }

  function camera() {
    if (scan) { stopCamera(); return; }  // the same button stops it
    var media = navigator.mediaDevices;
    if (!media || !media.getUserMedia || !("BarcodeDetector" in window || window.jsQR)) { noCamera(); return; }
    Promise.all([media.getUserMedia({ video: { facingMode: "environment" }, audio: false }), detectorReadsQr()])
      .then(function (got) {
        var stream = got[0];
        if (!got[1] && !window.jsQR) { stream.getTracks().forEach(function (t) { t.stop(); }); noCamera(); return; }
        scan = { stream: stream, stop: function () {} };
        els.video.srcObject = stream;
        els.video.hidden = false;
        els.video.play().catch(function () {});
        scan.stop = got[1] ? detectorLoop() : jsqrLoop();
        cameraButton(true);
        cameraStatus(root.dataset.cameraAim);
      })
      .catch(noCamera);  // refused or no camera: the guard types or uses a scanner
  }

  els.checkpoint.addEventListener("change", function () { save("checkpoint", els.checkpoint.value); });
  els.check.addEventListener("click", check);
  els.payload.addEventListener("keydown", function (e) { if (e.key === "Enter") { e.preventDefault(); check(); } });
  if (els.camera) { els.camera.addEventListener("click", camera); }
  // A hidden page (screen off, app switched) lets go of the camera: the light goes off, the battery lasts.
  document.addEventListener("visibilitychange", function () { if (document.hidden) { stopCamera(); } });
  window.addEventListener("pagehide", stopCamera);
  window.addEventListener("online", function () { refresh(); upload(); });
  if ("serviceWorker" in navigator && root.dataset.sw) {
    navigator.serviceWorker.register(root.dataset.sw, { scope: root.dataset.swScope }).catch(function () {});
  }
  refresh().then(upload);
})();
