"""The verifier's camera fallback: jsQR reads the pass QR where the browser has no BarcodeDetector.

Chromium's fake capture device plays a Y4M file as the rear camera, so the whole path runs: camera, canvas frames,
jsQR, the in-browser checks, the green verdict.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import segno
from django.conf import settings as django_settings
from django.contrib.staticfiles import finders

from zoneops.core import clock
from zoneops.passes import services
from zoneops.passes.tests.conftest import rider_values

CHROMIUM = Path("/usr/bin/chromium")
WIDTH, HEIGHT = 640, 480
JSQR = "vendor/jsqr/jsQR.js"

BROWSER_MARKS = (
    pytest.mark.usefixtures("allow_sync_playwright"),
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian Chromium is not installed"),
)


def browser_test(function):
    """The marks of the browser tests (the page checks below run without a browser)."""
    for mark in reversed(BROWSER_MARKS):
        function = mark(function)
    return function


def write_y4m(path: Path, payload: str | None) -> Path:
    """One 640x480 YUV4MPEG2 (C420) frame: the payload's QR code, black on white, centred; blank without one."""
    luma = bytearray(b"\xff" * (WIDTH * HEIGHT))
    if payload is not None:
        rows = [list(row) for row in segno.make_qr(payload, error="m").matrix]
        quiet = 4  # modules of white around the code, as scanners expect
        scale = (HEIGHT - 40) // (len(rows) + 2 * quiet)
        side = len(rows) * scale
        left, top = (WIDTH - side) // 2, (HEIGHT - side) // 2
        for y in range(side):
            row = rows[y // scale]
            start = (top + y) * WIDTH + left
            luma[start : start + side] = bytes(0 if row[x // scale] else 255 for x in range(side))
    chroma = b"\x80" * (WIDTH // 2 * HEIGHT // 2)  # neutral: a grey-scale picture
    header = f"YUV4MPEG2 W{WIDTH} H{HEIGHT} F10:1 Ip A1:1 C420\n".encode()
    path.write_bytes(header + b"FRAME\n" + bytes(luma) + chroma + chroma)
    return path


def _valid_pass(reviewer, station):
    """李嘉庆's rider pass, valid at the ZX-GATES checkpoints from today, and a published revocation list."""
    application = services.submit_application(
        actor=reviewer, values=rider_values(station, valid_from=clock.today(), valid_days=3)
    )
    issued = services.approve_application(
        actor=reviewer, application=application, checklist={"identity": True, "station": True, "health": True}
    )
    services.publish_revocation_list(actor=None)
    return issued


def _launch(playwright, video: Path):
    """Debian Chromium whose camera plays the video file, allowed without a prompt."""
    return playwright.chromium.launch(
        executable_path=str(CHROMIUM),
        args=[
            "--no-sandbox",
            "--disable-gpu",
            "--use-fake-ui-for-media-stream",
            "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-video-capture={video}",
        ],
    )


def _open_verifier(browser, live_server, client, guard, errors: list):
    """The verifier page, logged in as the guard, with no BarcodeDetector (as on iOS Safari or desktop Chromium)."""
    client.force_login(guard)
    session = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    context = browser.new_context()
    context.add_cookies([{"name": django_settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}])
    context.add_init_script(script="delete window.BarcodeDetector;")
    page = context.new_page()
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: m.type == "error" and "net::ERR_" not in m.text and errors.append(m.text))
    page.goto(f"{live_server.url}/passes/verify", wait_until="networkidle")
    page.wait_for_selector("[data-checkpoint] option", state="attached")
    return context, page


def test_verifier_page_loads_jsqr_and_the_service_worker_caches_it(client, guard):
    """The page loads the vendored jsQR from the platform (no CDN, no inline script) and the worker precaches it."""
    assert finders.find(JSQR), "npm install: node_modules/jsqr is missing"
    client.force_login(guard)
    html = client.get("/passes/verify").content.decode()
    assert f'<script src="/static/{JSQR}" defer></script>' in html
    assert 'data-camera-stop="Stop camera"' in html and "data-camera-none=" in html
    worker = client.get("/passes/sw.js").content.decode()
    assert f'"/static/{JSQR}"' in worker


@browser_test
def test_camera_fallback_reads_the_qr_with_jsqr_offline(
    live_server, client, guard, reviewer, station, scj_key, tmp_path
):
    """Offline after the first load, no BarcodeDetector: the camera sees the QR, the verdict is green, camera off."""
    issued = _valid_pass(reviewer, station)
    video = write_y4m(tmp_path / "qr.y4m", issued.payload)
    errors: list = []
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = _launch(playwright, video)
        try:
            context, page = _open_verifier(browser, live_server, client, guard, errors)
            page.evaluate("navigator.serviceWorker.ready")
            page.select_option("[data-checkpoint]", "ZYHY-N")
            context.set_offline(True)
            page.reload(wait_until="load")  # page, scripts and jsQR from the worker's cache
            page.wait_for_selector("[data-checkpoint] option", state="attached")
            assert page.evaluate("'BarcodeDetector' in window") is False
            assert page.evaluate("typeof window.jsQR") == "function"
            page.click("[data-camera]")
            page.wait_for_selector(".zo-verdict-green", timeout=15000)
            verdict = page.inner_text("[data-result]")
            assert "李嘉庆" in verdict and issued.serial in verdict
            assert page.evaluate("document.querySelector('[data-video]').srcObject") is None  # camera released
            assert page.is_hidden("[data-video]")
            assert page.inner_text("[data-camera-label]") == "Camera"
            assert page.input_value("[data-payload]") == ""  # cleared by the same check as typed input
            queue = page.evaluate("JSON.parse(localStorage.getItem('zoneops.verifier.queue'))")
            assert [(scan["payload"], scan["checkpoint"]) for scan in queue] == [(issued.payload, "ZYHY-N")]
        finally:
            browser.close()
    assert errors == []  # no JavaScript error, no CSP violation


@browser_test
def test_camera_stops_when_asked_and_when_the_page_is_hidden(live_server, client, guard, scj_key, tmp_path):
    """No QR in sight: the camera runs until the guard stops it, or until the page is hidden."""
    services.publish_revocation_list(actor=None)
    video = write_y4m(tmp_path / "blank.y4m", None)
    errors: list = []
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = _launch(playwright, video)
        try:
            _context, page = _open_verifier(browser, live_server, client, guard, errors)
            page.click("[data-camera]")
            page.wait_for_selector("[data-video]:not([hidden])")
            assert page.inner_text("[data-camera-label]") == "Stop camera"
            assert page.inner_text("[data-camera-status]") == "Hold the pass QR code in front of the camera"
            page.click("[data-camera]")  # the same button stops it
            page.wait_for_selector("[data-video]", state="hidden")
            assert page.inner_text("[data-camera-label]") == "Camera"

            page.click("[data-camera]")
            page.wait_for_selector("[data-video]:not([hidden])")
            page.evaluate("window.zoStream = document.querySelector('[data-video]').srcObject")
            page.evaluate(
                "Object.defineProperty(document, 'hidden', {value: true, configurable: true});"
                "document.dispatchEvent(new Event('visibilitychange'))"
            )
            page.wait_for_selector("[data-video]", state="hidden")
            assert page.evaluate("window.zoStream.getTracks().every(t => t.readyState === 'ended')") is True
            assert "zo-verdict-idle" in page.get_attribute("[data-result]", "class")  # nothing was checked

            page.fill("[data-payload]", "ZP1:not-a-pass")  # typing still works beside the camera
            page.click("[data-check]")
            page.wait_for_selector(".zo-verdict-red")
        finally:
            browser.close()
    assert errors == []
