"""Every demo account signs in through the form and opens every menu entry it has, in a real browser.

Fails on any HTTP status >= 400 (pages, htmx fragments, CSS, JS, fonts) and on any browser console error,
which includes Content-Security-Policy violations and JavaScript exceptions.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command

from zoneops.accounts.demo import BUSINESS_APPS

# Playwright's sync API runs an event loop in this thread; the ORM calls of the fixtures are still synchronous.

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PASSWORD = "Browser-Demo-2022"
RESULTS = Path(django_settings.BASE_DIR) / "test-results"

pytestmark = [
    pytest.mark.usefixtures("allow_sync_playwright"),
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian Chromium is not installed (apt-get install chromium)"),
]


@dataclass
class Watch:
    """What went wrong while a page was open."""

    problems: list[str] = field(default_factory=list)
    responses: list[str] = field(default_factory=list)

    def attach(self, page, who: str) -> None:
        page.on("response", lambda r: self._response(who, r))
        page.on("console", lambda m: m.type == "error" and self.problems.append(f"{who}: console: {m.text}"))
        page.on("pageerror", lambda e: self.problems.append(f"{who}: page error: {e}"))
        page.on("requestfailed", lambda r: self.problems.append(f"{who}: request failed: {r.url} {r.failure}"))

    def _response(self, who: str, response) -> None:
        self.responses.append(response.url)
        if response.status >= 400:
            self.problems.append(f"{who}: HTTP {response.status} {response.request.method} {response.url}")


@pytest.fixture(scope="module")
def browser(allow_sync_playwright):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def demo_zone(settings, tmp_path, monkeypatch):
    """The whole demo zone, built by `manage.py demo`; returns the usernames the credentials file lists."""
    monkeypatch.setenv("ZONEOPS_DEMO_PASSWORD", PASSWORD)
    settings.DEMO_MODE = True
    settings.VAR_DIR = tmp_path  # keep the developer's var/demo-credentials.txt untouched
    call_command("demo", stdout=io.StringIO())
    lines = (tmp_path / "demo-credentials.txt").read_text().splitlines()
    usernames = [line.split()[0] for line in lines[1:] if line.startswith("  ") and "password:" not in line]
    assert f"  password: {PASSWORD}" in lines
    return usernames


def sign_in(browser, base_url: str, username: str, watch: Watch, **context_options):
    """A fresh browser context (Chinese locale) signed in as `username` through the login form."""
    context = browser.new_context(locale="zh-CN", **context_options)
    page = context.new_page()
    watch.attach(page, username)
    page.goto(f"{base_url}/accounts/login/", wait_until="networkidle")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert page.url == f"{base_url}/", f"{username} did not reach the home page after signing in: {page.url}"
    return context, page


def menu_of(page) -> list[tuple[str, str]]:
    """(url name, href) of every link in the left menu."""
    return page.eval_on_selector_all("a[data-menu]", "els => els.map(e => [e.dataset.menu, e.getAttribute('href')])")


def test_every_demo_account_opens_every_menu_entry(browser, live_server, demo_zone):
    """One test, so the (large) demo zone is built once for all accounts and the screenshots."""
    watch = Watch()
    visited: dict[str, list[str]] = {}
    for username in demo_zone:
        context, page = sign_in(browser, live_server.url, username, watch)
        try:
            lang = page.locator("html").get_attribute("lang")
            if lang != "zh-CN":
                watch.problems.append(f"{username}: home page is in {lang!r}, not zh-CN")
            menu = menu_of(page)
            visited[username] = [name for name, _ in menu]
            for _, href in menu:
                response = page.goto(live_server.url + href, wait_until="networkidle")
                assert response is not None, f"{username}: no response for {href}"
                if response.status >= 400:
                    watch.problems.append(f"{username}: menu {href} answered {response.status}")
                if "/accounts/login/" in page.url:
                    watch.problems.append(f"{username}: menu {href} sent the user back to the login page")
        finally:
            context.close()
    screenshots(browser, live_server.url, watch)

    assert not watch.problems, "\n".join(watch.problems)
    assert set(visited) == set(demo_zone)
    # The shell's own assets were fetched (and, by the check above, none answered 404).
    assert any("/static/vendor/bootstrap/css/bootstrap" in url for url in watch.responses)
    assert any("/static/zoneops/app.css" in url for url in watch.responses)
    assert any("/static/zoneops/app.js" in url for url in watch.responses)
    # Separation of duties (三员分立) shows in the menus: each administrator sees only their own pages.
    assert "accounts:user-list" in visited["sysadmin"] and "accounts:login-log" not in visited["sysadmin"]
    assert "accounts:login-log" in visited["secadmin"] and "accounts:user-list" not in visited["secadmin"]
    # Self-service entries (own API tokens, own passes) are everybody's; anything else of a business module is not
    # for the administrators.
    everybody = set.intersection(*(set(names) for names in visited.values()))
    for administrator in ("sysadmin", "secadmin", "auditor"):
        business = [n for n in visited[administrator] if n.split(":")[0] in BUSINESS_APPS and n not in everybody]
        assert business == [], administrator
    # The leader reads every business module.
    assert {name.split(":")[0] for name in visited["leader"]} >= {"enterprises", "investment", "economy"}


def screenshots(browser, base_url: str, watch: Watch) -> None:
    """The leader's home on a desktop and a list page on a 375 px phone, into test-results/ for a human look."""
    RESULTS.mkdir(exist_ok=True)
    context, page = sign_in(browser, base_url, "leader", watch, viewport={"width": 1366, "height": 900})
    try:
        page.screenshot(path=str(RESULTS / "leader-home.png"), full_page=True)
        # Bootstrap's stylesheet is applied (it defines the body font stack as a CSS variable).
        font = page.evaluate("getComputedStyle(document.body).getPropertyValue('--bs-body-font-family')")
        if "system-ui" not in font:
            watch.problems.append(f"leader: Bootstrap CSS is not applied (body font stack {font!r})")
        sidebar = page.evaluate("getComputedStyle(document.querySelector('.zo-sidebar')).backgroundColor")
        if sidebar in ("transparent", "rgba(0, 0, 0, 0)"):
            watch.problems.append("leader: the left menu has no background on a wide screen (light text on light grey)")
        menu = menu_of(page)
    finally:
        context.close()
    lists = [href for name, href in menu if name.endswith("-list")] or [href for _, href in menu]
    assert lists, "the leader has no menu entries"

    context, page = sign_in(browser, base_url, "leader", watch, viewport={"width": 375, "height": 812})
    try:
        page.goto(base_url + lists[0], wait_until="networkidle")
        page.screenshot(path=str(RESULTS / "leader-list-375.png"), full_page=True)
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > 375:
            watch.problems.append(f"leader: {lists[0]} overflows a 375 px screen ({width} px wide)")
    finally:
        context.close()
