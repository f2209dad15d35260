"""Sign-in, sign-out and lockout (per account and per client IP), with the login log and the audit trail."""

from __future__ import annotations

from datetime import datetime, timedelta
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import reverse

from zoneops.accounts.models import LoginAttempt, User, UserSession
from zoneops.accounts.tests.factories import UserFactory
from zoneops.audit.models import AuditEvent

PASSWORD = "Correct-horse-9"
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))

pytestmark = pytest.mark.django_db


def english_client(**defaults) -> Client:
    """A browser that asks for English, so messages can be compared as written."""
    return Client(HTTP_ACCEPT_LANGUAGE="en", **defaults)


def post_login(client: Client, username: str, password: str, **extra):
    return client.post(reverse("accounts:login"), {"username": username, "password": password}, **extra)


def fail(client: Client, username: str, times: int, **extra) -> None:
    for _ in range(times):
        post_login(client, username, "wrong-password", **extra)


@pytest.fixture
def frozen(time_machine):
    time_machine.move_to(T0, tick=False)
    return time_machine


# ---------------------------------------------------------------- sign-in


def test_sign_in_rotates_session_key_registers_session_and_logs(frozen):
    # given a staff user and a browser that already has a session
    user = UserFactory(username="zhangwei")
    client = english_client(REMOTE_ADDR="10.1.1.7", HTTP_USER_AGENT="Firefox/140")
    session = client.session
    session["probe"] = 1
    session.save()
    old_key = session.session_key
    # when they sign in
    response = post_login(client, "zhangwei", PASSWORD)
    # then they land on the home page with a new session id
    assert response.status_code == 302
    assert response["Location"] == reverse("core:home")
    new_key = client.session.session_key
    assert new_key != old_key
    assert client.session[SESSION_KEY] == str(user.pk)
    row = UserSession.objects.get(session_key=new_key)
    assert (row.user, row.ip, row.user_agent, row.created_at, row.ended_at) == (
        user,
        "10.1.1.7",
        "Firefox/140",
        T0,
        None,
    )
    attempt = LoginAttempt.objects.get()
    assert (attempt.username, attempt.user, attempt.ip, attempt.outcome, attempt.channel, attempt.at) == (
        "zhangwei",
        user,
        "10.1.1.7",
        "success",
        "web",
        T0,
    )
    event = AuditEvent.objects.get(action="accounts.login_succeeded")
    assert (event.actor, event.ip, event.object_id) == (user, "10.1.1.7", str(user.pk))


def test_sign_in_follows_a_local_next_but_not_an_external_one(frozen):
    UserFactory(username="lina")
    client = english_client()
    response = client.post(
        reverse("accounts:login"), {"username": "lina", "password": PASSWORD, "next": "/accounts/me/"}
    )
    assert response["Location"] == "/accounts/me/"
    client = english_client()
    response = client.post(
        reverse("accounts:login"), {"username": "lina", "password": PASSWORD, "next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("core:home")


def test_wrong_password_says_so_logs_failure_and_audits_without_actor(frozen):
    user = UserFactory(username="wangfang")
    client = english_client(REMOTE_ADDR="10.1.1.8")
    response = post_login(client, "wangfang", "Wrong-horse-9")
    assert response.status_code == 200
    assert "Wrong username or password." in response.content.decode()
    assert SESSION_KEY not in client.session
    attempt = LoginAttempt.objects.get()
    assert (attempt.user, attempt.outcome, attempt.ip) == (user, "failure", "10.1.1.8")
    event = AuditEvent.objects.get(action="accounts.login_failed")
    assert (event.actor, event.actor_username, event.object_id) == (None, "wangfang", str(user.pk))


def test_unknown_username_is_logged_with_the_name_typed(frozen):
    client = english_client()
    response = post_login(client, "nobody", "whatever-123")
    assert "Wrong username or password." in response.content.decode()
    attempt = LoginAttempt.objects.get()
    assert (attempt.username, attempt.user, attempt.outcome) == ("nobody", None, "failure")


def test_disabled_account_cannot_sign_in(frozen):
    user = UserFactory(username="disabled1", is_active=False)
    client = english_client()
    response = post_login(client, "disabled1", PASSWORD)
    assert "This account is disabled." in response.content.decode()
    assert SESSION_KEY not in client.session
    assert LoginAttempt.objects.get().outcome == "inactive"
    assert LoginAttempt.objects.get().user == user


def test_sign_out_ends_session_and_is_logged(frozen):
    user = UserFactory(username="liuyang")
    client = english_client()
    post_login(client, "liuyang", PASSWORD)
    key = client.session.session_key
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert SESSION_KEY not in client.session
    row = UserSession.objects.get(session_key=key)
    assert (row.ended_at, row.end_reason) == (T0, "logout")
    assert list(LoginAttempt.objects.order_by("pk").values_list("outcome", flat=True)) == ["success", "logout"]
    assert AuditEvent.objects.filter(action="accounts.logged_out", actor=user).count() == 1


def test_sign_out_needs_post():
    user = UserFactory()
    client = english_client()
    client.force_login(user)
    assert client.get(reverse("accounts:logout")).status_code == 405
    assert SESSION_KEY in client.session


def test_login_form_needs_csrf_token():
    UserFactory(username="csrf1")
    client = Client(enforce_csrf_checks=True)
    response = post_login(client, "csrf1", PASSWORD)
    assert response.status_code == 403
    assert LoginAttempt.objects.count() == 0


# ---------------------------------------------------------------- lockout per account


def test_five_failures_lock_the_account_with_a_clear_message(frozen):
    UserFactory(username="zhaolei")
    client = english_client(REMOTE_ADDR="10.2.0.1")
    fail(client, "zhaolei", 3)
    assert "Wrong username or password." in post_login(client, "zhaolei", "nope-4").content.decode()
    assert "Wrong username or password." not in post_login(client, "zhaolei", "nope-5").content.decode()
    # five failures lock; the right password is now refused too
    response = post_login(client, "zhaolei", PASSWORD)
    assert response.status_code == 429
    assert (
        "Too many failed sign-ins: signing in is locked for 10 more minutes. Try again later or ask the "
        "security administrator." in response.content.decode()
    )
    assert SESSION_KEY not in client.session
    outcomes = list(LoginAttempt.objects.order_by("pk").values_list("outcome", flat=True))
    assert outcomes == ["failure"] * 5 + ["locked"]
    assert AuditEvent.objects.filter(action="accounts.login_locked").count() == 1


def test_the_fifth_failure_already_shows_the_lockout_message(frozen):
    UserFactory(username="sunli")
    client = english_client()
    fail(client, "sunli", 4)
    response = post_login(client, "sunli", "wrong-again")
    assert response.status_code == 429
    assert "locked for 10 more minutes" in response.content.decode()


def test_locked_account_is_refused_before_the_password_is_hashed(frozen):
    UserFactory(username="locked1")
    client = english_client()
    fail(client, "locked1", 5)
    with (
        mock.patch("zoneops.accounts.security.authenticate") as authenticate,
        mock.patch.object(User, "check_password") as check_password,
        mock.patch("django.contrib.auth.hashers.check_password") as hasher_check,
    ):
        response = post_login(client, "locked1", PASSWORD)
    assert response.status_code == 429
    authenticate.assert_not_called()
    check_password.assert_not_called()
    hasher_check.assert_not_called()


def test_lock_is_per_account_other_accounts_from_other_addresses_sign_in(frozen):
    UserFactory(username="victim")
    UserFactory(username="bystander")
    fail(english_client(REMOTE_ADDR="10.3.0.1"), "victim", 5)
    # the same account from another address is still locked
    assert post_login(english_client(REMOTE_ADDR="10.3.0.2"), "victim", PASSWORD).status_code == 429
    # another account from another address is not
    assert post_login(english_client(REMOTE_ADDR="10.3.0.3"), "bystander", PASSWORD).status_code == 302


def test_failures_older_than_fifteen_minutes_do_not_count(frozen):
    UserFactory(username="slowtypist")
    client = english_client()
    fail(client, "slowtypist", 4)
    frozen.shift(timedelta(minutes=15, seconds=1))
    fail(client, "slowtypist", 1)
    assert post_login(client, "slowtypist", PASSWORD).status_code == 302


def test_unlocks_after_ten_minutes(frozen):
    UserFactory(username="patient")
    client = english_client()
    fail(client, "patient", 5)
    frozen.shift(timedelta(minutes=9, seconds=59))
    response = post_login(client, "patient", PASSWORD)
    assert response.status_code == 429
    assert "locked for 1 more minutes" in response.content.decode()
    frozen.shift(timedelta(seconds=1))
    assert post_login(client, "patient", PASSWORD).status_code == 302


def test_after_a_lockout_runs_out_the_count_starts_afresh(frozen):
    UserFactory(username="again")
    client = english_client()
    fail(client, "again", 5)
    frozen.shift(timedelta(minutes=10))
    # one more wrong password right after the lockout does not lock again at once …
    response = post_login(client, "again", "still-wrong")
    assert "Wrong username or password." in response.content.decode()
    # … but five new ones do
    fail(client, "again", 4)
    assert post_login(client, "again", PASSWORD).status_code == 429


def test_refused_attempts_during_a_lockout_do_not_prolong_it(frozen):
    UserFactory(username="hammer")
    client = english_client()
    fail(client, "hammer", 5)
    frozen.shift(timedelta(minutes=5))
    fail(client, "hammer", 5)  # refused as locked, not counted
    frozen.shift(timedelta(minutes=5))
    assert post_login(client, "hammer", PASSWORD).status_code == 302


# ---------------------------------------------------------------- lockout per IP


def test_five_failures_from_one_address_lock_that_address_for_every_account(frozen):
    UserFactory(username="alice1")
    for name in ("guess1", "guess2", "guess3", "guess4", "guess5"):
        post_login(english_client(REMOTE_ADDR="10.9.9.9"), name, "wrong")
    response = post_login(english_client(REMOTE_ADDR="10.9.9.9"), "alice1", PASSWORD)
    assert response.status_code == 429
    assert "locked for 10 more minutes" in response.content.decode()
    # the account itself is not locked: from another address it signs in
    assert post_login(english_client(REMOTE_ADDR="10.9.9.10"), "alice1", PASSWORD).status_code == 302


def test_forwarded_for_is_ignored_from_an_untrusted_peer(frozen, settings):
    settings.TRUSTED_PROXIES = ["192.168.0.1"]
    UserFactory(username="bob1")
    # an attacker at 10.6.6.6 varies X-Forwarded-For to dodge the per-IP lockout
    for n in range(5):
        post_login(english_client(REMOTE_ADDR="10.6.6.6", HTTP_X_FORWARDED_FOR=f"172.16.0.{n}"), f"guess{n}", "wrong")
    assert set(LoginAttempt.objects.values_list("ip", flat=True)) == {"10.6.6.6"}
    response = post_login(english_client(REMOTE_ADDR="10.6.6.6", HTTP_X_FORWARDED_FOR="172.16.0.99"), "bob1", PASSWORD)
    assert response.status_code == 429


def test_forwarded_for_is_honoured_from_a_trusted_proxy(frozen, settings):
    settings.TRUSTED_PROXIES = ["192.168.0.1"]
    UserFactory(username="carol1")
    # behind the proxy, one client fails five times …
    for n in range(5):
        post_login(english_client(REMOTE_ADDR="192.168.0.1", HTTP_X_FORWARDED_FOR="10.7.7.7"), f"guess{n}", "wrong")
    assert set(LoginAttempt.objects.values_list("ip", flat=True)) == {"10.7.7.7"}
    # … and is locked, while another client behind the same proxy is not
    assert (
        post_login(english_client(REMOTE_ADDR="192.168.0.1", HTTP_X_FORWARDED_FOR="10.7.7.7"), "carol1", PASSWORD)
    ).status_code == 429
    assert (
        post_login(english_client(REMOTE_ADDR="192.168.0.1", HTTP_X_FORWARDED_FOR="10.7.7.8"), "carol1", PASSWORD)
    ).status_code == 302


def test_per_address_limit_can_be_raised_for_offices_behind_one_nat(frozen, settings):
    settings.LOGIN_IP_FAILURE_LIMIT = 20
    UserFactory(username="office1")
    for n in range(10):
        post_login(english_client(REMOTE_ADDR="10.20.0.1"), f"typo{n}", "wrong")
    assert post_login(english_client(REMOTE_ADDR="10.20.0.1"), "office1", PASSWORD).status_code == 302


def test_django_admin_sign_in_is_not_a_way_round_the_lockout(frozen):
    UserFactory(username="adminbypass")
    client = english_client()
    fail(client, "adminbypass", 5)
    response = client.post("/admin/login/?next=/admin/", {"username": "adminbypass", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:login") + "?next=%2Fadmin%2F"
    assert SESSION_KEY not in client.session
    signed_in = english_client()
    signed_in.force_login(UserFactory(is_staff=True))
    # Staff are not superusers, so the admin (and its password form) is closed to them altogether.
    assert signed_in.get("/admin/password_change/").status_code == 302
