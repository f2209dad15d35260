"""The seed's investment figures come out of the demo records, through the API and the bulletin."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest

from zoneops.accounts import demo as accounts_demo
from zoneops.accounts.models import User
from zoneops.core.management.commands.demo import DemoContext
from zoneops.investment import demo as investment_demo
from zoneops.investment.models import CapacityLine, Negotiation, Project, TrainingSession

pytestmark = pytest.mark.django_db

SEED_BULLETIN = (
    "截至4月21日,开发区今年新签约34个项目,总投资320.2亿元,其中外资项目10个,总投资143.2亿元。"
    "其中总投资5亿元以上项目14个,3000万美元以上外资项目9个。"
)


@pytest.fixture
def demo_zone():
    demo = DemoContext("Demo-Pass-2022", io.StringIO())
    accounts_demo.build(demo)
    # The registry's own demo may run first (manage.py demo does); investors are then found by name.
    investment_demo.build(demo)
    return demo


def test_designed_amounts_add_up_to_the_seed():
    domestic = sum(Decimal(row[4]) for row in investment_demo.DOMESTIC)
    foreign_usd = sum(row[4] for row in investment_demo.FOREIGN)

    assert len(investment_demo.DOMESTIC) == 24 and len(investment_demo.FOREIGN) == 10
    assert domestic == Decimal("177.0")
    assert foreign_usd == 2255
    assert Decimal(foreign_usd) * Decimal("6.35") / 100 == Decimal("143.1925")
    assert sum(1 for row in investment_demo.DOMESTIC if Decimal(row[4]) >= 5) == 6
    assert sum(1 for row in investment_demo.FOREIGN if Decimal(row[4]) * Decimal("6.35") >= 500) == 8
    assert sum(1 for row in investment_demo.FOREIGN if row[4] >= 30) == 9


def test_signing_stats_api_prints_the_seed_figures(demo_zone, client):
    client.force_login(User.objects.get(username="leader"))

    response = client.get("/api/v1/investment/signing-stats", {"as_of": "2022-04-21"})

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["count"] == 34
    assert body["total_yi"] == "320.2"
    assert body["foreign_count"] == 10
    assert body["foreign_total_yi"] == "143.2"
    assert body["domestic_total_yi"] == "177.0"
    buckets = {b["label"]: b for b in body["buckets"]}
    assert buckets["总投资5亿元以上项目"]["count"] == 14
    assert buckets["3000万美元以上外资项目"]["count"] == 9
    assert len(body["project_ids"]) == 34
    # Every project behind the figure is a 2022 signing up to 21 April.
    signed = Project.objects.filter(pk__in=body["project_ids"])
    assert all(p.signed_on.year == 2022 and p.signed_on.isoformat() <= "2022-04-21" for p in signed)


def test_bulletin_api_prints_the_seed_sentence(demo_zone, client):
    client.force_login(User.objects.get(username="leader"))

    response = client.get("/api/v1/investment/bulletin", {"as_of": "2022-04-21"})

    assert response.status_code == 200
    assert response.json() == {"text": SEED_BULLETIN}


def test_demo_records_the_seed_projects_week_and_training(demo_zone):
    huaan = Project.objects.get(name="车载液晶显示模组及智能座舱显示系统智能制造项目")
    assert huaan.investor.name == "华安鑫创控股(北京)股份有限公司"
    assert huaan.investor.listing_board == "chinext"
    assert huaan.total_investment_cny == Decimal("2000000000.00")
    assert huaan.signed_on.isoformat() == "2022-04-06"
    assert huaan.expected_output == Decimal("5000000000.00")
    assert huaan.expected_tax > Decimal("200000000")
    assert [(line.product, line.quantity, line.unit) for line in CapacityLine.objects.filter(project=huaan)] == [
        ("液晶模组", Decimal("10000000.00"), "片"),
        ("车载显示系统", Decimal("3000000.00"), "套"),
        ("汽车智能座舱系统", Decimal("1000000.00"), "套"),
        ("智能驾驶系统", Decimal("500000.00"), "套"),
        ("其他汽车电子产品", Decimal("2000000.00"), "件"),
    ]
    assert huaan.negotiations.count() == 3
    taipu = Project.objects.get(name="太普新能源电池模组项目")
    assert (taipu.currency.code, taipu.total_investment, taipu.fx_rate) == (
        "USD",
        Decimal("300000000.00"),
        Decimal("6.35"),
    )
    assert taipu.is_foreign
    assert Project.objects.get(name="劲胜新能源动力电池精密结构件项目").total_investment_cny == Decimal("3000000000.00")
    assert Project.objects.get(name="汉晟智能制造产业园项目").total_investment_cny == Decimal("1000000000.00")
    week = Negotiation.objects.filter(at__date__gte="2022-04-11", at__date__lte="2022-04-15")
    assert sorted({n.at.isoweekday() for n in week}) == [1, 2, 3, 4, 5]
    assert week.count() == 6
    training = TrainingSession.objects.get(name="招商引资“砺剑班”")
    assert (training.starts_on.isoformat(), training.ends_on.isoformat()) == ("2022-04-19", "2022-04-20")
    assert training.attendees.filter(username="invest").exists()
    assert training.attendees.count() >= 10


def test_demo_is_idempotent(demo_zone):
    counts = (Project.objects.count(), Negotiation.objects.count(), TrainingSession.objects.count())

    investment_demo.build(demo_zone)

    assert (Project.objects.count(), Negotiation.objects.count(), TrainingSession.objects.count()) == counts


def test_only_the_organisation_department_sees_staff_development(demo_zone):
    holders = set(
        User.objects.filter(roles__permissions__codename="view_staff_development").values_list(
            "department__code", flat=True
        )
    )

    assert holders == {"ZZB"}
    assert User.objects.get(username="stats").has_perm("investment.verify_project")
    assert not User.objects.get(username="invest").has_perm("investment.verify_project")


def test_capacity_lines_read_as_the_seed_writes_them(demo_zone):
    huaan = Project.objects.get(name="车载液晶显示模组及智能座舱显示系统智能制造项目")

    assert [str(line) for line in huaan.capacity_lines.all()] == [
        "液晶模组 1000万片",
        "车载显示系统 300万套",
        "汽车智能座舱系统 100万套",
        "智能驾驶系统 50万套",
        "其他汽车电子产品 200万件",
    ]


def test_invest_sees_the_seed_week_monday_to_friday(demo_zone):
    import datetime as dt

    from zoneops.investment.selectors import week_view

    view = week_view(User.objects.get(username="invest"), dt.date(2022, 4, 13))

    assert [row["unit"].code for row in view["units"]] == ["TCJ-1"]
    assert [len(cell) for cell in view["units"][0]["cells"]] == [1, 1, 1, 1, 2]


def test_every_open_demo_project_has_a_next_step_with_a_date(demo_zone):
    projects = list(Project.objects.all())
    open_projects = [p for p in projects if p.is_open]

    assert len(open_projects) == len(projects) > 40
    assert [p.name for p in open_projects if not (p.next_step and p.next_step_on)] == []
    huaan = Project.objects.get(name="车载液晶显示模组及智能座舱显示系统智能制造项目")
    assert (huaan.next_step, huaan.next_step_on) == ("推进项目注册和开工准备", huaan.signed_on + dt.timedelta(days=30))
