"""Security headers, Content-Security-Policy, CSRF, and a clean `check --deploy` in production settings."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from zoneops.accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

BASE_DIR = Path(django_settings.BASE_DIR)


def directives(header: str) -> dict[str, list[str]]:
    result = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            result[words[0]] = words[1:]
    return result


def test_pages_carry_a_strict_content_security_policy():
    user = UserFactory()
    client = Client()
    client.force_login(user)
    for url in (reverse("accounts:login"), reverse("accounts:profile"), reverse("core:home")):
        if url == reverse("accounts:login"):
            response = Client().get(url)
        else:
            response = client.get(url)
        assert response.status_code == 200, url
        policy = directives(response["Content-Security-Policy"])
        assert policy["script-src"] == ["'self'"], url
        assert "'unsafe-inline'" not in policy["script-src"]
        assert "'unsafe-eval'" not in policy["script-src"]
        assert policy["style-src"] == ["'self'"]
        assert policy["frame-ancestors"] == ["'none'"]
        assert policy["object-src"] == ["'none'"]


def test_other_security_headers_on_the_sign_in_page():
    response = Client().get(reverse("accounts:login"))
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "no-cache" in response["Cache-Control"] or "no-store" in response["Cache-Control"]


def test_my_templates_have_no_inline_script_or_style():
    folder = BASE_DIR / "zoneops" / "accounts" / "templates" / "accounts"
    mine = [
        p
        for p in folder.glob("*.html")
        if p.name.startswith(("login", "otp", "profile", "password_change", "session_", "token_"))
    ]
    assert len(mine) >= 7
    for path in mine:
        text = path.read_text()
        assert "style=" not in text, path.name
        assert " on" + "click=" not in text and " on" + "submit=" not in text, path.name
        for chunk in text.split("<script")[1:]:
            assert 'type="application/json"' in chunk.split(">", 1)[0], path.name


def test_session_cookie_is_http_only_and_same_site():
    assert django_settings.SESSION_COOKIE_HTTPONLY is True
    assert django_settings.SESSION_COOKIE_SAMESITE == "Lax"
    assert django_settings.CSRF_COOKIE_HTTPONLY is True


def test_deploy_check_is_clean_with_production_security_settings(settings):
    # The production branch of settings.py (ZONEOPS_DEBUG off, not testing, HTTPS) sets exactly these.
    settings.DEBUG = False
    settings.SESSION_COOKIE_SECURE = True
    settings.CSRF_COOKIE_SECURE = True
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_HSTS_PRELOAD = True
    call_command("check", deploy=True, fail_level="WARNING")


def test_deploy_check_fails_when_a_production_setting_is_missing(settings):
    from django.core.management.base import SystemCheckError

    settings.DEBUG = False
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = True
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_HSTS_PRELOAD = True
    with pytest.raises(SystemCheckError, match="security.W012"):
        call_command("check", deploy=True, fail_level="WARNING")


PRODUCTION_PROBE = """
import django
from django.conf import settings
from django.core.management import call_command
django.setup()
call_command("check", deploy=True, fail_level="WARNING")
print("hasher", settings.PASSWORD_HASHERS[0])
print("secure", settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE, settings.SECURE_SSL_REDIRECT)
"""


def test_settings_module_in_production_mode_passes_check_deploy_and_hashes_with_argon2(tmp_path):
    # The real settings.py read with a production environment (no ZONEOPS_DEBUG, not testing), in a fresh process.
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("ZONEOPS_") and key not in {"DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    env.update({"ZONEOPS_VAR_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "zoneops.settings"})
    result = subprocess.run(
        [sys.executable, "-c", PRODUCTION_PROBE],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    assert "hasher django.contrib.auth.hashers.Argon2PasswordHasher" in result.stdout
    assert "secure True True True" in result.stdout
