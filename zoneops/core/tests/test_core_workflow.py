"""workflow.transition: table-checked, compare-and-set, one winner.

The mechanism is exercised on Department.kind as the "state" field (no domain model with a status
is owned by core); the table below is a test table, not a business rule.
"""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from zoneops.accounts.models import Department, DepartmentKind
from zoneops.accounts.tests.factories import DepartmentFactory
from zoneops.core.errors import Conflict, InvalidTransition
from zoneops.core.workflow import transition

pytestmark = pytest.mark.django_db

TABLE = {
    DepartmentKind.BUREAU: {DepartmentKind.OFFICE, DepartmentKind.TASK_FORCE},
    DepartmentKind.OFFICE: {DepartmentKind.BUREAU},
    DepartmentKind.TASK_FORCE: set(),
}
NOON = dt.datetime(2022, 4, 10, 4, 0, tzinfo=dt.UTC)


@pytest.fixture
def bureau():
    return DepartmentFactory(kind=DepartmentKind.BUREAU, name="经发局")


def test_allowed_move_updates_the_row_and_the_object(bureau):
    with time_machine.travel(NOON, tick=False):
        previous = transition(bureau, to=DepartmentKind.OFFICE, table=TABLE, field="kind")

    assert previous == DepartmentKind.BUREAU
    assert bureau.kind == DepartmentKind.OFFICE
    assert bureau.updated_at == NOON
    stored = Department.objects.get(pk=bureau.pk)
    assert (stored.kind, stored.updated_at) == (DepartmentKind.OFFICE, NOON)


def test_extra_fields_are_written_in_the_same_update(bureau):
    transition(bureau, to=DepartmentKind.OFFICE, table=TABLE, field="kind", extra={"short_name": "经发"})

    stored = Department.objects.get(pk=bureau.pk)
    assert (stored.kind, stored.short_name) == (DepartmentKind.OFFICE, "经发")
    assert bureau.short_name == "经发"


def test_illegal_move_raises_and_changes_nothing(bureau):
    before = Department.objects.values().get(pk=bureau.pk)

    with pytest.raises(InvalidTransition) as caught:
        transition(bureau, to=DepartmentKind.GRID, table=TABLE, field="kind")

    assert caught.value.field == "kind"
    assert caught.value.status == 409
    assert bureau.kind == DepartmentKind.BUREAU
    assert Department.objects.values().get(pk=bureau.pk) == before


def test_a_state_with_no_way_out_refuses_every_move(bureau):
    transition(bureau, to=DepartmentKind.TASK_FORCE, table=TABLE, field="kind")
    with pytest.raises(InvalidTransition):
        transition(bureau, to=DepartmentKind.BUREAU, table=TABLE, field="kind")
    assert Department.objects.get(pk=bureau.pk).kind == DepartmentKind.TASK_FORCE


def test_lost_compare_and_set_raises_conflict_and_keeps_the_winners_write(bureau):
    # Someone else moves the row while our copy still says "bureau".
    Department.objects.filter(pk=bureau.pk).update(kind=DepartmentKind.TASK_FORCE)

    with pytest.raises(Conflict) as caught:
        transition(bureau, to=DepartmentKind.OFFICE, table=TABLE, field="kind", extra={"short_name": "x"})

    assert caught.value.field == "kind"
    assert bureau.kind == DepartmentKind.BUREAU  # the stale copy is not pretended to have moved
    assert bureau.short_name == ""
    stored = Department.objects.get(pk=bureau.pk)
    assert (stored.kind, stored.short_name) == (DepartmentKind.TASK_FORCE, "")


def test_two_clerks_acting_at_once_one_wins(bureau):
    mine = Department.objects.get(pk=bureau.pk)
    theirs = Department.objects.get(pk=bureau.pk)

    transition(theirs, to=DepartmentKind.TASK_FORCE, table=TABLE, field="kind")
    with pytest.raises(Conflict):
        transition(mine, to=DepartmentKind.OFFICE, table=TABLE, field="kind")

    assert Department.objects.get(pk=bureau.pk).kind == DepartmentKind.TASK_FORCE
