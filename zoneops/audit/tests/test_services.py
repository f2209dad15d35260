"""record(), snapshot/diff and the catalogue."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.utils.translation import gettext_lazy

from zoneops.accounts import actions as accounts_actions
from zoneops.accounts.tests.factories import UserFactory
from zoneops.audit import catalogue
from zoneops.audit.models import AuditEvent
from zoneops.audit.services import diff, record, snapshot
from zoneops.core import context

pytestmark = pytest.mark.django_db

NOON = dt.datetime(2022, 4, 10, 4, 0, tzinfo=dt.UTC)  # 12:00 in Shanghai


def test_record_keeps_who_when_where_what_and_the_changes(east_clerk, west_clerk):
    token = context.activate(context.RequestContext(request_id="req-12345678", ip="10.1.2.3", source="web"))
    try:
        with time_machine.travel(NOON, tick=False):
            event = record(
                east_clerk,
                accounts_actions.USER_UPDATED,
                west_clerk,
                changes={"title": ["", "科员"], "amount": [Decimal("1.50"), Decimal("2")]},
                note="why",
            )
    finally:
        context.reset(token)

    stored = AuditEvent.objects.get(pk=event.pk)
    assert stored.occurred_at == NOON
    assert stored.actor == east_clerk
    assert stored.actor_username == "east_clerk"
    assert stored.actor_department == east_clerk.department
    assert stored.actor_department_name == "东区办"
    assert stored.ip == "10.1.2.3"
    assert stored.request_id == "req-12345678"
    assert stored.source == "web"
    assert stored.action == "accounts.user_updated"
    assert stored.object_type == "accounts.user"
    assert stored.object_id == str(west_clerk.pk)
    assert stored.object_repr == str(west_clerk)
    assert stored.changes == {"title": ["", "科员"], "amount": ["1.50", "2"]}
    assert stored.note == "why"


def test_record_outside_a_request_is_a_system_event_without_ip():
    event = record(None, accounts_actions.LOGIN_FAILED, username="mallory", note="bad password")

    assert (event.actor, event.actor_username, event.actor_department, event.ip, event.request_id, event.source) == (
        None,
        "mallory",
        None,
        None,
        "",
        "system",
    )
    assert (event.object_type, event.object_id, event.object_repr) == ("", "", "")


def test_an_unregistered_action_is_a_programming_error(east_clerk):
    with pytest.raises(ValueError, match="not in the catalogue"):
        record(east_clerk, "accounts.made_up", east_clerk)
    assert AuditEvent.objects.count() == 0


def test_personal_data_in_changes_is_stored_masked(east_clerk):
    event = record(
        east_clerk,
        accounts_actions.USER_UPDATED,
        east_clerk,
        changes={"mobile": ["13812345678", "13987654321"], "title": ["a", "b"]},
    )

    assert AuditEvent.objects.get(pk=event.pk).changes == {
        "mobile": ["138****5678", "139****4321"],
        "title": ["a", "b"],
    }


def test_lazy_strings_and_models_become_plain_values(east_clerk):
    event = record(
        east_clerk,
        accounts_actions.USER_UPDATED,
        east_clerk,
        changes={"department": [None, east_clerk.department], "label": gettext_lazy("Signed in")},
    )

    assert AuditEvent.objects.get(pk=event.pk).changes == {
        "department": [None, east_clerk.department_id],
        "label": "Signed in",
    }


def test_snapshot_and_diff_give_the_changed_fields_only(east_clerk, west):
    before = snapshot(east_clerk, ["title", "department", "full_name"])
    east_clerk.title = "科长"
    east_clerk.department = west
    after = snapshot(east_clerk, ["title", "department", "full_name"])

    assert diff(before, after) == {"title": ["", "科长"], "department": [before["department"], west.pk]}


def test_change_rows_label_fields_by_their_verbose_name(east_clerk):
    event = record(
        east_clerk, accounts_actions.USER_UPDATED, east_clerk, changes={"title": ["", "科长"], "computed": 3}
    )

    with_english = dict((label, (b, a)) for label, b, a in _rows_in_english(event))
    assert with_english == {"job title": ("", "科长"), "computed": (None, 3)}


def _rows_in_english(event):
    from django.utils import translation

    with translation.override("en"):
        return event.change_rows


def test_catalogue_refuses_one_code_with_two_labels(monkeypatch):
    monkeypatch.setattr(catalogue, "_ACTIONS", dict(catalogue._ACTIONS))
    catalogue.register("audit.test_probe", "Probe")
    assert catalogue.register("audit.test_probe", "Probe") == "audit.test_probe"
    with pytest.raises(ValueError, match="registered twice"):
        catalogue.register("audit.test_probe", "Another label")


def test_catalogue_lists_the_audit_codes_sorted():
    codes = [code for code, _ in catalogue.choices()]
    assert codes == sorted(codes)
    assert {"audit.exported", "audit.purged", "accounts.login_succeeded"} <= set(codes)
    assert catalogue.label("audit.no_such") == "audit.no_such"


def test_history_of_lists_one_objects_events_newest_first(east_clerk, west_clerk):
    from zoneops.audit.selectors import history_of

    with time_machine.travel(NOON, tick=False):
        first = record(east_clerk, accounts_actions.USER_CREATED, west_clerk)
    second = record(east_clerk, accounts_actions.USER_UPDATED, west_clerk)
    record(east_clerk, accounts_actions.USER_UPDATED, east_clerk)  # another object

    assert list(history_of(west_clerk)) == [second, first]


def test_department_name_is_kept_as_it_was_when_acting(db):
    user = UserFactory(username="mover")
    event = record(user, accounts_actions.USER_UPDATED, user)
    old_name = user.department.name
    user.department.name = "改名后"
    user.department.save()

    assert AuditEvent.objects.get(pk=event.pk).actor_department_name == old_name


def test_export_service_refuses_without_the_permission_and_records_nothing(nobody, events):
    from zoneops.audit.selectors import EventFilters
    from zoneops.audit.services import export_events
    from zoneops.core.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        export_events(actor=nobody, filters=EventFilters())
    assert AuditEvent.objects.count() == 2


def test_export_service_refuses_too_many_rows(auditor, events, monkeypatch):
    from zoneops.audit import services
    from zoneops.audit.selectors import EventFilters
    from zoneops.core.errors import DomainError

    monkeypatch.setattr(services, "MAX_EXPORT_ROWS", 1)
    with pytest.raises(DomainError):
        services.export_events(actor=auditor, filters=EventFilters())
    assert AuditEvent.objects.count() == 2


def test_export_service_writes_changes_readably(auditor, events):
    from zoneops.audit.selectors import EventFilters
    from zoneops.audit.services import export_events

    sheet = export_events(actor=auditor, filters=EventFilters(actor="east_clerk")).active
    rows = [row for row in sheet.iter_rows(min_row=4, values_only=True) if row[1]]
    assert len(rows) == 1
    assert rows[0][10].endswith(": — → 科员")
    assert rows[0][11] == "east did it"
