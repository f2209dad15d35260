"""Registry API: /api/v1/checkpoints and /api/v1/passes/stations (with inspections), scope and permission."""

from __future__ import annotations

import json

import pytest

from zoneops.accounts.tests.factories import UserFactory
from zoneops.audit.models import AuditEvent
from zoneops.passes.models import Checkpoint, DeliveryStation, StationInspection


def _send(client, method, url, body):
    return getattr(client, method)(url, json.dumps(body), content_type="application/json")


def _problem(response, status, field=None):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    if field:
        assert field in [e["field"] for e in response.json()["errors"]]


NEW_GATE = {
    "code": "ZH-W",
    "name": "竹行社区西门",
    "kind": "compound_gate",
    "latitude": 32.0102,
    "longitude": "120.9255",
    "subdistrict": "ZX",
    "area": "ZX-GATES",
}


def test_create_read_and_patch_a_checkpoint(client, frozen, registrar, checkpoints):
    client.force_login(registrar)
    response = _send(client, "post", "/api/v1/checkpoints", NEW_GATE)
    assert response.status_code == 201, response.content
    assert response.json() == {
        "code": "ZH-W",
        "name": "竹行社区西门",
        "kind": "compound_gate",
        "location": "",
        "subdistrict": "竹行街道",
        "subdistrict_code": "ZX",
        "area": "ZX-GATES",
        "latitude": 32.0102,
        "longitude": 120.9255,
        "is_active": True,
    }
    assert client.get("/api/v1/checkpoints/zh-w").json()["name"] == "竹行社区西门"
    patched = _send(client, "patch", "/api/v1/checkpoints/ZH-W", {"name": "竹行社区西大门", "area": None})
    assert patched.status_code == 200, patched.content
    assert (patched.json()["name"], patched.json()["area"], patched.json()["kind"]) == (
        "竹行社区西大门",
        "",
        "compound_gate",
    )
    off = _send(client, "patch", "/api/v1/checkpoints/ZH-W", {"is_active": False})
    assert off.json()["is_active"] is False
    codes = [c["code"] for c in client.get("/api/v1/checkpoints").json()["items"]]
    assert "ZH-W" not in codes  # the registry lists active checkpoints, as before
    everything = client.get("/api/v1/checkpoints", {"include_inactive": True}).json()
    assert "ZH-W" in [c["code"] for c in everything["items"]]
    assert client.get("/api/v1/checkpoints/ZH-W").json()["is_active"] is False
    assert list(AuditEvent.objects.order_by("pk").values_list("action", flat=True)) == [
        "passes.checkpoint_created",
        "passes.checkpoint_updated",
        "passes.checkpoint_deactivated",
    ]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**NEW_GATE, "code": "ZYHY-N"}, "code"),
        ({**NEW_GATE, "code": "ZH W"}, "code"),
        ({**NEW_GATE, "latitude": 123}, "latitude"),
        ({**NEW_GATE, "latitude": "north"}, "latitude"),
        ({**NEW_GATE, "kind": "moon"}, "kind"),
        ({**NEW_GATE, "subdistrict": "KK"}, "subdistrict"),
        ({key: value for key, value in NEW_GATE.items() if key != "name"}, "name"),
    ],
)
def test_bad_checkpoint_is_problem_json_naming_the_field(client, registrar, checkpoints, kk, body, field):
    client.force_login(registrar)
    before = Checkpoint.objects.count()
    _problem(_send(client, "post", "/api/v1/checkpoints", body), 400, field)
    assert Checkpoint.objects.count() == before


def test_patch_cannot_change_the_code_or_set_unknown_fields(client, registrar, checkpoints):
    client.force_login(registrar)
    _problem(_send(client, "patch", "/api/v1/checkpoints/ZYHY-N", {"code": "ZYHY-X"}), 400, "code")
    _problem(_send(client, "patch", "/api/v1/checkpoints/ZYHY-N", {"longitude": 200}), 400, "longitude")
    assert Checkpoint.objects.get(code="ZYHY-N").longitude is not None
    assert not Checkpoint.objects.filter(code="ZYHY-X").exists()
    _problem(_send(client, "patch", "/api/v1/checkpoints/NOWHERE", {"name": "x"}), 404)


def test_checkpoint_scope_matrix(client, registrar, guard, checkpoints):
    """Anonymous 401, viewer may read but not write (403), nobody may not read; nothing changes."""
    assert client.get("/api/v1/checkpoints/ZYHY-N").status_code == 401
    assert _send(client, "post", "/api/v1/checkpoints", NEW_GATE).status_code == 401
    client.force_login(guard)  # view_checkpoint only
    assert client.get("/api/v1/checkpoints/ZYHY-N").status_code == 200
    _problem(_send(client, "post", "/api/v1/checkpoints", NEW_GATE), 403)
    _problem(_send(client, "patch", "/api/v1/checkpoints/ZYHY-N", {"name": "x", "is_active": False}), 403)
    client.force_login(UserFactory())
    _problem(client.get("/api/v1/checkpoints"), 403)
    _problem(client.get("/api/v1/checkpoints/ZYHY-N"), 403)
    gate = Checkpoint.objects.get(code="ZYHY-N")
    assert (gate.name, gate.is_active, Checkpoint.objects.count()) == ("竹韵花园北门", True, 4)
    assert not AuditEvent.objects.exists()


NEW_STATION = {
    "platform": "dada",
    "name": "达达快送开发区站",
    "manager_name": "施晓东",
    "manager_mobile": "13506291203",
}


def test_create_list_and_patch_stations(client, frozen, supervisor, station, issued):
    client.force_login(supervisor)
    response = _send(client, "post", "/api/v1/passes/stations", NEW_STATION)
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["manager_mobile_masked"] != "13506291203" and created["manager_mobile_masked"].endswith("1203")
    assert (created["passes_issued"], created["is_active"]) == (0, True)
    listed = client.get("/api/v1/passes/stations").json()
    assert [s["name"] for s in listed["items"]] == ["达达快送开发区站", "美团外卖竹行站"]
    meituan = listed["items"][1]
    assert (meituan["passes_issued"], meituan["passes_current"]) == (1, 1)
    patched = _send(client, "patch", f"/api/v1/passes/stations/{created['id']}", {"address": "星湖大道1号"})
    assert patched.json()["address"] == "星湖大道1号"
    off = _send(client, "patch", f"/api/v1/passes/stations/{created['id']}", {"is_active": False})
    assert off.json()["is_active"] is False
    assert client.get("/api/v1/passes/stations").json()["count"] == 1
    assert client.get("/api/v1/passes/stations", {"include_inactive": True}).json()["count"] == 2
    _problem(_send(client, "patch", f"/api/v1/passes/stations/{created['id']}", {"manager_mobile": "42"}), 400)
    _problem(_send(client, "post", "/api/v1/passes/stations", {**NEW_STATION, "platform": "x"}), 400, "platform")
    assert DeliveryStation.objects.count() == 2


def test_station_inspections(client, frozen, supervisor, station):
    client.force_login(supervisor)
    url = f"/api/v1/passes/stations/{station.pk}/inspections"
    body = {"inspected_on": "2022-04-12", "passed": True, "findings": "骑手健康码、核酸检测记录齐全。"}
    response = _send(client, "post", url, body)
    assert response.status_code == 201, response.content
    assert response.json()["inspector"] == "王瑞涛"
    _problem(_send(client, "post", url, {**body, "inspected_on": "2022-04-13"}), 400, "inspected_on")
    _problem(_send(client, "post", url, {**body, "findings": ""}), 400, "findings")
    _problem(_send(client, "post", url, {"inspected_on": "2022-04-12", "findings": "x"}), 400, "passed")
    listed = client.get(url).json()
    assert listed["count"] == 1 and listed["items"][0]["passed"] is True
    assert StationInspection.objects.count() == 1
    _problem(_send(client, "post", "/api/v1/passes/stations/999/inspections", body), 404)


def test_station_scope_matrix(client, frozen, supervisor, guard, station):
    """Anonymous 401; without the station permissions 403 (lists and writes) or 404 (details); nothing changes."""
    url = f"/api/v1/passes/stations/{station.pk}"
    assert client.get("/api/v1/passes/stations").status_code == 401
    client.force_login(guard)
    _problem(client.get("/api/v1/passes/stations"), 403)
    _problem(client.get(f"{url}/inspections"), 403)
    _problem(_send(client, "post", "/api/v1/passes/stations", NEW_STATION), 403)
    _problem(_send(client, "patch", url, {"is_active": False}), 403)
    body = {"inspected_on": "2022-04-12", "passed": True, "findings": "x"}
    _problem(_send(client, "post", f"{url}/inspections", body), 403)
    viewer = UserFactory()
    from zoneops.accounts.tests.factories import grant

    grant(viewer, "passes.view_deliverystation", "passes.add_stationinspection")
    client.force_login(viewer)
    assert client.get(url).status_code == 200
    _problem(_send(client, "patch", url, {"name": "x"}), 403)
    assert _send(client, "post", f"{url}/inspections", body).status_code == 201
    station.refresh_from_db()
    assert (station.name, station.is_active, DeliveryStation.objects.count()) == ("美团外卖竹行站", True, 1)


def test_openapi_documents_the_registry_endpoints(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert {"get", "post"} <= set(paths["/api/v1/checkpoints"])
    assert {"get", "patch"} <= set(paths["/api/v1/checkpoints/{code}"])
    assert {"get", "post"} <= set(paths["/api/v1/passes/stations"])
    assert "patch" in paths["/api/v1/passes/stations/{station_id}"]
    assert {"get", "post"} <= set(paths["/api/v1/passes/stations/{station_id}/inspections"])
    assert "get" in paths["/api/v1/passes/checkpoint-list"]
