"""Password policy (等保2.0): each rule, history, expiry, forced first-login change, demo exemption."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import translation

from zoneops.accounts.models import PasswordHistory, UserSession
from zoneops.accounts.services import change_password
from zoneops.accounts.tests.factories import UserFactory, grant
from zoneops.audit.models import AuditEvent
from zoneops.core.errors import DomainError, OutOfScope, PermissionDenied

PASSWORD = "Correct-horse-9"
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))

pytestmark = pytest.mark.django_db


def codes(password: str, user) -> set[str]:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        return {error.code for error in exc.error_list}
    return set()


def english_client() -> Client:
    return Client(HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def frozen(time_machine):
    time_machine.move_to(T0, tick=False)
    return time_machine


# ---------------------------------------------------------------- each rule


def test_a_good_password_passes_every_rule():
    user = UserFactory(username="zhangwei")
    assert codes("Blue-river-42", user) == set()


def test_at_least_ten_characters():
    user = UserFactory(username="zhangwei")
    assert codes("Ab3$efgh9", user) == {"password_too_short"}
    assert codes("Ab3$efgh9x", user) == set()


@pytest.mark.parametrize(
    ("password", "ok"),
    [
        ("alllowercase", False),  # 1 class
        ("lowerUPPERonly", False),  # 2 classes
        ("lower12345678", False),  # 2 classes
        ("lowerUPPER123", True),  # 3 classes
        ("lower-symbol-123", True),  # lower, symbol, digit
        ("UPPER-SYMBOL-123", True),  # upper, symbol, digit
        ("Lower-Upper-Sym", True),  # lower, upper, symbol
    ],
)
def test_three_of_four_character_classes(password, ok):
    user = UserFactory(username="zhangwei")
    assert ("password_classes" not in codes(password, user)) is ok


def test_must_not_contain_the_username_in_any_case():
    user = UserFactory(username="zhangwei")
    assert "password_has_username" in codes("xx-ZhangWei-2026", user)
    assert "password_has_username" not in codes("xx-Zhang-Wei-2026", user)


def test_common_passwords_are_refused():
    user = UserFactory(username="zhangwei")
    assert "password_too_common" in codes("Password123", user) | codes("password123", user)


def test_none_of_the_last_five_passwords(frozen):
    # given a user who has had six passwords: P0 (factory) then P1 … P5
    user = UserFactory(username="historian")
    passwords = [PASSWORD] + [f"Fresh-pass-{n}x" for n in range(1, 6)]
    for old, new in zip(passwords, passwords[1:], strict=False):
        change_password(actor=user, user=user, old_password=old, new_password=new)
    assert PasswordHistory.objects.filter(user=user).count() == 5
    # then the current one and the four before it are refused …
    for reused in passwords[1:]:
        with pytest.raises(DomainError) as exc:
            change_password(actor=user, user=user, old_password=passwords[-1], new_password=reused)
        assert exc.value.field == "new_password1"
    # … and the sixth-last is allowed again
    change_password(actor=user, user=user, old_password=passwords[-1], new_password=passwords[0])
    user.refresh_from_db()
    assert user.check_password(passwords[0])


def test_history_reuse_refused_in_the_page_and_nothing_changes(frozen):
    user = UserFactory(username="pagehist")
    change_password(actor=user, user=user, old_password=PASSWORD, new_password="Second-pass-22")
    user.refresh_from_db()
    before = user.password
    client = english_client()
    client.force_login(user)
    response = client.post(
        reverse("accounts:password-change"),
        {"old_password": "Second-pass-22", "new_password1": PASSWORD, "new_password2": PASSWORD},
    )
    assert response.status_code == 200
    assert "The password must differ from your last 5 passwords." in response.content.decode()
    user.refresh_from_db()
    assert user.password == before


# ---------------------------------------------------------------- change_password service


def test_change_password_sets_date_history_audit_and_clears_the_first_login_flag(frozen):
    user = UserFactory(username="changer", must_change_password=True)
    old_hash = user.password
    change_password(actor=user, user=user, old_password=PASSWORD, new_password="New-secret-77")
    user.refresh_from_db()
    assert user.check_password("New-secret-77")
    assert (user.password_changed_at, user.must_change_password) == (T0, False)
    assert list(PasswordHistory.objects.filter(user=user).values_list("password", flat=True)) == [old_hash]
    event = AuditEvent.objects.get(action="accounts.password_changed")
    assert (event.actor, event.object_id) == (user, str(user.pk))


def test_wrong_current_password_changes_nothing():
    user = UserFactory(username="changer2")
    before = user.password
    with pytest.raises(DomainError) as exc:
        change_password(actor=user, user=user, old_password="not-it", new_password="New-secret-77")
    assert exc.value.field == "old_password"
    user.refresh_from_db()
    assert user.password == before
    assert PasswordHistory.objects.count() == 0
    assert AuditEvent.objects.count() == 0


def test_one_cannot_change_another_users_password_without_reset_rights():
    actor = UserFactory()
    victim = UserFactory()
    before = victim.password
    with pytest.raises(PermissionDenied):
        change_password(actor=actor, user=victim, old_password=PASSWORD, new_password="New-secret-77")
    with pytest.raises(PermissionDenied):
        change_password(actor=actor, user=victim, new_password="New-secret-77", by_admin=True)
    victim.refresh_from_db()
    assert victim.password == before


def test_admin_reset_makes_an_initial_password_in_scope_only(frozen):
    manager = UserFactory()
    in_scope = UserFactory(department=manager.department)
    elsewhere = UserFactory()
    grant(manager, "accounts.manage_user", scope="department")
    change_password(actor=manager, user=in_scope, new_password="Initial-pass-1", by_admin=True)
    in_scope.refresh_from_db()
    assert in_scope.check_password("Initial-pass-1")
    assert in_scope.must_change_password is True
    assert AuditEvent.objects.filter(action="accounts.password_reset", actor=manager).count() == 1
    with pytest.raises(OutOfScope):
        change_password(actor=manager, user=elsewhere, new_password="Initial-pass-1", by_admin=True)
    elsewhere.refresh_from_db()
    assert elsewhere.check_password(PASSWORD)


def test_password_change_page_keeps_this_session_and_ends_the_others(frozen):
    user = UserFactory(username="twodevices")
    laptop, phone = english_client(), english_client()
    for browser in (laptop, phone):
        browser.post(reverse("accounts:login"), {"username": "twodevices", "password": PASSWORD})
    laptop_key, phone_key = laptop.session.session_key, phone.session.session_key
    response = laptop.post(
        reverse("accounts:password-change"),
        {"old_password": PASSWORD, "new_password1": "Brand-new-88x", "new_password2": "Brand-new-88x"},
    )
    assert response.status_code == 302
    # the laptop stays signed in, the phone is signed out
    assert laptop.get(reverse("accounts:profile")).status_code == 200
    assert phone.get(reverse("accounts:profile")).status_code == 302
    assert SESSION_KEY not in phone.session
    assert UserSession.objects.get(session_key=laptop_key).ended_at is None
    phone_row = UserSession.objects.get(session_key=phone_key)
    assert (phone_row.ended_at, phone_row.end_reason) == (T0, "password_changed")
    user.refresh_from_db()
    assert user.check_password("Brand-new-88x")


def test_mismatched_new_passwords_are_refused_by_the_form():
    user = UserFactory()
    client = english_client()
    client.force_login(user)
    response = client.post(
        reverse("accounts:password-change"),
        {"old_password": PASSWORD, "new_password1": "Brand-new-88x", "new_password2": "Brand-new-88y"},
    )
    assert "The two new passwords differ." in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


# ---------------------------------------------------------------- expiry and first login


def test_staff_password_older_than_ninety_days_forces_a_change(frozen, settings):
    settings.PASSWORD_MAX_AGE_DAYS = 90
    user = UserFactory(is_staff=True, password_changed_at=T0 - timedelta(days=90, minutes=1))
    client = english_client()
    client.force_login(user)
    response = client.get(reverse("accounts:profile"))
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:password-change") + "?next=%2Faccounts%2Fme%2F"
    # the change page itself and signing out remain reachable
    assert client.get(reverse("accounts:password-change")).status_code == 200


def test_staff_password_within_ninety_days_is_fine(frozen):
    user = UserFactory(is_staff=True, password_changed_at=T0 - timedelta(days=89, hours=23))
    client = english_client()
    client.force_login(user)
    assert client.get(reverse("accounts:profile")).status_code == 200


def test_expiry_applies_to_staff_only(frozen):
    user = UserFactory(is_staff=False, password_changed_at=T0 - timedelta(days=400))
    client = english_client()
    client.force_login(user)
    assert client.get(reverse("accounts:profile")).status_code == 200


def test_after_the_change_the_user_goes_on(frozen):
    user = UserFactory(is_staff=True, password_changed_at=T0 - timedelta(days=120))
    client = english_client()
    client.force_login(user)
    response = client.post(
        reverse("accounts:password-change") + "?next=/accounts/me/",
        {
            "old_password": PASSWORD,
            "new_password1": "Renewed-pass-5",
            "new_password2": "Renewed-pass-5",
            "next": "/accounts/me/",
        },
    )
    assert response["Location"] == "/accounts/me/"
    assert client.get(reverse("accounts:profile")).status_code == 200


def test_initial_password_must_be_changed_at_first_login(frozen):
    UserFactory(username="newbie", must_change_password=True)
    client = english_client()
    response = client.post(reverse("accounts:login"), {"username": "newbie", "password": PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("accounts:password-change")
    assert "Your password is an initial one: change it before you continue." in response.content.decode()
    # every other page redirects there, the API answers 403
    assert client.get(reverse("core:home"))["Location"] == reverse("accounts:password-change")
    assert client.get("/api/v1/departments").status_code == 403


def test_demo_account_skips_first_login_change_only_in_demo_mode(frozen, settings):
    user = UserFactory(username="demo1", must_change_password=True, is_demo=True)
    settings.DEMO_MODE = True
    client = english_client()
    client.force_login(user)
    assert client.get(reverse("accounts:profile")).status_code == 200
    settings.DEMO_MODE = False
    response = client.get(reverse("accounts:profile"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:password-change"))


def test_demo_mode_does_not_exempt_ordinary_accounts(frozen, settings):
    settings.DEMO_MODE = True
    user = UserFactory(must_change_password=True, is_demo=False)
    client = english_client()
    client.force_login(user)
    assert client.get(reverse("accounts:profile")).status_code == 302


def test_policy_help_texts_are_translatable():
    with translation.override("en"):
        from zoneops.accounts.passwords import CharacterClassValidator

        assert CharacterClassValidator(3).get_help_text() == (
            "Use at least 3 of: lower-case letters, upper-case letters, digits, symbols."
        )
