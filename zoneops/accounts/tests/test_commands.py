"""Built-in commands that would bypass the platform's rules are refused or routed through services."""

from unittest import mock

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from zoneops.accounts.models import User
from zoneops.accounts.tests.factories import UserFactory
from zoneops.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_createsuperuser_is_refused():
    with pytest.raises(CommandError, match="三员分立"):
        call_command("createsuperuser", "--noinput", "--username", "root")
    assert not User.objects.filter(username="root").exists()


def test_changepassword_applies_the_policy_and_audits():
    user = UserFactory(username="clerk")
    with mock.patch("getpass.getpass", side_effect=["short", "short"]), pytest.raises(CommandError):
        call_command("changepassword", "clerk")
    with mock.patch("getpass.getpass", side_effect=["Another-Strong-9", "Another-Strong-9"]):
        call_command("changepassword", "clerk")
    user.refresh_from_db()
    assert user.check_password("Another-Strong-9")
    assert user.must_change_password is True
    assert (
        AuditEvent.objects.filter(action="accounts.password_reset", object_id=str(user.pk), note="console").count() == 1
    )


def test_django_admin_is_closed_to_staff_with_permissions():
    staff = UserFactory(is_staff=True)
    client = Client()
    client.force_login(staff)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert "/login/" in response["Location"]
