"""Append-only: refused by the ORM and, underneath, by database triggers on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from zoneops.accounts import actions as accounts_actions
from zoneops.audit.models import AuditEvent
from zoneops.audit.services import record
from zoneops.core.errors import DomainError

pytestmark = pytest.mark.django_db

TABLE = AuditEvent._meta.db_table


def _old_event(actor, days: int):
    """An event recorded `days` days ago by the real clock (the database trigger uses the database's clock)."""
    with time_machine.travel(timezone.now() - dt.timedelta(days=days), tick=False):
        return record(actor, accounts_actions.USER_UPDATED, actor, note=f"{days} days old")


def _raw(sql: str, params) -> None:
    # A savepoint, so that PostgreSQL's aborted statement does not poison the test's transaction.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_orm_refuses_to_save_an_existing_event_again(events):
    event = events[0]
    event.note = "rewritten"
    with pytest.raises(DomainError):
        event.save()
    assert AuditEvent.objects.get(pk=event.pk).note == "east did it"


def test_orm_refuses_queryset_update_and_delete(events):
    with pytest.raises(DomainError):
        AuditEvent.objects.filter(pk=events[0].pk).update(note="rewritten")
    with pytest.raises(DomainError):
        AuditEvent.objects.all().delete()
    with pytest.raises(DomainError):
        events[1].delete()
    assert AuditEvent.objects.count() == 2
    assert AuditEvent.objects.get(pk=events[0].pk).note == "east did it"


def test_orm_refuses_bulk_update(events):
    events[0].note = "rewritten"
    with pytest.raises(DomainError), transaction.atomic():
        AuditEvent.objects.bulk_update([events[0]], ["note"])
    assert AuditEvent.objects.get(pk=events[0].pk).note == "east did it"


def test_database_refuses_a_raw_update(events):
    with pytest.raises(DatabaseError, match="append-only"):
        _raw(f"UPDATE {TABLE} SET note = %s WHERE id = %s", ["rewritten", events[0].pk])
    assert AuditEvent.objects.get(pk=events[0].pk).note == "east did it"


def test_database_refuses_a_raw_update_of_an_old_event_too(east_clerk):
    old = _old_event(east_clerk, 400)
    with pytest.raises(DatabaseError, match="append-only"):
        _raw(f"UPDATE {TABLE} SET action = %s WHERE id = %s", ["accounts.login_failed", old.pk])
    assert AuditEvent.objects.get(pk=old.pk).action == "accounts.user_updated"


def test_database_refuses_a_raw_delete_of_an_event_younger_than_retention(east_clerk):
    young = _old_event(east_clerk, 179)
    with pytest.raises(DatabaseError, match="retention"):
        _raw(f"DELETE FROM {TABLE} WHERE id = %s", [young.pk])
    assert AuditEvent.objects.filter(pk=young.pk).exists()


def test_database_allows_a_raw_delete_of_an_event_past_retention(east_clerk):
    old = _old_event(east_clerk, 181)
    _raw(f"DELETE FROM {TABLE} WHERE id = %s", [old.pk])
    assert not AuditEvent.objects.filter(pk=old.pk).exists()


def test_triggers_are_installed_for_the_current_vendor():
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s", [TABLE])
        else:
            cursor.execute("SELECT tgname FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal", [TABLE])
        names = sorted(row[0] for row in cursor.fetchall())
    assert names == [f"{TABLE}_no_delete", f"{TABLE}_no_update"]


@pytest.mark.django_db(transaction=True)
def test_flush_empties_the_trail_and_keeps_the_triggers(east_clerk):
    # The test runner flushes after transactional (and live-server browser) tests.
    record(east_clerk, accounts_actions.USER_UPDATED, east_clerk)

    call_command("flush", interactive=False, verbosity=0)

    assert AuditEvent.objects.count() == 0
    event = record(None, accounts_actions.LOGIN_FAILED, username="after-flush")
    with pytest.raises(DatabaseError, match="append-only"):
        _raw(f"UPDATE {TABLE} SET note = %s WHERE id = %s", ["rewritten", event.pk])
    with pytest.raises(DatabaseError, match="retention"):
        _raw(f"DELETE FROM {TABLE} WHERE id = %s", [event.pk])
