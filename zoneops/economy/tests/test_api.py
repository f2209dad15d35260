"""The economy API: the report and bulletin of the seed, entering values, indicators, and the access matrix."""

from __future__ import annotations

import pytest

from zoneops.audit.models import AuditEvent
from zoneops.economy.demo import ZONE
from zoneops.economy.models import Indicator, Period, Value, ValueRevision
from zoneops.economy.tests.conftest import patch_json, post_json
from zoneops.economy.tests.test_seed_figures import SEED

pytestmark = pytest.mark.django_db

REPORT = "/api/v1/economy/report"
VALUES = "/api/v1/economy/values"


def _items(response):
    return {item["indicator"]: item for item in response.json()["items"]}


def test_report_prints_the_seed_figures(client, seeded, reader):
    client.force_login(reader)

    response = client.get(REPORT, {"region": ZONE, "period": "2022Q1"})

    assert response.status_code == 200
    body = response.json()
    assert (body["region"], body["period"], body["period_label"], body["published"]) == (
        ZONE,
        "2022-03",
        "一季度",
        True,
    )
    items = _items(response)
    output = items["industrial_output"]
    assert {
        k: output[k]
        for k in (
            "value",
            "unit",
            "growth_pct",
            "computed_growth_pct",
            "city_growth_pct",
            "gap_pp",
            "rank",
            "rank_of",
            "share_pct",
            "share_change_pp",
        )
    } == {
        "value": "415.0",
        "unit": "亿元",
        "growth_pct": "25.3",
        "computed_growth_pct": "25.3",
        "city_growth_pct": "13.3",
        "gap_pp": "12.0",
        "rank": 1,
        "rank_of": 8,
        "share_pct": None,
        "share_change_pp": None,
    }
    assert (output["target"], output["completion_pct"], output["elapsed_pct"]) == ("1800.0", "23.1", "25.0")
    assert (items["gdp"]["rank"], items["gdp"]["rank_of"], items["gdp"]["growth_pct"]) == (1, 8, "9.8")
    fdi = items["fdi"]
    assert (fdi["value"], fdi["unit"], fdi["growth_pct"], fdi["computed_growth_pct"], fdi["growth_flagged"]) == (
        "3.52",
        "亿美元",
        "162.0",
        "161.9",
        False,
    )
    fai = items["fai"]
    assert (fai["value"], fai["growth_pct"], fai["computed_growth_pct"]) == ("57.7", "10.1", "10.1")
    share = items["industrial_investment_share"]
    assert (share["share_pct"], share["share_change_pp"], share["share_base"], share["value"]) == (
        "42.6",
        "17.0",
        "去年末",
        "42.6",
    )
    rate = items["industrial_value_added"]
    assert (rate["value"], rate["growth_pct"], rate["computed_growth_pct"]) == (None, "18.2", None)
    assert rate["notes"]["computed_growth_pct"]


def test_report_accepts_the_month_code_of_a_quarter(client, seeded, reader):
    client.force_login(reader)

    by_quarter = client.get(REPORT, {"region": ZONE, "period": "2022Q1"}).json()
    by_month = client.get(REPORT, {"region": ZONE, "period": "2022-03"}).json()

    assert by_quarter == by_month


def test_report_of_a_period_without_prior_year_says_why(client, seeded, reader):
    client.force_login(reader)

    items = _items(client.get(REPORT, {"region": ZONE, "period": "2021-03"}))

    assert items["industrial_output"]["computed_growth_pct"] is None
    assert items["industrial_output"]["notes"]["computed_growth_pct"]
    assert items["industrial_output"]["gap_pp"] is None
    assert items["industrial_investment_share"]["share_change_pp"] is None
    assert items["industrial_investment_share"]["notes"]["share_change_pp"]


def test_bulletin_endpoint(client, seeded, reader):
    client.force_login(reader)

    response = client.get("/api/v1/economy/bulletin", {"region": ZONE, "period": "2022Q1"})

    assert response.status_code == 200
    assert response.json() == {"text": SEED, "omitted": []}


def test_report_unknown_region_or_period(client, seeded, reader):
    client.force_login(reader)

    assert client.get(REPORT, {"region": "XX", "period": "2022Q1"}).status_code == 404
    assert client.get(REPORT, {"region": ZONE, "period": "2020-03"}).status_code == 404
    bad = client.get(REPORT, {"region": ZONE, "period": "2022Q5"})
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["field"] == "period"


def test_regions_and_indicators(client, seeded, reader):
    client.force_login(reader)

    regions = client.get("/api/v1/economy/regions").json()
    indicators = client.get("/api/v1/economy/indicators").json()

    assert regions["count"] == 9
    assert {"code": "NTDZ", "name": "南通开发区", "kind": "zone", "parent": "NT", "sort_order": 10} in regions["items"]
    assert indicators["count"] == 7
    share = next(i for i in indicators["items"] if i["code"] == "industrial_investment_share")
    assert (share["kind"], share["numerator"], share["denominator"]) == ("share", "industrial_investment", "fai")


# --- entering values -------------------------------------------------------------------------------------------


def _row(**overrides):
    row = {
        "region": "CC",
        "indicator": "industrial_output",
        "period": "2022-02",
        "value": "170.2",
        "growth_pct": "9.5",
        "prior_value": "155.4",
    }
    row.update(overrides)
    return row


def test_post_values_creates_the_period_and_the_value(client, seeded, clerk):
    client.force_login(clerk)

    response = post_json(client, VALUES, [_row(), _row(region="TZ", value="301.0", growth_pct=None, prior_value=None)])

    assert response.status_code == 200, response.content
    assert response.json() == {"created": 2, "updated": 0, "unchanged": 0, "revised": 0}
    period = Period.objects.get(code="2022-02")
    assert (period.year, period.month_end, period.label) == (2022, 2, "1—2月")
    value = Value.objects.get(region__code="CC", indicator__code="industrial_output", period=period)
    assert (str(value.value), str(value.growth_pct), str(value.prior_value), value.entered_by) == (
        "170.2000",
        "9.50",
        "155.4000",
        clerk,
    )
    assert AuditEvent.objects.filter(action="economy.values_upserted", actor=clerk).count() == 1


def test_post_values_overwrites_a_draft_and_skips_unchanged_rows(client, seeded, clerk):
    client.force_login(clerk)
    post_json(client, VALUES, [_row(), _row(region="TZ")])

    response = post_json(client, VALUES, [_row(value="171.0"), _row(region="TZ")])

    assert response.json() == {"created": 0, "updated": 1, "unchanged": 1, "revised": 0}
    assert str(Value.objects.get(region__code="CC", period__code="2022-02").value) == "171.0000"
    assert not ValueRevision.objects.exists()


@pytest.mark.parametrize(
    ("row", "field"),
    [
        (_row(region="XX"), "rows.2.region"),
        (_row(indicator="nope"), "rows.2.indicator"),
        (_row(period="2022-13"), "rows.2.period"),
        (_row(period="2022Q5"), "rows.2.period"),
        (_row(period="2022-06"), "rows.2.period"),  # in the future on 2022-04-21
        (_row(unit="万元"), "rows.2.unit"),
        (_row(value="-1"), "rows.2.value"),
        (_row(prior_value="-5"), "rows.2.prior_value"),
        (_row(value=None, growth_pct=None), "rows.2.value"),
        (_row(growth_pct="-100"), "rows.2.growth_pct"),
        (_row(indicator="industrial_investment_share", value="40"), "rows.2.indicator"),
        (_row(indicator="industrial_value_added", value="12", growth_pct="5"), "rows.2.value"),
        (_row(indicator="industrial_investment", region="CC", period="2022-03", value="95"), "rows.2.value"),
        (_row(region="HM"), "rows.2.indicator"),  # the duplicate of row 1 below
    ],
)
def test_post_values_bad_row_names_row_and_field_and_writes_nothing(client, seeded, clerk, row, field):
    client.force_login(clerk)
    first = _row(region="HM")
    before = Value.objects.count(), Period.objects.count(), AuditEvent.objects.count()

    response = post_json(client, VALUES, [first, row])

    assert response.status_code == 400, response.content
    body = response.json()
    assert field in [e["field"] for e in body["errors"]]
    assert "2" in body["title"] and field.split(".")[-1] in body["title"]  # names the row and field
    assert (Value.objects.count(), Period.objects.count(), AuditEvent.objects.count()) == before


def test_share_above_100_for_an_entered_share(client, seeded, clerk, admin_user):
    admin_client = client
    admin_client.force_login(admin_user)
    post_json(
        admin_client,
        "/api/v1/economy/indicators",
        {"code": "hitech_share", "name": "高新技术产业产值占比", "unit": "%", "kind": "share"},
    )
    client.force_login(clerk)

    response = post_json(
        client, VALUES, [_row(indicator="hitech_share", value="100.5", growth_pct=None, prior_value=None)]
    )

    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "rows.1.value"
    assert not Value.objects.filter(indicator__code="hitech_share").exists()


def test_published_period_needs_a_reason_then_keeps_a_revision(client, seeded, clerk):
    client.force_login(clerk)
    row = {"region": ZONE, "indicator": "fai", "period": "2022Q1", "value": "57.9", "growth_pct": "10.4"}

    refused = post_json(client, VALUES, [row])
    accepted = post_json(client, VALUES, [{**row, "reason": "年报核定"}])

    assert refused.status_code == 400
    assert refused.json()["errors"][0]["field"] == "rows.1.reason"
    assert accepted.status_code == 200, accepted.content
    assert accepted.json()["revised"] == 1
    revision = ValueRevision.objects.get()
    assert (
        str(revision.old_value),
        str(revision.new_value),
        str(revision.old_growth_pct),
        str(revision.new_growth_pct),
        revision.reason,
        revision.revised_by,
    ) == ("57.7000", "57.9000", "10.10", "10.40", "年报核定", clerk)
    assert revision.old_prior_value is not None and revision.new_prior_value is None
    event = AuditEvent.objects.get(action="economy.value_revised")
    assert event.note == "年报核定"
    assert event.changes["value"] == ["57.7000", "57.9000"]


# --- indicators ------------------------------------------------------------------------------------------------


def test_admin_creates_and_updates_an_indicator(client, seeded, admin_user):
    client.force_login(admin_user)

    created = post_json(
        client,
        "/api/v1/economy/indicators",
        {
            "code": "revenue",
            "name": "一般公共预算收入",
            "unit": "亿元",
            "decimals": 2,
            "bulletin_template": "{name}{value}{unit},{growth_phrase}",
            "bulletin_order": 6,
        },
    )
    updated = patch_json(client, "/api/v1/economy/indicators/revenue", {"name": "一般公共预算收入(全口径)"})

    assert created.status_code == 201, created.content
    assert updated.status_code == 200
    assert Indicator.objects.get(code="revenue").name == "一般公共预算收入(全口径)"
    assert AuditEvent.objects.filter(action__in=["economy.indicator_created", "economy.indicator_updated"]).count() == 2


def test_indicator_validation(client, seeded, admin_user):
    client.force_login(admin_user)

    bad_template = post_json(
        client,
        "/api/v1/economy/indicators",
        {"code": "x", "name": "X", "unit": "亿元", "bulletin_template": "{nam}{value}"},
    )
    bad_share = post_json(
        client,
        "/api/v1/economy/indicators",
        {"code": "y", "name": "Y", "unit": "%", "kind": "share", "numerator": "fai"},
    )
    duplicate = post_json(client, "/api/v1/economy/indicators", {"code": "fai", "name": "Z", "unit": "亿元"})

    assert (bad_template.status_code, bad_template.json()["errors"][0]["field"]) == (400, "bulletin_template")
    assert (bad_share.status_code, bad_share.json()["errors"][0]["field"]) == (400, "denominator")
    assert duplicate.status_code == 409
    assert not Indicator.objects.filter(code__in=["x", "y"]).exists()


# --- access matrix ---------------------------------------------------------------------------------------------

READS = [
    "/api/v1/economy/regions",
    "/api/v1/economy/indicators",
    f"{REPORT}?region={ZONE}&period=2022Q1",
    f"/api/v1/economy/bulletin?region={ZONE}&period=2022Q1",
]


@pytest.mark.parametrize("url", READS)
def test_reads_anonymous_401_no_permission_404_reader_200(client, seeded, nobody, reader, url):
    assert client.get(url).status_code == 401
    client.force_login(nobody)
    assert client.get(url).status_code == 404
    client.force_login(reader)
    assert client.get(url).status_code == 200


@pytest.mark.parametrize("who", ["anonymous", "nobody", "reader"])
def test_post_values_refused_changes_nothing(client, seeded, request, who):
    if who != "anonymous":
        client.force_login(request.getfixturevalue(who))
    before = list(Value.objects.order_by("pk").values_list("pk", "value"))

    response = post_json(client, VALUES, [_row()])

    assert response.status_code == (401 if who == "anonymous" else 403)
    assert list(Value.objects.order_by("pk").values_list("pk", "value")) == before
    assert not Period.objects.filter(code="2022-02").exists()


@pytest.mark.parametrize("who", ["anonymous", "clerk"])
def test_indicator_writes_need_manage_indicator(client, seeded, request, who):
    if who != "anonymous":
        client.force_login(request.getfixturevalue(who))

    created = post_json(client, "/api/v1/economy/indicators", {"code": "z", "name": "Z", "unit": "亿元"})
    patched = patch_json(client, "/api/v1/economy/indicators/fai", {"name": "改名"})

    expected = 401 if who == "anonymous" else 403
    assert (created.status_code, patched.status_code) == (expected, expected)
    assert not Indicator.objects.filter(code="z").exists()
    assert Indicator.objects.get(code="fai").name == "固定资产投资"


def test_openapi_documents_the_economy_endpoints(client):
    schema = client.get("/api/v1/openapi.json").json()

    for path in (
        "/api/v1/economy/regions",
        "/api/v1/economy/indicators",
        "/api/v1/economy/values",
        "/api/v1/economy/report",
        "/api/v1/economy/bulletin",
    ):
        assert path in schema["paths"]


def test_report_query_count_does_not_grow_with_peers(client, seeded, reader):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from zoneops.economy.models import Region, RegionKind

    client.force_login(reader)
    client.get(REPORT, {"region": ZONE, "period": "2022Q1"})  # warm the session and permission caches

    def economy_queries():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(REPORT, {"region": ZONE, "period": "2022Q1"}).status_code == 200
        return sum(1 for q in ctx.captured_queries if "economy_" in q["sql"])

    before = economy_queries()
    city = Region.objects.get(code="NT")
    for n in range(5):
        Region.objects.create(code=f"X{n}", name=f"新区{n}", kind=RegionKind.DISTRICT, parent=city)
    after = economy_queries()

    assert before == after == 7


def test_change_of_growth_against_the_previous_cumulative_period(client, seeded, clerk):
    client.force_login(clerk)
    post_json(
        client,
        VALUES,
        [
            {
                "region": ZONE,
                "indicator": "industrial_output",
                "period": "2022-02",
                "value": "262.4",
                "growth_pct": "20.1",
            }
        ],
    )

    item = _items(client.get(REPORT, {"region": ZONE, "period": "2022Q1"}))["industrial_output"]

    assert item["growth_change_pp"] == "5.2"
    assert "growth_change_pp" not in item["notes"]


def test_share_change_against_the_same_period_last_year(client, seeded, admin_user):
    client.force_login(admin_user)
    patch_json(client, "/api/v1/economy/indicators/industrial_investment_share", {"share_base": "same_period"})

    item = _items(client.get(REPORT, {"region": ZONE, "period": "2022Q1"}))["industrial_investment_share"]

    # 2021Q1: 14.200 / 52.4 = 27.1%; 42.6 − 27.1 = 15.5 points
    assert (item["share_pct"], item["share_change_pp"], item["share_base"]) == ("42.6", "15.5", "上年同期")


def test_rank_within_a_named_peer_set_lists_missing_peers(client, seeded, reader):
    from zoneops.economy.models import PeerSet, Region

    peers = PeerSet.objects.create(code="national-zones", name="国家级开发区")
    peers.regions.set(Region.objects.filter(code__in=[ZONE, "RD", "HM"]))
    Value.objects.filter(region__code="HM", indicator__code="industrial_output", period__code="2022-03").delete()
    client.force_login(reader)

    body = client.get(REPORT, {"region": ZONE, "period": "2022Q1", "peer_set": "national-zones"}).json()
    bulletin = client.get(
        "/api/v1/economy/bulletin", {"region": ZONE, "period": "2022Q1", "peer_set": "national-zones"}
    ).json()
    unknown = client.get(REPORT, {"region": ZONE, "period": "2022Q1", "peer_set": "nope"})

    item = {i["indicator"]: i for i in body["items"]}["industrial_output"]
    assert (item["rank"], item["rank_of"], item["rank_missing"]) == (1, 2, ["HM"])
    assert "海门区" in item["notes"]["rank"]
    assert "列国家级开发区第一" in bulletin["text"]
    assert unknown.status_code == 404
