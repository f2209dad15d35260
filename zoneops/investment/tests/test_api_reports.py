"""API of the weekly report, trainings, staff development and exchange rates: shapes, audit and the scope matrix;
plus bad input the first round did not pin down (no exchange rate for the date) and the bulletin's scope wording."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from zoneops.accounts.models import DataScope
from zoneops.accounts.tests.factories import DepartmentFactory, UserFactory, grant
from zoneops.audit.models import AuditEvent
from zoneops.core.errors import DomainError
from zoneops.investment import services
from zoneops.investment.choices import Stage
from zoneops.investment.models import FxRate, Project, StaffNote, TrainingSession
from zoneops.investment.tests import factories

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen", "dicts")]

BASE = "/api/v1/investment"
SHANGHAI = ZoneInfo("Asia/Shanghai")


def post(client, url, body):
    return client.post(url, data=json.dumps(body), content_type="application/json")


def make(owner, unit, name, **kwargs):
    values = {
        "actor": owner,
        "unit": unit,
        "name": name,
        "investor": f"{name}公司",
        "industry": "NGIT",
        "currency": "CNY",
        "total_investment": "100000000",
        "next_step": "跟进洽谈",
        "next_step_on": dt.date(2022, 4, 25),
    }
    values.update(kwargs)
    return services.create_project(**values)


@pytest.fixture
def org(db):
    """The organisation department: sees staff development, writes notes."""
    user = UserFactory(department=DepartmentFactory(code="ZZB"), username="org")
    grant(
        user,
        "investment.view_staff_development",
        "investment.add_staffnote",
        "investment.add_trainingsession",
        scope=DataScope.ALL,
    )
    return user


# ------------------------------------------------------------------------------------------------ weekly report


def test_weekly_report_lists_the_weeks_negotiations_leads_signings_and_stale(client, owner, unit1, frozen):
    frozen.move_to(dt.datetime(2022, 2, 1, 9, 0, tzinfo=SHANGHAI))
    old = make(owner, unit1, "旧线索")  # no progress since 1 February: stale by 21 April (30 days)
    frozen.move_to(dt.datetime(2022, 4, 19, 9, 0, tzinfo=SHANGHAI))
    lead = make(owner, unit1, "新线索", stage=Stage.NEGOTIATING)
    signed = make(
        owner, unit1, "签约", stage=Stage.SIGNED, signed_on=dt.date(2022, 4, 18), total_investment="250000000"
    )
    frozen.move_to(dt.datetime(2022, 4, 21, 15, 0, tzinfo=SHANGHAI))
    services.record_negotiation(
        actor=owner, project=lead, at=dt.datetime(2022, 4, 19, 10, 0, tzinfo=SHANGHAI), summary="视频洽谈"
    )
    client.force_login(owner)

    body = client.get(f"{BASE}/weekly-report", {"week": "2022-04-21"}).json()
    previous = client.get(f"{BASE}/weekly-report", {"week": "2022-04-11"}).json()

    assert (body["monday"], body["sunday"], body["stale_days"]) == ("2022-04-18", "2022-04-24", 30)
    assert [(n["project"], n["round_number"], n["channel"]) for n in body["negotiations"]] == [(lead.pk, 1, "video")]
    assert [p["id"] for p in body["new_leads"]] == [signed.pk, lead.pk]  # by lead date: 18th, then 19th
    assert [(p["id"], p["total_yi"], p["signed_on"]) for p in body["signings"]] == [(signed.pk, "2.5", "2022-04-18")]
    assert [p["id"] for p in body["stale"]] == [old.pk]
    assert (previous["negotiations"], previous["signings"], previous["new_leads"]) == ([], [], [])


def test_weekly_report_scope_matrix(client, owner, unit1, other_unit_staff):
    make(owner, unit1, "本单位项目", stage=Stage.SIGNED, signed_on=dt.date(2022, 4, 20))
    url = f"{BASE}/weekly-report"

    assert client.get(url).status_code == 401
    client.force_login(UserFactory(department=unit1))
    assert client.get(url).status_code == 403
    client.force_login(other_unit_staff)
    theirs = client.get(url, {"week": "2022-04-20"})
    client.force_login(owner)
    mine = client.get(url, {"week": "2022-04-20"})
    unknown_unit = client.get(url, {"week": "2022-04-20", "unit": "NOPE"})
    bad_week = client.get(url, {"week": "2022-02-30"})

    assert theirs.status_code == 200 and theirs.json()["signings"] == [] and theirs.json()["new_leads"] == []
    assert [p["name"] for p in mine.json()["signings"]] == ["本单位项目"]
    assert unknown_unit.status_code == 400 and unknown_unit.json()["errors"][0]["field"] == "unit"
    assert bad_week.status_code == 400


# ------------------------------------------------------------------------------------------------ trainings


def test_training_create_and_list(client, owner, other_unit_staff, org):
    client.force_login(org)

    created = post(
        client,
        f"{BASE}/trainings",
        {
            "name": "砺剑班",
            "starts_on": "2022-04-19",
            "ends_on": "2022-04-20",
            "attendees": ["owner1", "owner2"],
            "materials": "产业链招商讲义",
        },
    )
    listed = client.get(f"{BASE}/trainings").json()

    assert created.status_code == 201, created.content
    session = TrainingSession.objects.get()
    assert created.json() == {
        "id": session.pk,
        "name": "砺剑班",
        "starts_on": "2022-04-19",
        "ends_on": "2022-04-20",
        "attendees": ["owner1", "owner2"],
        "materials": "产业链招商讲义",
    }
    assert listed == {"items": [created.json()], "count": 1}
    event = AuditEvent.objects.get(action="investment.training_recorded")
    assert event.object_id == str(session.pk) and event.actor_username == "org"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"attendees": ["owner1", "org"]}, "attendees"),  # the organisation department is not investment staff
        ({"attendees": ["nobody"]}, "attendees"),
        ({"ends_on": "2022-04-18"}, "ends_on"),
        ({"name": " "}, "name"),
    ],
)
def test_training_bad_input_names_the_field_and_writes_nothing(client, owner, org, change, field):
    client.force_login(org)
    body = {"name": "砺剑班", "starts_on": "2022-04-19", "ends_on": "2022-04-20", "attendees": ["owner1"]}
    body.update(change)

    response = post(client, f"{BASE}/trainings", body)

    assert response.status_code == 400
    assert field in [e["field"] for e in response.json()["errors"]]
    assert TrainingSession.objects.count() == 0
    assert not AuditEvent.objects.filter(action="investment.training_recorded").exists()


def test_trainings_scope_matrix(client, owner, unit1):
    body = {"name": "砺剑班", "starts_on": "2022-04-19", "ends_on": "2022-04-20", "attendees": ["owner1"]}

    assert client.get(f"{BASE}/trainings").status_code == 401
    assert post(client, f"{BASE}/trainings", body).status_code == 401
    client.force_login(owner)  # investment staff, but neither records trainings nor sees staff development
    assert client.get(f"{BASE}/trainings").status_code == 403
    assert post(client, f"{BASE}/trainings", body).status_code == 403
    assert TrainingSession.objects.count() == 0
    recorder = factories.staff(unit1, "investment.add_trainingsession", username="recorder")
    client.force_login(recorder)
    assert post(client, f"{BASE}/trainings", body).status_code == 201
    assert client.get(f"{BASE}/trainings").json()["count"] == 1


# ------------------------------------------------------------------------------------------------ staff development


def test_staff_development_rows_and_every_view_audited(client, owner, other_unit_staff, unit1, verifier, org):
    project = make(owner, unit1, "甲项目", stage=Stage.NEGOTIATING)
    services.record_negotiation(
        actor=owner,
        project=project,
        at=dt.datetime(2022, 4, 19, 10, 0, tzinfo=SHANGHAI),
        summary="视频洽谈",
        our_participants=[owner],
    )
    services.advance_stage(
        actor=owner, project=project, to=Stage.SIGNED, signed_on=dt.date(2022, 4, 20), contract_amount="100000000"
    )
    services.verify_project(actor=verifier, project=project, evidence="投资协议")
    services.record_training(
        actor=org, name="砺剑班", starts_on=dt.date(2022, 4, 19), ends_on=dt.date(2022, 4, 20), attendees=[owner]
    )
    client.force_login(org)

    listed = client.get(f"{BASE}/staff-development")
    one = client.get(f"{BASE}/staff-development/owner1")

    assert listed.status_code == 200 and one.status_code == 200
    rows = {row["username"]: row for row in listed.json()["items"]}
    assert set(rows) == {"owner1", "owner2"}  # investment staff only: not the verifier, not org itself
    mine = one.json()
    assert (mine["negotiations"], mine["projects_advanced"], mine["verified_signings"]) == (1, 1, 1)
    assert [t["name"] for t in mine["trainings"]] == ["砺剑班"] and mine["notes"] == []
    assert mine == rows["owner1"]
    assert (rows["owner2"]["negotiations"], rows["owner2"]["trainings"]) == (0, [])
    views = AuditEvent.objects.filter(action="investment.staff_development_viewed").order_by("id")
    assert [(e.actor_username, e.note) for e in views] == [
        ("org", f"{BASE}/staff-development"),
        ("org", f"{BASE}/staff-development/owner1"),
    ]


def test_staff_development_scope_matrix(client, owner, unit1, verifier, org):
    urls = (f"{BASE}/staff-development", f"{BASE}/staff-development/owner1")
    for url in urls:
        client.logout()
        assert client.get(url).status_code == 401
        client.force_login(owner)  # investment staff cannot read their own file
        assert client.get(url).status_code == 403
    client.force_login(org)
    not_staff = client.get(f"{BASE}/staff-development/verifier")  # exists, but is not investment staff
    missing = client.get(f"{BASE}/staff-development/ghost")

    assert not_staff.status_code == 404 and missing.status_code == 404
    assert not AuditEvent.objects.filter(action="investment.staff_development_viewed").exists()


def test_staff_note(client, owner, org, verifier):
    client.force_login(org)

    created = post(client, f"{BASE}/staff-notes", {"staff": "owner1", "quality": "industry", "note": "熟悉显示产业链"})
    bad = post(client, f"{BASE}/staff-notes", {"staff": "owner1", "quality": "charm", "note": "x"})
    outsider = post(client, f"{BASE}/staff-notes", {"staff": "verifier", "quality": "industry", "note": "x"})

    assert created.status_code == 201, created.content
    note = StaffNote.objects.get()
    assert created.json()["id"] == note.pk
    assert (created.json()["staff"], created.json()["quality"], created.json()["author"]) == (
        "owner1",
        "industry",
        "org",
    )
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "quality"
    assert outsider.status_code == 404
    assert AuditEvent.objects.filter(action="investment.staff_note_added").count() == 1
    assert client.get(f"{BASE}/staff-development/owner1").json()["notes"][0]["note"] == "熟悉显示产业链"


def test_staff_note_scope_matrix(client, owner, unit1):
    body = {"staff": "owner1", "quality": "service", "note": "服务到位"}
    reader = UserFactory(department=unit1)
    grant(reader, "investment.view_staff_development", scope=DataScope.ALL)  # may read, may not write notes

    assert post(client, f"{BASE}/staff-notes", body).status_code == 401
    client.force_login(owner)
    assert post(client, f"{BASE}/staff-notes", body).status_code == 403
    client.force_login(reader)
    assert post(client, f"{BASE}/staff-notes", body).status_code == 403
    assert StaffNote.objects.count() == 0


# ------------------------------------------------------------------------------------------------ exchange rates


def test_fx_rate_scope_matrix(client, owner, unit1):
    body = {"currency": "USD", "rate_to_cny": "6.40", "effective_on": "2022-04-01"}

    assert post(client, f"{BASE}/fx-rates", body).status_code == 401
    client.force_login(owner)
    assert post(client, f"{BASE}/fx-rates", body).status_code == 403
    assert FxRate.objects.count() == 1 and not AuditEvent.objects.filter(action="investment.fx_rate_set").exists()
    admin = factories.staff(unit1, "investment.manage_fx_rate", username="fxadmin")
    client.force_login(admin)
    assert post(client, f"{BASE}/fx-rates", body).status_code == 201
    assert FxRate.objects.count() == 2
    assert AuditEvent.objects.filter(action="investment.fx_rate_set").count() == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"currency": "XYZ"}, "currency"),
        ({"currency": "CNY"}, "currency"),
        ({"rate_to_cny": "0"}, "rate_to_cny"),
        ({"rate_to_cny": "-6.3"}, "rate_to_cny"),
        ({"rate_to_cny": "6.1234567"}, "rate_to_cny"),
    ],
)
def test_fx_rate_bad_input_writes_nothing(client, unit1, change, field):
    client.force_login(factories.staff(unit1, "investment.manage_fx_rate", username="fxadmin"))
    body = {"currency": "USD", "rate_to_cny": "6.40", "effective_on": "2022-04-01"}
    body.update(change)

    response = post(client, f"{BASE}/fx-rates", body)

    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == field
    assert FxRate.objects.count() == 1


# ------------------------------------------------------------------------------------------------ bad input: rate dates


def test_signing_before_the_first_rate_of_the_currency_is_refused(owner, unit1):
    # The only USD rate takes effect on 2022-01-01: a contract dated 2021-12-31 has no statistical rate.
    with pytest.raises(DomainError) as info:
        make(
            owner,
            unit1,
            "太普",
            currency="USD",
            is_foreign=True,
            total_investment="300000000",
            stage=Stage.SIGNED,
            signed_on=dt.date(2021, 12, 31),
        )

    assert info.value.field == "currency"
    assert "2021-12-31" in info.value.message
    assert Project.objects.count() == 0


def test_advancing_to_signed_without_a_rate_for_the_contract_date_writes_nothing(owner, unit1):
    project = make(owner, unit1, "太普", currency="USD", is_foreign=True, stage=Stage.NEGOTIATING)
    events = AuditEvent.objects.count()

    with pytest.raises(DomainError) as info:
        services.advance_stage(
            actor=owner, project=project, to=Stage.SIGNED, signed_on=dt.date(2021, 12, 31), contract_amount="1"
        )

    assert info.value.field == "currency"
    project.refresh_from_db()
    assert (project.stage, project.signed_on, project.fx_rate) == (Stage.NEGOTIATING, None, Decimal("6.350000"))
    assert project.stage_changes.count() == 1 and AuditEvent.objects.count() == events


def test_contract_amount_is_validated_on_signing(owner, unit1):
    project = make(owner, unit1, "甲", stage=Stage.NEGOTIATING)

    for amount in ("-1", "1e3x", "1.001"):
        with pytest.raises(DomainError) as info:
            services.advance_stage(
                actor=owner, project=project, to=Stage.SIGNED, signed_on=dt.date(2022, 4, 20), contract_amount=amount
            )
        assert info.value.field == "contract_amount"
    project.refresh_from_db()
    assert project.stage == Stage.NEGOTIATING


# ------------------------------------------------------------------------------------------------ bulletin wording


def test_bulletin_speaks_for_the_callers_scope_not_the_whole_zone(client, owner, unit1, verifier):
    make(owner, unit1, "甲", stage=Stage.SIGNED, signed_on=dt.date(2022, 4, 6), total_investment="2000000000")
    client.force_login(owner)
    unit_text = client.get(f"{BASE}/bulletin", {"as_of": "2022-04-21"}).json()["text"]
    client.force_login(verifier)  # all-zone scope
    zone_text = client.get(f"{BASE}/bulletin", {"as_of": "2022-04-21"}).json()["text"]

    assert unit_text.startswith("截至4月21日,招商U1今年新签约1个项目,总投资20.0亿元,")
    assert zone_text.startswith("截至4月21日,开发区今年新签约1个项目,总投资20.0亿元,")


def test_openapi_documents_the_new_endpoints(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]

    for path in (
        "/api/v1/investment/weekly-report",
        "/api/v1/investment/trainings",
        "/api/v1/investment/staff-development",
        "/api/v1/investment/staff-development/{username}",
        "/api/v1/investment/staff-notes",
    ):
        assert path in paths, path


# ------------------------------------------------------------------------------------------------ full production


def test_full_production_action_and_scope_matrix(client, owner, unit1, other_unit_staff):
    project = make(owner, unit1, "达产项目", stage=Stage.PRODUCING, signed_on=dt.date(2022, 1, 10))
    url = f"{BASE}/projects/{project.pk}/full-production"

    def flag():
        return Project.objects.get(pk=project.pk).is_at_full_production

    assert post(client, url, {}).status_code == 401 and not flag()
    client.force_login(UserFactory(department=unit1))
    assert post(client, url, {}).status_code == 403 and not flag()
    client.force_login(other_unit_staff)
    assert post(client, url, {}).status_code == 404 and not flag()
    client.force_login(owner)
    done = post(client, url, {"on": "2022-04-20"})
    again = post(client, url, {})

    assert done.status_code == 200 and done.json()["is_at_full_production"] is True
    assert again.status_code == 409
    assert AuditEvent.objects.filter(action="investment.project_full_production").count() == 1


def test_full_production_from_the_page(client, owner, unit1):
    project = make(owner, unit1, "达产项目", stage=Stage.PRODUCING, signed_on=dt.date(2022, 1, 10))
    client.force_login(owner)
    page = client.get(f"/investment/projects/{project.pk}/").content.decode()
    assert "data-full-production>" in page

    response = client.post(f"/investment/projects/{project.pk}/full-production/")

    assert response.status_code == 302
    html = client.get(f"/investment/projects/{project.pk}/").content.decode()
    assert "data-full-production-badge" in html and "data-full-production>" not in html
    assert 'data-change="production-full"' in html


def test_fx_rate_list_needs_an_investment_permission(client, owner, unit1):
    nobody = UserFactory(department=unit1)
    maintainer = factories.staff(unit1, "investment.manage_fx_rate", username="fxadmin")

    anonymous = client.get(f"{BASE}/fx-rates")
    client.force_login(nobody)
    denied_api, denied_page = client.get(f"{BASE}/fx-rates"), client.get("/investment/fx-rates/")
    client.force_login(owner)
    staff = client.get(f"{BASE}/fx-rates")
    client.force_login(maintainer)
    maintained = client.get(f"{BASE}/fx-rates")

    assert anonymous.status_code == 401
    assert (denied_api.status_code, denied_page.status_code) == (403, 403)
    usd = {"currency": "USD", "rate_to_cny": "6.350000", "effective_on": "2022-01-01"}
    assert [{k: r[k] for k in usd} for r in staff.json()] == [usd]
    assert maintained.status_code == 200 and maintained.json() == staff.json()
