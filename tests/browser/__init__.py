"""Browser tests: Playwright driving Debian Chromium against the live server."""
