// Gate verifier page: keeps the key list, the revocation list and the checkpoint list offline,
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
    result: root.querySelector("[data-result]"),
    lists: root.querySelector("[data-lists]"),
    queue: root.querySelector("[data-queue]")
  };
  var trust = {};

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
    var rev = load("revocations", null);
    if (!rev) { text(els.lists, root.dataset.noLists); return; }
    var hours = (Date.now() - Date.parse(rev.issued_at)) / 3600000;
    text(els.lists, root.dataset.listsLabel + " v" + rev.version + " · " + hours.toFixed(1) + " h");
    els.lists.className = "small " + (hours > 72 ? "text-danger" : hours > 24 ? "text-warning" : "text-success");
  }

  function fillCheckpoints() {
    var list = load("checkpoints", []);
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

  function refresh() {
    return Promise.all([getJSON("/passes/jwks.json"), getJSON("/passes/revocations"), getJSON("/checkpoints")])
      .then(function (parts) {
        var held = load("revocations", null);
        if (held && parts[1].version < held.version) { throw new Error("older revocation list refused"); }
        save("jwks", parts[0]);
        save("revocations", parts[1]);
        save("checkpoints", parts[2].items);
      })
      .catch(function () { /* offline: keep what we hold */ })
      .then(function () {
        fillCheckpoints();
        showLists();
        return ZonePassVerifier.importJwks(load("jwks", { keys: [] })).then(function (t) { trust = t; });
      });
  }

  function currentCheckpoint() {
    var code = els.checkpoint.value;
    var found = load("checkpoints", []).filter(function (c) { return c.code === code; })[0];
    return found ? { code: found.code, areas: found.area ? [found.area] : [] } : { code: code, areas: [] };
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
    var rev = load("revocations", { revoked: [], suspended: [], issued_at: "1970-01-01T00:00:00Z" });
    var lists = { revoked: rev.revoked, suspended: rev.suspended, issuedAt: Date.parse(rev.issued_at) };
    var checkpoint = currentCheckpoint();
    ZonePassVerifier.verify(payload, checkpoint, Date.now(), trust, lists).then(function (result) {
      render(result);
      queueScan(payload, checkpoint.code);
      els.payload.value = "";
    });
  }

  function camera() {
    if (!("BarcodeDetector" in window) || !navigator.mediaDevices) { els.payload.focus(); return; }
    var detector = new window.BarcodeDetector({ formats: ["qr_code"] });
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } }).then(function (stream) {
      els.video.hidden = false;
      els.video.srcObject = stream;
      els.video.play();
      var timer = window.setInterval(function () {
        detector.detect(els.video).then(function (codes) {
          if (!codes.length) { return; }
          window.clearInterval(timer);
          stream.getTracks().forEach(function (t) { t.stop(); });
          els.video.hidden = true;
          els.payload.value = codes[0].rawValue;
          check();
        }).catch(function () {});
      }, 250);
    }).catch(function () { els.payload.focus(); });
  }

  els.checkpoint.addEventListener("change", function () { save("checkpoint", els.checkpoint.value); });
  els.check.addEventListener("click", check);
  els.payload.addEventListener("keydown", function (e) { if (e.key === "Enter") { e.preventDefault(); check(); } });
  if (els.camera) { els.camera.addEventListener("click", camera); }
  window.addEventListener("online", function () { refresh(); upload(); });
  if ("serviceWorker" in navigator && root.dataset.sw) {
    navigator.serviceWorker.register(root.dataset.sw, { scope: root.dataset.swScope }).catch(function () {});
  }
  refresh().then(upload);
})();
