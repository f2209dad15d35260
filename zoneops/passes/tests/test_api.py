"""The passes API: verify, lists with filters, review, revoke/suspend, JWKS, trust list, revocations, checkpoints."""

from __future__ import annotations

import base64
import json

import pytest

from zoneops.passes.models import ApplicationStatus, PassStatus, Revocation, Scan
from zoneops.passes.tests.conftest import RIDER_ID, rider_values


def _post(client, url, body):
    return client.post(url, json.dumps(body), content_type="application/json", HTTP_ACCEPT_LANGUAGE="en")


def test_verify_ok_and_logged(client, issued, guard):
    client.force_login(guard)
    response = _post(client, "/api/v1/passes/verify", {"payload": issued.payload, "checkpoint": "ZYHY-N"})
    assert response.status_code == 200
    body = response.json()
    assert (body["valid"], body["reason"], body["amber"]) == (True, "ok", False)
    assert body["pass"]["serial"] == "SCJ-R-2022-0001"
    assert body["pass"]["id_last4"] == "123X"
    assert Scan.objects.get().checkpoint_code == "ZYHY-N"


@pytest.mark.parametrize(
    "payload", ["", "garbage", "ZP1:" + "A" * 100000, "ZP1:::::", "HC1:NCFOXN%TS3DH3ZSUZK+.V0ETD%65NL-AH"]
)
def test_verify_garbage_is_red_never_500(client, issued, guard, payload):
    client.force_login(guard)
    response = _post(client, "/api/v1/passes/verify", {"payload": payload, "checkpoint": "ZYHY-N"})
    assert response.status_code == 200
    assert (response.json()["valid"], response.json()["reason"]) == (False, "bad_format")


def test_verify_out_of_scope_and_unknown_checkpoint(client, issued, guard):
    client.force_login(guard)
    body = _post(client, "/api/v1/passes/verify", {"payload": issued.payload, "checkpoint": "G15-NT"}).json()
    assert (body["valid"], body["reason"]) == (False, "out_of_scope")
    response = _post(client, "/api/v1/passes/verify", {"payload": issued.payload, "checkpoint": "NOWHERE"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "checkpoint"


def test_verify_scope_matrix(client, issued, outsider):
    assert (
        _post(client, "/api/v1/passes/verify", {"payload": issued.payload, "checkpoint": "ZYHY-N"}).status_code == 401
    )
    client.force_login(outsider)
    assert (
        _post(client, "/api/v1/passes/verify", {"payload": issued.payload, "checkpoint": "ZYHY-N"}).status_code == 403
    )
    assert Scan.objects.count() == 0


def test_list_filters_and_detail_carry_serial_and_payload(client, issued, reviewer, time_machine):
    client.force_login(reviewer)
    body = client.get("/api/v1/passes", {"type": "rider", "status": "valid"}).json()
    assert body["count"] == 1
    assert body["items"][0]["serial"] == "SCJ-R-2022-0001"
    assert body["items"][0]["payload"] == issued.payload
    assert client.get("/api/v1/passes", {"status": "expired"}).json()["count"] == 0
    assert client.get("/api/v1/passes", {"type": "freight"}).json()["count"] == 0
    assert client.get("/api/v1/passes", {"issued_from": "2022-04-12", "issued_to": "2022-04-12"}).json()["count"] == 1
    assert client.get("/api/v1/passes", {"issued_from": "2022-04-13"}).json()["count"] == 0
    assert client.get("/api/v1/passes", {"status": "bogus"}).status_code == 400
    detail = client.get("/api/v1/passes/SCJ-R-2022-0001").json()
    assert detail["effective_status"] == "valid"
    import datetime as dt

    time_machine.move_to(dt.datetime(2022, 6, 1, tzinfo=dt.UTC), tick=False)
    client.force_login(reviewer)  # the idle session expired meanwhile
    assert client.get("/api/v1/passes", {"status": "expired"}).json()["count"] == 1


def test_pass_scope_matrix(client, issued, outsider, guard):
    assert client.get("/api/v1/passes/SCJ-R-2022-0001").status_code == 401
    client.force_login(guard)  # no view permission
    assert client.get("/api/v1/passes").json()["count"] == 0
    assert client.get("/api/v1/passes/SCJ-R-2022-0001").status_code == 404
    client.force_login(outsider)  # other department
    assert client.get("/api/v1/passes/SCJ-R-2022-0001").status_code == 404
    assert _post(client, "/api/v1/passes/SCJ-R-2022-0001/suspend", {"reason": "x"}).status_code == 404
    assert _post(client, "/api/v1/passes/SCJ-R-2022-0001/revoke", {"reason": "x"}).status_code == 404
    issued.refresh_from_db()
    assert issued.status == PassStatus.VALID
    assert Revocation.objects.count() == 0


def test_suspend_revoke_and_approve_by_another_person(
    client, issued, reviewer, second_reviewer, django_capture_on_commit_callbacks
):
    client.force_login(reviewer)
    assert _post(client, "/api/v1/passes/SCJ-R-2022-0001/suspend", {"reason": "整改"}).json()["status"] == "suspended"
    assert _post(client, "/api/v1/passes/SCJ-R-2022-0001/resume", {}).json()["status"] == "valid"
    response = _post(client, "/api/v1/passes/SCJ-R-2022-0001/revoke", {"reason": "离职"})
    assert response.status_code == 202
    revocation = response.json()["revocation"]
    assert _post(client, f"/api/v1/passes/revocations/{revocation}/approve", {}).status_code == 403
    client.force_login(second_reviewer)
    with django_capture_on_commit_callbacks(execute=True):  # the new list is published once the revocation commits
        assert _post(client, f"/api/v1/passes/revocations/{revocation}/approve", {}).json()["status"] == "revoked"
    public = client.get("/api/v1/passes/revocations").json()
    assert public["revoked"] == ["SCJ-R-2022-0001"]


def test_create_review_and_batch_approve(client, frozen, reviewer, station, scj_key):
    client.force_login(reviewer)
    values = rider_values(station)
    values["station"] = station.pk
    values["valid_from"] = "2022-04-12"
    response = _post(client, "/api/v1/passes/applications", values)
    assert response.status_code == 201, response.content
    first = response.json()["id"]
    assert response.json()["id_number_masked"] != RIDER_ID
    values["id_number"] = "320602199001011230"
    bad = _post(client, "/api/v1/passes/applications", values)
    assert bad.status_code == 400
    assert bad["Content-Type"] == "application/problem+json"
    assert bad.json()["errors"][0]["field"] == "id_number"
    values["id_number"] = RIDER_ID
    values["holder_name"] = "王强"
    second = _post(client, "/api/v1/passes/applications", values).json()["id"]
    incomplete = _post(client, f"/api/v1/passes/applications/{first}/approve", {"checklist": {"identity": True}})
    assert incomplete.status_code == 400
    body = _post(client, "/api/v1/passes/applications/approve", {"ids": [first, second]}).json()
    assert [p["serial"] for p in body["items"]] == ["SCJ-R-2022-0001", "SCJ-R-2022-0002"]
    assert client.get("/api/v1/passes/applications", {"status": "approved"}).json()["count"] == 2
    assert _post(client, f"/api/v1/passes/applications/{first}/reject", {"reason": "x"}).status_code == 409


def test_reject_out_of_scope_is_404_and_nothing_changes(client, frozen, reviewer, outsider, station, rider_type):
    from zoneops.passes import services

    application = services.submit_application(actor=reviewer, values=rider_values(station))
    client.force_login(outsider)
    assert _post(client, f"/api/v1/passes/applications/{application.pk}/reject", {"reason": "x"}).status_code == 404
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED


def test_types_need_sign_in(client, reviewer, rider_type):
    assert client.get("/api/v1/passes/types").status_code == 401
    client.force_login(reviewer)
    assert [t["code"] for t in client.get("/api/v1/passes/types").json()] == ["rider"]


def test_jwks_and_trust_list_are_public(client, scj_key):
    jwks = client.get("/api/v1/passes/jwks.json").json()
    (key,) = jwks["keys"]
    assert key["kty"] == "EC" and key["crv"] == "P-256" and key["alg"] == "ES256"
    assert base64.urlsafe_b64decode(key["kid"] + "=").hex() == scj_key.kid
    assert key["pass_types"] == ["freight", "rider"]
    trust = client.get("/api/v1/passes/trust-list").json()
    assert trust["keys"] == jwks["keys"]
    assert trust["root"]["kid"] != key["kid"]


def test_checkpoints_registry(client, checkpoints, guard, outsider):
    assert client.get("/api/v1/checkpoints").status_code == 401
    client.force_login(guard)
    body = client.get("/api/v1/checkpoints", {"kind": "highway_exit"}).json()
    assert [c["code"] for c in body["items"]] == ["G15-NT", "G40-HM"]
    assert client.get("/api/v1/checkpoints").json()["items"][2]["area"] == "ZX-GATES"


def test_openapi_documents_the_pass_endpoints(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    for path in (
        "/api/v1/passes/verify",
        "/api/v1/passes/jwks.json",
        "/api/v1/passes/trust-list",
        "/api/v1/passes/revocations",
        "/api/v1/checkpoints",
        "/api/v1/passes/applications",
    ):
        assert path in paths


def test_offline_scans_upload(client, issued, guard):
    client.force_login(guard)
    body = {
        "device": "phone-7",
        "scans": [
            {"payload": issued.payload, "checkpoint": "ZYHY-N", "at": "2022-04-12T09:00:00+08:00"},
            {"payload": "junk", "checkpoint": "ZYHY-S", "at": "2022-04-12T09:10:00+08:00"},
        ],
    }
    response = _post(client, "/api/v1/passes/scans", body)
    assert response.status_code == 201
    assert response.json() == {"logged": 2, "anomalies": 0}
    assert sorted(Scan.objects.values_list("source", "reason")) == [("offline", "bad_format"), ("offline", "ok")]


def test_holder_applies_for_self_and_downloads_the_template(client, frozen, reviewer, station, rider_type):
    client.force_login(reviewer)
    values = rider_values(station)
    values.update(station=station.pk, valid_from="2022-04-12", holder_is_me=True)
    assert _post(client, "/api/v1/passes/applications", values).status_code == 201
    from zoneops.passes.models import PassApplication

    assert PassApplication.objects.get().holder_user == reviewer
    template = client.get("/api/v1/passes/applications/template")
    assert template.status_code == 200
    assert template["Content-Type"].startswith("application/vnd.openxmlformats")


def test_bulk_upload_reports_row_errors_and_writes_nothing(client, frozen, reviewer, station, rider_type):
    import io

    from openpyxl import Workbook

    from zoneops.passes.models import PassApplication

    wb = Workbook()
    wb.active.append(["姓名", "身份证号", "手机号", "车牌号", "路线", "通行范围", "生效日期", "有效天数"])
    wb.active.append(["李嘉庆", "320602199001011230", "13812345678", None, None, "ZX-GATES", "2022-04-12", 30])
    buffer = io.BytesIO()
    wb.save(buffer)
    buffer.seek(0)
    buffer.name = "riders.xlsx"
    client.force_login(reviewer)
    response = client.post(
        "/api/v1/passes/applications/bulk",
        {"pass_type": "rider", "station": station.pk, "file": buffer},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "file"
    assert "Row 2" in response.json()["errors"][0]["message"]
    assert PassApplication.objects.count() == 0
    wb.active.delete_rows(2)
    wb.active.append(["李嘉庆", "32060219900101123X", "13812345678", None, None, "ZX-GATES", "2022-04-12", 30])
    buffer = io.BytesIO()
    wb.save(buffer)
    buffer.seek(0)
    buffer.name = "riders.xlsx"
    docs = json.dumps({"health": {"name": "health.pdf", "size_kb": 100}})
    response = client.post(
        "/api/v1/passes/applications/bulk",
        {"pass_type": "rider", "station": station.pk, "file": buffer, "documents": docs},
    )
    assert response.status_code == 201, response.content
    assert response.json() == {"created": 1}
    assert PassApplication.objects.get().station == station
