"""The audit search page, event detail, export, history fragment and read-only admin."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import time_machine
from django.template import Context, Template
from django.urls import reverse
from openpyxl import load_workbook

from zoneops.accounts import actions as accounts_actions
from zoneops.audit.models import AuditEvent
from zoneops.audit.services import record
from zoneops.core import context

pytestmark = pytest.mark.django_db

LIST = reverse("audit:event-list")
EXPORT = reverse("audit:event-export")


def rows_of(response) -> list[int]:
    return [event.pk for event in response.context["listing"].rows]


# --- scope matrix -------------------------------------------------------------------------------


def test_anonymous_is_sent_to_sign_in(client, events):
    response = client.get(LIST)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("url_name", ["audit:event-list", "audit:event-export"])
def test_without_the_permission_is_forbidden_and_nothing_is_recorded(client, nobody, events, url_name):
    client.force_login(nobody)
    before = AuditEvent.objects.count()

    response = client.get(reverse(url_name))

    assert response.status_code == 403
    assert AuditEvent.objects.count() == before


def test_audit_administrator_sees_every_event_newest_first(client, auditor, events):
    client.force_login(auditor)
    response = client.get(LIST)
    assert response.status_code == 200
    assert rows_of(response) == [events[1].pk, events[0].pk]
    assert "east did it" not in response.content.decode()  # the note is on the detail page
    assert "east_clerk" in response.content.decode()


def test_department_scoped_auditor_sees_only_their_departments_actors(client, east_auditor, events):
    client.force_login(east_auditor)
    response = client.get(LIST)
    assert rows_of(response) == [events[0].pk]


def test_detail_of_an_out_of_scope_event_is_404_like_a_missing_one(client, east_auditor, events):
    client.force_login(east_auditor)
    assert client.get(reverse("audit:event-detail", args=[events[1].pk])).status_code == 404
    assert client.get(reverse("audit:event-detail", args=[999999])).status_code == 404
    response = client.get(reverse("audit:event-detail", args=[events[0].pk]))
    assert response.status_code == 200
    assert "east did it" in response.content.decode()
    assert "科员" in response.content.decode()


def test_there_is_no_write_route(client, auditor, events):
    client.force_login(auditor)
    detail = reverse("audit:event-detail", args=[events[0].pk])
    assert client.post(detail, {"note": "x"}).status_code == 405
    assert client.post(LIST).status_code == 405
    assert AuditEvent.objects.get(pk=events[0].pk).note == "east did it"


# --- filters ------------------------------------------------------------------------------------


@pytest.fixture
def trail(east_clerk, west_clerk):
    """Three events on three days, from two IPs and two request ids."""
    made = {}
    for key, day, user, ip, rid, action, note in [
        (
            "a",
            dt.datetime(2022, 4, 8, 23, 30, tzinfo=dt.UTC),
            east_clerk,
            "10.0.0.1",
            "req-aaaaaaaa",
            accounts_actions.LOGIN_SUCCEEDED,
            "",
        ),
        (
            "b",
            dt.datetime(2022, 4, 9, 16, 30, tzinfo=dt.UTC),
            west_clerk,
            "10.0.0.2",
            "req-bbbbbbbb",
            accounts_actions.USER_UPDATED,
            "换岗",
        ),
        (
            "c",
            dt.datetime(2022, 4, 10, 2, 0, tzinfo=dt.UTC),
            east_clerk,
            "10.0.0.1",
            "req-cccccccc",
            accounts_actions.USER_UPDATED,
            "",
        ),
    ]:
        token = context.activate(context.RequestContext(request_id=rid, ip=ip, source="web"))
        try:
            with time_machine.travel(day, tick=False):
                target = west_clerk if key == "c" else user
                made[key] = record(
                    user, action, target if action != accounts_actions.LOGIN_SUCCEEDED else None, note=note
                )
        finally:
            context.reset(token)
    return made


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # 2022-04-09 in Shanghai runs from 04-08 16:00 to 04-09 16:00 UTC.
        ({"date_from": "2022-04-09", "date_to": "2022-04-09"}, ["a"]),
        ({"date_from": "2022-04-10"}, ["c", "b"]),
        ({"actor": "west_clerk"}, ["b"]),
        ({"department": "东区"}, ["c", "a"]),
        ({"action": "accounts.login_succeeded"}, ["a"]),
        ({"object_type": "accounts.user"}, ["c", "b"]),
        ({"ip": "10.0.0.1"}, ["c", "a"]),
        ({"request_id": "req-bbbbbbbb"}, ["b"]),
        ({"text": "换岗"}, ["b"]),
        ({"text": "换岗", "actor": "east_clerk"}, []),
    ],
)
def test_filters(client, auditor, trail, query, expected):
    client.force_login(auditor)
    response = client.get(LIST, query)
    assert response.status_code == 200
    assert rows_of(response) == [trail[k].pk for k in expected]


def test_text_also_searches_the_object_repr(client, auditor, trail, west_clerk):
    client.force_login(auditor)
    response = client.get(LIST, {"text": west_clerk.full_name, "actor": "east_clerk"})
    assert rows_of(response) == [trail["c"].pk]


def test_object_id_filter(client, auditor, trail, west_clerk):
    client.force_login(auditor)
    response = client.get(LIST, {"object_type": "accounts.user", "object_id": str(west_clerk.pk)})
    assert rows_of(response) == [trail["c"].pk, trail["b"].pk]


def test_bad_filter_input_shows_the_error_and_no_rows(client, auditor, trail):
    client.force_login(auditor)
    response = client.get(LIST, {"ip": "not-an-ip", "date_from": "2022-04-10", "date_to": "2022-04-01"})
    assert response.status_code == 200
    assert rows_of(response) == []
    assert set(response.context["form"].errors) == {"ip", "date_to"}


def test_action_filter_offers_the_catalogue(client, auditor):
    client.force_login(auditor)
    response = client.get(LIST)
    field = response.context["form"].fields["action"]
    assert field.choices[0][0] == ""
    assert all(field.valid_value(code) for code in ("audit.exported", "audit.purged", "accounts.user_updated"))
    assert not field.valid_value("audit.no_such_action")
    body = response.content.decode()
    assert '<optgroup label="' in body
    assert 'value="audit.purged"' in body


def test_pagination_and_query_count(client, auditor, east_clerk):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for n in range(25):
        record(east_clerk, accounts_actions.USER_UPDATED, east_clerk, note=str(n))
    client.force_login(auditor)
    client.get(LIST)  # warm the session

    with CaptureQueriesContext(connection) as ten:
        first = client.get(LIST, {"page_size": "10"})
    with CaptureQueriesContext(connection) as fifty:
        client.get(LIST, {"page_size": "50"})
    second = client.get(LIST, {"page_size": "10", "page": "3"})

    assert len(fifty) == len(ten)  # rows add no queries

    assert [e.note for e in first.context["listing"].rows] == [str(n) for n in range(24, 14, -1)]
    assert [e.note for e in second.context["listing"].rows] == [str(n) for n in range(4, -1, -1)]
    assert first.context["listing"].paginator.count == 25


def test_htmx_request_gets_the_table_only(client, auditor, events):
    client.force_login(auditor)
    response = client.get(LIST, {"actor": "east_clerk"}, headers={"HX-Request": "true"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "<table" in body
    assert "audit-search" not in body
    assert "<html" not in body
    # The export button travels with the table, so it always exports what is on screen.
    assert f'href="{EXPORT}?actor=east_clerk"' in body
    assert f'data-event="{events[0].pk}"' in body
    assert f'data-event="{events[1].pk}"' not in body


def test_page_has_no_inline_script_or_style(client, auditor, events):
    client.force_login(auditor)
    body = client.get(LIST).content.decode()
    assert "style=" not in body
    assert "<script>" not in body


def test_menu_offers_the_search_to_auditors_only(client, auditor, nobody):
    client.force_login(auditor)
    assert LIST in client.get(reverse("core:home")).content.decode()
    client.force_login(nobody)
    assert LIST not in client.get(reverse("core:home")).content.decode()


# --- export -------------------------------------------------------------------------------------


def test_export_is_an_excel_file_of_the_visible_filtered_events_and_is_audited(client, east_auditor, events):
    client.force_login(east_auditor)

    response = client.get(EXPORT, {"action": "accounts.user_updated"}, REMOTE_ADDR="10.9.8.7")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    data = [row for row in sheet.iter_rows(min_row=4, values_only=True) if row[1]]
    assert [(row[1], row[2], row[7], row[9]) for row in data] == [
        ("east_clerk", "东区办", "accounts.user", events[0].object_repr)
    ]
    headers = [cell.value for cell in sheet[3]]
    assert len(headers) == 12 and all(headers)
    exported = AuditEvent.objects.get(action="audit.exported")
    assert exported.actor == east_auditor
    assert exported.ip == "10.9.8.7"
    assert exported.note == "1 events; filters: action=accounts.user_updated"


def test_export_with_bad_filters_redirects_and_records_nothing(client, auditor, events):
    client.force_login(auditor)
    response = client.get(EXPORT, {"ip": "nope"})
    assert response.status_code == 302
    assert not AuditEvent.objects.filter(action="audit.exported").exists()


# --- history fragment ---------------------------------------------------------------------------


def test_history_fragment_renders_a_timeline_of_one_object(east_clerk, west_clerk, events):
    html = Template("{% load audit %}{% audit_history obj %}").render(Context({"obj": west_clerk}))

    assert html.count("<li data-audit-action=") == 1
    assert "east_clerk" in html
    assert "东区办" in html
    assert "→ 科员" in html
    assert "east did it" in html
    assert "west did it" not in html  # that event is about another object


def test_history_fragment_by_include_with_events(west_clerk, events):
    from zoneops.audit.selectors import history_of

    html = Template('{% include "audit/_history.html" with events=history %}').render(
        Context({"history": history_of(west_clerk)})
    )
    assert "east did it" in html


def _history_lines(html: str) -> list[str]:
    import re

    return [re.sub(r"<[^>]+>", "", line).strip() for line in re.findall(r"<li><span.*?</li>", html)]


def test_history_fragment_names_the_referenced_objects(east_clerk, west_clerk, east, west):
    from zoneops.accounts.tests.factories import make_role
    from zoneops.audit.selectors import history_of

    clerks, leaders = make_role(code="clerks"), make_role(code="leaders")
    changes = {"department": [east.pk, west.pk], "roles": [[clerks.pk], [clerks.pk, leaders.pk]], "title": ["", "12"]}
    record(east_clerk, accounts_actions.USER_UPDATED, west_clerk, changes=changes)
    record(east_clerk, accounts_actions.USER_UPDATED, west_clerk, changes={"department": ["西区办", None]})

    html = Template('{% include "audit/_history.html" with events=history %}').render(
        Context({"history": history_of(west_clerk)})
    )

    assert _history_lines(html) == [  # fields in the model's order, whatever order the database keeps
        "main department: 西区办 → —",  # recorded as text: shown as it is
        "main department: 东区办 → 西区办",
        "job title: — → 12",  # a plain field keeps its number
        "roles: clerks → clerks, leaders",
    ]


def test_history_fragment_shows_the_id_of_a_row_since_deleted(east_clerk, west_clerk, east):
    from zoneops.accounts.models import Department
    from zoneops.accounts.tests.factories import DepartmentFactory

    gone = DepartmentFactory(name="撤销办")
    gone_pk = gone.pk
    record(east_clerk, accounts_actions.USER_UPDATED, west_clerk, changes={"department": [gone_pk, east.pk]})
    Department.objects.filter(pk=gone_pk).delete()

    html = Template("{% load audit %}{% audit_history obj %}").render(Context({"obj": west_clerk}))

    assert _history_lines(html) == [f"main department: {gone_pk} → 东区办"]


def test_history_fragment_resolves_names_in_one_query_per_referenced_model(
    django_assert_num_queries, east_clerk, west_clerk, east, west
):
    from zoneops.accounts.tests.factories import DepartmentFactory, UserFactory

    for n in range(10):
        other = DepartmentFactory(name=f"科室{n}")
        record(east_clerk, accounts_actions.USER_UPDATED, west_clerk, changes={"department": [east.pk, other.pk]})
        record(east_clerk, accounts_actions.DEPARTMENT_UPDATED, other, changes={"parent": [None, west.pk]})
        record(east_clerk, accounts_actions.USER_UPDATED, UserFactory(), changes={"department": [west.pk, other.pk]})
    events = list(AuditEvent.objects.order_by("-pk"))
    template = Template('{% include "audit/_history.html" with events=events %}')

    with django_assert_num_queries(1):  # the departments; users' histories, departments' parents alike
        html = template.render(Context({"events": events}))

    assert html.count("科室9") == 2 and "东区办 → 科室0" in html and "— → 西区办" in html


def test_history_fragment_without_events(west_clerk):
    html = Template("{% load audit %}{% audit_history obj %}").render(Context({"obj": west_clerk}))
    assert "<li data-audit-action=" not in html


# --- Django admin -------------------------------------------------------------------------------


def test_admin_is_read_only(rf, auditor, events):
    from django.contrib import admin

    model_admin = admin.site._registry[AuditEvent]
    request = rf.get("/admin/audit/auditevent/")
    request.user = auditor
    assert model_admin.has_view_permission(request) is True
    assert model_admin.has_add_permission(request) is False
    assert model_admin.has_change_permission(request, events[0]) is False
    assert model_admin.has_delete_permission(request, events[0]) is False
    assert list(model_admin.get_queryset(request).order_by("pk")) == [events[0], events[1]]


def test_model_has_no_change_or_delete_permission_codes():
    from django.contrib.auth.models import Permission

    codes = set(Permission.objects.filter(content_type__app_label="audit").values_list("codename", flat=True))
    assert codes == {"view_audit_trail"}


def test_history_shows_at_most_a_hundred_events_newest_first(east_clerk):
    for n in range(101):
        record(east_clerk, accounts_actions.USER_UPDATED, east_clerk, note=f"n{n}")

    html = Template("{% load audit %}{% audit_history obj %}").render(Context({"obj": east_clerk}))

    assert html.count("<li data-audit-action=") == 100
    assert html.index(">n100<") < html.index(">n99<")
    assert ">n0<" not in html


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, "—"),
        ("", "—"),
        (True, "yes"),
        (3, "3"),
        (["a", None], "a, —"),
        ({"name": "王五", "mobile": "138****0818"}, "name: 王五; mobile: 138****0818"),
    ],
)
def test_values_read_plainly(value, expected):
    from django.utils import translation

    from zoneops.audit.display import display_value

    with translation.override("en"):
        assert display_value(value) == expected


def test_admin_pages_are_closed_even_to_the_audit_administrator(client, auditor, events):
    # The Django admin is superusers-only and ZoneOps has none: the audit search page is the way in.
    client.force_login(auditor)
    assert client.get("/admin/audit/auditevent/").status_code == 302
