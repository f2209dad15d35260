"""Shared pytest fixtures."""

import pytest


@pytest.fixture(autouse=True)
def _english_off(settings):
    """Tests run in the default language (Simplified Chinese) unless they switch."""
    settings.LANGUAGE_CODE = "zh-hans"


@pytest.fixture
def api_client(client):
    """A Django test client (JSON helpers come from the tests)."""
    return client
