"""Pages: queues (constant query count), detail with action forms, actions, intake, export, KPIs, home card, scopes."""

import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from zoneops.audit.models import AuditEvent
from zoneops.servicedesk import services
from zoneops.servicedesk.choices import CaseStatus, Channel
from zoneops.servicedesk.models import Case, CaseTask
from zoneops.servicedesk.tests.factories import at

pytestmark = pytest.mark.django_db


def make_case(zone, title="后勤保供", **kwargs):
    values = dict(
        actor=zone.desk,
        channel=Channel.WALK_IN,
        category=zone.general,
        title=title,
        description="工人用餐告急",
        requester_name="赵六",
        requester_mobile="13712345678",
    )
    values.update(kwargs)
    return services.register_case(**values)


def list_queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries), response


def test_queue_page_query_count_does_not_grow_with_rows(client, zone, frozen):
    client.force_login(zone.desk)
    for i in range(3):
        services.dispatch_case(actor=zone.desk, case=make_case(zone, title=f"件{i}"), department=zone.zjj)
    list_queries(client, "/servicedesk/cases/")  # the first request of a session records the session
    few, _ = list_queries(client, "/servicedesk/cases/")
    for i in range(12):
        services.dispatch_case(
            actor=zone.desk, case=make_case(zone, title=f"更多{i}", enterprise=None), department=zone.scj
        )
    many, response = list_queries(client, "/servicedesk/cases/")
    assert few == many
    assert response.content.decode().count('data-case="GD') == 15


def test_queue_tabs_and_search(client, zone, frozen):
    client.force_login(zone.desk)
    dispatched = services.dispatch_case(
        actor=zone.desk, case=make_case(zone, title="核酸登门检测"), department=zone.zjj
    )
    make_case(zone, title="物资车辆运输")
    html = client.get("/servicedesk/cases/", {"queue": "to_dispatch"}).content.decode()
    assert "物资车辆运输" in html and "核酸登门检测" not in html
    html = client.get("/servicedesk/cases/", {"q": "核酸"}).content.decode()
    assert dispatched.number in html and "物资车辆运输" not in html
    html = client.get("/servicedesk/cases/", {"q": "核酸"}, HTTP_HX_REQUEST="true").content.decode()
    assert html.lstrip().startswith('<div id="case-table">')


def test_department_sees_its_sign_for_queue_and_acts_from_the_detail_page(client, zone, frozen):
    case = services.dispatch_case(actor=zone.desk, case=make_case(zone), department=zone.zjj)
    client.force_login(zone.zjj_user)
    html = client.get("/servicedesk/cases/", {"queue": "to_sign"}).content.decode()
    assert case.number in html
    detail = client.get(f"/servicedesk/cases/{case.number}/").content.decode()
    assert 'data-action="accept"' in detail
    assert 'data-action="dispatch"' not in detail
    assert "137****5678" in detail and "13712345678" not in detail
    task = CaseTask.objects.get(case=case)
    response = client.post(f"/servicedesk/cases/{case.number}/tasks/{task.pk}/accept/")
    assert response.status_code == 302
    assert Case.objects.get(pk=case.pk).status == CaseStatus.ACCEPTED
    # Acting twice: an error message, nothing changes.
    response = client.post(f"/servicedesk/cases/{case.number}/tasks/{task.pk}/accept/", follow=True)
    assert "alert-danger" in response.content.decode()
    assert Case.objects.get(pk=case.pk).status == CaseStatus.ACCEPTED


def test_desk_dispatches_from_the_detail_page(client, zone, frozen):
    case = make_case(zone)
    client.force_login(zone.desk)
    response = client.post(f"/servicedesk/cases/{case.number}/dispatch/", {"department": "ZJJ", "assisting": ["SCJ"]})
    assert response.status_code == 302
    case.refresh_from_db()
    assert (case.status, case.department) == (CaseStatus.DISPATCHED, zone.zjj)
    response = client.post(f"/servicedesk/cases/{case.number}/dispatch/", {"department": "NOPE"}, follow=True)
    assert "alert-danger" in response.content.decode()


def test_other_department_and_anonymous_get_404_or_login(client, zone, frozen):
    case = services.dispatch_case(actor=zone.desk, case=make_case(zone), department=zone.zjj)
    assert client.get(f"/servicedesk/cases/{case.number}/").status_code == 302
    client.force_login(zone.yjj_user)
    assert client.get(f"/servicedesk/cases/{case.number}/").status_code == 404
    task = CaseTask.objects.get(case=case)
    assert client.post(f"/servicedesk/cases/{case.number}/tasks/{task.pk}/accept/").status_code == 404
    assert CaseTask.objects.get(pk=task.pk).status == "pending"
    client.force_login(zone.outsider)
    assert client.get("/servicedesk/cases/").status_code == 404
    assert client.get("/servicedesk/cases/new/").status_code == 404


def test_intake_form_registers_and_shows_errors(client, zone, frozen):
    client.force_login(zone.desk)
    assert client.get("/servicedesk/cases/new/").status_code == 200
    data = {
        "channel": "hotline",
        "category": "supply",
        "priority": "normal",
        "title": "食品告急",
        "description": "450 多名工人",
        "requester_name": "王五",
        "requester_mobile": "13612345678",
    }
    response = client.post("/servicedesk/cases/new/", data)
    assert response.status_code == 200
    assert 'data-error-for="hotline"' in response.content.decode()
    assert Case.objects.count() == 0
    response = client.post("/servicedesk/cases/new/", {**data, "hotline": "12345", "tags": "保供，工地"})
    case = Case.objects.get()
    assert response.url == f"/servicedesk/cases/{case.number}/"
    assert case.tags == ["保供", "工地"]


def test_export_is_masked_and_audited(client, zone, frozen):
    make_case(zone)
    client.force_login(zone.desk)
    response = client.get("/servicedesk/cases/export/")
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet.cell(row=4, column=7).value == "赵*"
    assert AuditEvent.objects.filter(action="servicedesk.cases_exported").count() == 1


def test_reveal_requester_on_the_page_is_audited(client, zone, frozen):
    from zoneops.accounts.tests.factories import grant

    case = make_case(zone)
    grant(zone.desk, "accounts.view_personal_data")
    client.force_login(zone.desk)
    html = client.post(f"/servicedesk/cases/{case.number}/requester/").content.decode()
    assert "13712345678" in html
    assert AuditEvent.objects.filter(action="accounts.personal_data_viewed").count() == 1


def test_kpi_page_figures_link_to_their_cases(client, zone, frozen):
    on_time = services.dispatch_case(actor=zone.desk, case=make_case(zone, title="准时"), department=zone.zjj)
    late = services.dispatch_case(actor=zone.desk, case=make_case(zone, title="超时"), department=zone.zjj)
    services.accept_task(actor=zone.zjj_user, task=CaseTask.objects.get(case=on_time))
    frozen.move_to(at(2022, 4, 11, 14))
    services.accept_task(actor=zone.zjj_user, task=CaseTask.objects.get(case=late))
    returned = services.dispatch_case(actor=zone.desk, case=make_case(zone, title="退回"), department=zone.zjj)
    services.return_task(actor=zone.zjj_user, task=CaseTask.objects.get(case=returned), reason="not_local", note="x")
    make_case(zone, title="咨询", category=zone.consultation, answer="已答复")
    client.force_login(zone.desk)
    response = client.get("/servicedesk/kpi/", {"from": "2022-04-01", "to": "2022-04-30"})
    html = response.content.decode()
    assert response.status_code == 200
    row = next(r for r in response.context["rows"] if r["department"] == zone.zjj)
    assert (row["counts"]["dispatched"], row["counts"]["signed"], row["counts"]["signed_on_time"]) == (3, 2, 1)
    assert (row["sign_on_time_rate"], row["return_rate"]) == (50.0, 33.3)
    assert response.context["zone"]["first_contact_rate"] == 25.0
    link = row["links"]["signed_on_time"]
    assert link in html.replace("&amp;", "&")
    listed = client.get(link).content.decode()
    assert on_time.number in listed and late.number not in listed
    listed = client.get(row["links"]["returned"]).content.decode()
    assert returned.number in listed and on_time.number not in listed


def test_home_card_shows_queue_counts(client, zone, frozen):
    services.dispatch_case(actor=zone.desk, case=make_case(zone), department=zone.zjj)
    client.force_login(zone.zjj_user)
    html = client.get("/").content.decode()
    assert 'data-queue-count="to_sign">1<' in html


def test_detail_page_hints_duplicates_and_merges(client, zone, frozen):
    first = make_case(zone)
    second = make_case(zone, title="后勤保供 再次反映")
    client.force_login(zone.desk)
    html = client.get(f"/servicedesk/cases/{second.number}/").content.decode()
    assert f'data-duplicate="{first.number}"' in html
    client.post(f"/servicedesk/cases/{second.number}/merge/", {"into": first.number})
    second.refresh_from_db()
    assert (second.status, second.merged_into_id) == (CaseStatus.CLOSED, first.pk)


def test_calendar_page_overrides_a_day_through_the_service(client, zone, frozen):
    import datetime as dt

    from zoneops.accounts.tests.factories import grant
    from zoneops.servicedesk.models import WorkCalendarOverride

    client.force_login(zone.desk)
    assert client.get("/servicedesk/calendar/").status_code == 404
    grant(zone.desk, "servicedesk.change_workcalendaroverride")
    html = client.get("/servicedesk/calendar/", {"month": "2022-04"}).content.decode()
    assert 'data-day="2022-04-02" class=""' in html  # make-up Saturday is a working day
    assert 'data-day="2022-04-04" class="table-danger"' in html  # 清明
    client.post("/servicedesk/calendar/", {"date": "2022-04-06", "is_workday": "0", "note": "封控"})
    assert WorkCalendarOverride.objects.get(date=dt.date(2022, 4, 6)).is_workday is False
    assert AuditEvent.objects.filter(action="servicedesk.calendar_changed").count() == 1
    html = client.get("/servicedesk/calendar/", {"month": "2022-04"}).content.decode()
    assert 'data-day="2022-04-06" class="table-danger"' in html
