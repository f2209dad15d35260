"""Investors are registry enterprises: matched by name, or added to the registry as prospects (issue 4)."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from zoneops.audit.models import AuditEvent
from zoneops.enterprises.models import Enterprise
from zoneops.enterprises.tests.factories import EnterpriseFactory, SubdistrictFactory
from zoneops.investment import services
from zoneops.investment.models import Project

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen", "dicts")]

URL = "/api/v1/investment/projects"
HUAAN = "华安鑫创控股(北京)股份有限公司"


def post(client, body):
    return client.post(URL, data=json.dumps(body), content_type="application/json")


def body(**kwargs) -> dict:
    values = {
        "name": "车载显示模组项目",
        "investor": HUAAN,
        "industry": "NGIT",
        "currency": "CNY",
        "total_investment": "2000000000",
        "stage": "signed",
        "signed_on": "2022-04-08",
        "next_step": "办理项目注册",
        "next_step_on": "2022-04-28",
    }
    values.update(kwargs)
    return values


def prospect_events() -> int:
    return AuditEvent.objects.filter(action="enterprises.prospect_created").count()


def test_api_new_investor_creates_one_audited_prospect_and_links_it(client, owner):
    client.force_login(owner)

    response = post(client, body(investor=f" {HUAAN} ", investor_listing_board="chinext", investor_ticker="300928"))

    assert response.status_code == 201, response.content
    enterprise = Enterprise.objects.get()
    assert (enterprise.name, enterprise.status, enterprise.uscc, enterprise.subdistrict_id) == (
        HUAAN,
        "prospect",
        None,
        None,
    )
    assert (enterprise.listing_board, enterprise.ticker) == ("chinext", "300928")
    assert response.json()["investor"] == HUAAN
    assert response.json()["investor_enterprise_id"] == enterprise.pk
    project = Project.objects.get()
    assert (project.investor_id, project.investor_name) == (enterprise.pk, HUAAN)
    event = AuditEvent.objects.get(action="enterprises.prospect_created")
    assert (event.actor_id, event.object_id) == (owner.pk, str(enterprise.pk))
    created = AuditEvent.objects.get(action="investment.project_created")
    assert created.changes["investor"] == [None, enterprise.pk]


def test_api_same_investor_again_reuses_the_registry_entry(client, owner):
    client.force_login(owner)
    first = post(client, body())

    second = post(client, body(name="智能座舱系统项目", investor=HUAAN, stage="lead", signed_on=None))

    assert (first.status_code, second.status_code) == (201, 201)
    assert Enterprise.objects.count() == 1
    assert prospect_events() == 1
    assert first.json()["investor_enterprise_id"] == second.json()["investor_enterprise_id"]


def test_api_registered_enterprise_out_of_scope_is_linked_not_duplicated(client, owner):
    registered = EnterpriseFactory(name="南通汉晟智能制造有限公司", subdistrict=SubdistrictFactory())
    client.force_login(owner)

    response = post(client, body(name="智能制造项目", investor="南通汉晟智能制造有限公司"))

    assert response.status_code == 201, response.content
    assert response.json()["investor_enterprise_id"] == registered.pk
    assert Enterprise.objects.count() == 1
    assert prospect_events() == 0
    # The response carries the link only, nothing of the enterprise's contacts.
    assert set(response.json()) >= {"investor", "investor_enterprise_id"}
    assert not any("contact" in key for key in response.json())


def test_api_duplicate_of_a_prospect_investor_is_refused_and_writes_nothing(client, owner):
    client.force_login(owner)
    assert post(client, body()).status_code == 201

    response = post(client, body(investor=f"{HUAAN}  ", total_investment="1"))

    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "name"
    assert (Project.objects.count(), Enterprise.objects.count(), prospect_events()) == (1, 1, 1)


def test_api_bad_project_with_a_new_investor_leaves_the_registry_untouched(client, owner):
    client.force_login(owner)

    response = post(client, body(investor="新投资方有限公司", total_investment="-1"))

    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == ["total_investment"]
    assert (Project.objects.count(), Enterprise.objects.count(), prospect_events()) == (0, 0, 0)


def test_api_without_permission_creates_no_investor(client, db):
    from zoneops.accounts.tests.factories import UserFactory

    client.force_login(UserFactory())

    response = post(client, body(investor="新投资方有限公司"))

    assert response.status_code == 403
    assert (Project.objects.count(), Enterprise.objects.count()) == (0, 0)


def test_api_anonymous_creates_no_investor(client):
    response = post(client, body(investor="新投资方有限公司"))

    assert response.status_code == 401
    assert (Project.objects.count(), Enterprise.objects.count()) == (0, 0)


def test_changing_the_investor_links_the_new_one(client, owner, unit1):
    project = services.create_project(
        next_step="跟进洽谈",
        next_step_on=dt.date(2022, 4, 25),
        actor=owner,
        unit=unit1,
        name="甲项目",
        investor="甲公司",
        industry="NGIT",
        currency="CNY",
        total_investment="1",
    )
    first_investor = project.investor
    client.force_login(owner)

    response = client.patch(
        f"{URL}/{project.pk}", data=json.dumps({"investor": "乙公司 "}), content_type="application/json"
    )

    assert response.status_code == 200, response.content
    project.refresh_from_db()
    assert project.investor_name == "乙公司"
    assert project.investor.name == "乙公司" and project.investor.status == "prospect"
    assert project.investor_id != first_investor.pk
    assert sorted(Enterprise.objects.values_list("name", flat=True)) == ["乙公司", "甲公司"]
    assert prospect_events() == 2
    updated = AuditEvent.objects.get(action="investment.project_updated")
    assert updated.changes["investor_name"] == ["甲公司", "乙公司"]


def test_update_with_the_same_investor_creates_nothing(owner, unit1):
    project = services.create_project(
        next_step="跟进洽谈",
        next_step_on=dt.date(2022, 4, 25),
        actor=owner,
        unit=unit1,
        name="甲项目",
        investor="甲公司",
        industry="NGIT",
        currency="CNY",
        total_investment="1",
    )

    services.update_project(actor=owner, project=project, changes={"investor_name": "甲公司", "next_step": "再谈"})

    project.refresh_from_db()
    assert (Enterprise.objects.count(), prospect_events()) == (1, 1)
    assert project.investor.name == "甲公司"


def test_migration_links_legacy_projects_to_the_registry(owner, unit1):
    """Projects saved before issue 4 with only a name get their registry enterprise, or a new prospect."""
    import importlib

    from django.apps import apps

    migration = importlib.import_module("zoneops.investment.migrations.0006_link_investors_to_registry")
    registered = EnterpriseFactory(name="南通汉晟智能制造有限公司", subdistrict=SubdistrictFactory())
    first = services.create_project(
        next_step="跟进洽谈",
        next_step_on=dt.date(2022, 4, 25),
        actor=owner,
        unit=unit1,
        name="甲项目",
        investor="南通汉晟智能制造有限公司",
        industry="NGIT",
        currency="CNY",
        total_investment="1",
    )
    second = services.create_project(
        next_step="跟进洽谈",
        next_step_on=dt.date(2022, 4, 25),
        actor=owner,
        unit=unit1,
        name="乙项目",
        investor="旧投资方",
        industry="NGIT",
        currency="CNY",
        total_investment="1",
        is_foreign=True,
    )
    Project.objects.filter(pk=second.pk).update(investor=None, investor_name="旧投资方 ")
    Project.objects.filter(pk=first.pk).update(investor=None)
    Enterprise.objects.filter(name="旧投资方").delete()

    migration.link_investors(apps, None)

    first.refresh_from_db()
    second.refresh_from_db()
    assert first.investor_id == registered.pk
    assert (second.investor.name, second.investor.status, second.investor.uscc) == ("旧投资方", "prospect", None)
    assert second.investor.is_foreign_funded is True
    assert Enterprise.objects.count() == 2


def test_detail_page_tags_an_investor_whose_credit_code_is_pending(client, owner, unit1):
    prospect_project = services.create_project(
        next_step="跟进洽谈",
        next_step_on=dt.date(2022, 4, 25),
        actor=owner,
        unit=unit1,
        name="甲项目",
        investor=HUAAN,
        industry="NGIT",
        currency="CNY",
        total_investment="1",
    )
    registered = EnterpriseFactory(name="南通汉晟智能制造有限公司", subdistrict=SubdistrictFactory())
    registered_project = services.create_project(
        next_step="跟进洽谈",
        next_step_on=dt.date(2022, 4, 25),
        actor=owner,
        unit=unit1,
        name="乙项目",
        investor=registered.name,
        industry="NGIT",
        currency="CNY",
        total_investment="1",
    )
    client.force_login(owner)

    pending = client.get(f"/investment/projects/{prospect_project.pk}/").content.decode()
    known = client.get(f"/investment/projects/{registered_project.pk}/").content.decode()

    assert "data-uscc-pending" in pending and ">None<" not in pending
    assert registered.uscc in known and "data-uscc-pending" not in known
