"""Fixtures of the investment tests: a frozen day in April 2022, dictionaries, a unit with its staff."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from zoneops.accounts.models import DataScope
from zoneops.investment.tests import factories

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def frozen():
    """2022-04-21 15:00 in Shanghai (the seed's day)."""
    with time_machine.travel(dt.datetime(2022, 4, 21, 15, 0, tzinfo=SHANGHAI), tick=False) as traveller:
        yield traveller


@pytest.fixture
def dicts(db):
    factories.dictionaries()


@pytest.fixture
def unit1(db):
    return factories.unit("U1")


@pytest.fixture
def unit2(db):
    return factories.unit("U2")


@pytest.fixture
def owner(unit1):
    return factories.staff(unit1, username="owner1")


@pytest.fixture
def other_unit_staff(unit2):
    return factories.staff(unit2, username="owner2")


@pytest.fixture
def verifier(db):
    from zoneops.accounts.tests.factories import DepartmentFactory

    return factories.staff(
        DepartmentFactory(code="XSJ"),
        "investment.view_project",
        "investment.verify_project",
        scope=DataScope.ALL,
        username="verifier",
    )
