"""Prospective investors: registry entries without a credit code until one is entered (issue 4)."""

from __future__ import annotations

import io

import pytest
from django.db import IntegrityError, transaction
from openpyxl import load_workbook

from zoneops.accounts.models import DataScope
from zoneops.accounts.tests.factories import UserFactory, grant
from zoneops.audit.models import AuditEvent
from zoneops.core.errors import Conflict, DomainError, InvalidTransition, PermissionDenied
from zoneops.enterprises import services
from zoneops.enterprises.models import Enterprise, EnterpriseStatus
from zoneops.enterprises.selectors import registry_counts
from zoneops.enterprises.tests.factories import EnterpriseFactory, make_uscc

pytestmark = pytest.mark.django_db

LIST = "/enterprises/"
API = "/api/v1/enterprises"
HUAAN = "华安鑫创控股(北京)股份有限公司"


@pytest.fixture
def investment_staff(db):
    """Investment staff: may add projects, holds no enterprise permission."""
    user = UserFactory(username="zhaoshang")
    grant(user, "investment.add_project", scope=DataScope.DEPARTMENT)
    return user


def _prospect(actor, name: str = HUAAN, **kwargs) -> Enterprise:
    return services.find_or_create_investor(actor=actor, name=name, **kwargs)


# --- find_or_create_investor ------------------------------------------------------------------------


def test_new_investor_becomes_an_audited_prospect_without_code_or_subdistrict(investment_staff):
    enterprise = _prospect(investment_staff, f"  {HUAAN} ", listing_board="chinext", ticker="300928")

    enterprise.refresh_from_db()
    assert enterprise.name == HUAAN
    assert (enterprise.status, enterprise.uscc, enterprise.subdistrict_id) == ("prospect", None, None)
    assert enterprise.is_prospect is True
    assert (enterprise.is_listed, enterprise.listing_board, enterprise.ticker) == (True, "chinext", "300928")
    assert enterprise.created_by == investment_staff
    event = AuditEvent.objects.get(action="enterprises.prospect_created")
    assert event.actor_id == investment_staff.pk
    assert event.object_id == str(enterprise.pk)
    assert event.changes["name"] == [None, HUAAN]
    assert event.changes["status"] == [None, "prospect"]
    assert "uscc" not in event.changes


def test_same_name_again_reuses_the_prospect(investment_staff):
    first = _prospect(investment_staff, "太普新能源(香港)有限公司", is_foreign=True)

    again = _prospect(investment_staff, "太普新能源(香港)有限公司 ")

    assert again.pk == first.pk
    assert first.is_foreign_funded is True
    assert Enterprise.objects.count() == 1
    assert AuditEvent.objects.filter(action="enterprises.prospect_created").count() == 1


def test_match_ignores_data_scope_and_changes_nothing(investment_staff, other_subdistrict):
    registered = EnterpriseFactory(name="南通汉晟智能制造有限公司", subdistrict=other_subdistrict)

    found = _prospect(investment_staff, "南通汉晟智能制造有限公司", is_foreign=True, listing_board="hkex")

    assert found.pk == registered.pk
    found.refresh_from_db()
    assert (found.status, found.is_foreign_funded, found.listing_board) == ("active", False, "")
    assert Enterprise.objects.count() == 1
    assert not AuditEvent.objects.exists()


def test_match_prefers_a_registered_enterprise_over_a_prospect(investment_staff, subdistrict):
    prospect = _prospect(investment_staff, "同名公司")
    registered = EnterpriseFactory(name="同名公司", subdistrict=subdistrict)

    assert _prospect(investment_staff, "同名公司").pk == registered.pk
    assert prospect.pk != registered.pk


def test_two_prospects_without_code_coexist(investment_staff):
    _prospect(investment_staff, "甲投资方")
    _prospect(investment_staff, "乙投资方")

    # Name order of Chinese text depends on the collation: compare sorted in Python.
    assert sorted(Enterprise.objects.filter(uscc__isnull=True).values_list("name", flat=True)) == [
        "乙投资方",
        "甲投资方",
    ]
    assert Enterprise.objects.prospects().count() == 2
    assert not Enterprise.objects.filter(uscc="").exists()


@pytest.mark.parametrize(
    ("perms", "allowed"),
    [
        ((), False),
        (("enterprises.view_enterprise",), False),
        (("enterprises.add_enterprise",), True),
        (("investment.add_project",), True),
    ],
)
def test_who_may_add_a_prospect(perms, allowed):
    user = UserFactory()
    if perms:
        grant(user, *perms, scope=DataScope.DEPARTMENT)

    if allowed:
        assert _prospect(user).is_prospect
    else:
        with pytest.raises(PermissionDenied):
            _prospect(user)
    assert Enterprise.objects.count() == (1 if allowed else 0)
    assert AuditEvent.objects.filter(action="enterprises.prospect_created").count() == (1 if allowed else 0)


def test_anonymous_may_not_add_a_prospect():
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(PermissionDenied):
        _prospect(AnonymousUser())
    assert not Enterprise.objects.exists()


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"name": "   "}, "investor"),
        ({"name": "甲" * 201}, "investor"),
        ({"name": "甲", "listing_board": "nasdaq"}, "listing_board"),
    ],
)
def test_bad_prospect_input_names_the_field(investment_staff, kwargs, field):
    with pytest.raises(DomainError) as info:
        services.find_or_create_investor(actor=investment_staff, **kwargs)
    assert info.value.field == field
    assert not Enterprise.objects.exists()


# --- the credit-code invariant ------------------------------------------------------------------------


def test_prospect_cannot_become_normal_without_a_valid_code(investment_staff, admin_clerk):
    prospect = _prospect(investment_staff)

    with pytest.raises(DomainError) as info:
        services.update_enterprise(actor=admin_clerk, enterprise=prospect, uscc="91110108MA01AH3X2X")
    assert info.value.field == "uscc"
    prospect.refresh_from_db()
    assert (prospect.status, prospect.uscc) == ("prospect", None)

    # Left empty, the code stays to be completed and the prospect stays a prospect.
    services.update_enterprise(actor=admin_clerk, enterprise=prospect, uscc="", address="北京市海淀区")
    prospect.refresh_from_db()
    assert (prospect.status, prospect.uscc, prospect.address) == ("prospect", None, "北京市海淀区")


def test_completing_the_code_registers_the_prospect(investment_staff, admin_clerk):
    prospect = _prospect(investment_staff)
    code = make_uscc(7)

    services.update_enterprise(actor=admin_clerk, enterprise=prospect, uscc=code.lower())

    prospect.refresh_from_db()
    assert (prospect.status, prospect.uscc) == ("active", code)
    event = AuditEvent.objects.get(action="enterprises.enterprise_updated")
    assert event.changes["uscc"] == [None, code]
    assert event.changes["status"] == ["prospect", "active"]


def test_completing_with_a_taken_code_is_a_conflict(investment_staff, admin_clerk, subdistrict):
    taken = EnterpriseFactory(subdistrict=subdistrict)
    prospect = _prospect(investment_staff)

    with pytest.raises(Conflict):
        services.update_enterprise(actor=admin_clerk, enterprise=prospect, uscc=taken.uscc)
    prospect.refresh_from_db()
    assert (prospect.status, prospect.uscc) == ("prospect", None)


def test_the_database_refuses_an_active_row_without_code_and_an_empty_code(investment_staff):
    prospect = _prospect(investment_staff)

    prospect.status = EnterpriseStatus.ACTIVE
    with pytest.raises(IntegrityError), transaction.atomic():
        prospect.save()
    prospect.status = EnterpriseStatus.PROSPECT
    prospect.uscc = ""
    with pytest.raises(IntegrityError), transaction.atomic():
        prospect.save()


def test_normal_enterprise_still_needs_a_code(admin_clerk, subdistrict):
    with pytest.raises(DomainError) as info:
        services.create_enterprise(actor=admin_clerk, name="某公司", uscc="", subdistrict=subdistrict)
    assert info.value.field == "uscc"
    registered = EnterpriseFactory(subdistrict=subdistrict)
    with pytest.raises(DomainError) as info:
        services.update_enterprise(actor=admin_clerk, enterprise=registered, uscc="")
    assert info.value.field == "uscc"
    assert not Enterprise.objects.filter(uscc__isnull=True).exists()


def test_a_prospect_cannot_be_closed(investment_staff, admin_clerk):
    prospect = _prospect(investment_staff)
    with pytest.raises(InvalidTransition):
        services.close_enterprise(actor=admin_clerk, enterprise=prospect)
    prospect.refresh_from_db()
    assert prospect.status == "prospect"


# --- reads: counts, list, filter, API, export -------------------------------------------------------------


def test_registry_counts_leave_prospects_out(investment_staff, admin_clerk, subdistrict):
    EnterpriseFactory(subdistrict=subdistrict, is_foreign_funded=True)
    _prospect(investment_staff, is_foreign=True)

    counts = registry_counts(admin_clerk)

    assert (counts["total"], counts["foreign_funded"]) == (1, 1)
    assert Enterprise.objects.active().count() == 1
    assert Enterprise.objects.registered().count() == 1
    assert Enterprise.objects.prospects().count() == 1


def test_list_tags_and_filters_prospects(client, investment_staff, admin_clerk, subdistrict):
    EnterpriseFactory(subdistrict=subdistrict, name="南通星辰合成材料有限公司")
    prospect = _prospect(investment_staff)
    client.force_login(admin_clerk)

    everything = client.get(LIST)
    prospects = client.get(LIST, {"status": "prospect"})
    active = client.get(LIST, {"status": "active"})
    searched = client.get(LIST, {"q": "华安"})

    assert sorted(row["enterprise"].name for row in everything.context["rows"]) == sorted(
        [HUAAN, "南通星辰合成材料有限公司"]
    )
    page = everything.content.decode()
    assert page.count("data-uscc-pending") == 1
    assert "None" not in page.split('id="enterprise-table"')[1]
    assert [row["enterprise"].pk for row in prospects.context["rows"]] == [prospect.pk]
    assert [row["enterprise"].name for row in active.context["rows"]] == ["南通星辰合成材料有限公司"]
    assert [row["enterprise"].pk for row in searched.context["rows"]] == [prospect.pk]


def test_prospect_detail_and_edit_without_code(client, investment_staff, admin_clerk):
    prospect = _prospect(investment_staff)
    client.force_login(admin_clerk)

    detail = client.get(f"{LIST}{prospect.pk}/")
    assert detail.status_code == 200
    assert "data-uscc-pending" in detail.content.decode()
    assert f"/enterprises/{prospect.pk}/close" not in detail.content.decode()

    form = client.get(f"{LIST}{prospect.pk}/edit")
    assert form.context["form"].fields["uscc"].required is False
    response = client.post(
        f"{LIST}{prospect.pk}/edit",
        {"name": HUAAN, "uscc": "", "industry": "electronics", "address": "北京市"},
    )
    assert response.status_code == 302
    prospect.refresh_from_db()
    assert (prospect.status, prospect.uscc, prospect.industry) == ("prospect", None, "electronics")


def test_api_shows_a_prospect_with_null_code_and_filters_by_status(client, investment_staff, admin_clerk, subdistrict):
    EnterpriseFactory(subdistrict=subdistrict)
    prospect = _prospect(investment_staff)
    client.force_login(admin_clerk)

    body = client.get(API, {"status": "prospect"}).json()

    assert body["count"] == 1
    assert (body["items"][0]["id"], body["items"][0]["uscc"], body["items"][0]["status"]) == (
        prospect.pk,
        None,
        "prospect",
    )
    assert client.get(f"{API}/{prospect.pk}").json()["uscc"] is None


def test_export_writes_an_empty_code_for_a_prospect(investment_staff, admin_clerk):
    _prospect(investment_staff)

    workbook = services.export_enterprises(actor=admin_clerk, queryset=Enterprise.objects.all())

    buffer = io.BytesIO()
    workbook.save(buffer)
    sheet = load_workbook(io.BytesIO(buffer.getvalue())).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    row = next(r for r in rows if HUAAN in r)
    assert row[1] in (None, "")
