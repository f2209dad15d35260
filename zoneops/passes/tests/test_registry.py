"""Registry services: checkpoints, delivery stations, inspections (validation, audit, deactivation, permission)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from zoneops.audit.models import AuditEvent
from zoneops.core.errors import Conflict, DomainError, PermissionDenied
from zoneops.passes import registry, services
from zoneops.passes.models import Checkpoint, DeliveryStation, StationInspection
from zoneops.passes.tests.conftest import rider_values

GOOD_CHECKPOINT = {
    "code": "zh-w",
    "name": "竹行社区西门",
    "kind": "compound_gate",
    "location": "竹行街道竹行社区西门",
    "latitude": "32.0102004",
    "longitude": 120.9255,
    "subdistrict": "ZX",
    "area": "ZX-GATES",
}
GOOD_STATION = {
    "platform": "eleme",
    "name": "饿了么开发区星湖站",
    "manager_name": "顾建军",
    "manager_mobile": "13506291187",
    "address": "南通市经济技术开发区星湖大道",
}


def _actions(obj=None) -> list[str]:
    qs = AuditEvent.objects.order_by("pk")
    if obj is not None:
        qs = qs.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk))
    return list(qs.values_list("action", flat=True))


def _checkpoint_rows() -> list[tuple]:
    return list(Checkpoint.objects.order_by("code").values_list())


# --- checkpoints ----------------------------------------------------------------------------------


def test_create_checkpoint_cleans_the_values_and_audits(frozen, registrar, checkpoints):
    checkpoint = registry.create_checkpoint(actor=registrar, values=GOOD_CHECKPOINT)
    checkpoint = Checkpoint.objects.get(pk=checkpoint.pk)
    assert (checkpoint.code, checkpoint.kind, checkpoint.is_active) == ("ZH-W", "compound_gate", True)
    assert (checkpoint.latitude, checkpoint.longitude) == (Decimal("32.010200"), Decimal("120.925500"))
    assert (checkpoint.subdistrict.code, checkpoint.area.code) == ("ZX", "ZX-GATES")
    event = AuditEvent.objects.get(action="passes.checkpoint_created")
    assert event.object_repr == "ZH-W 竹行社区西门"
    assert event.changes["code"] == [None, "ZH-W"]
    assert event.actor == registrar


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"code": ""}, "code"),
        ({"code": "ZH W"}, "code"),
        ({"code": "ZH--W"}, "code"),
        ({"code": "-ZHW"}, "code"),
        ({"code": "竹行"}, "code"),
        ({"code": "A" * 31}, "code"),
        ({"code": "zyhy-n"}, "code"),  # taken (case does not matter)
        ({"code": "ZX-GATES"}, "code"),  # an area's code: a scope could not tell them apart
        ({"name": "  "}, "name"),
        ({"name": "门" * 101}, "name"),
        ({"kind": "moon_gate"}, "kind"),
        ({"latitude": "90.5"}, "latitude"),
        ({"latitude": "-91"}, "latitude"),
        ({"longitude": "180.01"}, "longitude"),
        ({"latitude": "north"}, "latitude"),
        ({"latitude": "NaN"}, "latitude"),
        ({"longitude": None}, "longitude"),  # latitude without longitude
        ({"subdistrict": "KK"}, "subdistrict"),  # a department, but not a subdistrict
        ({"subdistrict": "NOWHERE"}, "subdistrict"),
        ({"area": "NO-AREA"}, "area"),
        ({"location": "路" * 201}, "location"),
    ],
)
def test_bad_checkpoint_input_names_the_field_and_changes_nothing(frozen, registrar, checkpoints, kk, change, field):
    before = _checkpoint_rows()
    with pytest.raises(DomainError) as error:
        registry.create_checkpoint(actor=registrar, values={**GOOD_CHECKPOINT, **change})
    assert error.value.field == field
    assert field in error.value.errors
    assert _checkpoint_rows() == before
    assert _actions() == []


def test_every_bad_field_is_named_at_once(registrar, checkpoints):
    with pytest.raises(DomainError) as error:
        registry.create_checkpoint(actor=registrar, values={"code": "", "name": "", "kind": "x", "latitude": "100"})
    assert set(error.value.errors) == {"code", "name", "kind", "latitude"}


def test_update_changes_the_given_fields_with_a_diff(frozen, registrar, checkpoints):
    gate = Checkpoint.objects.get(code="ZYHY-N")
    registry.update_checkpoint(actor=registrar, checkpoint=gate, values={"name": "竹韵花园北大门", "area": ""})
    gate = Checkpoint.objects.get(code="ZYHY-N")
    assert (gate.name, gate.area, gate.kind) == ("竹韵花园北大门", None, "compound_gate")
    event = AuditEvent.objects.get(action="passes.checkpoint_updated")
    assert event.changes["name"] == ["竹韵花园北门", "竹韵花园北大门"]
    assert "kind" not in event.changes
    registry.update_checkpoint(actor=registrar, checkpoint=gate, values={"name": "竹韵花园北大门"})
    assert _actions(gate) == ["passes.checkpoint_updated"]  # nothing changed, nothing recorded


def test_update_refuses_a_new_code_or_half_coordinates_and_changes_nothing(registrar, checkpoints):
    gate = Checkpoint.objects.get(code="ZYHY-N")
    before = _checkpoint_rows()
    with pytest.raises(DomainError) as error:
        registry.update_checkpoint(actor=registrar, checkpoint=gate, values={"code": "ZYHY-X", "name": "新名"})
    assert error.value.field == "code"
    with pytest.raises(DomainError) as error:
        registry.update_checkpoint(actor=registrar, checkpoint=gate, values={"latitude": None})
    assert error.value.field == "latitude"
    with pytest.raises(DomainError) as error:
        registry.update_checkpoint(actor=registrar, checkpoint=gate, values={"is_active": "no"})
    assert error.value.field == "is_active"
    assert _checkpoint_rows() == before
    assert _actions() == []


def test_deactivate_and_reactivate_by_compare_and_set(frozen, registrar, checkpoints):
    gate = Checkpoint.objects.get(code="ZYHY-N")
    registry.deactivate_checkpoint(actor=registrar, checkpoint=gate, note="小区解封")
    assert Checkpoint.objects.get(code="ZYHY-N").is_active is False
    with pytest.raises(Conflict):
        registry.deactivate_checkpoint(actor=registrar, checkpoint=Checkpoint.objects.get(code="ZYHY-N"))
    registry.update_checkpoint(actor=registrar, checkpoint=gate, values={"is_active": True})
    assert Checkpoint.objects.get(code="ZYHY-N").is_active is True
    assert _actions(gate) == ["passes.checkpoint_deactivated", "passes.checkpoint_reactivated"]
    assert AuditEvent.objects.get(action="passes.checkpoint_deactivated").note == "小区解封"


def test_a_deactivated_checkpoint_leaves_the_verifier_and_new_scopes(frozen, registrar, reviewer, guard, issued):
    gate = Checkpoint.objects.get(code="ZYHY-N")
    registry.deactivate_checkpoint(actor=registrar, checkpoint=gate)
    assert "ZYHY-N" not in [c["code"] for c in services.checkpoint_list()]
    with pytest.raises(DomainError) as error:
        services.verify_pass(actor=guard, payload=issued.payload, checkpoint="ZYHY-N")
    assert error.value.field == "checkpoint"
    with pytest.raises(DomainError) as error:
        services.submit_application(
            actor=reviewer, values=rider_values(issued.station, holder_name="王强", scope_codes=["ZYHY-N"])
        )
    assert error.value.field == "scope_codes"
    assert gate.scans.count() == 0
    # A scan made offline before the deactivation still uploads (a refused batch would jam the device's queue).
    made = frozen - dt.timedelta(minutes=30)
    (scan,) = services.upload_offline_scans(
        actor=guard, scans=[{"payload": issued.payload, "checkpoint": "ZYHY-N", "at": made}]
    )
    assert (scan.checkpoint, scan.reason) == (gate, "ok")


def test_checkpoint_writes_need_their_permission_and_change_nothing(frozen, guard, registrar, checkpoints):
    before = _checkpoint_rows()
    with pytest.raises(PermissionDenied):
        registry.create_checkpoint(actor=guard, values=GOOD_CHECKPOINT)  # may view checkpoints, not add them
    gate = Checkpoint.objects.get(code="ZYHY-N")
    with pytest.raises(PermissionDenied):
        registry.update_checkpoint(actor=guard, checkpoint=gate, values={"name": "x"})
    with pytest.raises(PermissionDenied):
        registry.deactivate_checkpoint(actor=guard, checkpoint=gate)
    with pytest.raises(PermissionDenied):
        registry.create_checkpoint(actor=None, values=GOOD_CHECKPOINT)
    assert _checkpoint_rows() == before
    assert _actions() == []


# --- stations -------------------------------------------------------------------------------------


def test_create_station_audits_with_the_mobile_masked(frozen, supervisor):
    station = registry.create_station(actor=supervisor, values=GOOD_STATION)
    station = DeliveryStation.objects.get(pk=station.pk)
    assert (station.platform, station.manager_mobile, station.is_active) == ("eleme", "13506291187", True)
    event = AuditEvent.objects.get(action="passes.station_created")
    assert event.changes["name"] == [None, "饿了么开发区星湖站"]
    assert "13506291187" not in str(event.changes)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"platform": "ubereats"}, "platform"),
        ({"name": ""}, "name"),
        ({"name": "美团外卖竹行站"}, "name"),  # taken
        ({"manager_name": ""}, "manager_name"),
        ({"manager_mobile": ""}, "manager_mobile"),
        ({"manager_mobile": "0513-8888888"}, "manager_mobile"),
        ({"manager_mobile": "1350629118"}, "manager_mobile"),
        ({"address": "路" * 201}, "address"),
    ],
)
def test_bad_station_input_names_the_field_and_changes_nothing(frozen, supervisor, station, change, field):
    before = list(DeliveryStation.objects.values_list())
    with pytest.raises(DomainError) as error:
        registry.create_station(actor=supervisor, values={**GOOD_STATION, **change})
    assert error.value.field == field
    assert list(DeliveryStation.objects.values_list()) == before
    assert _actions() == []


def test_update_and_deactivate_a_station(frozen, supervisor, reviewer, station, rider_type):
    registry.update_station(actor=supervisor, station=station, values={"manager_name": "李嘉庆", "address": "竹行"})
    event = AuditEvent.objects.get(action="passes.station_updated")
    assert event.changes == {"manager_name": ["官鹏飞", "李嘉庆"], "address": ["", "竹行"]}
    with pytest.raises(DomainError) as error:
        registry.update_station(actor=supervisor, station=station, values={"manager_mobile": "123"})
    assert error.value.field == "manager_mobile"
    assert DeliveryStation.objects.get(pk=station.pk).manager_mobile == "13912345678"
    registry.update_station(actor=supervisor, station=station, values={"is_active": False})
    station.refresh_from_db()
    assert station.is_active is False
    with pytest.raises(DomainError) as error:  # a closed station takes no new applications
        services.submit_application(actor=reviewer, values=rider_values(station))
    assert error.value.field == "station"
    with pytest.raises(Conflict):
        registry.deactivate_station(actor=supervisor, station=station)
    registry.reactivate_station(actor=supervisor, station=station)
    assert _actions(station) == ["passes.station_updated", "passes.station_deactivated", "passes.station_reactivated"]


def test_station_writes_need_their_permission(frozen, reviewer, station):
    before = list(DeliveryStation.objects.values_list())
    with pytest.raises(PermissionDenied):
        registry.create_station(actor=reviewer, values=GOOD_STATION)
    with pytest.raises(PermissionDenied):
        registry.update_station(actor=reviewer, station=station, values={"name": "x"})
    with pytest.raises(PermissionDenied):
        registry.deactivate_station(actor=reviewer, station=station)
    assert list(DeliveryStation.objects.values_list()) == before


# --- inspections ----------------------------------------------------------------------------------


def test_record_an_inspection_by_the_actor(frozen, supervisor, station):
    inspection = registry.record_inspection(
        actor=supervisor,
        station=station,
        values={"inspected_on": "2022-04-12", "passed": False, "findings": "2名骑手核酸超48小时，责令整改。"},
    )
    inspection = StationInspection.objects.get(pk=inspection.pk)
    assert (inspection.inspected_on, inspection.passed, inspection.inspector) == (
        dt.date(2022, 4, 12),
        False,
        supervisor,
    )
    event = AuditEvent.objects.get(action="passes.inspection_recorded")
    assert event.changes["station"] == [None, station.pk]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"inspected_on": "2022-04-13"}, "inspected_on"),  # tomorrow
        ({"inspected_on": "2022-13-01"}, "inspected_on"),
        ({"inspected_on": ""}, "inspected_on"),
        ({"inspected_on": "1999-12-31"}, "inspected_on"),
        ({"passed": None}, "passed"),
        ({"passed": "yes"}, "passed"),
        ({"findings": " "}, "findings"),
        ({"findings": "查" * 2001}, "findings"),
    ],
)
def test_bad_inspection_input_names_the_field_and_changes_nothing(frozen, supervisor, station, change, field):
    values = {"inspected_on": dt.date(2022, 4, 12), "passed": True, "findings": "消杀台账完整。", **change}
    with pytest.raises(DomainError) as error:
        registry.record_inspection(actor=supervisor, station=station, values=values)
    assert error.value.field == field
    assert StationInspection.objects.count() == 0
    assert _actions() == []


def test_no_inspection_of_a_closed_station_or_without_permission(frozen, supervisor, reviewer, station):
    values = {"inspected_on": dt.date(2022, 4, 12), "passed": True, "findings": "消杀台账完整。"}
    with pytest.raises(PermissionDenied):
        registry.record_inspection(actor=reviewer, station=station, values=values)
    registry.deactivate_station(actor=supervisor, station=station)
    with pytest.raises(DomainError):
        registry.record_inspection(actor=supervisor, station=station, values=values)
    assert StationInspection.objects.count() == 0


def test_correct_an_inspection_with_a_diff(frozen, supervisor, station):
    values = {"inspected_on": dt.date(2022, 4, 6), "passed": False, "findings": "台账缺失。"}
    inspection = registry.record_inspection(actor=supervisor, station=station, values=values)
    registry.update_inspection(actor=supervisor, inspection=inspection, values={"passed": True, "findings": "已补齐。"})
    inspection.refresh_from_db()
    assert (inspection.passed, inspection.findings, inspection.inspected_on) == (True, "已补齐。", dt.date(2022, 4, 6))
    event = AuditEvent.objects.get(action="passes.inspection_updated")
    assert event.changes == {"passed": [False, True], "findings": ["台账缺失。", "已补齐。"]}
    with pytest.raises(DomainError):
        registry.update_inspection(actor=supervisor, inspection=inspection, values={"inspected_on": "2030-01-01"})
    assert StationInspection.objects.get().inspected_on == dt.date(2022, 4, 6)
