"""Economy pages: the report with its figures, links, charts and bulletin; drill-down; entry; import; publish."""

from __future__ import annotations

import json
import re

import pytest
from django.urls import reverse

from zoneops.audit.models import AuditEvent
from zoneops.economy.demo import ZONE
from zoneops.economy.models import Indicator, Period, PeriodLock, Value, ValueRevision
from zoneops.economy.tests.test_seed_figures import SEED
from zoneops.economy.tests.test_services import _workbook

pytestmark = pytest.mark.django_db

REPORT = reverse("economy:report")


def _cell(html: str, indicator: str, figure: str) -> str:
    row = re.search(rf'<tr data-indicator="{indicator}">(.*?)</tr>', html, re.S).group(1)
    cell = re.search(rf'data-figure="{figure}">(.*?)</td>', row, re.S).group(1)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", cell)).strip()


def test_report_page_shows_figures_bulletin_and_charts(client, seeded, reader):
    client.force_login(reader)

    response = client.get(REPORT, {"region": ZONE, "period": "2022Q1", "chart": "industrial_output"})

    assert response.status_code == 200
    html = response.content.decode()
    assert _cell(html, "industrial_output", "value") == "415.0"
    assert _cell(html, "industrial_output", "growth") == "25.3 / 25.3"
    assert _cell(html, "industrial_output", "gap") == "12.0"
    assert _cell(html, "industrial_output", "rank") == "1/8"
    assert _cell(html, "industrial_investment_share", "share-change") == "17.0 去年末"
    assert SEED in html
    ranking = json.loads(
        re.search(r'<script id="ranking-option" type="application/json">(.*?)</script>', html, re.S).group(1)
    )
    assert ranking["xAxis"][0]["data"][0] == "南通开发区"
    assert ranking["series"][0]["data"][0]["value"] == 415.0
    assert ranking["series"][1]["data"][0] == 25.3
    assert ranking["series"][1]["yAxisIndex"] == 1
    assert 'data-chart="trend-option"' in html and 'data-chart="yoy-option"' in html
    assert "<script>" not in html and 'style="' not in html
    points = reverse("economy:points", args=["industrial_output", "2022-03"]) + f"?region={ZONE}"
    assert points in html


def test_flag_when_official_and_computed_growth_differ(client, seeded, clerk):
    client.force_login(clerk)
    value = Value.objects.get(region__code=ZONE, indicator__code="fai", period__code="2022-03")
    value.growth_pct = "12.0"  # test setup: an inconsistent official rate
    value.save()

    html = client.get(REPORT, {"region": ZONE, "period": "2022Q1"}).content.decode()

    assert _cell(html, "fai", "growth").startswith("12.0 / 10.1 1.9")
    assert _cell(html, "industrial_output", "growth") == "25.3 / 25.3"


def test_drill_down_lists_the_values_behind_the_rank(client, seeded, reader):
    client.force_login(reader)

    response = client.get(reverse("economy:points", args=["industrial_output", "2022Q1"]), {"region": ZONE})

    html = response.content.decode()
    assert response.status_code == 200
    ranks = re.findall(r'<tr(?: class="zo-figure-row-self")? data-region="(\w+)"><td>(\d+)</td>', html)
    assert ranks[0] == (ZONE, "1") and len(ranks) == 8
    # the peers and the city for 2022-03, 2021-12 and 2021-03
    assert html.count("data-value=") == 27


def test_drill_down_of_a_share_shows_numerator_and_denominator(client, seeded, reader):
    client.force_login(reader)

    html = client.get(
        reverse("economy:points", args=["industrial_investment_share", "2022-03"]), {"region": ZONE}
    ).content.decode()

    assert "工业投资" in html and "固定资产投资" in html
    assert html.count("data-value=") == 54


def test_report_export_is_a_workbook_and_audited(client, seeded, reader):
    client.force_login(reader)

    response = client.get(reverse("economy:report-export"), {"region": ZONE, "period": "2022Q1"})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert AuditEvent.objects.filter(action="economy.report_exported", actor=reader).count() == 1


def test_entry_grid_saves_a_new_period(client, seeded, clerk):
    client.force_login(clerk)
    url = reverse("economy:entry") + "?region=CC&period=2022-02"

    page = client.get(url)
    response = client.post(url, {"gdp__value": "300.1", "gdp__growth_pct": "4.4", "reason": ""})

    assert page.status_code == 200 and b"data-entry-grid" in page.content
    assert response.status_code == 302
    value = Value.objects.get(region__code="CC", indicator__code="gdp", period__code="2022-02")
    assert str(value.value) == "300.1000"


def test_entry_grid_shows_errors_on_the_cell_and_writes_nothing(client, seeded, clerk):
    client.force_login(clerk)
    url = reverse("economy:entry") + "?region=CC&period=2022-02"

    response = client.post(url, {"gdp__value": "-1", "fdi__value": "1.2"})

    assert response.status_code == 200
    assert b"is-invalid" in response.content
    assert not Period.objects.filter(code="2022-02").exists()


def test_entry_in_a_published_period_needs_a_reason(client, seeded, clerk):
    client.force_login(clerk)
    url = reverse("economy:entry") + f"?region={ZONE}&period=2022Q1"
    page = client.get(url).content.decode()
    data = dict(re.findall(r'name="(\w+__\w+)" id="[^"]*" value="([^"]*)"', page))
    data["fai__value"] = "57.9"

    refused = client.post(url, data)
    revisions_after_refusal = ValueRevision.objects.count()
    accepted = client.post(url, {**data, "reason": "年报核定"})

    assert refused.status_code == 200 and revisions_after_refusal == 0
    assert b"is-invalid" in refused.content
    assert accepted.status_code == 302
    assert ValueRevision.objects.get().reason == "年报核定"


def test_import_page(client, seeded, clerk):
    client.force_login(clerk)
    template = client.get(reverse("economy:import-template"))
    bad = _workbook([("XX", "gdp", 1, 1, None, None)])
    good = _workbook([("CC", "gdp", 300.1, 4.4, None, "亿元")])

    refused = client.post(reverse("economy:import"), {"period": "2022-02", "file": bad})
    imported = client.post(reverse("economy:import"), {"period": "2022-02", "file": good})

    assert template.status_code == 200
    assert refused.status_code == 200 and b"data-row-errors" in refused.content
    assert imported.status_code == 302
    assert Value.objects.filter(period__code="2022-02").count() == 1


def test_publish_button(client, seeded, publisher):
    client.force_login(publisher)
    client.post(reverse("economy:entry") + "?region=CC&period=2022-02", {"gdp__value": "300.1"})

    page = client.get(REPORT, {"region": "CC", "period": "2022-02"})
    response = client.post(reverse("economy:publish"), {"region": "CC", "period": "2022-02"})

    assert b'action="/economy/publish/"' in page.content
    assert response.status_code == 302
    assert PeriodLock.objects.filter(period__code="2022-02", city__code="NT").exists()


def test_value_detail_revise(client, seeded, clerk):
    client.force_login(clerk)
    value = Value.objects.get(region__code=ZONE, indicator__code="fdi", period__code="2022-03")
    url = reverse("economy:value-detail", args=[value.pk])

    refused = client.post(url, {"value": "3.55", "growth_pct": "164", "reason": ""})
    revised = client.post(url, {"value": "3.55", "growth_pct": "164", "prior_value": "1.344", "reason": "年报"})

    assert refused.status_code == 200
    assert revised.status_code == 302
    assert value.revisions.get().reason == "年报"
    assert "年报" in client.get(url).content.decode()


def test_home_card_shows_the_bulletin(client, seeded, reader):
    client.force_login(reader)

    html = client.get("/").content.decode()

    assert 'data-card="economy-bulletin"' in html
    assert SEED in html


# --- access matrix ---------------------------------------------------------------------------------------------

READ_PAGES = [
    REPORT,
    reverse("economy:report-export") + f"?region={ZONE}&period=2022Q1",
    reverse("economy:points", args=["gdp", "2022-03"]),
    reverse("economy:revisions"),
    reverse("economy:indicators"),
]
WRITE_PAGES = [reverse("economy:entry"), reverse("economy:import"), reverse("economy:import-template")]


@pytest.mark.parametrize("url", READ_PAGES)
def test_read_pages_matrix(client, seeded, nobody, reader, url):
    anonymous = client.get(url)
    client.force_login(nobody)
    denied = client.get(url)
    client.force_login(reader)
    allowed = client.get(url)

    assert anonymous.status_code == 302 and "/accounts/login" in anonymous["Location"]
    assert denied.status_code == 404
    assert allowed.status_code == 200


@pytest.mark.parametrize("url", WRITE_PAGES)
def test_write_pages_matrix(client, seeded, reader, clerk, url):
    assert client.get(url).status_code == 302
    client.force_login(reader)
    assert client.get(url).status_code == 403
    client.force_login(clerk)
    assert client.get(url).status_code == 200


def test_refused_posts_change_nothing(client, seeded, reader, clerk):
    value = Value.objects.get(region__code=ZONE, indicator__code="fdi", period__code="2022-03")
    before = list(Value.objects.order_by("pk").values_list("pk", "value", "growth_pct", "status"))
    client.force_login(reader)

    entry = client.post(reverse("economy:entry") + "?region=CC&period=2022-02", {"gdp__value": "1"})
    revise = client.post(reverse("economy:value-detail", args=[value.pk]), {"value": "9", "reason": "x"})
    client.force_login(clerk)
    publish = client.post(reverse("economy:publish"), {"region": "CC", "period": "2022-03"})

    assert (entry.status_code, revise.status_code, publish.status_code) == (403, 403, 403)
    assert list(Value.objects.order_by("pk").values_list("pk", "value", "growth_pct", "status")) == before
    assert not ValueRevision.objects.exists()


def test_drill_down_prints_values_with_the_indicator_decimals(client, seeded, reader):
    client.force_login(reader)

    html = client.get(reverse("economy:points", args=["fdi", "2022-03"]), {"region": ZONE}).content.decode()

    assert ">3.52<" in html and ">1.34<" in html and ">162.0<" in html
    assert "3.5200" not in html


def test_report_export_cells(client, seeded, reader):
    import io

    from openpyxl import load_workbook

    client.force_login(reader)

    response = client.get(reverse("economy:report-export"), {"region": ZONE, "period": "2022Q1"})

    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet.cell(row=1, column=1).value == "南通开发区2022年一季度主要经济指标"
    rows = {r[0]: r for r in sheet.iter_rows(min_row=4, values_only=True) if r[0]}
    output = rows["规模以上工业产值"]
    assert output[1:8] == ("亿元", 415, 25.3, 25.3, 13.3, 12, "1/8")  # numbers, not text
    assert rows["工业投资占比"][8] == 17


def test_indicator_pages(client, seeded, admin_user, reader):
    client.force_login(reader)
    assert client.get(reverse("economy:indicator-create")).status_code == 403
    client.force_login(admin_user)
    data = {
        "code": "revenue",
        "name": "一般公共预算收入",
        "unit": "亿元",
        "decimals": "1",
        "kind": "level",
        "share_base": "year_end",
        "rank_by": "growth",
        "sort_order": "80",
        "bulletin_order": "0",
        "higher_is_better": "on",
        "is_active": "on",
    }

    created = client.post(reverse("economy:indicator-create"), data)
    edit_page = client.get(reverse("economy:indicator-edit", args=["revenue"]))
    bad = client.post(reverse("economy:indicator-edit", args=["revenue"]), {**data, "bulletin_template": "{oops}"})
    edited = client.post(
        reverse("economy:indicator-edit", args=["revenue"]), {**data, "name": "一般公共预算收入(全口径)"}
    )

    assert created.status_code == 302 and edit_page.status_code == 200
    assert bad.status_code == 200 and b"is-invalid" in bad.content
    assert edited.status_code == 302
    indicator = Indicator.objects.get(code="revenue")
    assert (indicator.name, indicator.decimals, indicator.sort_order) == ("一般公共预算收入(全口径)", 1, 80)


def test_revisions_hide_the_page_links_on_one_page_and_keep_the_region_across_pages(client, seeded, reader):
    client.force_login(reader)
    value = Value.objects.filter(region__code=ZONE).first()
    for n in range(12):
        ValueRevision.objects.create(
            value=value, old_value=n, new_value=n + 1, reason=f"r{n}", revised_at=value.entered_at
        )
    url = reverse("economy:revisions")

    one_page = client.get(url, {"region": ZONE}).content.decode()
    paged = client.get(url, {"region": ZONE, "page_size": 10}).content.decode()

    assert "12 records" in one_page and 'class="pagination' not in one_page
    assert f'href="?region={ZONE}&amp;page_size=10&page=2"' in paged
