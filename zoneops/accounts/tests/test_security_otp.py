"""TOTP two-factor authentication for the three administrators (三员), and the demo-mode exemption."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from zoneops.accounts.models import AdminKind, LoginAttempt
from zoneops.accounts.tests.factories import UserFactory, make_role
from zoneops.audit.models import AuditEvent

PASSWORD = "Correct-horse-9"
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))

pytestmark = pytest.mark.django_db


@pytest.fixture
def frozen(time_machine):
    time_machine.move_to(T0, tick=False)
    return time_machine


def administrator(kind: str = AdminKind.SECURITY, **kwargs):
    user = UserFactory(**kwargs)
    user.roles.add(make_role("accounts.manage_sessions", admin_kind=kind))
    return user


def code_for(device: TOTPDevice, offset_steps: int = 0) -> str:
    totp = TOTP(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=device.drift)
    totp.time = totp.time + offset_steps * device.step
    return f"{totp.token():0{device.digits}d}"


def sign_in(username: str) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.post(reverse("accounts:login"), {"username": username, "password": PASSWORD})
    return client


@pytest.mark.parametrize("kind", [AdminKind.SYSTEM, AdminKind.SECURITY, AdminKind.AUDIT])
def test_each_administrator_without_a_verified_code_is_sent_to_the_otp_page(frozen, kind):
    administrator(kind, username=f"admin-{kind}")
    client = sign_in(f"admin-{kind}")
    response = client.get(reverse("accounts:session-list"))
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:otp") + "?next=%2Faccounts%2Fsessions%2F"
    assert client.get(reverse("core:home"))["Location"] == reverse("accounts:otp")
    # the API refuses the unverified session too
    assert client.get("/api/v1/departments").status_code == 403


def test_business_users_are_not_asked_for_a_code(frozen):
    user = UserFactory(username="clerk")
    user.roles.add(make_role("accounts.view_login_log"))
    client = sign_in("clerk")
    assert client.get(reverse("accounts:profile")).status_code == 200


def test_first_visit_sets_up_a_device_with_a_qr_code_and_the_correct_code_confirms_it(frozen):
    admin = administrator(username="sec1")
    client = sign_in("sec1")
    page = client.get(reverse("accounts:otp"))
    assert page.status_code == 200
    assert page.context["setup"] is True
    assert page.context["qr_data_uri"].startswith("data:image/svg+xml")
    device = TOTPDevice.objects.get(user=admin)
    assert device.confirmed is False
    # a second visit shows the same device (scanning twice gives the same key)
    assert client.get(reverse("accounts:otp")).context["secret"] == page.context["secret"]
    response = client.post(reverse("accounts:otp"), {"code": code_for(device), "next": "/accounts/sessions/"})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/sessions/"
    device.refresh_from_db()
    assert device.confirmed is True
    assert client.get(reverse("accounts:session-list")).status_code == 200
    assert AuditEvent.objects.filter(action="accounts.otp_device_confirmed", actor=admin).count() == 1


def test_a_confirmed_device_is_asked_at_every_sign_in(frozen):
    admin = administrator(username="sec2")
    device = TOTPDevice.objects.create(user=admin, name="default", confirmed=True)
    client = sign_in("sec2")
    page = client.get(reverse("accounts:otp"))
    assert page.context["setup"] is False
    assert client.post(reverse("accounts:otp"), {"code": code_for(device)}).status_code == 302
    assert client.get(reverse("accounts:session-list")).status_code == 200
    # a new sign-in is a new session: the code is asked again
    client.post(reverse("accounts:logout"))
    client = sign_in("sec2")
    assert client.get(reverse("accounts:session-list"))["Location"].startswith(reverse("accounts:otp"))


def test_wrong_code_is_refused_logged_and_audited(frozen):
    admin = administrator(username="sec3")
    device = TOTPDevice.objects.create(user=admin, name="default", confirmed=True)
    client = sign_in("sec3")
    wrong = f"{(int(code_for(device)) + 1) % 1000000:06d}"
    response = client.post(reverse("accounts:otp"), {"code": wrong})
    assert response.status_code == 200
    assert "The code is wrong or has expired." in response.content.decode()
    assert client.get(reverse("accounts:session-list")).status_code == 302
    assert LoginAttempt.objects.filter(username="sec3", outcome="otp_failure").count() == 1
    event = AuditEvent.objects.get(action="accounts.otp_failed")
    assert event.actor == admin


def test_five_wrong_codes_lock_the_account(frozen):
    admin = administrator(username="sec4")
    device = TOTPDevice.objects.create(user=admin, name="default", confirmed=True)
    client = sign_in("sec4")
    wrong = f"{(int(code_for(device)) + 1) % 1000000:06d}"
    for _ in range(5):
        device.throttling_failure_count = 0  # let our lockout, not django-otp's throttle, decide
        device.save()
        client.post(reverse("accounts:otp"), {"code": wrong})
    response = client.post(reverse("accounts:otp"), {"code": code_for(device)})
    assert response.status_code == 200
    assert "locked for 10 more minutes" in response.content.decode()
    assert client.get(reverse("accounts:session-list")).status_code == 302
    # and signing in again is refused too
    other = Client(HTTP_ACCEPT_LANGUAGE="en", REMOTE_ADDR="10.4.4.4")
    assert other.post(reverse("accounts:login"), {"username": "sec4", "password": PASSWORD}).status_code == 429


def test_badly_formed_code_is_refused_without_counting(frozen):
    administrator(username="sec5")
    client = sign_in("sec5")
    response = client.post(reverse("accounts:otp"), {"code": "12ab"})
    assert "Enter the 6 digits your authenticator app shows." in response.content.decode()
    assert LoginAttempt.objects.filter(outcome="otp_failure").count() == 0


def test_demo_administrator_is_exempt_only_in_demo_mode_and_the_ui_says_so(frozen, settings):
    administrator(username="demo-sec", is_demo=True)
    settings.DEMO_MODE = True
    client = sign_in("demo-sec")
    home = client.get(reverse("core:home"))
    assert home.status_code == 200
    assert "Demo mode: demo accounts skip the first-login password change and administrator two-factor" in (
        home.content.decode()
    )
    otp_page = client.get(reverse("accounts:otp")).content.decode()
    assert "this demo administrator account may skip two-factor authentication" in otp_page
    assert client.get(reverse("accounts:session-list")).status_code == 200
    # outside demo mode the same account needs the code
    settings.DEMO_MODE = False
    assert client.get(reverse("accounts:session-list"))["Location"].startswith(reverse("accounts:otp"))
    assert "may skip two-factor" not in client.get(reverse("accounts:otp")).content.decode()


def test_demo_mode_does_not_exempt_a_real_administrator(frozen, settings):
    settings.DEMO_MODE = True
    administrator(username="real-sec", is_demo=False)
    client = sign_in("real-sec")
    assert client.get(reverse("accounts:session-list"))["Location"].startswith(reverse("accounts:otp"))
    assert "may skip two-factor" not in client.get(reverse("accounts:otp")).content.decode()


def test_otp_page_needs_sign_in():
    response = Client().get(reverse("accounts:otp"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
