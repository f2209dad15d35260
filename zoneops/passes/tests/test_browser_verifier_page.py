"""The gate verifier page in Chromium: loads the lists online, then checks passes with the network cut."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings as django_settings

from zoneops.core import clock
from zoneops.passes import services
from zoneops.passes.tests.conftest import rider_values

CHROMIUM = Path("/usr/bin/chromium")

pytestmark = [
    pytest.mark.usefixtures("allow_sync_playwright"),
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian Chromium is not installed"),
]


def test_verifier_works_offline_after_first_load(live_server, client, guard, reviewer, station, scj_key):
    application = services.submit_application(
        actor=reviewer, values=rider_values(station, valid_from=clock.today(), valid_days=3)
    )
    issued = services.approve_application(
        actor=reviewer, application=application, checklist={"identity": True, "station": True, "health": True}
    )
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
            page.on("console", lambda m: m.type == "error" and "net::ERR_" not in m.text and errors.append(m.text))
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
