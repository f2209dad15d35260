"""Fixtures: a zone with a desk and three bureaus, and a frozen clock on Sunday 2022-04-10 09:30."""

import pytest
import time_machine

from zoneops.servicedesk.tests.factories import at, make_zone


@pytest.fixture
def zone(db):
    return make_zone()


@pytest.fixture
def frozen():
    with time_machine.travel(at(2022, 4, 11, 9, 30), tick=False) as traveller:
        yield traveller
