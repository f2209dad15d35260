"""Fixtures of the audit tests: two departments, an audit administrator of each scope, events."""

from __future__ import annotations

import pytest

from zoneops.accounts import actions as accounts_actions
from zoneops.accounts.models import DataScope
from zoneops.accounts.tests.factories import DepartmentFactory, UserFactory, grant
from zoneops.audit.services import record

VIEW_AUDIT = "audit.view_audit_trail"


@pytest.fixture
def east(db):
    return DepartmentFactory(name="东区办", code="EAST")


@pytest.fixture
def west(db):
    return DepartmentFactory(name="西区办", code="WEST")


@pytest.fixture
def east_clerk(east):
    return UserFactory(username="east_clerk", department=east)


@pytest.fixture
def west_clerk(west):
    return UserFactory(username="west_clerk", department=west)


@pytest.fixture
def auditor(db):
    """The audit administrator: the whole trail."""
    user = UserFactory(username="auditor")
    grant(user, VIEW_AUDIT, scope=DataScope.ALL)
    return user


@pytest.fixture
def east_auditor(east):
    """May search only what people of the east office did."""
    user = UserFactory(username="east_auditor", department=east)
    grant(user, VIEW_AUDIT, scope=DataScope.DEPARTMENT)
    return user


@pytest.fixture
def nobody(db):
    """Signed in, without the audit permission."""
    return UserFactory(username="nobody")


@pytest.fixture
def events(east_clerk, west_clerk):
    """One event by each clerk, about each other's account."""
    east_event = record(
        east_clerk, accounts_actions.USER_UPDATED, west_clerk, changes={"title": ["", "科员"]}, note="east did it"
    )
    west_event = record(
        west_clerk, accounts_actions.USER_UPDATED, east_clerk, changes={"title": ["", "科长"]}, note="west did it"
    )
    return east_event, west_event
