"""Peer sets on the report page, and the report's edge cases end to end: ties, zero denominators, breadth, locks."""

from __future__ import annotations

import io
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from zoneops.audit.models import AuditEvent
from zoneops.economy.demo import ZONE
from zoneops.economy.models import PeerSet, Region, Value, ValueRevision
from zoneops.economy.selectors import period_or_404, report_for
from zoneops.economy.tests.conftest import post_json
from zoneops.economy.tests.test_views import _cell

pytestmark = pytest.mark.django_db

REPORT = reverse("economy:report")
API_REPORT = "/api/v1/economy/report"


def _items(response):
    return {item["indicator"]: item for item in response.json()["items"]}


def _set_growth(region: str, indicator: str, growth: str) -> None:
    """Test setup: overwrite a stored official growth rate directly."""
    Value.objects.filter(region__code=region, indicator__code=indicator, period__code="2022-03").update(
        growth_pct=Decimal(growth)
    )


# --- peer sets ----------------------------------------------------------------------------------------------------


def test_demo_defines_the_urban_peer_set(seeded):
    peer_set = PeerSet.objects.get(code="nt-urban")

    assert peer_set.name == "市区"
    assert sorted(peer_set.regions.values_list("code", flat=True)) == sorted([ZONE, "CC", "TZ", "HM"])
    assert not PeerSet.objects.filter(code="nt-all").exists()  # the default peers need no set


def test_report_page_offers_the_peer_sets_and_defaults_to_the_whole_city(client, seeded, reader):
    client.force_login(reader)

    html = client.get(REPORT, {"region": ZONE, "period": "2022Q1"}).content.decode()

    select = re.search(r'<select name="peer_set".*?</select>', html, re.S).group(0)
    assert re.findall(r'<option value="([^"]*)"', select) == ["", "nt-urban"]
    assert ">全市</option>" in select and "selected" not in select
    assert _cell(html, "industrial_output", "rank") == "1/8"


def test_report_page_ranks_against_the_chosen_peer_set(client, seeded, reader):
    _set_growth("HM", "industrial_output", "26.0")  # HM overtakes the zone in the city and in 市区
    _set_growth("RD", "gdp", "12.0")  # RD (a county, not in 市区) overtakes the zone in the city only
    client.force_login(reader)

    city = client.get(REPORT, {"region": ZONE, "period": "2022Q1"}).content.decode()
    urban = client.get(REPORT, {"region": ZONE, "period": "2022Q1", "peer_set": "nt-urban"}).content.decode()

    assert (_cell(city, "gdp", "rank"), _cell(city, "industrial_output", "rank")) == ("2/8", "2/8")
    assert (_cell(urban, "gdp", "rank"), _cell(urban, "industrial_output", "rank")) == ("1/4", "2/4")
    assert "地区生产总值增幅市区第一" in urban and "列市区第二" in urban
    assert "地区生产总值增幅全市第二" in city
    assert '<option value="nt-urban" selected>' in urban
    # the links keep the peer set: drill-down, export, chart switch
    assert f"?region={ZONE}&amp;peer_set=nt-urban" in urban
    assert "period=2022-03&amp;peer_set=nt-urban" in urban
    assert "市区" in re.search(r"<h2 class=\"h6\">[^<]*ranking[^<]*</h2>", urban).group(0)


def test_unknown_peer_set_is_404_on_the_pages(client, seeded, reader):
    client.force_login(reader)

    assert client.get(REPORT, {"region": ZONE, "period": "2022Q1", "peer_set": "nope"}).status_code == 404
    assert (
        client.get(
            reverse("economy:report-export"), {"region": ZONE, "period": "2022Q1", "peer_set": "nope"}
        ).status_code
        == 404
    )
    points = reverse("economy:points", args=["gdp", "2022-03"])
    assert client.get(points, {"region": ZONE, "peer_set": "nope"}).status_code == 404


def test_drill_down_and_export_follow_the_peer_set(client, seeded, reader):
    client.force_login(reader)

    points = client.get(
        reverse("economy:points", args=["industrial_output", "2022-03"]), {"region": ZONE, "peer_set": "nt-urban"}
    ).content.decode()
    export = client.get(reverse("economy:report-export"), {"region": ZONE, "period": "2022Q1", "peer_set": "nt-urban"})

    ranked = re.findall(r'<tr(?: class="zo-figure-row-self")? data-region="(\w+)"><td>(\d+)</td>', points)
    assert [code for code, _rank in ranked] == [ZONE, "HM", "TZ", "CC"]
    # the zone, the city and the three other urban regions for 2022-03, 2021-12 and 2021-03
    assert points.count("data-value=") == 15
    assert "data-peer-label>市区<" in points
    sheet = load_workbook(io.BytesIO(export.content)).active
    assert sheet.cell(row=1, column=1).value == "南通开发区2022年一季度主要经济指标(市区)"
    rows = {r[0]: r for r in sheet.iter_rows(min_row=4, values_only=True) if r[0]}
    assert rows["规模以上工业产值"][7] == "1/4"


def test_a_reader_without_the_permission_sees_no_peer_sets(client, seeded, nobody):
    client.force_login(nobody)

    assert client.get(REPORT, {"region": ZONE, "period": "2022Q1", "peer_set": "nt-urban"}).status_code == 404


# --- ties, zero denominators, zero priors, breadth --------------------------------------------------------------


def test_tied_growth_shares_the_rank_in_the_report(client, seeded, reader):
    _set_growth("CC", "industrial_output", "25.3")  # ties with the zone's 25.3
    client.force_login(reader)

    report = report_for(reader, Region.objects.get(code=ZONE), period_or_404("2022Q1"))
    body = _items(client.get(API_REPORT, {"region": ZONE, "period": "2022Q1"}))
    bulletin = client.get("/api/v1/economy/bulletin", {"region": ZONE, "period": "2022Q1"}).json()

    order = report.item("industrial_output").rank.order
    assert [(code, rank) for code, _v, rank in order[:3]] == [("CC", 1), (ZONE, 1), ("RD", 3)]
    assert (body["industrial_output"]["rank"], body["industrial_output"]["rank_of"]) == (1, 8)
    assert "列全市第一" in bulletin["text"]


def test_zero_denominator_and_zero_prior_give_null_with_a_reason(client, seeded, reader):
    # Test setup straight in the table: a zero FAI (the share's denominator) and a zero prior-year FDI.
    Value.objects.filter(region__code=ZONE, indicator__code="industrial_investment", period__code="2022-03").update(
        value=Decimal(0)
    )
    Value.objects.filter(region__code=ZONE, indicator__code="fai", period__code="2022-03").update(value=Decimal(0))
    Value.objects.filter(region__code=ZONE, indicator__code="fdi", period__code="2022-03").update(
        prior_value=Decimal(0)
    )
    Value.objects.filter(region__code=ZONE, indicator__code="fdi", period__code="2021-03").update(value=Decimal(0))
    client.force_login(reader)

    response = client.get(API_REPORT, {"region": ZONE, "period": "2022Q1"})

    assert response.status_code == 200
    items = _items(response)
    share = items["industrial_investment_share"]
    assert (share["share_pct"], share["share_change_pp"], share["value"]) == (None, None, None)
    assert share["notes"]["share_pct"] == "Denominator is zero"
    fdi = items["fdi"]
    assert (fdi["computed_growth_pct"], fdi["growth_pct"]) == (None, "162.0")
    assert fdi["notes"]["computed_growth_pct"] == "Prior-year value is zero"
    page = client.get(REPORT, {"region": ZONE, "period": "2022Q1"})
    assert page.status_code == 200
    assert 'title="Denominator is zero">—<' in page.content.decode()


def test_growth_breadth_of_the_report(client, seeded, reader):
    _set_growth("CC", "industrial_output", "-2.0")
    client.force_login(reader)

    body = client.get(API_REPORT, {"region": ZONE, "period": "2022Q1"}).json()

    # the zone's six non-share indicators all grow
    assert body["breadth"] == {"growing": 6, "total": 6, "pct": "100.0"}
    output = _items_of(body)["industrial_output"]
    assert (output["peers_growing"], output["peers_total"]) == (7, 8)


def _items_of(body):
    return {item["indicator"]: item for item in body["items"]}


# --- publication lock -------------------------------------------------------------------------------------------


def test_editing_a_locked_period_without_reason_writes_nothing(client, seeded, clerk):
    client.force_login(clerk)
    before = (
        Value.objects.get(region__code=ZONE, indicator__code="fai", period__code="2022-03").value,
        ValueRevision.objects.count(),
        AuditEvent.objects.count(),
    )

    response = post_json(
        client,
        "/api/v1/economy/values",
        [
            {"region": "CC", "indicator": "fdi", "period": "2022-02", "value": "1.9", "growth_pct": "10"},
            {"region": ZONE, "indicator": "fai", "period": "2022Q1", "value": "57.9", "growth_pct": "10.4"},
        ],
    )

    assert response.status_code == 400
    body = response.json()
    assert [e["field"] for e in body["errors"]] == ["rows.2.reason"]
    assert "reason" in body["title"] and "2" in body["title"]
    after = (
        Value.objects.get(region__code=ZONE, indicator__code="fai", period__code="2022-03").value,
        ValueRevision.objects.count(),
        AuditEvent.objects.count(),
    )
    assert after == before
    assert not Value.objects.filter(region__code="CC", period__code="2022-02").exists()  # row 1 not written either


# --- rank by value, lower is better ------------------------------------------------------------------------------


def test_rank_by_value_and_lower_is_better_are_taken_from_the_indicator(client, seeded, reader):
    from zoneops.economy.models import Indicator

    client.force_login(reader)
    Indicator.objects.filter(code="gdp").update(rank_by="value")
    by_value = _items(client.get(API_REPORT, {"region": ZONE, "period": "2022Q1"}))["gdp"]
    Indicator.objects.filter(code="gdp").update(rank_by="growth", higher_is_better=False)
    lower_better = _items(client.get(API_REPORT, {"region": ZONE, "period": "2022Q1"}))["gdp"]

    # 296.5亿元: above only 如东县's 295.6 among the eight
    assert (by_value["rank"], by_value["rank_of"]) == (7, 8)
    # the zone's 9.8% is the highest growth: last when lower is better
    assert (lower_better["rank"], lower_better["rank_of"]) == (8, 8)


# --- revisions through the Excel import ------------------------------------------------------------------------


def test_import_into_a_published_period_needs_a_reason_and_keeps_who_when_why(seeded, clerk):
    from zoneops.core import clock
    from zoneops.core.excel import ImportFailed
    from zoneops.economy import services
    from zoneops.economy.tests.test_services import _workbook

    row = [(ZONE, "fai", 57.9, 10.4, 52.4, "亿元")]

    with pytest.raises(ImportFailed) as refused:
        services.import_values(actor=clerk, upload=_workbook(row), period="2022Q1")
    assert [(e.row, e.column) for e in refused.value.row_errors] == [(2, "Reason")]
    assert Value.objects.get(region__code=ZONE, indicator__code="fai", period__code="2022-03").value == Decimal("57.7")
    assert not ValueRevision.objects.exists()

    result = services.import_values(actor=clerk, upload=_workbook(row), period="2022Q1", reason="年报核定")

    assert (result.updated, result.revised) == (1, 1)
    revision = ValueRevision.objects.get()
    assert (revision.old_value, revision.new_value, revision.reason, revision.revised_by, revision.revised_at) == (
        Decimal("57.7"),
        Decimal("57.9"),
        "年报核定",
        clerk,
        clock.now(),
    )


def test_a_region_outside_the_peer_set_has_no_rank_and_says_why(client, seeded, reader):
    client.force_login(reader)

    html = client.get(REPORT, {"region": "RD", "period": "2022Q1", "peer_set": "nt-urban"}).content.decode()
    body = client.get(API_REPORT, {"region": "RD", "period": "2022Q1", "peer_set": "nt-urban"}).json()

    assert _cell(html, "gdp", "rank") == "—"
    assert 'title="Not among the peers"' in html
    gdp = _items_of(body)["gdp"]
    assert (gdp["rank"], gdp["rank_of"], gdp["notes"]["rank"]) == (None, None, "Not among the peers")
