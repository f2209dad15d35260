"""Every open project has a next step with a date (issue 4): create, update, stage and status changes, import."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from zoneops.audit.models import AuditEvent
from zoneops.core.errors import DomainError
from zoneops.investment import services
from zoneops.investment.choices import Stage, Status
from zoneops.investment.models import Project

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen", "dicts")]

BASE = "/api/v1/investment"
DAY = dt.date(2022, 4, 28)


def post(client, url, body):
    return client.post(url, data=json.dumps(body), content_type="application/json")


def patch(client, url, body):
    return client.patch(url, data=json.dumps(body), content_type="application/json")


def body(**kwargs) -> dict:
    values = {
        "name": "储能电池系统项目",
        "investor": "某新能源公司",
        "industry": "NGIT",
        "currency": "CNY",
        "total_investment": "2000000000",
        "stage": "negotiating",
        "next_step": "安排第二轮洽谈",
        "next_step_on": "2022-04-28",
    }
    values.update(kwargs)
    return values


def make(owner, unit, **kwargs) -> Project:
    values = {
        "name": "甲项目",
        "investor": "甲公司",
        "industry": "NGIT",
        "currency": "CNY",
        "total_investment": "100000000",
        "stage": Stage.NEGOTIATING,
        "next_step": "报送用地需求",
        "next_step_on": DAY,
    }
    values.update(kwargs)
    return services.create_project(actor=owner, unit=unit, **values)


def fields(response) -> list[str]:
    return [e["field"] for e in response.json()["errors"]]


def test_is_open_means_not_lost_or_withdrawn_and_before_producing():
    assert services.is_open(Stage.LEAD, Status.NORMAL)
    assert services.is_open(Stage.STARTED, Status.STALLED)
    assert services.is_open(Stage.SIGNED, Status.DELAYED)
    assert not services.is_open(Stage.PRODUCING, Status.NORMAL)
    assert not services.is_open(Stage.NEGOTIATING, Status.LOST)
    assert not services.is_open(Stage.LEAD, Status.WITHDRAWN)


def test_api_create_without_next_step_is_400_naming_it_and_writes_nothing(client, owner):
    client.force_login(owner)
    events = AuditEvent.objects.count()

    response = post(client, f"{BASE}/projects", body(next_step="  "))

    assert response.status_code == 400
    assert fields(response) == ["next_step"]
    assert Project.objects.count() == 0
    assert AuditEvent.objects.count() == events


def test_api_create_without_next_step_date_is_400_naming_it_and_writes_nothing(client, owner):
    client.force_login(owner)
    events = AuditEvent.objects.count()
    values = body()
    del values["next_step_on"]

    response = post(client, f"{BASE}/projects", values)

    assert response.status_code == 400
    assert fields(response) == ["next_step_on"]
    assert Project.objects.count() == 0
    assert AuditEvent.objects.count() == events


def test_api_create_with_next_step_stores_it(client, owner):
    client.force_login(owner)

    response = post(client, f"{BASE}/projects", body())

    assert response.status_code == 201, response.content
    project = Project.objects.get()
    assert (project.next_step, project.next_step_on) == ("安排第二轮洽谈", DAY)
    assert response.json()["next_step_on"] == "2022-04-28"


def test_a_producing_project_is_not_open_and_needs_no_next_step(owner, unit1):
    project = make(owner, unit1, stage=Stage.PRODUCING, signed_on=dt.date(2022, 1, 5), next_step="", next_step_on=None)

    assert project.next_step == "" and project.next_step_on is None
    assert not project.needs_next_step


def test_api_patch_cannot_clear_the_next_step_of_an_open_project(client, owner, unit1):
    project = make(owner, unit1)
    client.force_login(owner)

    blank = patch(client, f"{BASE}/projects/{project.pk}", {"next_step": ""})
    undated = patch(client, f"{BASE}/projects/{project.pk}", {"next_step_on": None, "total_investment": "1"})

    assert blank.status_code == 400 and fields(blank) == ["next_step"]
    assert undated.status_code == 400 and fields(undated) == ["next_step_on"]
    project.refresh_from_db()
    assert (project.next_step, project.next_step_on, project.total_investment) == ("报送用地需求", DAY, 100000000)


def test_a_lost_project_needs_no_next_step(client, owner, unit1):
    project = make(owner, unit1)
    client.force_login(owner)
    lost = post(client, f"{BASE}/projects/{project.pk}/set-status", {"status": "lost", "reason": "落户外省"})
    assert lost.status_code == 200, lost.content

    cleared = patch(client, f"{BASE}/projects/{project.pk}", {"next_step": "", "next_step_on": None})

    assert cleared.status_code == 200, cleared.content
    project.refresh_from_db()
    assert (project.status, project.next_step, project.next_step_on) == (Status.LOST, "", None)


def test_reviving_a_lost_project_needs_a_next_step_given_with_the_action(client, owner, unit1):
    project = make(owner, unit1)
    services.set_status(actor=owner, project=project, status=Status.LOST, reason="落户外省")
    services.update_project(actor=owner, project=project, changes={"next_step": "", "next_step_on": None})
    client.force_login(owner)

    refused = post(client, f"{BASE}/projects/{project.pk}/set-status", {"status": "normal"})
    project.refresh_from_db()
    assert refused.status_code == 400 and fields(refused) == ["next_step", "next_step_on"]
    assert project.status == Status.LOST

    revived = post(
        client,
        f"{BASE}/projects/{project.pk}/set-status",
        {"status": "normal", "next_step": "重新对接投资方", "next_step_on": "2022-04-29"},
    )

    assert revived.status_code == 200, revived.content
    project.refresh_from_db()
    assert (project.status, project.next_step, project.next_step_on) == (
        Status.NORMAL,
        "重新对接投资方",
        dt.date(2022, 4, 29),
    )
    event = AuditEvent.objects.filter(action="investment.project_status_changed").latest("pk")
    assert event.changes["next_step"] == [None, "重新对接投资方"]


def test_advance_may_replace_the_next_step_but_not_blank_it(client, owner, unit1):
    project = make(owner, unit1)
    client.force_login(owner)
    signing = {"to": "signed", "signed_on": "2022-04-20", "contract_amount": "100000000"}

    blank = post(client, f"{BASE}/projects/{project.pk}/advance", {**signing, "next_step": " "})
    project.refresh_from_db()
    assert blank.status_code == 400 and fields(blank) == ["next_step"]
    assert project.stage == Stage.NEGOTIATING

    ok = post(client, f"{BASE}/projects/{project.pk}/advance", {**signing, "next_step": "办理项目注册"})

    assert ok.status_code == 200, ok.content
    project.refresh_from_db()
    assert (project.stage, project.next_step, project.next_step_on) == (Stage.SIGNED, "办理项目注册", DAY)


def test_import_row_without_next_step_date_names_the_field_and_writes_nothing(owner, unit1):
    from zoneops.core.excel import ImportFailed

    good = {"name": "A项目", "investor": "A公司", "unit": "U1", "industry": "NGIT", "currency": "CNY"}
    good |= {"total_investment": "100000000", "stage": "lead", "next_step": "首轮洽谈", "next_step_on": "2022-04-28"}
    undated = good | {"name": "B项目", "next_step_on": None}
    bad_date = good | {"name": "C项目", "next_step_on": "28/04/2022"}

    with pytest.raises(ImportFailed) as failed:
        services.import_projects(actor=owner, rows=[(2, good), (3, undated), (4, bad_date)])

    assert [(e.row, e.column) for e in failed.value.row_errors] == [(3, "next_step_on"), (4, "next_step_on")]
    assert Project.objects.count() == 0
    assert services.import_projects(actor=owner, rows=[(2, good)]) == 1
    assert Project.objects.get().next_step_on == DAY


def test_service_error_names_the_field(owner, unit1):
    with pytest.raises(DomainError) as refused:
        make(owner, unit1, next_step_on="2022-04-28")

    assert refused.value.field == "next_step_on"
    assert Project.objects.count() == 0
