"""Project services: validation, amounts and rates, stage table, status, verification, negotiations, audit."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from zoneops.audit.models import AuditEvent
from zoneops.core.errors import Conflict, DomainError, InvalidTransition, OutOfScope, PermissionDenied
from zoneops.investment import services
from zoneops.investment.choices import Stage, Status
from zoneops.investment.models import FxRate, Negotiation, Project, StageChange
from zoneops.investment.tests import factories

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen", "dicts")]


def make(owner, unit, **kwargs) -> Project:
    values = {
        "name": "测试项目",
        "investor": "某投资方",
        "industry": "NGIT",
        "currency": "CNY",
        "total_investment": "500000000",
        "next_step": "跟进洽谈",
        "next_step_on": dt.date(2022, 4, 25),
    }
    values.update(kwargs)
    return services.create_project(actor=owner, unit=unit, **values)


def test_create_signed_usd_project_stores_rate_and_cny(owner, unit1):
    project = make(
        owner,
        unit1,
        currency="USD",
        total_investment="300000000",
        is_foreign=True,
        stage=Stage.SIGNED,
        signed_on=dt.date(2022, 3, 25),
    )

    project.refresh_from_db()
    assert project.fx_rate == Decimal("6.350000")
    assert project.fx_rate_date == dt.date(2022, 1, 1)
    assert project.total_investment_cny == Decimal("1905000000.00")
    assert project.contract_amount == Decimal("300000000.00")
    # A new investor is added to the registry as a prospect (no credit code) and linked.
    assert project.investor_name == "某投资方"
    assert (project.investor.name, project.investor.status, project.investor.uscc) == ("某投资方", "prospect", None)
    assert project.investor.is_foreign_funded is True
    assert project.owner == owner
    event = AuditEvent.objects.get(action="investment.project_created")
    assert event.object_id == str(project.pk)
    assert event.changes["total_investment_cny"] == [None, "1905000000.00"]
    assert list(StageChange.objects.filter(project=project).values_list("to_value", flat=True)) == ["signed"]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"total_investment": "-1"}, "total_investment"),
        ({"total_investment": "12abc"}, "total_investment"),
        ({"total_investment": "1.234"}, "total_investment"),
        ({"total_investment": "NaN"}, "total_investment"),
        ({"currency": "XYZ"}, "currency"),
        ({"currency": "EUR"}, "currency"),  # no EUR rate on file for the date
        ({"stage": Stage.SIGNED}, "signed_on"),
        ({"stage": Stage.SIGNED, "signed_on": dt.date(2022, 4, 22)}, "signed_on"),
        ({"industry": "NMAT"}, "outside_leading_reason"),
        ({"industry": "NOPE"}, "industry"),
        ({"name": "  "}, "name"),
        ({"investor": ""}, "investor"),
        ({"stage": "won"}, "stage"),
        ({"source": "leader_assigned"}, "assignment_level"),
    ],
)
def test_bad_input_names_the_field_and_writes_nothing(owner, unit1, changes, field):
    with pytest.raises(DomainError) as info:
        make(owner, unit1, **changes)

    assert field in info.value.errors
    assert Project.objects.count() == 0
    assert not AuditEvent.objects.filter(action="investment.project_created").exists()


def test_duplicate_project_of_the_same_investor_is_refused(owner, unit1):
    make(owner, unit1)

    with pytest.raises(DomainError) as info:
        make(owner, unit1, total_investment="1")

    assert info.value.field == "name"
    assert Project.objects.count() == 1


def test_outside_leading_industry_with_reason_and_approver(owner, unit1, verifier):
    with pytest.raises(DomainError) as info:
        make(owner, unit1, industry="NMAT", outside_leading_reason="补链", outside_leading_approver=owner)
    assert info.value.field == "outside_leading_approver"  # nobody approves their own exception

    project = make(owner, unit1, industry="NMAT", outside_leading_reason="补链", outside_leading_approver=verifier)

    assert project.outside_leading_reason == "补链"
    assert project.outside_leading_approver == verifier


def test_stage_walks_one_step_at_a_time(owner, unit1):
    project = make(owner, unit1)

    services.advance_stage(actor=owner, project=project, to=Stage.NEGOTIATING)
    with pytest.raises(InvalidTransition):
        services.advance_stage(actor=owner, project=project, to=Stage.STARTED)
    services.advance_stage(
        actor=owner, project=project, to=Stage.SIGNED, signed_on=dt.date(2022, 4, 20), contract_amount="480000000"
    )
    services.advance_stage(actor=owner, project=project, to=Stage.REGISTERED)

    project.refresh_from_db()
    assert project.stage == Stage.REGISTERED
    assert project.signed_on == dt.date(2022, 4, 20)
    assert project.contract_amount == Decimal("480000000.00")
    assert project.registered_on == dt.date(2022, 4, 21)
    assert list(StageChange.objects.filter(project=project, field="stage").values_list("from_value", "to_value")) == [
        ("", "lead"),
        ("lead", "negotiating"),
        ("negotiating", "signed"),
        ("signed", "registered"),
    ]
    assert AuditEvent.objects.filter(action="investment.project_stage_changed", object_id=str(project.pk)).count() == 3


@pytest.mark.parametrize(
    ("start", "to"),
    [
        (Stage.LEAD, Stage.SIGNED),
        (Stage.LEAD, Stage.PRODUCING),
        (Stage.NEGOTIATING, Stage.REGISTERED),
        (Stage.LEAD, Stage.LEAD),
    ],
)
def test_impossible_jumps_are_refused(owner, unit1, start, to):
    project = make(owner, unit1, stage=start)

    with pytest.raises(InvalidTransition):
        services.advance_stage(actor=owner, project=project, to=to, signed_on=dt.date(2022, 4, 1), contract_amount="1")

    project.refresh_from_db()
    assert project.stage == start
    assert not AuditEvent.objects.filter(action="investment.project_stage_changed").exists()


def test_signed_project_cannot_go_back(owner, unit1):
    project = make(owner, unit1, stage=Stage.SIGNED, signed_on=dt.date(2022, 4, 1))

    with pytest.raises(InvalidTransition):
        services.advance_stage(actor=owner, project=project, to=Stage.NEGOTIATING)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"contract_amount": "100"}, "signed_on"),
        ({"signed_on": dt.date(2022, 4, 1)}, "contract_amount"),
        ({"signed_on": dt.date(2022, 4, 1), "contract_amount": "-5"}, "contract_amount"),
    ],
)
def test_signing_needs_contract_date_and_amount(owner, unit1, kwargs, field):
    project = make(owner, unit1, stage=Stage.NEGOTIATING)

    with pytest.raises(DomainError) as info:
        services.advance_stage(actor=owner, project=project, to=Stage.SIGNED, **kwargs)

    assert field in info.value.errors
    project.refresh_from_db()
    assert project.stage == Stage.NEGOTIATING and project.signed_on is None


def test_concurrent_stage_change_loses_the_compare_and_set(owner, unit1):
    project = make(owner, unit1, stage=Stage.NEGOTIATING)
    clerk_a = Project.objects.get(pk=project.pk)
    clerk_b = Project.objects.get(pk=project.pk)

    services.advance_stage(
        actor=owner, project=clerk_a, to=Stage.SIGNED, signed_on=dt.date(2022, 4, 1), contract_amount="1"
    )
    with pytest.raises(Conflict):
        services.advance_stage(actor=owner, project=clerk_b, to=Stage.LEAD)

    project.refresh_from_db()
    assert project.stage == Stage.SIGNED
    assert StageChange.objects.filter(project=project, to_value="lead", from_value="negotiating").count() == 0
    assert AuditEvent.objects.filter(action="investment.project_stage_changed").count() == 1


def test_signing_uses_the_rate_of_the_signing_day_and_later_rates_do_not_change_it(owner, unit1):
    usd = FxRate.objects.get(currency__code="USD").currency
    FxRate.objects.create(currency=usd, rate_to_cny=Decimal("6.40"), effective_on=dt.date(2022, 4, 10))
    project = make(owner, unit1, currency="USD", total_investment="10000000", is_foreign=True, stage=Stage.NEGOTIATING)
    assert project.fx_rate == Decimal("6.40")  # today's rate while in talks

    services.advance_stage(
        actor=owner, project=project, to=Stage.SIGNED, signed_on=dt.date(2022, 4, 1), contract_amount="10000000"
    )
    project.refresh_from_db()
    assert (project.fx_rate, project.fx_rate_date) == (Decimal("6.35"), dt.date(2022, 1, 1))
    assert project.total_investment_cny == Decimal("63500000.00")

    services.set_fx_rate(actor=_rate_admin(unit1), currency="USD", rate_to_cny="6.50", effective_on=dt.date(2022, 3, 1))
    services.update_project(actor=owner, project=project, changes={"next_step": "开工准备"})
    project.refresh_from_db()
    assert project.fx_rate == Decimal("6.35")
    assert project.total_investment_cny == Decimal("63500000.00")


def _rate_admin(unit):
    from zoneops.accounts.models import DataScope

    return factories.staff(unit, "investment.manage_fx_rate", scope=DataScope.ALL, username="rates")


def test_set_fx_rate_validates_and_audits(unit1):
    admin = _rate_admin(unit1)
    with pytest.raises(DomainError) as info:
        services.set_fx_rate(actor=admin, currency="USD", rate_to_cny="-1", effective_on=dt.date(2022, 2, 1))
    assert "rate_to_cny" in info.value.errors
    with pytest.raises(DomainError) as info:
        services.set_fx_rate(actor=admin, currency="ABC", rate_to_cny="1", effective_on=dt.date(2022, 2, 1))
    assert "currency" in info.value.errors

    fx = services.set_fx_rate(actor=admin, currency="usd", rate_to_cny="6.3", effective_on=dt.date(2022, 2, 1))

    assert fx.rate_to_cny == Decimal("6.3")
    assert AuditEvent.objects.filter(action="investment.fx_rate_set", object_id=str(fx.pk)).count() == 1


def test_set_fx_rate_needs_its_permission(owner):
    with pytest.raises(PermissionDenied):
        services.set_fx_rate(actor=owner, currency="USD", rate_to_cny="6.3", effective_on=dt.date(2022, 2, 1))
    assert FxRate.objects.count() == 1


def test_status_lost_needs_reason_and_blocks_stage_changes(owner, unit1):
    project = make(owner, unit1)
    with pytest.raises(DomainError) as info:
        services.set_status(actor=owner, project=project, status=Status.LOST)
    assert info.value.field == "reason"

    services.set_status(actor=owner, project=project, status=Status.LOST, reason="投资方转投他处")
    with pytest.raises(InvalidTransition):
        services.advance_stage(actor=owner, project=project, to=Stage.NEGOTIATING)
    services.set_status(actor=owner, project=project, status=Status.NORMAL)

    project.refresh_from_db()
    assert project.status == Status.NORMAL
    assert AuditEvent.objects.filter(action="investment.project_status_changed").count() == 2


def test_withdrawn_is_final(owner, unit1):
    project = make(owner, unit1)
    services.set_status(actor=owner, project=project, status=Status.WITHDRAWN, reason="投资方撤回")

    with pytest.raises(InvalidTransition):
        services.set_status(actor=owner, project=project, status=Status.NORMAL)


def test_verify_by_another_role_not_by_the_owner(owner, unit1, verifier):
    project = make(owner, unit1, stage=Stage.SIGNED, signed_on=dt.date(2022, 4, 1))
    factories.dictionaries()
    from zoneops.accounts.tests.factories import grant

    grant(owner, "investment.verify_project")

    with pytest.raises(PermissionDenied):
        services.verify_project(actor=owner, project=project, evidence="合同")
    with pytest.raises(DomainError) as info:
        services.verify_project(actor=verifier, project=project, evidence="")
    assert info.value.field == "evidence"
    services.verify_project(actor=verifier, project=project, evidence="合同编号 2022-018")
    with pytest.raises(Conflict):
        services.verify_project(actor=verifier, project=project, evidence="again")

    project.refresh_from_db()
    assert project.is_verified and project.verified_by == verifier
    assert AuditEvent.objects.filter(action="investment.project_verified").count() == 1


def test_verify_needs_the_permission_and_a_signed_project(owner, unit1, other_unit_staff, verifier):
    lead = make(owner, unit1)
    with pytest.raises(InvalidTransition):
        services.verify_project(actor=verifier, project=lead, evidence="x")
    signed = make(owner, unit1, name="已签约", stage=Stage.SIGNED, signed_on=dt.date(2022, 4, 1))
    with pytest.raises(PermissionDenied):
        services.verify_project(actor=other_unit_staff, project=signed, evidence="x")
    assert not Project.objects.filter(is_verified=True).exists()


def test_changing_amount_of_a_verified_project_drops_verification(owner, unit1, verifier):
    project = make(owner, unit1, stage=Stage.SIGNED, signed_on=dt.date(2022, 4, 1))
    services.verify_project(actor=verifier, project=project, evidence="合同")

    services.update_project(actor=owner, project=project, changes={"total_investment": "600000000"})

    project.refresh_from_db()
    assert project.total_investment_cny == Decimal("600000000.00")
    assert project.is_verified is False
    event = AuditEvent.objects.get(action="investment.project_updated")
    assert event.changes["is_verified"] == [True, False]


def test_update_validates_and_writes_nothing_on_error(owner, unit1):
    project = make(owner, unit1)

    with pytest.raises(DomainError) as info:
        services.update_project(actor=owner, project=project, changes={"total_investment": "-3", "name": "新名"})

    assert "total_investment" in info.value.errors
    project.refresh_from_db()
    assert project.name == "测试项目" and project.total_investment == Decimal("500000000.00")


def test_other_unit_cannot_change_a_project(owner, unit1, other_unit_staff):
    project = make(owner, unit1)

    with pytest.raises(OutOfScope):
        services.update_project(actor=other_unit_staff, project=project, changes={"name": "x"})
    with pytest.raises(PermissionDenied):
        make(other_unit_staff, unit1, name="越权")
    assert Project.objects.count() == 1


def test_negotiation_rounds_are_numbered_per_project(owner, unit1):
    first = make(owner, unit1)
    second = make(owner, unit1, name="另一个")
    at = dt.datetime(2022, 4, 11, 10, tzinfo=dt.UTC)

    a = services.record_negotiation(actor=owner, project=first, at=at, summary="首轮", our_participants=[owner])
    b = services.record_negotiation(
        actor=owner,
        project=first,
        at=at + dt.timedelta(days=1),
        summary="二轮",
        issues=["land", "policy"],
        next_step="报送材料",
        next_step_on=dt.date(2022, 4, 25),
    )
    c = services.record_negotiation(actor=owner, project=second, at=at, summary="首轮")

    assert (a.round_number, b.round_number, c.round_number) == (1, 2, 1)
    first.refresh_from_db()
    assert (first.next_step, first.next_step_on) == ("报送材料", dt.date(2022, 4, 25))
    assert list(a.our_participants.all()) == [owner]
    assert AuditEvent.objects.filter(action="investment.negotiation_recorded").count() == 3


def test_negotiation_validation(owner, unit1):
    project = make(owner, unit1)
    with pytest.raises(DomainError) as info:
        services.record_negotiation(
            actor=owner, project=project, at=dt.datetime(2022, 5, 1, tzinfo=dt.UTC), summary="", issues=["weather"]
        )
    assert set(info.value.errors) == {"at", "summary", "issues"}
    assert Negotiation.objects.count() == 0


def test_industry_dictionary_is_data(unit1):
    from zoneops.accounts.models import DataScope
    from zoneops.investment.models import Industry

    admin = factories.staff(unit1, "investment.change_industry", scope=DataScope.ALL, username="dict")
    with pytest.raises(DomainError) as info:
        services.save_industry(actor=admin, code="bad code!", name="", is_leading=True)
    assert set(info.value.errors) == {"code", "name"}

    services.save_industry(actor=admin, code="nmat", name="新材料", is_leading=True)

    assert Industry.objects.get(code="NMAT").is_leading is True
    event = AuditEvent.objects.get(action="investment.industry_saved")
    assert event.changes == {"is_leading": [False, True]}


def test_threshold_buckets_are_data(owner, unit1):
    from zoneops.accounts.models import DataScope
    from zoneops.investment import stats
    from zoneops.investment.models import ThresholdBucket

    admin = factories.staff(unit1, "investment.change_thresholdbucket", scope=DataScope.ALL, username="buckets")
    with pytest.raises(PermissionDenied):
        services.save_threshold_bucket(
            actor=owner, label="x", amount="1", currency="CNY", comparison="gte", applies_to="all"
        )
    with pytest.raises(DomainError) as info:
        services.save_threshold_bucket(
            actor=admin, label="", amount="-1", currency="ZZZ", comparison="lt", applies_to="all"
        )
    assert set(info.value.errors) == {"label", "amount", "currency", "comparison"}

    services.save_threshold_bucket(
        actor=admin,
        label="总投资10亿元以上项目",
        amount="1000000000",
        currency="CNY",
        comparison="gte",
        applies_to="all",
        order=15,
    )
    make(owner, unit1, total_investment="1000000000", stage=Stage.SIGNED, signed_on=dt.date(2022, 4, 1))

    result = stats.signing_stats(owner, as_of=dt.date(2022, 4, 21))
    assert [(b["label"], b["count"]) for b in result["buckets"]] == [
        ("总投资5亿元以上项目", 1),
        ("总投资10亿元以上项目", 1),
        ("3000万美元以上外资项目", 0),
    ]
    assert ThresholdBucket.objects.count() == 3


def test_full_production_flag_only_on_a_producing_project_once(owner, unit1, other_unit_staff):
    project = make(owner, unit1, stage=Stage.SIGNED, signed_on=dt.date(2022, 1, 10))
    with pytest.raises(InvalidTransition):
        services.mark_full_production(actor=owner, project=project)
    for stage in (Stage.REGISTERED, Stage.STARTED, Stage.PRODUCING):
        services.advance_stage(actor=owner, project=project, to=stage, on=dt.date(2022, 3, 1))
    with pytest.raises(OutOfScope):
        services.mark_full_production(actor=other_unit_staff, project=project)
    with pytest.raises(DomainError) as early:
        services.mark_full_production(actor=owner, project=project, on=dt.date(2022, 2, 1))
    assert early.value.field == "on"

    services.mark_full_production(actor=owner, project=project, on=dt.date(2022, 4, 20))

    project.refresh_from_db()
    assert project.is_at_full_production is True
    change = project.stage_changes.get(field="production")
    assert (change.to_value, change.on) == ("full", dt.date(2022, 4, 20))
    event = AuditEvent.objects.get(action="investment.project_full_production")
    assert event.changes == {"is_at_full_production": [False, True]} and event.note == "2022-04-20"
    with pytest.raises(Conflict):
        services.mark_full_production(actor=owner, project=project)
    assert AuditEvent.objects.filter(action="investment.project_full_production").count() == 1


def test_rounds_before_signing_count_only_rounds_up_to_the_signing_day(owner, unit1, frozen):
    from zoneinfo import ZoneInfo

    from zoneops.investment import selectors

    shanghai = ZoneInfo("Asia/Shanghai")
    project = make(owner, unit1, stage=Stage.NEGOTIATING)
    for day in (dt.date(2022, 3, 9), dt.date(2022, 3, 18), dt.date(2022, 3, 30)):
        services.record_negotiation(
            actor=owner, project=project, at=dt.datetime.combine(day, dt.time(23, 30), tzinfo=shanghai), summary="洽谈"
        )
    services.advance_stage(
        actor=owner, project=project, to=Stage.SIGNED, signed_on=dt.date(2022, 3, 30), contract_amount="1"
    )
    services.record_negotiation(
        actor=owner, project=project, at=dt.datetime(2022, 4, 2, 9, 0, tzinfo=shanghai), summary="签约后对接"
    )

    assert selectors.rounds_before_signing(project) == 3  # 23:30 on the signing day (Shanghai) still counts
