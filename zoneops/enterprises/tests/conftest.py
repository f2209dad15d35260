"""Fixtures of the enterprises tests."""

from __future__ import annotations

import pytest

from zoneops.accounts.models import DataScope
from zoneops.accounts.tests.factories import UserFactory, grant
from zoneops.enterprises.tests.factories import SubdistrictFactory

ALL_PERMS = (
    "enterprises.view_enterprise",
    "enterprises.add_enterprise",
    "enterprises.change_enterprise",
    "enterprises.export_enterprise",
    "enterprises.import_enterprise",
)


@pytest.fixture
def subdistrict(db):
    """竹行街道."""
    return SubdistrictFactory(code="ZX", name="竹行街道")


@pytest.fixture
def other_subdistrict(db):
    """小海街道."""
    return SubdistrictFactory(code="XH", name="小海街道")


@pytest.fixture
def clerk(db, subdistrict):
    """A clerk of 竹行街道 holding every enterprise permission for that subdistrict only."""
    user = UserFactory(username="clerk", department=subdistrict)
    grant(user, *ALL_PERMS, scope=DataScope.CUSTOM, departments=[subdistrict])
    return user


@pytest.fixture
def admin_clerk(db):
    """A registry clerk with every enterprise permission over all data."""
    user = UserFactory(username="registrar")
    grant(user, *ALL_PERMS, scope=DataScope.ALL)
    return user


@pytest.fixture
def nobody(db):
    """A signed-in user without enterprise permissions."""
    return UserFactory(username="nobody")
