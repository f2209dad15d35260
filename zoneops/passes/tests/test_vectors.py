"""The shared test vectors file: the server verifier and the in-browser verifier (Chromium) give the same reasons."""

from __future__ import annotations

import base64
import datetime as dt
import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from zoneops.passes import cose

VECTORS = Path(__file__).parent / "vectors" / "vectors.json"
VERIFIER_JS = Path(__file__).resolve().parents[1] / "static" / "passes" / "verifier.js"
CHROMIUM = Path("/usr/bin/chromium")


def _bytes(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _document() -> dict:
    return json.loads(VECTORS.read_text(encoding="utf-8"))


def _trust(jwks: dict) -> dict[bytes, cose.TrustedKey]:
    trust = {}
    for jwk in jwks["keys"]:
        numbers = ec.EllipticCurvePublicNumbers(
            int.from_bytes(_bytes(jwk["x"]), "big"), int.from_bytes(_bytes(jwk["y"]), "big"), ec.SECP256R1()
        )
        trust[_bytes(jwk["kid"])] = cose.TrustedKey(numbers.public_key(), frozenset(jwk["pass_types"]))
    return trust


def test_vectors_file_is_what_the_command_generates_and_covers_every_reason():
    document = _document()
    assert {v["reason"] for v in document["vectors"]} == set(cose.REASONS)
    assert len(document["vectors"]) == 20


def test_server_verifier_on_the_vectors_file():
    document = _document()
    now = dt.datetime.fromtimestamp(document["now"], tz=dt.UTC)
    trust = _trust(document["jwks"])
    got = {}
    for vector in document["vectors"]:
        info = document["checkpoints"][vector["checkpoint"]]
        state = cose.RevocationState(
            revoked=frozenset(vector["revoked"]),
            suspended=frozenset(vector["suspended"]),
            issued_at=now - dt.timedelta(hours=vector["lists_age_hours"]),
        )
        checkpoint = cose.CheckpointInfo(info["code"], frozenset(info["areas"]))
        got[vector["name"]] = cose.verify(vector["payload"], checkpoint, now, trust, state).reason
    assert got == {v["name"]: v["reason"] for v in document["vectors"]}


BROWSER_RUN = """async (doc) => {
  const trust = await ZonePassVerifier.importJwks(doc.jwks);
  const out = {};
  for (const v of doc.vectors) {
    const lists = {revoked: v.revoked, suspended: v.suspended, issuedAt: doc.now * 1000 - v.lists_age_hours * 3600000};
    const r = await ZonePassVerifier.verify(v.payload, doc.checkpoints[v.checkpoint], doc.now * 1000, trust, lists);
    out[v.name] = r.reason + (r.amber ? "+amber" : "");
  }
  return out;
}"""


@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian Chromium is not installed")
def test_browser_verifier_on_the_vectors_file():
    from playwright.sync_api import sync_playwright

    document = _document()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"])
        try:
            page = browser.new_page()
            errors = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            # An https origin (a secure context, so WebCrypto is available) served from memory: no network.
            page.route(
                "https://verifier.test/",
                lambda route: route.fulfill(
                    content_type="text/html",
                    body='<!doctype html><script src="/verifier.js"></script>',
                ),
            )
            page.route(
                "https://verifier.test/verifier.js",
                lambda route: route.fulfill(content_type="text/javascript", body=VERIFIER_JS.read_text()),
            )
            page.goto("https://verifier.test/")
            got = page.evaluate(BROWSER_RUN, document)
        finally:
            browser.close()
    expected = {v["name"]: v["reason"] for v in document["vectors"]}
    expected["valid_lists_30h_old_amber"] = "ok+amber"
    assert got == expected
    assert errors == []
