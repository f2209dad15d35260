"""The gate verifier page in Chromium: loads the lists online, then checks passes with the network cut."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings as django_settings

from zoneops.core import clock
from zoneops.passes import services
from zoneops.passes.tests.conftest import rider_values, tampered_checkpoint_list

CHROMIUM = Path("/usr/bin/chromium")

pytestmark = [
    pytest.mark.usefixtures("allow_sync_playwright"),
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian Chromium is not installed"),
]


def _offline_noise(text: str) -> bool:
    """Console errors that only say a request failed offline (the verifier page makes none of its own)."""
    return "net::ERR_" in text


def test_verifier_works_offline_after_first_load(live_server, client, guard, reviewer, station, scj_key):
    application = services.submit_application(
        actor=reviewer, values=rider_values(station, valid_from=clock.today(), valid_days=3)
    )
    issued = services.approve_application(
        actor=reviewer, application=application, checklist={"identity": True, "station": True, "health": True}
    )
    services.publish_revocation_list(actor=None)  # GET never publishes: the first list comes from a write or the task
    client.force_login(guard)
    session = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"])
        try:
            context = browser.new_context()
            context.add_cookies(
                [{"name": django_settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}]
            )
            page = context.new_page()
            errors = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("console", lambda m: m.type == "error" and not _offline_noise(m.text) and errors.append(m.text))
            page.goto(f"{live_server.url}/passes/verify", wait_until="networkidle")
            page.wait_for_selector("[data-checkpoint] option", state="attached")
            page.evaluate("navigator.serviceWorker.ready")
            page.select_option("[data-checkpoint]", "ZYHY-N")
            context.set_offline(True)
            page.reload(wait_until="load")
            page.wait_for_selector("[data-checkpoint] option", state="attached")
            page.fill("[data-payload]", issued.payload)
            page.click("[data-check]")
            page.wait_for_selector(".zo-verdict-green")
            assert "李嘉庆" in page.inner_text("[data-result]")
            page.fill("[data-payload]", issued.payload[:-9] + "ZZZZZZZZZ")
            page.click("[data-check]")
            page.wait_for_selector(".zo-verdict-red")
            page.select_option("[data-checkpoint]", "G15-NT")
            page.fill("[data-payload]", issued.payload)
            page.click("[data-check]")
            page.wait_for_selector(".zo-verdict-red")
            queued = page.evaluate("JSON.parse(localStorage.getItem('zoneops.verifier.queue')).length")
            assert queued == 3
            context.set_offline(False)
            page.evaluate("window.dispatchEvent(new Event('online'))")
            for _ in range(100):  # the upload empties the queue (no string eval: the page's CSP forbids it)
                if page.evaluate("JSON.parse(localStorage.getItem('zoneops.verifier.queue') || '[]').length") == 0:
                    break
                page.wait_for_timeout(100)
        finally:
            browser.close()
    assert errors == []  # no JavaScript error, no CSP violation
    from zoneops.passes.models import Scan

    assert sorted(Scan.objects.values_list("source", "reason")) == [
        ("offline", "bad_format"),
        ("offline", "ok"),
        ("offline", "out_of_scope"),
    ]


def _forged_trust_list() -> tuple[dict, str]:
    """A trust list re-signed by an attacker's own 'root', listing the attacker's pass key; and a pass it signed."""
    import datetime as dt

    import cbor2

    from zoneops.passes import cose

    attacker = cose.generate_private_key()
    kid = cose.kid_of(attacker.public_key())
    numbers = attacker.public_key().public_numbers()
    jwk = {
        "kty": "EC",
        "crv": "P-256",
        "alg": "ES256",
        "use": "sig",
        "kid": services.b64url(kid),
        "x": services.b64url(numbers.x.to_bytes(32, "big")),
        "y": services.b64url(numbers.y.to_bytes(32, "big")),
        "pass_types": ["rider"],
        "issuer": "SCJ",
    }
    now = clock.now()
    body = {"keys": [jwk], "issued_at": int(now.timestamp())}
    signed = services.b64url(cose.sign1(cbor2.dumps(body), attacker, kid))
    trust_list = {"root": jwk, "keys": [jwk], "issued_at": body["issued_at"], "signed": signed}
    forged = cose.encode_pass(
        cose.Claims(
            "SCJ-R-2099-0001",
            "rider",
            "假骑手",
            "0000",
            now - dt.timedelta(hours=1),
            now + dt.timedelta(days=3),
            "SCJ",
            ("ZX-GATES",),
        ),
        attacker,
        kid,
    )
    return trust_list, forged


def test_verifier_refuses_a_trust_list_not_signed_by_the_pinned_root(live_server, client, guard, scj_key):
    """A trust list served with an attacker's key, signed by another 'root': refused; the forged pass is red."""
    trust_list, forged = _forged_trust_list()
    services.publish_revocation_list(actor=None)
    client.force_login(guard)
    session = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    import json

    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"])
        try:
            # service workers blocked so that the route below sees every list request
            context = browser.new_context(service_workers="block")
            context.add_cookies(
                [{"name": django_settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}]
            )
            context.route(
                "**/api/v1/passes/trust-list",
                lambda route: route.fulfill(status=200, content_type="application/json", body=json.dumps(trust_list)),
            )
            page = context.new_page()
            errors = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(f"{live_server.url}/passes/verify", wait_until="networkidle")
            page.wait_for_selector("[data-lists].text-danger")
            assert page.evaluate("localStorage.getItem('zoneops.verifier.trustlist')") is None
            page.fill("[data-payload]", forged)
            page.click("[data-check]")
            page.wait_for_selector(".zo-verdict-red")
            assert "假骑手" not in page.inner_text("[data-result]")
            # the genuine list, once served, is accepted: the lists line turns green
            context.unroute("**/api/v1/passes/trust-list")
            page.reload(wait_until="networkidle")
            page.wait_for_selector("[data-lists].text-success")
            assert page.evaluate("localStorage.getItem('zoneops.verifier.trustlist')") is not None
            page.fill("[data-payload]", forged)
            page.click("[data-check]")
            page.wait_for_selector(".zo-verdict-red")
        finally:
            browser.close()
    assert errors == []


def _issue_rider_pass(reviewer, station):
    application = services.submit_application(
        actor=reviewer, values=rider_values(station, valid_from=clock.today(), valid_days=3)
    )
    return services.approve_application(
        actor=reviewer, application=application, checklist={"identity": True, "station": True, "health": True}
    )


def test_verifier_refuses_a_tampered_checkpoint_list(live_server, client, guard, reviewer, station, scj_key):
    """A checkpoint list that moves G15-NT into ZX-GATES (root signature kept, so it no longer verifies) is refused,
    served or planted in storage: the rider pass scoped to ZX-GATES stays red at G15-NT."""
    issued = _issue_rider_pass(reviewer, station)
    services.publish_revocation_list(actor=None)
    tampered = tampered_checkpoint_list()
    client.force_login(guard)
    session = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    import json

    from playwright.sync_api import sync_playwright

    def serve_tampered(route):
        route.fulfill(status=200, content_type="application/json", body=json.dumps(tampered))

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"])
        try:
            context = browser.new_context(service_workers="block")  # every list request meets the routes below
            context.add_cookies(
                [{"name": django_settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}]
            )
            page = context.new_page()
            errors = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            held = "localStorage.getItem('zoneops.verifier.checkpointlist')"
            options = "Array.from(document.querySelectorAll('[data-checkpoint] option')).map(o => o.value)"
            # Nothing held yet, a tampered list served: refused, no checkpoint to choose.
            context.route("**/api/v1/passes/checkpoint-list", serve_tampered)
            page.goto(f"{live_server.url}/passes/verify", wait_until="networkidle")
            page.wait_for_selector("[data-lists].text-danger")
            assert "not signed by the zone root key" in page.inner_text("[data-lists]")
            assert page.evaluate(held) is None
            assert page.evaluate(options) == []
            # The genuine list is accepted; G15-NT is outside the pass's scope.
            context.unroute("**/api/v1/passes/checkpoint-list")
            page.reload(wait_until="networkidle")
            page.wait_for_selector("[data-lists].text-success")
            genuine = page.evaluate(held)
            assert genuine is not None and "G15-NT" in page.evaluate(options)
            page.select_option("[data-checkpoint]", "G15-NT")
            page.fill("[data-payload]", issued.payload)
            page.click("[data-check]")
            page.wait_for_selector(".zo-verdict-red")
            # The tampered list served again: refused, the genuine one held stays in force.
            context.route("**/api/v1/passes/checkpoint-list", serve_tampered)
            page.reload(wait_until="networkidle")
            page.wait_for_selector("[data-lists].text-danger")
            assert page.evaluate(held) == genuine
            page.select_option("[data-checkpoint]", "G15-NT")
            page.fill("[data-payload]", issued.payload)
            page.click("[data-check]")
            page.wait_for_selector(".zo-verdict-red")
            assert "Not valid at this checkpoint" in page.inner_text("[data-result]")
            # Planted in the device's storage while offline (lists unreachable): not opened, no checkpoint offered.
            context.unroute("**/api/v1/passes/checkpoint-list")
            context.route("**/api/v1/passes/checkpoint-list", lambda route: route.abort())
            page.evaluate(
                "s => localStorage.setItem('zoneops.verifier.checkpointlist', JSON.stringify(s))", tampered["signed"]
            )
            page.reload(wait_until="networkidle")
            page.wait_for_selector("[data-lists]:not(:empty)")
            assert page.evaluate(options) == []
            page.fill("[data-payload]", issued.payload)
            page.click("[data-check]")
            page.wait_for_selector(".zo-verdict-red")
        finally:
            browser.close()
    assert errors == []


def test_verifier_refuses_an_older_trust_list_with_a_withdrawn_key(
    live_server, client, guard, reviewer, station, scj_key
):
    """A genuine trust list from before a key was withdrawn (root signature valid, version lower), replayed:
    refused, the newer list held stays in force, and the withdrawn key's pass stays red (unknown_key)."""
    issued = _issue_rider_pass(reviewer, station)
    old = services.signed_trust_list()
    services.withdraw_key(actor=None, kid=scj_key.kid, note="compromised")
    current = services.signed_trust_list()
    assert current["version"] > old["version"] and current["keys"] == [] and len(old["keys"]) == 1
    services.publish_revocation_list(actor=None)
    client.force_login(guard)
    session = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    import json

    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"])
        try:
            context = browser.new_context(service_workers="block")  # every list request meets the route below
            context.add_cookies(
                [{"name": django_settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}]
            )
            page = context.new_page()
            errors = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            held = "localStorage.getItem('zoneops.verifier.trustlist')"
            # The current list (without the withdrawn key) is loaded: the key's pass is red.
            page.goto(f"{live_server.url}/passes/verify", wait_until="networkidle")
            page.wait_for_selector("[data-lists].text-success")
            genuine = page.evaluate(held)
            assert genuine is not None
            page.fill("[data-payload]", issued.payload)
            page.click("[data-check]")
            page.wait_for_selector(".zo-verdict-red")
            assert "Unknown issuer key" in page.inner_text("[data-result]")
            # The older list, still listing the key, is replayed: refused with the reason, the held list stays.
            context.route(
                "**/api/v1/passes/trust-list",
                lambda route: route.fulfill(status=200, content_type="application/json", body=json.dumps(old)),
            )
            page.reload(wait_until="networkidle")
            page.wait_for_selector("[data-lists].text-danger")
            assert "Key list refused: older than the one held" in page.inner_text("[data-lists]")
            assert page.evaluate(held) == genuine
            page.fill("[data-payload]", issued.payload)
            page.click("[data-check]")
            page.wait_for_selector(".zo-verdict-red")
            assert "Unknown issuer key" in page.inner_text("[data-result]")
            assert "李嘉庆" not in page.inner_text("[data-result]")
        finally:
            browser.close()
    assert errors == []
