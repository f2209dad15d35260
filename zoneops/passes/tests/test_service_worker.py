"""The verifier's service worker precaches the page and every asset under the names production serves."""

import json

import pytest
from django.contrib.staticfiles.storage import StaticFilesStorage
from django.test import override_settings

from zoneops.passes.views import VERIFIER_ASSETS

pytestmark = pytest.mark.django_db


class HashedNames(StaticFilesStorage):
    """Content-hashed names as ManifestStaticFilesStorage gives them (without needing collectstatic)."""

    def url(self, name):
        stem, dot, ext = name.rpartition(".")
        return super().url(f"{stem}.0123456789ab.{ext}")


def shell_of(client) -> tuple[list[str], str]:
    body = client.get("/passes/sw.js").content.decode()
    first, second = body.splitlines()[:2]
    shell = json.loads(first.removeprefix("self.ZONEOPS_SHELL = ").removesuffix(";"))
    version = json.loads(second.removeprefix("self.ZONEOPS_SHELL_VERSION = ").removesuffix(";"))
    return shell, version


def test_the_worker_lists_the_page_and_every_asset_it_loads(client):
    response = client.get("/passes/sw.js")
    assert response["Service-Worker-Allowed"] == "/passes/"
    shell, version = shell_of(client)
    assert shell[0] == "/passes/verify"
    assert "/static/vendor/jsqr/jsQR.js" in shell and "/static/vendor/bootstrap/css/bootstrap.min.css" in shell
    assert len(shell) == len(VERIFIER_ASSETS) + 1 and len(version) == 12


def test_hashed_production_names_are_precached_and_change_the_worker(client):
    plain_shell, plain_version = shell_of(client)
    storages = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": f"{__name__}.HashedNames"},
    }
    with override_settings(STORAGES=storages):
        shell, version = shell_of(client)
    assert "/static/passes/verifier.0123456789ab.js" in shell
    assert "/static/passes/verifier.js" not in shell
    assert version != plain_version  # a deployment with new assets installs a new worker and cache
    assert plain_shell != shell
