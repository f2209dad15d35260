// ZoneOps pass verifier (offline): Base45, CBOR, COSE_Sign1 and ES256 through WebCrypto.
// The same checks in the same order as zoneops/passes/cose.py; see docs/passes.md.
(function (global) {
  "use strict";

  var PREFIX = "ZP1:";
  var MAX_CHARS = 1500;
  var SKEW_MS = 5 * 60 * 1000;
  var AMBER_MS = 24 * 3600 * 1000;
  var STALE_MS = 72 * 3600 * 1000;
  var ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";

  function FormatError(message) { this.message = message; }

  function b45decode(text) {
    var digits = [];
    for (var i = 0; i < text.length; i++) {
      var v = ALPHABET.indexOf(text.charAt(i));
      if (v < 0) { throw new FormatError("not Base45"); }
      digits.push(v);
    }
    if (digits.length % 3 === 1) { throw new FormatError("not Base45"); }
    var out = [];
    for (var j = 0; j + 2 < digits.length; j += 3) {
      var n = digits[j] + digits[j + 1] * 45 + digits[j + 2] * 2025;
      if (n > 0xffff) { throw new FormatError("not Base45"); }
      out.push(n >> 8, n & 0xff);
    }
    if (digits.length % 3 === 2) {
      var m = digits[digits.length - 2] + digits[digits.length - 1] * 45;
      if (m > 0xff) { throw new FormatError("not Base45"); }
      out.push(m);
    }
    return new Uint8Array(out);
  }

  // A small strict CBOR decoder: ints, byte and text strings, arrays, maps, tags, false/true/null.
  function Tagged(tag, value) { this.tag = tag; this.value = value; }

  function cborDecode(bytes) {
    var pos = 0;
    var depth = 0;
    function need(n) { if (pos + n > bytes.length) { throw new FormatError("truncated CBOR"); } }
    function readLength(info) {
      if (info < 24) { return info; }
      var size = info === 24 ? 1 : info === 25 ? 2 : info === 26 ? 4 : info === 27 ? 8 : 0;
      if (!size) { throw new FormatError("unsupported CBOR length"); }
      need(size);
      var value = 0;
      for (var i = 0; i < size; i++) { value = value * 256 + bytes[pos++]; }
      if (value > Number.MAX_SAFE_INTEGER) { throw new FormatError("CBOR number too large"); }
      return value;
    }
    function item() {
      if (++depth > 16) { throw new FormatError("CBOR nested too deep"); }
      need(1);
      var first = bytes[pos++];
      var major = first >> 5;
      var info = first & 31;
      var result;
      if (major === 7) {
        if (info === 20) { result = false; } else if (info === 21) { result = true; } else if (info === 22) { result = null; } else { throw new FormatError("unsupported CBOR simple value"); }
      } else {
        var length = readLength(info);
        if (major === 0) { result = length; }
        else if (major === 1) { result = -1 - length; }
        else if (major === 2 || major === 3) {
          need(length);
          var chunk = bytes.slice(pos, pos + length);
          pos += length;
          result = major === 2 ? chunk : new TextDecoder("utf-8", { fatal: true }).decode(chunk);
        } else if (major === 4) {
          if (length > bytes.length) { throw new FormatError("bad CBOR array"); }
          result = [];
          for (var i = 0; i < length; i++) { result.push(item()); }
        } else if (major === 5) {
          if (length > bytes.length) { throw new FormatError("bad CBOR map"); }
          result = new Map();
          for (var k = 0; k < length; k++) { var key = item(); result.set(key, item()); }
        } else if (major === 6) {
          result = new Tagged(length, item());
        }
      }
      depth--;
      return result;
    }
    var value;
    try { value = item(); } catch (e) { if (e instanceof FormatError) { throw e; } throw new FormatError("bad CBOR"); }
    if (pos !== bytes.length) { throw new FormatError("trailing bytes"); }
    return value;
  }

  function head(major, length) {
    if (length < 24) { return [(major << 5) | length]; }
    if (length < 256) { return [(major << 5) | 24, length]; }
    if (length < 65536) { return [(major << 5) | 25, length >> 8, length & 0xff]; }
    return [(major << 5) | 26, (length >>> 24) & 0xff, (length >> 16) & 0xff, (length >> 8) & 0xff, length & 0xff];
  }

  function sigStructure(protectedBytes, payload) {
    var label = new TextEncoder().encode("Signature1");
    var parts = [[0x84], head(3, label.length), Array.from(label), head(2, protectedBytes.length),
      Array.from(protectedBytes), [0x40], head(2, payload.length), Array.from(payload)];
    return new Uint8Array([].concat.apply([], parts));
  }

  function hex(bytes) {
    return Array.from(bytes).map(function (b) { return (b < 16 ? "0" : "") + b.toString(16); }).join("");
  }

  function b64urlToBytes(text) {
    var s = text.replace(/-/g, "+").replace(/_/g, "/");
    while (s.length % 4) { s += "="; }
    var raw = atob(s);
    var out = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) { out[i] = raw.charCodeAt(i); }
    return out;
  }

  // Trust: {kidHex: {key: CryptoKey, types: [..]}} from a JWKS (kid = base64url of 8 bytes).
  function importJwks(jwks) {
    var trust = {};
    return Promise.all((jwks.keys || []).map(function (jwk) {
      return global.crypto.subtle.importKey(
        "jwk", { kty: "EC", crv: "P-256", x: jwk.x, y: jwk.y, ext: true },
        { name: "ECDSA", namedCurve: "P-256" }, false, ["verify"]
      ).then(function (key) { trust[hex(b64urlToBytes(jwk.kid))] = { key: key, types: jwk.pass_types || [] }; });
    })).then(function () { return trust; });
  }

  function parse(payload) {
    if (typeof payload !== "string" || payload.length > MAX_CHARS || payload.indexOf(PREFIX) !== 0) {
      throw new FormatError("prefix or length");
    }
    return parseSign1(b45decode(payload.slice(PREFIX.length)));
  }

  function parseSign1(bytes) {
    var cose = cborDecode(bytes);
    if (cose instanceof Tagged) {
      if (cose.tag !== 18) { throw new FormatError("not COSE_Sign1"); }
      cose = cose.value;
    }
    if (!Array.isArray(cose) || cose.length !== 4) { throw new FormatError("not COSE_Sign1"); }
    var protectedBytes = cose[0], unprotected = cose[1], body = cose[2], signature = cose[3];
    if (!(protectedBytes instanceof Uint8Array) || !(body instanceof Uint8Array) || !(signature instanceof Uint8Array) || !(unprotected instanceof Map)) {
      throw new FormatError("element types");
    }
    var header = protectedBytes.length ? cborDecode(protectedBytes) : new Map();
    if (!(header instanceof Map) || header.get(1) !== -7) { throw new FormatError("not ES256"); }
    var kid = header.get(4);
    if (!(kid instanceof Uint8Array) || kid.length !== 8) { throw new FormatError("kid"); }
    if (signature.length !== 64) { throw new FormatError("signature length"); }
    return { protectedBytes: protectedBytes, kid: hex(kid), body: body, signature: signature };
  }

  function claimsOf(body) {
    var raw = cborDecode(body);
    if (!(raw instanceof Map)) { throw new FormatError("claims"); }
    function text(key, required) {
      var v = raw.has(key) ? raw.get(key) : (required ? undefined : "");
      if (typeof v !== "string" || v.length > 300) { throw new FormatError("claim " + key); }
      return v;
    }
    function when(key) {
      var v = raw.get(key);
      if (typeof v !== "number" || v < 0 || v >= Math.pow(2, 34) || Math.floor(v) !== v) { throw new FormatError("claim " + key); }
      return v * 1000;
    }
    var scope = raw.has(7) ? raw.get(7) : [];
    if (!Array.isArray(scope) || !scope.every(function (c) { return typeof c === "string"; })) { throw new FormatError("scope"); }
    return {
      serial: text(1, true), type: text(2, true), holder_name: text(3, true), id_last4: text(4, true),
      valid_from: when(8), valid_to: when(9), issuer: text(10, true), scope: scope,
      plate: text(5, false), route: text(6, false), affiliation: text(11, false)
    };
  }

  // verify(payload, checkpoint {code, areas: []}, nowMs, trust, lists {revoked, suspended, issuedAt ms})
  function verify(payload, checkpoint, nowMs, trust, lists) {
    var red = function (reason, claims) { return { valid: false, reason: reason, amber: false, claims: claims || null }; };
    var message;
    try { message = parse(payload); } catch (e) { return Promise.resolve(red("bad_format")); }
    var entry = trust[message.kid];
    if (!entry) { return Promise.resolve(red("unknown_key")); }
    return global.crypto.subtle.verify(
      { name: "ECDSA", hash: "SHA-256" }, entry.key, message.signature, sigStructure(message.protectedBytes, message.body)
    ).then(function (ok) {
      if (!ok) { return red("bad_signature"); }
      var claims;
      try { claims = claimsOf(message.body); } catch (e) { return red("bad_format"); }
      if (entry.types.indexOf(claims.type) < 0) { return red("key_not_allowed", claims); }
      var age = nowMs - lists.issuedAt;
      if (!(age <= STALE_MS)) { return red("stale_lists", claims); }
      if ((lists.revoked || []).indexOf(claims.serial) >= 0) { return red("revoked", claims); }
      if ((lists.suspended || []).indexOf(claims.serial) >= 0) { return red("suspended", claims); }
      if (nowMs + SKEW_MS < claims.valid_from) { return red("not_yet_valid", claims); }
      if (nowMs - SKEW_MS > claims.valid_to) { return red("expired", claims); }
      var covered = claims.scope.indexOf(checkpoint.code) >= 0 ||
        (checkpoint.areas || []).some(function (a) { return claims.scope.indexOf(a) >= 0; });
      if (!covered) { return red("out_of_scope", claims); }
      return { valid: true, reason: "ok", amber: age > AMBER_MS, claims: claims };
    }, function () { return red("bad_signature"); });
  }

  // The zone root key, pinned: the page embeds its JWK; lists are trusted only when it signed them.
  function importRoot(jwk) {
    return global.crypto.subtle.importKey(
      "jwk", { kty: "EC", crv: "P-256", x: jwk.x, y: jwk.y, ext: true },
      { name: "ECDSA", namedCurve: "P-256" }, false, ["verify"]
    ).then(function (key) { return { key: key, kid: hex(b64urlToBytes(jwk.kid)) }; });
  }

  function plain(value) {
    if (value instanceof Map) {
      var out = {};
      value.forEach(function (v, k) { out[String(k)] = plain(v); });
      return out;
    }
    if (Array.isArray(value)) { return value.map(plain); }
    return value;
  }

  // The CBOR content of a base64url COSE_Sign1 made by the root key; rejects anything else.
  function openSigned(signed, rootKey) {
    var message;
    try {
      if (typeof signed !== "string" || signed.length > 4000000) { throw new FormatError("list"); }
      message = parseSign1(b64urlToBytes(signed));
    } catch (e) { return Promise.reject(new FormatError("list not COSE_Sign1")); }
    if (message.kid !== rootKey.kid) { return Promise.reject(new FormatError("list not signed by the zone root key")); }
    return global.crypto.subtle.verify(
      { name: "ECDSA", hash: "SHA-256" }, rootKey.key, message.signature, sigStructure(message.protectedBytes, message.body)
    ).then(function (ok) {
      if (!ok) { throw new FormatError("list signature does not verify"); }
      return cborDecode(message.body);
    });
  }

  // Trust list (signed JWKS with a version) -> {trust, version, issuedAt ms}, the trust map as importJwks makes it,
  // only from the signed content. A list from before versions counts as version 0, older than any versioned one.
  function openTrustList(signed, rootKey) {
    return openSigned(signed, rootKey).then(function (body) {
      var jwks = plain(body);
      if (!jwks || !Array.isArray(jwks.keys) || typeof jwks.issued_at !== "number") { throw new FormatError("trust list"); }
      var version = jwks.version === undefined ? 0 : jwks.version;
      if (typeof version !== "number" || version < 0 || Math.floor(version) !== version) { throw new FormatError("trust list"); }
      return importJwks(jwks).then(function (trust) {
        return { trust: trust, version: version, issuedAt: jwks.issued_at * 1000 };
      });
    });
  }

  // Revocation list {1: version, 2: issued_at, 3: revoked, 4: suspended} -> lists for verify().
  function openRevocations(signed, rootKey) {
    return openSigned(signed, rootKey).then(function (body) {
      if (!(body instanceof Map)) { throw new FormatError("revocation list"); }
      var lists = { version: body.get(1), issuedAt: body.get(2) * 1000, revoked: body.get(3), suspended: body.get(4) };
      var strings = function (a) { return Array.isArray(a) && a.every(function (x) { return typeof x === "string"; }); };
      if (typeof lists.version !== "number" || typeof body.get(2) !== "number" || !strings(lists.revoked) || !strings(lists.suspended)) {
        throw new FormatError("revocation list");
      }
      return lists;
    });
  }

  // Checkpoint list {"checkpoints": [{code, name, areas}], "issued_at"} -> {issuedAt ms, checkpoints}; a device takes
  // its gate and the areas covering it only from here, so a tampered list cannot widen what a pass is good for.
  function openCheckpoints(signed, rootKey) {
    return openSigned(signed, rootKey).then(function (body) {
      var list = plain(body);
      var text = function (x, max) { return typeof x === "string" && x.length > 0 && x.length <= max; };
      var valid = list && typeof list.issued_at === "number" && Array.isArray(list.checkpoints) &&
        list.checkpoints.every(function (c) {
          return c && text(c.code, 30) && typeof c.name === "string" && Array.isArray(c.areas) &&
            c.areas.every(function (a) { return text(a, 30); });
        });
      if (!valid) { throw new FormatError("checkpoint list"); }
      return {
        issuedAt: list.issued_at * 1000,
        checkpoints: list.checkpoints.map(function (c) { return { code: c.code, name: c.name, areas: c.areas.slice() }; })
      };
    });
  }

  global.ZonePassVerifier = {
    importRoot: importRoot, openTrustList: openTrustList, openRevocations: openRevocations, openCheckpoints: openCheckpoints,
    verify: verify, importJwks: importJwks, b45decode: b45decode, cborDecode: cborDecode };
})(window);
