"""manage.py purge_audit: only past retention, never younger, and audited."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.utils import timezone

from zoneops.accounts import actions as accounts_actions
from zoneops.audit.models import AuditEvent
from zoneops.audit.services import purge_events, record
from zoneops.core.errors import DomainError

pytestmark = pytest.mark.django_db


def _event_aged(actor, days: int) -> AuditEvent:
    with time_machine.travel(timezone.now() - dt.timedelta(days=days), tick=False):
        return record(actor, accounts_actions.USER_UPDATED, actor, note=f"{days}")


@pytest.fixture
def aged(east_clerk):
    return {days: _event_aged(east_clerk, days) for days in (400, 200, 179, 1)}


def test_purge_refuses_less_than_the_retention_period(aged):
    with pytest.raises(CommandError, match="180"):
        call_command("purge_audit", "--older-than", "179", stdout=StringIO())

    assert AuditEvent.objects.count() == 4
    assert not AuditEvent.objects.filter(action="audit.purged").exists()


def test_purge_requires_the_age(aged):
    with pytest.raises(CommandError):
        call_command("purge_audit", stdout=StringIO())
    assert AuditEvent.objects.count() == 4


def test_purge_deletes_only_older_events_and_records_itself(aged):
    out = StringIO()
    call_command("purge_audit", "--older-than", "180", stdout=out)

    assert "Deleted 2 audit events older than 180 days." in out.getvalue()
    assert set(AuditEvent.objects.exclude(action="audit.purged").values_list("note", flat=True)) == {"179", "1"}
    purge = AuditEvent.objects.get(action="audit.purged")
    assert purge.source == "command"
    assert purge.actor is None
    assert purge.actor_username == "system"
    assert purge.note.startswith("2 events older than 180 days")


def test_purge_with_a_longer_age_keeps_more(aged):
    assert purge_events(older_than_days=300) == 1
    assert set(AuditEvent.objects.exclude(action="audit.purged").values_list("note", flat=True)) == {"200", "179", "1"}


def test_purge_service_names_the_bad_field(aged):
    with pytest.raises(DomainError) as caught:
        purge_events(older_than_days=30)
    assert caught.value.field == "older_than"
    assert AuditEvent.objects.count() == 4


def test_flush_is_refused_outside_tests(settings):
    from django.core.management import CommandError, call_command

    settings.TESTING = False
    with pytest.raises(CommandError, match="audit trail"):
        call_command("flush", interactive=False)
