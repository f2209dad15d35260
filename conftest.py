"""Shared pytest fixtures."""

from pathlib import Path

import pytest
from django.utils import translation


@pytest.fixture(scope="session", autouse=True)
def _static_root_exists():
    """WhiteNoise warns on every handler when STATIC_ROOT is missing; tests serve static files from the finders."""
    from django.conf import settings

    Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)


@pytest.fixture(autouse=True)
def _messages_in_english(settings):
    """Assertions compare the English msgids, so tests run in English unless they switch.

    Production defaults to Simplified Chinese (settings.LANGUAGE_CODE); tests marked with the
    `chinese` fixture below check that default and the translations.
    """
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def chinese(settings):
    """Run a test in the production default language, Simplified Chinese."""
    settings.LANGUAGE_CODE = "zh-hans"
    with translation.override("zh-hans"):
        yield


@pytest.fixture
def api_client(client):
    """A Django test client (JSON helpers come from the tests)."""
    return client


@pytest.fixture(scope="module")
def allow_sync_playwright():
    """Playwright's sync API runs an event loop in the test thread; the ORM must stay usable beside it.

    Module-scoped so it outlives a module-scoped browser and the database teardown, but set per browser
    module and never at import: the variable would otherwise leak into the deploy checks.
    """
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        yield
