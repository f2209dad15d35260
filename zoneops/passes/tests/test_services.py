"""Applications, review, issuing, suspension, revocation, keys and scans (services, with their audit rows)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import Workbook

from zoneops.audit.models import AuditEvent
from zoneops.core.errors import Conflict, DomainError, InvalidTransition, OutOfScope, PermissionDenied
from zoneops.core.excel import ImportFailed
from zoneops.passes import cose, services
from zoneops.passes.models import ApplicationStatus, Pass, PassApplication, PassStatus, RevocationList, Scan, SigningKey
from zoneops.passes.tests.conftest import NOW, RIDER_ID, rider_values

CHECKED = {"identity": True, "station": True, "health": True}


def _actions(obj=None):
    qs = AuditEvent.objects.order_by("pk")
    if obj is not None:
        qs = qs.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk))
    return list(qs.values_list("action", flat=True))


def test_submit_stores_id_number_encrypted_and_audits(frozen, reviewer, station, rider_type):
    application = services.submit_application(actor=reviewer, values=rider_values(station))
    assert application.status == ApplicationStatus.SUBMITTED
    assert application.department.code == "SCJ"
    assert PassApplication.objects.get(pk=application.pk).id_number == RIDER_ID
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("select id_number from passes_passapplication where id=%s", [application.pk])
        assert RIDER_ID not in cursor.fetchone()[0]
    assert _actions(application) == ["passes.application_submitted"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"id_number": "320602199001011230"}, "id_number"),
        ({"pass_type": "freight", "plate": "ABC"}, "plate"),
        ({"scope_codes": ["G15-NT"]}, "scope_codes"),
        ({"scope_codes": ["NOPE"]}, "scope_codes"),
        ({"valid_days": 31}, "valid_days"),
        ({"documents": {}}, "documents"),
        ({"documents": {"health": {"name": "h.exe", "size_kb": 10}}}, "documents"),
        ({"documents": {"health": {"name": "h.pdf", "size_kb": 99999}}}, "documents"),
        ({"station": None}, "station"),
    ],
)
def test_bad_applications_name_the_field_and_write_nothing(
    frozen, reviewer, station, rider_type, freight_type, change, field
):
    with pytest.raises(DomainError) as caught:
        services.submit_application(actor=reviewer, values=rider_values(station, **change))
    assert field in caught.value.errors
    assert PassApplication.objects.count() == 0


def test_unknown_type_is_a_clear_error(frozen, reviewer, station, rider_type):
    with pytest.raises(DomainError) as caught:
        services.submit_application(actor=reviewer, values=rider_values(station, pass_type="tank"))
    assert caught.value.field == "pass_type"


def test_freight_negative_test_must_be_recent(frozen, reviewer, freight_type):
    values = {
        "pass_type": "freight",
        "holder_name": "陈师傅",
        "id_number": RIDER_ID,
        "plate": "苏F12345",
        "route": "G15南通出口→星辰",
        "scope_codes": ["G15-NT"],
        "valid_days": 7,
        "documents": {"negative_test": {"name": "t.pdf", "size_kb": 100, "taken_at": "2022-04-09T09:00:00"}},
    }
    with pytest.raises(DomainError) as caught:
        services.submit_application(actor=reviewer, values=values)
    assert (
        caught.value.errors["documents"] == ["48小时核酸阴性证明 must be from the last 48 hours."]
        or caught.value.field == "documents"
    )
    values["documents"]["negative_test"]["taken_at"] = "2022-04-11T10:00:00"
    assert services.submit_application(actor=reviewer, values=values).plate == "苏F12345"


def test_approve_requires_every_checklist_item(frozen, reviewer, station, scj_key):
    application = services.submit_application(actor=reviewer, values=rider_values(station))
    with pytest.raises(DomainError) as caught:
        services.approve_application(actor=reviewer, application=application, checklist={"identity": True})
    assert caught.value.field == "checklist"
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED
    assert Pass.objects.count() == 0


def test_approve_issues_a_signed_pass_that_verifies(issued, reviewer, checkpoints):
    assert issued.serial == "SCJ-R-2022-0001"
    assert issued.id_last4 == "123X"
    assert RIDER_ID not in issued.payload
    assert issued.valid_from.isoformat() == "2022-04-12T00:00:00+08:00"
    assert issued.valid_to.isoformat() == "2022-05-11T23:59:59+08:00"
    result = services.server_verify(issued.payload, checkpoints["ZYHY-N"], NOW)
    assert (result.valid, result.reason) == (True, "ok")
    claims = result.pass_info()
    assert claims["holder_name"] == "李嘉庆"
    assert claims["affiliation"] == "美团外卖竹行站"
    assert RIDER_ID not in str(claims)
    assert _actions(issued.application) == ["passes.application_submitted", "passes.application_approved"]
    assert _actions(issued) == ["passes.pass_issued"]


def test_serials_count_up_and_batch_approve_is_all_or_nothing(frozen, reviewer, station, scj_key, outsider):
    first = services.submit_application(actor=reviewer, values=rider_values(station))
    second = services.submit_application(actor=reviewer, values=rider_values(station, holder_name="王强"))
    with pytest.raises(OutOfScope):
        services.approve_applications(actor=outsider, ids=[first.pk, second.pk])
    passes = services.approve_applications(actor=reviewer, ids=[first.pk, second.pk])
    assert [p.serial for p in passes] == ["SCJ-R-2022-0001", "SCJ-R-2022-0002"]
    with pytest.raises(InvalidTransition):
        services.approve_applications(actor=reviewer, ids=[first.pk])
    assert Pass.objects.count() == 2


def test_reject_and_more_info(frozen, reviewer, station, rider_type):
    application = services.submit_application(actor=reviewer, values=rider_values(station))
    with pytest.raises(DomainError):
        services.reject_application(actor=reviewer, application=application, reason=" ")
    services.request_more_info(actor=reviewer, application=application, note="健康证照片模糊")
    assert application.status == ApplicationStatus.MORE_INFO
    services.reject_application(actor=reviewer, application=application, reason="非本区站点")
    application.refresh_from_db()
    assert (application.status, application.review_note) == (ApplicationStatus.REJECTED, "非本区站点")
    assert _actions(application)[-2:] == ["passes.application_more_info", "passes.application_rejected"]


def test_outsider_cannot_review(frozen, reviewer, outsider, station, rider_type):
    application = services.submit_application(actor=reviewer, values=rider_values(station))
    with pytest.raises(OutOfScope):
        services.reject_application(actor=outsider, application=application, reason="x")
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED


def test_suspend_and_resume_change_the_verdict(issued, reviewer, checkpoints, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.suspend_pass(actor=reviewer, pass_obj=issued, reason="站点停业整改")
    assert services.server_verify(issued.payload, checkpoints["ZYHY-N"], NOW).reason == "suspended"
    latest = RevocationList.objects.order_by("-version").first()
    assert latest.suspended == ["SCJ-R-2022-0001"]
    with django_capture_on_commit_callbacks(execute=True):
        services.resume_pass(actor=reviewer, pass_obj=issued)
    assert services.server_verify(issued.payload, checkpoints["ZYHY-N"], NOW).reason == "ok"
    assert RevocationList.objects.order_by("-version").first().suspended == []


def test_revocation_needs_a_second_person(
    issued, reviewer, second_reviewer, checkpoints, django_capture_on_commit_callbacks
):
    revocation = services.request_revocation(actor=reviewer, pass_obj=issued, reason="骑手离职")
    with pytest.raises(PermissionDenied):
        services.approve_revocation(actor=reviewer, revocation=revocation)
    issued.refresh_from_db()
    assert issued.status == PassStatus.VALID
    with django_capture_on_commit_callbacks(execute=True):
        services.approve_revocation(actor=second_reviewer, revocation=revocation)
    issued.refresh_from_db()
    assert issued.status == PassStatus.REVOKED
    assert services.server_verify(issued.payload, checkpoints["ZYHY-N"], NOW).reason == "revoked"
    assert RevocationList.objects.order_by("-version").first().revoked == ["SCJ-R-2022-0001"]
    with pytest.raises(Conflict):
        services.request_revocation(actor=reviewer, pass_obj=issued, reason="again")
    assert "passes.revocation_approved" in _actions(issued)


def test_rotation_keeps_old_passes_valid_and_withdrawal_kills_them(issued, reviewer, scj, checkpoints, key_dir):
    old_kid = issued.kid
    new = services.create_signing_key(actor=None, department=scj, allowed_types=["rider", "freight"])
    assert SigningKey.objects.get(kid=old_kid).retired_at is not None
    assert services.server_verify(issued.payload, checkpoints["ZYHY-N"], NOW).reason == "ok"
    application = services.submit_application(actor=reviewer, values=rider_values(issued.station, holder_name="王强"))
    newer = services.approve_application(actor=reviewer, application=application, checklist=CHECKED)
    assert newer.kid == new.kid
    services.withdraw_key(actor=None, kid=old_kid)
    assert not (key_dir / f"{old_kid}.pem").exists()
    assert services.server_verify(issued.payload, checkpoints["ZYHY-N"], NOW).reason == "unknown_key"
    assert services.server_verify(newer.payload, checkpoints["ZYHY-N"], NOW).reason == "ok"
    assert [k["kid"] for k in services.jwks()["keys"]] == [services.b64url(bytes.fromhex(new.kid))]


def test_verify_logs_scans_and_flags_a_pass_at_two_distant_checkpoints(issued, guard, checkpoints, time_machine):
    issued.scope_codes = ["ZX-GATES"]
    result, scan = services.verify_pass(actor=guard, payload=issued.payload, checkpoint="ZYHY-N", device="phone-1")
    assert (result.reason, scan.valid, scan.serial, scan.anomaly) == ("ok", True, "SCJ-R-2022-0001", False)
    time_machine.move_to(NOW + dt.timedelta(minutes=2), tick=False)
    _result, near = services.verify_pass(actor=guard, payload=issued.payload, checkpoint="ZYHY-S")
    assert near.anomaly is False  # 0.2 km away
    _result, far = services.verify_pass(actor=guard, payload=issued.payload, checkpoint="G15-NT")
    assert far.valid is False and far.reason == "out_of_scope"
    _result, bad = services.verify_pass(actor=guard, payload="ZP1:garbage", checkpoint="ZYHY-N")
    assert (bad.valid, bad.reason, bad.serial) == (False, "bad_format", "")
    assert Scan.objects.count() == 4


def test_anomaly_when_the_same_pass_is_green_far_away_within_minutes(
    frozen, reviewer, guard, freight_type, scj_key, time_machine
):
    values = {
        "pass_type": "freight",
        "holder_name": "陈师傅",
        "id_number": RIDER_ID,
        "plate": "苏F12345",
        "route": "G15→G40",
        "scope_codes": ["G15-NT", "G40-HM"],
        "valid_days": 7,
        "documents": {"negative_test": {"name": "t.pdf", "size_kb": 100, "taken_at": "2022-04-12T08:00:00"}},
    }
    application = services.submit_application(actor=reviewer, values=values)
    issued = services.approve_application(
        actor=reviewer, application=application, checklist={"identity": True, "route": True, "negative_test": True}
    )
    services.verify_pass(actor=guard, payload=issued.payload, checkpoint="G15-NT")
    time_machine.move_to(NOW + dt.timedelta(minutes=5), tick=False)
    _result, scan = services.verify_pass(actor=guard, payload=issued.payload, checkpoint="G40-HM")
    assert scan.anomaly is True
    assert scan.anomaly_note.startswith("G15-NT 01:30")


def test_verify_needs_the_scan_permission(issued, outsider):
    with pytest.raises(PermissionDenied):
        services.verify_pass(actor=outsider, payload=issued.payload, checkpoint="ZYHY-N")
    assert Scan.objects.count() == 0


def _workbook(rows):
    wb = Workbook()
    ws = wb.active
    ws.append(["姓名", "身份证号", "手机号", "车牌号", "路线", "通行范围", "生效日期", "有效天数"])
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    buffer.seek(0)
    buffer.name = "riders.xlsx"
    buffer.size = len(buffer.getvalue())
    return buffer


def test_bulk_import_all_or_nothing_with_row_errors(frozen, reviewer, station, rider_type):
    docs = {"health": {"name": "health.pdf", "size_kb": 100}}
    bad = _workbook(
        [
            ["李嘉庆", RIDER_ID, "13812345678", None, None, "ZX-GATES", "2022-04-12", 30],
            ["王强", "320602199001011230", "13812345679", None, None, "ZX-GATES", "2022-04-12", 30],
            ["赵六", RIDER_ID, "13812345670", None, None, "ZX-GATES", "2022-04-12", 30],
        ]
    )
    with pytest.raises(ImportFailed) as caught:
        services.import_applications(actor=reviewer, upload=bad, pass_type="rider", station=station, documents=docs)
    assert [(e.row, e.column) for e in caught.value.row_errors] == [(3, "身份证号"), (4, "身份证号")]
    assert PassApplication.objects.count() == 0
    good = _workbook([["李嘉庆", RIDER_ID, "13812345678", None, None, "ZX-GATES", "2022-04-12", 30]])
    result = services.import_applications(
        actor=reviewer, upload=good, pass_type="rider", station=station, documents=docs
    )
    assert result.created == 1
    assert PassApplication.objects.get().station == station
    assert _actions()[-1] == "passes.applications_imported"


def test_bulk_freight_rows_with_bad_plates_fail(frozen, reviewer, freight_type):
    docs = {"negative_test": {"name": "t.pdf", "size_kb": 100, "taken_at": "2022-04-12T08:00:00"}}
    bad = _workbook([["陈师傅", RIDER_ID, "", "沪", "G15→星辰", "G15-NT", "2022-04-12", 7]])
    with pytest.raises(ImportFailed) as caught:
        services.import_applications(actor=reviewer, upload=bad, pass_type="freight", documents=docs)
    assert [(e.row, e.column) for e in caught.value.row_errors] == [(2, "车牌号")]


def test_signed_lists_verify_with_the_root_key(issued):
    import base64

    import cbor2

    trust = services.signed_trust_list()
    root = cose.load_public_pem(SigningKey.objects.get(purpose="root").public_key_pem)
    raw = base64.urlsafe_b64decode(trust["signed"] + "==")
    message = cose.parse_sign1(raw)
    assert cose.check_signature(message, root)
    assert cbor2.loads(message.payload)["keys"][0]["pass_types"] == ["freight", "rider"]
    published = services.publish_revocation_list(actor=None)
    later = services.publish_revocation_list(actor=None)
    assert later.version == published.version + 1
    signed = cose.parse_sign1(base64.urlsafe_b64decode(later.signed + "=="))
    assert cose.check_signature(signed, root)
    assert cbor2.loads(signed.payload)[1] == later.version
