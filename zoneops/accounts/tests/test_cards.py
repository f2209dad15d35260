"""Home cards of the administrators and every user's own unit."""

import pytest

from zoneops.accounts.models import DataScope, LoginAttempt
from zoneops.accounts.tests.factories import DepartmentFactory, UserFactory, grant
from zoneops.core import clock

pytestmark = pytest.mark.django_db


def test_security_admin_home_counts_failures_and_lockouts(client):
    secadmin = UserFactory(username="sec")
    grant(secadmin, "accounts.manage_sessions", "accounts.view_login_log", scope=DataScope.ALL)
    for outcome in ("failure", "failure", "locked"):
        LoginAttempt.objects.create(username="x", outcome=outcome, at=clock.now())
    client.force_login(secadmin)

    page = client.get("/").content.decode()

    assert 'data-card="accounts-security"' in page
    assert 'data-stat="failures">2<' in page
    assert 'data-stat="lockouts">1<' in page


def test_system_admin_home_counts_users_in_scope(client):
    unit = DepartmentFactory()
    sysadmin = UserFactory(username="sys", department=unit)
    grant(sysadmin, "accounts.manage_user", "accounts.manage_department", scope=DataScope.DEPARTMENT)
    UserFactory(department=unit)
    UserFactory()  # another department: out of scope
    client.force_login(sysadmin)

    page = client.get("/").content.decode()

    assert 'data-stat="users">2<' in page


def test_every_user_sees_their_unit(client):
    parent = DepartmentFactory(name="竹行街道")
    grid = DepartmentFactory(name="第一网格", parent=parent)
    worker = UserFactory(department=grid)
    client.force_login(worker)

    page = client.get("/").content.decode()

    assert "竹行街道 / 第一网格" in page
    assert 'data-card="accounts-security"' not in page
