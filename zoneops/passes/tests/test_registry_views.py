"""Registry pages: checkpoint and station forms, the station page with passes, applications and inspections."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from zoneops.accounts.tests.factories import UserFactory, grant
from zoneops.passes import registry, services
from zoneops.passes.models import Checkpoint, DeliveryStation, StationInspection
from zoneops.passes.tests.conftest import rider_values
from zoneops.passes.tests.test_views import _no_inline

GATE_FORM = {
    "code": "zh-w",
    "name": "竹行社区西门",
    "kind": "compound_gate",
    "latitude": "32.0102",
    "longitude": "120.9255",
}


def test_checkpoint_list_offers_new_and_edit_to_the_registrar_only(client, registrar, guard, checkpoints):
    client.force_login(registrar)
    html = client.get("/passes/checkpoints/").content.decode()
    assert "/passes/checkpoints/new" in html and "/passes/checkpoints/ZYHY-N/edit" in html
    _no_inline(html)
    client.force_login(guard)
    html = client.get("/passes/checkpoints/").content.decode()
    assert "/passes/checkpoints/new" not in html and "/edit" not in html
    assert client.get("/passes/checkpoints/new").status_code == 403
    assert client.get("/passes/checkpoints/ZYHY-N/edit").status_code == 403
    assert client.post("/passes/checkpoints/ZYHY-N/active", {"action": "deactivate"}).status_code == 403
    assert Checkpoint.objects.get(code="ZYHY-N").is_active is True


def test_create_a_checkpoint_from_the_form(client, frozen, registrar, checkpoints, zx):
    client.force_login(registrar)
    page = client.get("/passes/checkpoints/new")
    assert page.status_code == 200
    _no_inline(page.content.decode())
    bad = client.post("/passes/checkpoints/new", {**GATE_FORM, "code": "ZYHY-N", "latitude": "95"})
    html = bad.content.decode()
    assert bad.status_code == 200
    assert 'data-error-for="code"' in html and 'data-error-for="latitude"' in html
    assert Checkpoint.objects.count() == 4
    response = client.post("/passes/checkpoints/new", {**GATE_FORM, "subdistrict": zx.pk})
    assert response.status_code == 302
    created = Checkpoint.objects.get(code="ZH-W")
    assert (created.subdistrict, created.area) == (zx, None)


def test_edit_keeps_the_code_and_deactivates(client, frozen, registrar, checkpoints):
    client.force_login(registrar)
    page = client.get("/passes/checkpoints/ZYHY-N/edit").content.decode()
    assert "disabled" in page and "竹韵花园北门" in page
    form = {
        "code": "HACKED",
        "name": "竹韵花园北大门",
        "kind": "compound_gate",
        "latitude": "32.01",
        "longitude": "120.9",
    }
    assert client.post("/passes/checkpoints/ZYHY-N/edit", form).status_code == 302
    assert Checkpoint.objects.get(code="ZYHY-N").name == "竹韵花园北大门"
    assert not Checkpoint.objects.filter(code="HACKED").exists()
    bad = client.post("/passes/checkpoints/ZYHY-N/edit", {**form, "latitude": ""})
    assert 'data-error-for="latitude"' in bad.content.decode()  # longitude without latitude
    assert Checkpoint.objects.get(code="ZYHY-N").latitude is not None
    client.post("/passes/checkpoints/ZYHY-N/active", {"action": "deactivate"})
    assert Checkpoint.objects.get(code="ZYHY-N").is_active is False
    assert "ZYHY-N" not in client.get("/passes/checkpoints/").content.decode()  # active ones by default
    assert "ZYHY-N" in client.get("/passes/checkpoints/", {"active": "inactive"}).content.decode()
    client.post("/passes/checkpoints/ZYHY-N/active", {"action": "reactivate"})
    assert Checkpoint.objects.get(code="ZYHY-N").is_active is True


def test_station_pages_create_edit_and_deactivate(client, frozen, supervisor, station):
    client.force_login(supervisor)
    html = client.get("/passes/stations/").content.decode()
    assert "/passes/stations/new" in html and f"/passes/stations/{station.pk}/" in html
    form = {"platform": "dada", "name": "达达快送开发区站", "manager_name": "施晓东", "manager_mobile": "1350629"}
    bad = client.post("/passes/stations/new", form)
    assert 'data-error-for="manager_mobile"' in bad.content.decode()
    assert DeliveryStation.objects.count() == 1
    response = client.post("/passes/stations/new", {**form, "manager_mobile": "13506291203"})
    created = DeliveryStation.objects.get(name="达达快送开发区站")
    assert response["Location"] == f"/passes/stations/{created.pk}/"
    edit = client.get(f"/passes/stations/{station.pk}/edit").content.decode()
    assert "13912345678" not in edit  # the number on file is never shown in clear
    _no_inline(edit)
    client.post(
        f"/passes/stations/{station.pk}/edit",
        {"platform": "meituan", "name": "美团外卖竹行站", "manager_name": "李嘉庆", "manager_mobile": ""},
    )
    station.refresh_from_db()
    assert (station.manager_name, station.manager_mobile) == ("李嘉庆", "13912345678")
    client.post(f"/passes/stations/{station.pk}/active", {"action": "deactivate"})
    station.refresh_from_db()
    assert station.is_active is False


def test_station_page_lists_passes_applications_and_inspections(client, frozen, supervisor, reviewer, issued):
    station = issued.station
    services.submit_application(actor=reviewer, values=rider_values(station, holder_name="王强"))
    registry.record_inspection(
        actor=supervisor,
        station=station,
        values={"inspected_on": dt.date(2022, 4, 6), "passed": True, "findings": "消杀台账完整。"},
    )
    grant(reviewer, "passes.view_deliverystation")
    client.force_login(reviewer)  # sees the passes and applications of their department, records no inspection
    html = client.get(f"/passes/stations/{station.pk}/").content.decode()
    assert "SCJ-R-2022-0001" in html and "王强" in html and "消杀台账完整。" in html
    assert "13912345678" not in html
    assert "data-inspection-form" not in html
    _no_inline(html)
    client.force_login(supervisor)  # records inspections, sees no passes
    html = client.get(f"/passes/stations/{station.pk}/").content.decode()
    assert "data-inspection-form" in html and "SCJ-R-2022-0001" not in html


def test_add_and_correct_an_inspection_from_the_station_page(client, frozen, supervisor, station):
    client.force_login(supervisor)
    url = f"/passes/stations/{station.pk}/inspections"
    future = client.post(url, {"inspected_on": "2022-04-13", "result": "passed", "findings": "ok"})
    assert future.status_code == 400
    assert 'data-error-for="inspected_on"' in future.content.decode()
    empty = client.post(url, {"inspected_on": "2022-04-12", "result": "rectify", "findings": ""})
    assert 'data-error-for="findings"' in empty.content.decode()
    assert StationInspection.objects.count() == 0
    response = client.post(url, {"inspected_on": "2022-04-12", "result": "rectify", "findings": "2名骑手核酸超48小时"})
    assert response.status_code == 302
    inspection = StationInspection.objects.get()
    assert (inspection.passed, inspection.inspector) == (False, supervisor)
    page = client.get(f"/passes/inspections/{inspection.pk}/edit")
    assert page.status_code == 200
    _no_inline(page.content.decode())
    client.post(
        f"/passes/inspections/{inspection.pk}/edit",
        {"inspected_on": "2022-04-12", "result": "passed", "findings": "复查：已整改。"},
    )
    inspection.refresh_from_db()
    assert (inspection.passed, inspection.findings) == (True, "复查：已整改。")


def test_registry_pages_scope_matrix(client, frozen, guard, station, checkpoints):
    """Without the permissions every registry page answers 403 and nothing changes; anonymous is sent to log in."""
    inspection = StationInspection.objects.create(
        station=station, inspected_on=dt.date(2022, 4, 6), passed=True, findings="x"
    )
    urls = [
        f"/passes/stations/{station.pk}/",
        "/passes/stations/new",
        f"/passes/stations/{station.pk}/edit",
        f"/passes/inspections/{inspection.pk}/edit",
        "/passes/checkpoints/new",
    ]
    for url in urls:
        assert client.get(url).status_code == 302  # to the login page
    client.force_login(guard)
    for url in urls:
        assert client.get(url).status_code == 403, url
    assert client.post(f"/passes/stations/{station.pk}/active", {"action": "deactivate"}).status_code == 403
    post = {"inspected_on": "2022-04-12", "result": "passed", "findings": "x"}
    assert client.post(f"/passes/stations/{station.pk}/inspections", post).status_code == 403
    viewer = UserFactory()
    grant(viewer, "passes.view_deliverystation", "passes.change_stationinspection")
    client.force_login(viewer)
    assert client.get("/passes/stations/999/").status_code == 404
    assert client.get("/passes/inspections/999/edit").status_code == 404
    station.refresh_from_db()
    assert station.is_active is True and StationInspection.objects.count() == 1


@pytest.mark.parametrize("url", ["/passes/stations/", "/passes/checkpoints/"])
def test_registry_lists_take_a_constant_number_of_queries(client, frozen, registrar, supervisor, checkpoints, url):
    grant(registrar, "passes.view_deliverystation")
    client.force_login(registrar)

    def add(start: int) -> None:
        for n in range(start, start + 3):
            station = DeliveryStation.objects.create(
                platform="other", name=f"站点{n}", manager_name="x", manager_mobile="13900000000"
            )
            StationInspection.objects.create(station=station, inspected_on=dt.date(2022, 4, 1), passed=True)
            Checkpoint.objects.create(code=f"CP-{n}", name=f"卡口{n}", kind="road")

    add(1)
    client.get(url)  # warm the per-process caches (content types, menu)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    add(4)
    with CaptureQueriesContext(connection) as more:
        assert client.get(url).status_code == 200
    assert len(more) == len(few)
