"""Investment API: creation, validation as problem+json, stage actions, and the scope matrix."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from zoneops.accounts.tests.factories import UserFactory
from zoneops.audit.models import AuditEvent
from zoneops.investment import services
from zoneops.investment.choices import Stage
from zoneops.investment.models import FxRate, Negotiation, Project
from zoneops.investment.tests import factories

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen", "dicts")]

BASE = "/api/v1/investment"


def post(client, url, body):
    return client.post(url, data=json.dumps(body), content_type="application/json")


def patch(client, url, body):
    return client.patch(url, data=json.dumps(body), content_type="application/json")


@pytest.fixture
def project(owner, unit1):
    return services.create_project(
        next_step="跟进洽谈",
        next_step_on=dt.date(2022, 4, 25),
        actor=owner,
        unit=unit1,
        name="甲项目",
        investor="甲公司",
        industry="NGIT",
        currency="CNY",
        total_investment="100000000",
        stage=Stage.NEGOTIATING,
    )


def test_create_project_as_in_the_issue(client, owner, unit1):
    client.force_login(owner)

    response = post(
        client,
        f"{BASE}/projects",
        {
            "name": "太普新能源电池模组项目",
            "investor": "太普新能源(香港)有限公司",
            "industry": "HEQ",
            "is_foreign": True,
            "currency": "USD",
            "total_investment": "300000000",
            "stage": "signed",
            "signed_on": "2022-03-25",
            "next_step": "办理外资企业设立登记",
            "next_step_on": "2022-04-28",
        },
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["id"] == Project.objects.get().pk
    assert body["total_investment"] == "300000000.00"
    assert body["fx_rate"] == "6.350000"
    assert body["total_investment_cny"] == "1905000000.00"
    assert body["total_yi"] == "19.1"
    assert body["unit"] == "U1" and body["owner"] == "owner1"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"total_investment": "-5"}, "total_investment"),
        ({"total_investment": "abc"}, "total_investment"),
        ({"currency": "XXX"}, "currency"),
        ({"currency": "EUR"}, "currency"),
        ({"signed_on": None}, "signed_on"),
        ({"stage": "won"}, "stage"),
    ],
)
def test_create_rejects_bad_input_with_the_field_named(client, owner, change, field):
    client.force_login(owner)
    body = {
        "name": "x",
        "investor": "y",
        "industry": "NGIT",
        "currency": "CNY",
        "total_investment": "1",
        "stage": "signed",
        "signed_on": "2022-04-01",
    }
    body.update(change)

    response = post(client, f"{BASE}/projects", body)

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert field in [e["field"] for e in response.json()["errors"]]
    assert Project.objects.count() == 0


def test_duplicate_is_refused(client, owner, project):
    client.force_login(owner)

    response = post(
        client,
        f"{BASE}/projects",
        {"name": "甲项目", "investor": "甲公司", "industry": "NGIT", "currency": "CNY", "total_investment": "1"},
    )

    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "name"
    assert Project.objects.count() == 1


def test_stage_actions(client, owner, project):
    client.force_login(owner)

    jump = post(client, f"{BASE}/projects/{project.pk}/advance", {"to": "producing"})
    no_date = post(client, f"{BASE}/projects/{project.pk}/advance", {"to": "signed", "contract_amount": "1"})
    ok = post(
        client,
        f"{BASE}/projects/{project.pk}/advance",
        {"to": "signed", "signed_on": "2022-04-20", "contract_amount": "99000000"},
    )
    lost = post(client, f"{BASE}/projects/{project.pk}/set-status", {"status": "lost"})

    assert jump.status_code == 409
    assert no_date.status_code == 400 and no_date.json()["errors"][0]["field"] == "signed_on"
    assert ok.status_code == 200 and ok.json()["stage"] == "signed" and ok.json()["signed_on"] == "2022-04-20"
    assert lost.status_code == 400 and lost.json()["errors"][0]["field"] == "reason"


def test_verify_action_refuses_the_owner(client, owner, verifier, project):
    services.advance_stage(
        actor=owner, project=project, to=Stage.SIGNED, signed_on=dt.date(2022, 4, 1), contract_amount="1"
    )
    client.force_login(owner)
    assert post(client, f"{BASE}/projects/{project.pk}/verify", {"evidence": "合同"}).status_code == 403
    client.force_login(verifier)

    response = post(client, f"{BASE}/projects/{project.pk}/verify", {"evidence": "合同"})

    assert response.status_code == 200 and response.json()["is_verified"] is True
    assert response.json()["verified_by"] == "verifier"


def test_patch_project(client, owner, project):
    client.force_login(owner)

    response = patch(client, f"{BASE}/projects/{project.pk}", {"total_investment": "120000000", "next_step": "面谈"})
    bad = patch(client, f"{BASE}/projects/{project.pk}", {"total_investment": "-1"})

    assert response.status_code == 200
    assert response.json()["total_investment_cny"] == "120000000.00"
    assert bad.status_code == 400
    project.refresh_from_db()
    assert project.next_step == "面谈"


def test_fx_rates_and_industries(client, unit1):
    admin = factories.staff(unit1, "investment.manage_fx_rate", username="fxadmin")
    client.force_login(admin)

    created = post(client, f"{BASE}/fx-rates", {"currency": "USD", "rate_to_cny": "6.37", "effective_on": "2022-03-01"})
    bad = post(client, f"{BASE}/fx-rates", {"currency": "USD", "rate_to_cny": "x", "effective_on": "2022-03-01"})
    industries = client.get(f"{BASE}/industries")

    assert created.status_code == 201 and created.json()["rate_to_cny"] == "6.370000"
    assert bad.status_code == 400
    assert FxRate.objects.count() == 2
    assert {"code": "NGIT", "name": "新一代信息技术", "is_leading": True} in industries.json()
    assert {"code": "NMAT", "name": "新材料", "is_leading": False} in industries.json()


def test_negotiations_create_and_week_list(client, owner, project, other_unit_staff):
    client.force_login(owner)

    created = post(
        client,
        f"{BASE}/negotiations",
        {
            "project": project.pk,
            "at": "2022-04-13T09:00:00+08:00",
            "channel": "video",
            "summary": "视频洽谈",
            "our_participants": ["owner1"],
            "issues": ["land"],
        },
    )
    week = client.get(f"{BASE}/negotiations", {"week": "2022-04-15", "unit": "U1"})
    other_week = client.get(f"{BASE}/negotiations", {"week": "2022-04-20"})
    client.force_login(other_unit_staff)
    theirs = client.get(f"{BASE}/negotiations", {"week": "2022-04-15"})

    assert created.status_code == 201 and created.json()["round_number"] == 1
    assert week.json()["count"] == 1 and week.json()["items"][0]["our_participants"] == ["owner1"]
    assert other_week.json()["count"] == 0
    assert theirs.json()["count"] == 0


# --- scope matrix: anonymous 401 / no permission 403 / other unit 404 / in scope 200, and nothing changed ----


@pytest.mark.parametrize(
    ("method", "suffix", "body"),
    [
        ("get", "", None),
        ("patch", "", {"name": "改名"}),
        ("post", "/advance", {"to": "lead"}),
        ("post", "/set-status", {"status": "stalled", "reason": "r"}),
    ],
)
def test_scope_matrix_on_one_project(client, project, owner, other_unit_staff, unit1, method, suffix, body):
    url = f"{BASE}/projects/{project.pk}{suffix}"
    nobody = UserFactory(department=unit1)

    def call():
        if method == "get":
            return client.get(url)
        send = post if method == "post" else patch
        return send(client, url, body)

    def unchanged():
        fresh = Project.objects.get(pk=project.pk)
        return (fresh.name, fresh.stage, fresh.status) == ("甲项目", Stage.NEGOTIATING, "normal")

    events = AuditEvent.objects.count()
    assert call().status_code == 401 and unchanged()
    client.force_login(nobody)
    assert call().status_code == 403 and unchanged()
    client.force_login(other_unit_staff)
    assert call().status_code == 404 and unchanged()
    assert AuditEvent.objects.count() == events
    client.force_login(owner)
    assert call().status_code == 200


def test_scope_matrix_on_lists_and_stats(client, project, other_unit_staff, unit1):
    nobody = UserFactory(department=unit1)
    for url in (f"{BASE}/projects", f"{BASE}/signing-stats", f"{BASE}/bulletin"):
        client.logout()
        assert client.get(url).status_code == 401
        client.force_login(nobody)
        assert client.get(url).status_code == 403
    client.force_login(other_unit_staff)
    assert client.get(f"{BASE}/projects").json() == {"items": [], "count": 0}


def test_project_list_filters(client, owner, project, unit1):
    services.create_project(
        next_step="跟进洽谈",
        next_step_on=dt.date(2022, 4, 25),
        actor=owner,
        unit=unit1,
        name="乙项目",
        investor="乙",
        industry="HEALTH",
        currency="CNY",
        total_investment="1",
    )
    client.force_login(owner)

    assert client.get(f"{BASE}/projects").json()["count"] == 2
    assert [p["name"] for p in client.get(f"{BASE}/projects", {"industry": "HEALTH"}).json()["items"]] == ["乙项目"]
    assert client.get(f"{BASE}/projects", {"ids": str(project.pk)}).json()["count"] == 1
    assert client.get(f"{BASE}/projects", {"stage": "negotiating"}).json()["count"] == 1


def test_negotiation_on_out_of_scope_project_is_404(client, project, other_unit_staff):
    client.force_login(other_unit_staff)

    response = post(
        client, f"{BASE}/negotiations", {"project": project.pk, "at": "2022-04-13T09:00:00+08:00", "summary": "x"}
    )

    assert response.status_code == 404
    assert Negotiation.objects.count() == 0


def test_signing_stats_period_and_basis_parameters(client, owner, unit1, verifier):
    january = services.create_project(
        next_step="跟进洽谈",
        next_step_on=dt.date(2022, 4, 25),
        actor=owner,
        unit=unit1,
        name="一月",
        investor="a",
        industry="NGIT",
        currency="CNY",
        total_investment="250000000",
        stage=Stage.SIGNED,
        signed_on=dt.date(2022, 1, 10),
    )
    services.create_project(
        next_step="跟进洽谈",
        next_step_on=dt.date(2022, 4, 25),
        actor=owner,
        unit=unit1,
        name="三月",
        investor="b",
        industry="NGIT",
        currency="CNY",
        total_investment="100000000",
        stage=Stage.SIGNED,
        signed_on=dt.date(2022, 3, 10),
    )
    services.verify_project(actor=verifier, project=january, evidence="合同")
    client.force_login(owner)

    window = client.get(f"{BASE}/signing-stats", {"from": "2022-02-01", "to": "2022-03-31"}).json()
    verified = client.get(f"{BASE}/signing-stats", {"as_of": "2022-04-21", "basis": "verified"}).json()
    claimed = client.get(f"{BASE}/signing-stats", {"as_of": "2022-04-21"}).json()
    bad = client.get(f"{BASE}/signing-stats", {"as_of": "2022-13-01"})

    assert (window["count"], window["total_yi"], window["date_from"]) == (1, "1.0", "2022-02-01")
    assert (verified["count"], verified["total_yi"], verified["project_ids"]) == (1, "2.5", [january.pk])
    assert (claimed["count"], claimed["total_yi"]) == (2, "3.5")
    assert bad.status_code == 400


def test_negotiation_with_unknown_participant_names_the_field(client, owner, project):
    client.force_login(owner)

    response = post(
        client,
        f"{BASE}/negotiations",
        {"project": project.pk, "at": "2022-04-13T09:00:00+08:00", "summary": "x", "our_participants": ["nobody"]},
    )

    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "our_participants"
    assert Negotiation.objects.count() == 0


def test_openapi_documents_the_investment_endpoints(client):
    schema = client.get("/api/v1/openapi.json").json()

    for path in (
        "/api/v1/investment/fx-rates",
        "/api/v1/investment/industries",
        "/api/v1/investment/projects",
        "/api/v1/investment/projects/{project_id}/advance",
        "/api/v1/investment/signing-stats",
        "/api/v1/investment/bulletin",
        "/api/v1/investment/negotiations",
    ):
        assert path in schema["paths"], path
    params = {p["name"] for p in schema["paths"]["/api/v1/investment/signing-stats"]["get"]["parameters"]}
    assert {"as_of", "from", "to", "basis"} <= params
