"""Economy services: upsert rule, revisions, publication lock, Excel import, indicator rules."""

from __future__ import annotations

import io
from decimal import Decimal as D

import pytest
from openpyxl import Workbook

from zoneops.audit.models import AuditEvent
from zoneops.core.errors import Conflict, DomainError, PermissionDenied
from zoneops.core.excel import ImportFailed
from zoneops.economy import services
from zoneops.economy.models import Indicator, Period, PeriodLock, Region, Value, ValueRevision, ValueStatus
from zoneops.economy.services import RowsInvalid, ValueInput

pytestmark = pytest.mark.django_db


def _input(row=1, **kw):
    data = {"region": "CC", "indicator": "gdp", "period": "2022-02", "value": "300.1", "growth_pct": "4.4"}
    data.update(kw)
    return ValueInput(row=row, **data)


def test_upsert_creates_drafts_and_records_one_audit_event(seeded, clerk):
    result = services.upsert_values(actor=clerk, rows=[_input(), _input(2, region="TZ")])

    assert (result.created, result.updated, result.revised) == (2, 0, 0)
    assert set(Value.objects.filter(period__code="2022-02").values_list("status", flat=True)) == {ValueStatus.DRAFT}
    event = AuditEvent.objects.get(action="economy.values_upserted")
    assert event.actor == clerk
    assert event.changes == {"created": 2, "updated": 0, "revised": 0}
    assert "CC/gdp/2022-02" in event.note


def test_upsert_replaces_the_whole_figure(seeded, clerk):
    services.upsert_values(actor=clerk, rows=[_input(prior_value="290")])

    services.upsert_values(actor=clerk, rows=[_input(value="301")])

    value = Value.objects.get(region__code="CC", period__code="2022-02", indicator__code="gdp")
    assert (value.value, value.growth_pct, value.prior_value) == (D("301"), D("4.4"), None)


def test_updating_needs_change_permission(seeded, clerk):
    services.upsert_values(actor=clerk, rows=[_input()])
    adder = clerk.__class__.objects.create(username="adder", is_staff=True)
    from zoneops.accounts.tests.factories import grant

    grant(adder, "economy.add_value")

    with pytest.raises(PermissionDenied):
        services.upsert_values(actor=adder, rows=[_input(value="1")])
    assert Value.objects.get(region__code="CC", period__code="2022-02").value == D("300.1")


def test_rows_invalid_lists_every_bad_row(seeded, clerk):
    with pytest.raises(RowsInvalid) as caught:
        services.upsert_values(actor=clerk, rows=[_input(region="??"), _input(2), _input(3, region="TZ", value="x")])

    assert [(p.row, p.field) for p in caught.value.problems] == [(1, "region"), (3, "value")]
    assert set(caught.value.errors) == {"rows.1.region", "rows.3.value"}
    assert not Period.objects.filter(code="2022-02").exists()


def test_share_numerator_above_denominator_across_rows(seeded, clerk):
    rows = [
        _input(1, indicator="fai", value="10", growth_pct=None),
        _input(2, indicator="industrial_investment", value="11", growth_pct=None),
    ]

    with pytest.raises(RowsInvalid) as caught:
        services.upsert_values(actor=clerk, rows=rows)

    assert [(p.row, p.field) for p in caught.value.problems] == [(2, "value")]


def test_publish_period_locks_the_city_and_its_regions(seeded, publisher):
    services.upsert_values(actor=publisher, rows=[_input(), _input(2, region="NT", value="2000")])
    city = Region.objects.get(code="NT")
    period = Period.objects.get(code="2022-02")

    lock = services.publish_period(actor=publisher, city=city, period=period)

    assert lock.published_by == publisher
    assert set(Value.objects.filter(period=period).values_list("status", flat=True)) == {ValueStatus.PUBLISHED}
    assert AuditEvent.objects.filter(action="economy.period_published", object_id=str(lock.pk)).exists()
    with pytest.raises(Conflict):
        services.publish_period(actor=publisher, city=city, period=period)


def test_publish_needs_the_permission_and_a_city(seeded, clerk, publisher):
    services.upsert_values(actor=clerk, rows=[_input()])
    period = Period.objects.get(code="2022-02")

    with pytest.raises(PermissionDenied):
        services.publish_period(actor=clerk, city=Region.objects.get(code="NT"), period=period)
    with pytest.raises(DomainError):
        services.publish_period(actor=publisher, city=Region.objects.get(code="CC"), period=period)
    assert not PeriodLock.objects.filter(period=period).exists()


def test_new_value_in_a_published_period_is_a_revision(seeded, clerk):
    with pytest.raises(RowsInvalid):
        services.upsert_values(actor=clerk, rows=[_input(period="2022Q1", region="CC", indicator="gdp", value="481")])

    result = services.upsert_values(
        actor=clerk, rows=[_input(period="2022Q1", region="CC", value="481", growth_pct="5.1")], reason="快报更正"
    )

    assert result.revised == 1
    revision = ValueRevision.objects.get()
    assert (revision.old_value, revision.new_value, revision.reason) == (D("480.2"), D("481"), "快报更正")


def test_revise_value_requires_a_reason(seeded, clerk):
    value = Value.objects.get(region__code="NTDZ", indicator__code="fdi", period__code="2022-03")

    with pytest.raises(DomainError) as caught:
        services.revise_value(
            actor=clerk, value=value, new_value=D("3.55"), growth_pct=D("164"), prior_value=None, reason=" "
        )
    assert caught.value.field == "reason"

    services.revise_value(
        actor=clerk, value=value, new_value=D("3.55"), growth_pct=D("164"), prior_value=value.prior_value, reason="年报"
    )
    value.refresh_from_db()
    assert (value.value, value.growth_pct, value.status) == (D("3.55"), D("164"), ValueStatus.PUBLISHED)
    assert value.revisions.get().reason == "年报"


def _workbook(rows, headers=("地区代码", "指标代码", "本期累计值", "同比增长%", "上年同期值", "单位")):
    wb = Workbook()
    ws = wb.active
    ws.append(list(headers))
    for row in rows:
        ws.append(list(row))
    buffer = io.BytesIO()
    wb.save(buffer)
    buffer.seek(0)
    buffer.name = "figures.xlsx"
    buffer.size = len(buffer.getvalue())
    return buffer


def test_import_a_period_table(seeded, clerk):
    upload = _workbook([("CC", "gdp", 300.1, 4.4, None, "亿元"), ("TZ", "fdi", "0.61", 3, 0.59, None)])

    result = services.import_values(actor=clerk, upload=upload, period="2022-02")

    assert (result.created, result.updated) == (2, 0)
    assert Value.objects.get(region__code="TZ", indicator__code="fdi", period__code="2022-02").value == D("0.61")
    assert AuditEvent.objects.filter(action="economy.values_imported").count() == 1


def test_import_lists_every_bad_row_and_imports_nothing(seeded, clerk):
    upload = _workbook(
        [("CC", "gdp", 300.1, 4.4, None, "亿元"), ("XX", "gdp", 1, 1, None, None), ("TZ", "gdp", -3, 1, None, "万元")]
    )

    with pytest.raises(ImportFailed) as caught:
        services.import_values(actor=clerk, upload=upload, period="2022-02")

    assert [(e.row, e.column) for e in caught.value.row_errors] == [(3, "地区代码"), (4, "单位"), (4, "本期累计值")]
    assert not Period.objects.filter(code="2022-02").exists()


def test_indicator_rules(seeded, admin_user, clerk):
    fai = Indicator.objects.get(code="fai")

    with pytest.raises(PermissionDenied):
        services.create_indicator(actor=clerk, code="a", name="A", unit="亿元")
    with pytest.raises(DomainError) as caught:
        services.update_indicator(actor=admin_user, indicator=fai, kind="rate")
    assert caught.value.field == "kind"
    with pytest.raises(DomainError) as caught:
        services.create_indicator(actor=admin_user, code="s", name="S", unit="亿元", kind="share")
    assert caught.value.field == "unit"
    assert Indicator.objects.get(code="fai").kind == "level"
