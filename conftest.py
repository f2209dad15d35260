"""Shared pytest fixtures."""

import pytest
from django.utils import translation


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
