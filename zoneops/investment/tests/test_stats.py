"""Signing statistics: periods, basis, threshold buckets honouring stored rates, rounding, bulletin."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from zoneops.accounts.models import DataScope
from zoneops.investment import services, stats
from zoneops.investment.choices import AppliesTo, Basis, Comparison, Stage
from zoneops.investment.models import Currency, FxRate, ThresholdBucket
from zoneops.investment.tests import factories

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen", "dicts")]


def signed(owner, unit, name, amount, *, currency="CNY", foreign=False, on=dt.date(2022, 3, 1), industry="NGIT"):
    return services.create_project(
        next_step="跟进洽谈",
        next_step_on=dt.date(2022, 4, 25),
        actor=owner,
        unit=unit,
        name=name,
        investor=f"{name}投资方",
        industry=industry,
        currency=currency,
        total_investment=amount,
        is_foreign=foreign,
        stage=Stage.SIGNED,
        signed_on=on,
    )


def buckets(result) -> dict:
    return {b["label"]: (b["count"], b["project_ids"]) for b in result["buckets"]}


def test_usd_threshold_boundary_uses_each_projects_stored_rate(owner, unit1):
    below = signed(owner, unit1, "差一点", "29900000", currency="USD", foreign=True)
    exact = signed(owner, unit1, "正好", "30000000", currency="USD", foreign=True)
    # A CNY-denominated foreign project: 30m USD at 6.35 is 190.5m yuan.
    cny_below = signed(owner, unit1, "人民币外资差一点", "190499999.99", foreign=True)
    cny_exact = signed(owner, unit1, "人民币外资正好", "190500000", foreign=True)
    domestic = signed(owner, unit1, "内资大项目", "900000000")

    result = stats.signing_stats(owner, as_of=dt.date(2022, 4, 21))

    assert buckets(result)["3000万美元以上外资项目"] == (2, [exact.pk, cny_exact.pk])
    assert buckets(result)["总投资5亿元以上项目"] == (1, [domestic.pk])
    assert below.pk in result["project_ids"] and cny_below.pk in result["project_ids"]


def test_rate_changes_after_signing_do_not_move_old_projects(owner, unit1):
    usd = Currency.objects.get(code="USD")
    # US$78.8m at 6.35 = 500.38m yuan ≥ 5亿; at a later rate of 6.30 it would be 496.44m.
    old = signed(owner, unit1, "老项目", "78800000", currency="USD", foreign=True, on=dt.date(2022, 2, 1))
    FxRate.objects.create(currency=usd, rate_to_cny=Decimal("6.30"), effective_on=dt.date(2022, 3, 1))
    new = signed(owner, unit1, "新项目", "78800000", currency="USD", foreign=True, on=dt.date(2022, 3, 15))

    result = stats.signing_stats(owner, as_of=dt.date(2022, 4, 21))

    assert (old.fx_rate, new.fx_rate) == (Decimal("6.35"), Decimal("6.30"))
    assert buckets(result)["总投资5亿元以上项目"] == (1, [old.pk])
    # 500,380,000 + 496,440,000 = 9.9682亿 → 10.0
    assert result["total_yi"] == Decimal("10.0")
    assert result["foreign_total_yi"] == Decimal("10.0")


def test_comparison_and_applies_to_come_from_the_bucket_rows(owner, unit1):
    cny = Currency.objects.get(code="CNY")
    ThresholdBucket.objects.all().delete()
    ThresholdBucket.objects.create(
        label="内资1亿元以上",
        amount=Decimal("100000000"),
        currency=cny,
        comparison=Comparison.GT,
        applies_to=AppliesTo.DOMESTIC,
        order=1,
    )
    exactly = signed(owner, unit1, "正好1亿", "100000000")
    above = signed(owner, unit1, "超过1亿", "100000000.01")
    signed(owner, unit1, "外资2亿", "200000000", foreign=True)

    result = stats.signing_stats(owner, as_of=dt.date(2022, 4, 21))

    assert buckets(result) == {"内资1亿元以上": (1, [above.pk])}
    assert exactly.pk in result["project_ids"]


def test_period_stage_and_basis(owner, unit1, verifier):
    in_range = signed(owner, unit1, "一月", "100000000", on=dt.date(2022, 1, 5))
    signed(owner, unit1, "去年", "100000000", on=dt.date(2021, 12, 31))
    later = signed(owner, unit1, "今天", "100000000", on=dt.date(2022, 4, 21))
    services.create_project(
        next_step="跟进洽谈",
        next_step_on=dt.date(2022, 4, 25),
        actor=owner,
        unit=unit1,
        name="在谈",
        investor="x",
        industry="NGIT",
        currency="CNY",
        total_investment="900000000",
        stage=Stage.NEGOTIATING,
    )
    services.verify_project(actor=verifier, project=in_range, evidence="合同")

    ytd = stats.signing_stats(owner, as_of=dt.date(2022, 4, 21))
    before = stats.signing_stats(owner, as_of=dt.date(2022, 4, 20))
    window = stats.signing_stats(owner, date_from=dt.date(2021, 12, 1), date_to=dt.date(2022, 1, 31))
    verified = stats.signing_stats(owner, as_of=dt.date(2022, 4, 21), basis=Basis.VERIFIED)

    assert ytd["project_ids"] == [in_range.pk, later.pk]
    assert before["project_ids"] == [in_range.pk]
    assert window["count"] == 2
    assert verified["project_ids"] == [in_range.pk]
    assert ytd["by_month"][0]["key"] == "2022-01" and ytd["by_month"][1]["key"] == "2022-04"


def test_totals_round_half_up_to_one_decimal(owner, unit1):
    signed(owner, unit1, "a", "25000000")  # 0.25亿
    assert stats.signing_stats(owner, as_of=dt.date(2022, 4, 21))["total_yi"] == Decimal("0.3")
    assert stats.to_yi(Decimal("1549999999.99")) == Decimal("15.5")
    assert stats.to_yi(Decimal("1544999999.99")) == Decimal("15.4")
    assert str(stats.to_yi(Decimal("0"))) == "0.0"


def test_by_industry_reports_the_leading_share(owner, unit1, verifier):
    signed(owner, unit1, "主导", "300000000", industry="NGIT")
    services.create_project(
        next_step="跟进洽谈",
        next_step_on=dt.date(2022, 4, 25),
        actor=owner,
        unit=unit1,
        name="非主导",
        investor="y",
        industry="NMAT",
        currency="CNY",
        total_investment="100000000",
        stage=Stage.SIGNED,
        signed_on=dt.date(2022, 3, 1),
        outside_leading_reason="补链",
        outside_leading_approver=verifier,
    )

    result = stats.signing_stats(owner, as_of=dt.date(2022, 4, 21))

    assert [(g["key"], g["count"], g["total_yi"], g["is_leading"]) for g in result["by_industry"]] == [
        ("NGIT", 1, Decimal("3.0"), True),
        ("NMAT", 1, Decimal("1.0"), False),
    ]
    assert result["leading_share_percent"] == Decimal("75.0")


def test_statistics_follow_the_data_scope(owner, unit1, other_unit_staff, unit2):
    signed(owner, unit1, "一局项目", "100000000")
    signed(other_unit_staff, unit2, "二局项目", "200000000")

    assert stats.signing_stats(owner, as_of=dt.date(2022, 4, 21))["count"] == 1
    assert stats.signing_stats(other_unit_staff, as_of=dt.date(2022, 4, 21))["total_yi"] == Decimal("2.0")


def test_bulletin_wording(owner, unit1, verifier):
    signed(owner, unit1, "外资", "30000000", currency="USD", foreign=True)
    signed(owner, unit1, "内资", "600000000")

    text = stats.bulletin(verifier, as_of=dt.date(2022, 4, 21))  # a whole-zone reader speaks for the zone
    unit_text = stats.bulletin(owner, as_of=dt.date(2022, 4, 21))  # a unit's reader, for the unit only

    assert text == (
        "截至4月21日,开发区今年新签约2个项目,总投资7.9亿元,其中外资项目1个,总投资1.9亿元。"
        "其中总投资5亿元以上项目1个,3000万美元以上外资项目1个。"
    )
    assert unit_text == text.replace("开发区", "招商U1")


def test_by_unit_follows_the_organisations_order_not_the_names(owner, unit1):
    from zoneops.accounts.models import DepartmentKind
    from zoneops.accounts.tests.factories import DepartmentFactory

    second = DepartmentFactory(code="TCJ-2", name="招商二局", kind=DepartmentKind.INVESTMENT_UNIT)
    third = DepartmentFactory(code="TCJ-3", name="招商三局", kind=DepartmentKind.INVESTMENT_UNIT)
    admin = factories.staff(unit1, "investment.add_project", "investment.view_project", scope=DataScope.ALL)
    for unit in (third, second, unit1):
        services.create_project(
            next_step="跟进洽谈",
            next_step_on=dt.date(2022, 4, 25),
            actor=admin,
            unit=unit,
            name=f"{unit.code}项目",
            investor="甲",
            industry="NGIT",
            currency="CNY",
            total_investment="100000000",
            stage=Stage.SIGNED,
            signed_on=dt.date(2022, 4, 1),
        )

    result = stats.signing_stats(admin, as_of=dt.date(2022, 4, 21))

    # By code point 三 (U+4E09) sorts before 二 (U+4E8C); the organisation's order does not.
    assert [g["label"] for g in result["by_unit"]] == ["招商二局", "招商三局", "招商U1"]
