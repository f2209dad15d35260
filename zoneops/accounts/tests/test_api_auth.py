"""API authentication: token sign-in with lockout, bearer tokens, personal tokens (API and UI), departments."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from zoneops.accounts.models import AdminKind, ApiToken, LoginAttempt, User
from zoneops.accounts.tests.factories import DepartmentFactory, UserFactory, make_role
from zoneops.accounts.tokens import token_digest, user_for_token
from zoneops.audit.models import AuditEvent

PASSWORD = "Correct-horse-9"
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
TOKEN_URL = "/api/v1/auth/token"

pytestmark = pytest.mark.django_db


@pytest.fixture
def frozen(time_machine):
    time_machine.move_to(T0, tick=False)
    return time_machine


def api(**defaults) -> Client:
    return Client(HTTP_ACCEPT_LANGUAGE="en", **defaults)


def ask_token(client: Client, username: str, password: str, **extra):
    body = {"username": username, "password": password, **extra}
    return client.post(TOKEN_URL, json.dumps(body), content_type="application/json")


def bearer(raw: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


# ---------------------------------------------------------------- POST /api/v1/auth/token


def test_right_credentials_give_a_working_token_stored_only_as_a_digest(frozen):
    user = UserFactory(username="apiuser", is_staff=True)
    response = ask_token(api(), "apiuser", PASSWORD)
    assert response.status_code == 200
    raw = response.json()["token"]
    assert raw.startswith("zo_")
    token = ApiToken.objects.get(user=user)
    assert token.digest == token_digest(raw)
    assert raw not in (token.digest, token.prefix)
    assert token.prefix == raw[:10]
    assert token.expires_at == T0 + timedelta(hours=12)
    assert LoginAttempt.objects.get().channel == "api"
    assert AuditEvent.objects.filter(action="accounts.token_issued", actor=user).count() == 1
    # the token authenticates API calls
    assert api().get("/api/v1/departments", **bearer(raw)).status_code == 200


def test_wrong_credentials_are_401_problem_json(frozen):
    UserFactory(username="apiuser2")
    response = ask_token(api(), "apiuser2", "wrong-one")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["title"] == "Wrong username or password."
    assert ApiToken.objects.count() == 0
    assert LoginAttempt.objects.get().outcome == "failure"


def test_api_lockout_is_429_with_the_message_and_no_password_check(frozen):
    UserFactory(username="apiuser3")
    client = api()
    for _ in range(4):
        assert ask_token(client, "apiuser3", "wrong").status_code == 401
    assert ask_token(client, "apiuser3", "wrong").status_code == 429
    with (
        mock.patch("zoneops.accounts.security.authenticate") as authenticate,
        mock.patch.object(User, "check_password") as check_password,
    ):
        response = ask_token(client, "apiuser3", PASSWORD)
    assert response.status_code == 429
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == 429
    assert body["title"] == (
        "Too many failed sign-ins: signing in is locked for 10 more minutes. Try again later or ask the "
        "security administrator."
    )
    authenticate.assert_not_called()
    check_password.assert_not_called()
    assert ApiToken.objects.count() == 0


def test_web_and_api_failures_share_one_lockout(frozen):
    UserFactory(username="both")
    web = api()
    for _ in range(5):
        web.post(reverse("accounts:login"), {"username": "both", "password": "wrong"})
    assert ask_token(api(REMOTE_ADDR="10.10.10.10"), "both", PASSWORD).status_code == 429
    frozen.shift(timedelta(minutes=10))
    assert ask_token(api(REMOTE_ADDR="10.10.10.10"), "both", PASSWORD).status_code == 200


def test_missing_fields_are_400(frozen):
    response = api().post(TOKEN_URL, json.dumps({"username": "x"}), content_type="application/json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "password"


def test_initial_password_must_be_changed_before_a_token_is_issued(frozen):
    UserFactory(username="fresh", must_change_password=True)
    response = ask_token(api(), "fresh", PASSWORD)
    assert response.status_code == 403
    assert ApiToken.objects.count() == 0


def test_administrator_needs_the_totp_code_for_a_token(frozen):
    admin = UserFactory(username="apiadmin")
    admin.roles.add(make_role(admin_kind=AdminKind.SYSTEM))
    # no device yet: set it up in the web interface first
    assert ask_token(api(), "apiadmin", PASSWORD).status_code == 403
    device = TOTPDevice.objects.create(user=admin, name="default", confirmed=True)
    assert ask_token(api(), "apiadmin", PASSWORD).status_code == 401
    assert ask_token(api(), "apiadmin", PASSWORD, otp="000000").status_code == 401
    frozen.shift(timedelta(seconds=2))  # past django-otp's own throttle after one wrong code
    totp = TOTP(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=device.drift)
    response = ask_token(api(), "apiadmin", PASSWORD, otp=f"{totp.token():06d}")
    assert response.status_code == 200
    assert ApiToken.objects.filter(user=admin).count() == 1
    assert LoginAttempt.objects.filter(username="apiadmin", outcome="otp_failure").count() == 2


# ---------------------------------------------------------------- bearer tokens


def test_revoked_expired_or_unknown_tokens_are_refused(frozen):
    user = UserFactory(is_staff=True)
    from zoneops.accounts.services import create_api_token, revoke_api_token

    token, raw = create_api_token(actor=user, name="ci", expires_at=T0 + timedelta(days=1))
    assert user_for_token(raw) == user
    assert api().get("/api/v1/departments", **bearer(raw)).status_code == 200
    assert api().get("/api/v1/departments", **bearer(raw + "x")).status_code == 401
    frozen.shift(timedelta(days=1))
    assert api().get("/api/v1/departments", **bearer(raw)).status_code == 401
    frozen.shift(timedelta(days=-1))
    revoke_api_token(actor=user, token=token)
    assert api().get("/api/v1/departments", **bearer(raw)).status_code == 401


def test_token_of_a_disabled_user_is_refused(frozen):
    user = UserFactory(is_staff=True)
    from zoneops.accounts.services import create_api_token

    _token, raw = create_api_token(actor=user, name="ci")
    User.objects.filter(pk=user.pk).update(is_active=False)
    assert api().get("/api/v1/departments", **bearer(raw)).status_code == 401


def test_token_use_is_stamped_at_most_once_a_minute(frozen):
    user = UserFactory(is_staff=True)
    from zoneops.accounts.services import create_api_token

    token, raw = create_api_token(actor=user, name="ci")
    api().get("/api/v1/departments", **bearer(raw))
    token.refresh_from_db()
    assert token.last_used_at == T0
    frozen.shift(timedelta(seconds=30))
    api().get("/api/v1/departments", **bearer(raw))
    token.refresh_from_db()
    assert token.last_used_at == T0


# ---------------------------------------------------------------- POST /api/v1/me/tokens


def test_me_tokens_creates_a_personal_token_with_bearer_or_session(frozen):
    user = UserFactory(username="maker", is_staff=True)
    from zoneops.accounts.services import create_api_token

    _first, raw = create_api_token(actor=user, name="first")
    response = api().post(
        "/api/v1/me/tokens", json.dumps({"name": "nightly export"}), content_type="application/json", **bearer(raw)
    )
    assert response.status_code == 201
    body = response.json()
    made = ApiToken.objects.get(pk=body["id"])
    assert (made.user, made.name, body["name"]) == (user, "nightly export", "nightly export")
    assert made.digest == token_digest(body["token"])
    event = AuditEvent.objects.get(action="accounts.token_created", object_id=str(made.pk))
    assert event.actor == user and event.source == "api"


def test_me_tokens_with_the_session_needs_the_csrf_token(frozen):
    user = UserFactory()
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    response = client.post("/api/v1/me/tokens", json.dumps({"name": "x"}), content_type="application/json")
    assert response.status_code == 403
    assert ApiToken.objects.count() == 0


def test_me_tokens_anonymous_is_401_and_blank_name_is_400(frozen):
    assert (
        api().post("/api/v1/me/tokens", json.dumps({"name": "x"}), content_type="application/json").status_code == 401
    )
    user = UserFactory()
    client = api()
    client.force_login(user)
    response = client.post("/api/v1/me/tokens", json.dumps({"name": "  "}), content_type="application/json")
    assert response.status_code == 400
    assert response.json()["errors"] == [{"field": "name", "message": "Give the token a name."}]
    assert ApiToken.objects.count() == 0


# ---------------------------------------------------------------- token pages


def test_token_page_creates_shows_the_raw_value_once_and_revokes(frozen):
    user = UserFactory()
    client = api()
    client.force_login(user)
    response = client.post(reverse("accounts:token-list"), {"name": "report script", "expires_on": "2026-04-01"})
    assert response.status_code == 200
    raw = response.context["raw_token"]
    assert raw in response.content.decode()
    assert response["Cache-Control"] == "no-store"
    token = ApiToken.objects.get(user=user)
    assert token.digest == token_digest(raw)
    assert token.expires_at == datetime(2026, 4, 1, 23, 59, 59, 999999, tzinfo=ZoneInfo("Asia/Shanghai"))
    # later visits never show it again
    again = client.get(reverse("accounts:token-list"))
    assert raw not in again.content.decode()
    assert token.prefix in again.content.decode()
    # revoke
    assert client.post(reverse("accounts:token-revoke", args=[token.pk])).status_code == 302
    token.refresh_from_db()
    assert token.revoked_at == T0
    assert AuditEvent.objects.filter(action="accounts.token_revoked", actor=user).count() == 1
    assert api().get("/api/v1/departments", **bearer(raw)).status_code == 401


def test_token_page_refuses_a_past_expiry(frozen):
    user = UserFactory()
    client = api()
    client.force_login(user)
    response = client.post(reverse("accounts:token-list"), {"name": "old", "expires_on": "2026-03-01"})
    assert "The expiry must lie in the future." in response.content.decode()
    assert ApiToken.objects.count() == 0


def test_one_cannot_revoke_another_users_token(frozen):
    owner = UserFactory()
    other = UserFactory()
    from zoneops.accounts.services import create_api_token

    token, _raw = create_api_token(actor=owner, name="mine")
    client = api()
    client.force_login(other)
    assert client.post(reverse("accounts:token-revoke", args=[token.pk])).status_code == 404
    assert client.get(reverse("accounts:token-revoke", args=[token.pk])).status_code == 405
    token.refresh_from_db()
    assert token.revoked_at is None
    assert token.pk not in [t.pk for t in client.get(reverse("accounts:token-list")).context["tokens"]]
    assert Client().post(reverse("accounts:token-revoke", args=[token.pk])).status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is None


# ---------------------------------------------------------------- GET /api/v1/departments


def test_departments_for_staff_with_code_name_kind_parent():
    root = DepartmentFactory(code="NTKFQ", name="管委会", kind="committee")
    DepartmentFactory(code="TZCJJ", name="投资促进局", kind="bureau", parent=root)
    staff = UserFactory(is_staff=True, department=root)
    client = api()
    client.force_login(staff)
    response = client.get("/api/v1/departments")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert body["items"] == [
        {"code": "NTKFQ", "name": "管委会", "kind": "committee", "parent": None, "is_active": True, "head": None},
        {"code": "TZCJJ", "name": "投资促进局", "kind": "bureau", "parent": "NTKFQ", "is_active": True, "head": None},
    ]


def test_departments_refuse_non_staff_and_anonymous():
    user = UserFactory(is_staff=False)
    client = api()
    client.force_login(user)
    response = client.get("/api/v1/departments")
    assert response.status_code == 403
    assert response["Content-Type"] == "application/problem+json"
    anonymous = api().get("/api/v1/departments")
    assert anonymous.status_code == 401
    assert anonymous["Content-Type"] == "application/problem+json"


def test_me_tokens_expiry_with_or_without_offset(frozen):
    user = UserFactory()
    client = api()
    client.force_login(user)
    naive = client.post(
        "/api/v1/me/tokens",
        json.dumps({"name": "a", "expires_at": "2026-04-01T18:00:00"}),
        content_type="application/json",
    )
    utc = client.post(
        "/api/v1/me/tokens",
        json.dumps({"name": "b", "expires_at": "2026-04-01T10:00:00Z"}),
        content_type="application/json",
    )
    past = client.post(
        "/api/v1/me/tokens",
        json.dumps({"name": "c", "expires_at": "2026-03-01T10:00:00+08:00"}),
        content_type="application/json",
    )
    expected = datetime(2026, 4, 1, 18, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    assert ApiToken.objects.get(pk=naive.json()["id"]).expires_at == expected
    assert ApiToken.objects.get(pk=utc.json()["id"]).expires_at == expected
    assert past.status_code == 400
    assert past.json()["errors"][0]["field"] == "expires_at"
    assert ApiToken.objects.filter(user=user).count() == 2


def test_demo_administrator_gets_a_token_without_a_code_only_in_demo_mode(frozen, settings):
    admin = UserFactory(username="demoadmin", is_demo=True)
    admin.roles.add(make_role(admin_kind=AdminKind.AUDIT))
    settings.DEMO_MODE = True
    assert ask_token(api(), "demoadmin", PASSWORD).status_code == 200
    settings.DEMO_MODE = False
    assert ask_token(api(), "demoadmin", PASSWORD).status_code == 403
    assert ApiToken.objects.filter(user=admin).count() == 1


def test_password_change_revokes_the_users_tokens(frozen):
    from zoneops.accounts.services import change_password, create_api_token

    user = UserFactory(is_staff=True)
    token, raw = create_api_token(actor=user, name="ci")
    assert api().get("/api/v1/departments", **bearer(raw)).status_code == 200

    change_password(actor=user, user=user, old_password=PASSWORD, new_password="Brand-new-Pass-42")

    assert api().get("/api/v1/departments", **bearer(raw)).status_code == 401
    token.refresh_from_db()
    assert token.revoked_at == T0
    assert AuditEvent.objects.filter(action="accounts.token_revoked", object_id=str(token.pk)).count() == 1


def test_token_stops_working_when_the_password_has_expired(frozen, settings):
    from zoneops.accounts.services import create_api_token

    settings.PASSWORD_MAX_AGE_DAYS = 90
    user = UserFactory(is_staff=True)
    User.objects.filter(pk=user.pk).update(password_changed_at=T0 - timedelta(days=91))
    _token, raw = create_api_token(actor=user, name="ci")

    response = api().get("/api/v1/departments", **bearer(raw))

    assert response.status_code == 403
    assert response["Content-Type"] == "application/problem+json"
