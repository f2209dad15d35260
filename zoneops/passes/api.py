"""Passes API: types, applications, passes, verification, keys (JWKS, trust list), revocations, registries."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import ConfigDict

from zoneops.core import clock
from zoneops.core.errors import DomainError, PermissionDenied
from zoneops.passes import registry, selectors, services
from zoneops.passes.models import (
    Checkpoint,
    DeliveryStation,
    Pass,
    PassApplication,
    PassStatus,
    PassType,
    StationInspection,
)
from zoneops.passes.permissions import (
    ADD_CHECKPOINT,
    ADD_STATION,
    MANAGE_CHECKPOINT,
    MANAGE_STATION,
    RECORD_INSPECTION,
    RECORD_SCAN,
    REVIEW_APPLICATION,
    SUBMIT_APPLICATION,
    VIEW_APPLICATION,
    VIEW_CHECKPOINT,
    VIEW_PASS,
    VIEW_STATION,
)

router = Router(tags=["passes"])
MAX_LIMIT = 500


class PassTypeOut(Schema):
    """A pass type with what an application must bring."""

    code: str
    name: str
    issuing_department: str
    required_qualifications: list[dict[str, Any]]
    max_validity_days: int
    grantable_scope: list[str]
    needs_plate: bool


class ApplicationIn(Schema):
    """A pass application."""

    pass_type: str
    holder_name: str
    id_number: str
    mobile: str = ""
    station: int | None = None
    plate: str = ""
    route: str = ""
    scope_codes: list[str]
    valid_from: dt.date | None = None
    valid_days: int | None = None
    documents: dict[str, Any] = {}
    holder_is_me: bool = False  # the signed-in user applies for their own pass (shown on their holder page)


class ApplicationOut(Schema):
    """An application (the ID number masked)."""

    id: int
    pass_type: str
    holder_name: str
    id_number_masked: str
    status: str
    scope_codes: list[str]
    valid_from: dt.date
    valid_days: int
    review_note: str
    serial: str | None


class ApplicationList(Schema):
    items: list[ApplicationOut]
    count: int


class ChecklistIn(Schema):
    """The ticked checklist of a single approval."""

    checklist: dict[str, bool] = {}


class BatchIn(Schema):
    ids: list[int]


class ReasonIn(Schema):
    reason: str


class PassOut(Schema):
    """An issued pass with its QR payload."""

    id: int
    serial: str
    type: str
    holder_name: str
    id_last4: str
    affiliation: str
    plate: str
    route: str
    scope_codes: list[str]
    valid_from: dt.datetime
    valid_to: dt.datetime
    status: str
    effective_status: str
    issuer: str
    kid: str
    issued_at: dt.datetime
    payload: str


class PassList(Schema):
    items: list[PassOut]
    count: int


class VerifyIn(Schema):
    payload: str
    checkpoint: str
    device: str = ""


class VerifyOut(Schema):
    valid: bool
    reason: str
    amber: bool
    scan_id: int
    anomaly: bool
    pass_: dict[str, Any] | None = Field(None, alias="pass")


class OfflineScanIn(Schema):
    payload: str
    checkpoint: str
    at: dt.datetime


class OfflineUploadIn(Schema):
    device: str = ""
    scans: list[OfflineScanIn]


class CheckpointOut(Schema):
    """A checkpoint of the registry."""

    code: str
    name: str
    kind: str
    location: str
    subdistrict: str = Field(description="subdistrict name")
    subdistrict_code: str
    area: str = Field(description="area code")
    latitude: float | None
    longitude: float | None
    is_active: bool


class CheckpointList(Schema):
    items: list[CheckpointOut]
    count: int


class CheckpointIn(Schema):
    """A new checkpoint; the code is fixed once created (passes carry it in their scope)."""

    code: str = Field(description="capital letters and digits joined by hyphens, e.g. ZYHY-N")
    name: str
    kind: str = Field(description="highway_exit, compound_gate, road, enterprise_gate or hospital")
    location: str = ""
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    subdistrict: str = Field("", description="department code of a subdistrict, e.g. ZX")
    area: str = Field("", description="area code, e.g. ZX-GATES")


class CheckpointPatch(Schema):
    """The fields to change; `is_active: false` deactivates the checkpoint (it is never deleted)."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = None
    kind: str | None = None
    location: str | None = None
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    subdistrict: str | None = None
    area: str | None = None
    is_active: bool | None = None


class StationOut(Schema):
    """A delivery station with its pass counts (the manager's mobile masked)."""

    id: int
    platform: str
    name: str
    manager_name: str
    manager_mobile_masked: str
    address: str
    is_active: bool
    passes_issued: int
    passes_current: int


class StationList(Schema):
    items: list[StationOut]
    count: int


class StationIn(Schema):
    """A new delivery station."""

    platform: str = Field(description="meituan, eleme, dada or other")
    name: str
    manager_name: str
    manager_mobile: str
    address: str = ""


class StationPatch(Schema):
    """The fields to change; `is_active: false` deactivates the station (its passes and records stay)."""

    model_config = ConfigDict(extra="forbid")

    platform: str | None = None
    name: str | None = None
    manager_name: str | None = None
    manager_mobile: str | None = None
    address: str | None = None
    is_active: bool | None = None


class InspectionIn(Schema):
    """A supervision visit: its date (not in the future), the result and the findings."""

    inspected_on: dt.date
    passed: bool = Field(description="true: passed; false: to rectify")
    findings: str


class InspectionOut(Schema):
    id: int
    station: int
    inspected_on: dt.date
    passed: bool
    findings: str
    inspector: str


class InspectionList(Schema):
    items: list[InspectionOut]
    count: int


def _application_out(application: PassApplication) -> dict[str, Any]:
    issued = getattr(application, "issued_pass", None) if hasattr(application, "issued_pass") else None
    return {
        "id": application.pk,
        "pass_type": application.pass_type.code,
        "holder_name": application.holder_name,
        "id_number_masked": PassApplication._meta.get_field("id_number").masked(application.id_number),
        "status": application.status,
        "scope_codes": application.scope_codes,
        "valid_from": application.valid_from,
        "valid_days": application.valid_days,
        "review_note": application.review_note,
        "serial": issued.serial if issued else None,
    }


def effective_status(pass_obj: Pass, now: dt.datetime | None = None) -> str:
    """valid / suspended / revoked, or expired once valid_to has passed."""
    now = now or clock.now()
    if pass_obj.status == PassStatus.VALID and pass_obj.valid_to < now:
        return "expired"
    return pass_obj.status


def pass_out(pass_obj: Pass) -> dict[str, Any]:
    """API view of a pass."""
    return {
        "id": pass_obj.pk,
        "serial": pass_obj.serial,
        "type": pass_obj.pass_type.code,
        "holder_name": pass_obj.holder_name,
        "id_last4": pass_obj.id_last4,
        "affiliation": pass_obj.affiliation,
        "plate": pass_obj.plate,
        "route": pass_obj.route,
        "scope_codes": pass_obj.scope_codes,
        "valid_from": pass_obj.valid_from,
        "valid_to": pass_obj.valid_to,
        "status": pass_obj.status,
        "effective_status": effective_status(pass_obj),
        "issuer": pass_obj.department.code,
        "kid": pass_obj.kid,
        "issued_at": pass_obj.issued_at,
        "payload": pass_obj.payload,
    }


@router.get("/passes/types", response=list[PassTypeOut])
def list_types(request):
    """The active pass types."""
    return [
        {
            "code": t.code,
            "name": t.name,
            "issuing_department": t.issuing_department.code,
            "required_qualifications": t.required_qualifications,
            "max_validity_days": t.max_validity_days,
            "grantable_scope": t.grantable_scope,
            "needs_plate": t.needs_plate,
        }
        for t in PassType.objects.filter(is_active=True).select_related("issuing_department")
    ]


@router.get("/passes/applications", response=ApplicationList)
def list_applications(request, status: str = "", limit: int = 50, offset: int = 0):
    """Applications in the caller's scope (the issuing department's queue, or the caller's own)."""
    qs = PassApplication.objects.visible_to(request.auth, VIEW_APPLICATION).select_related("pass_type", "issued_pass")
    if status:
        qs = qs.filter(status=status)
    limit = max(1, min(limit, MAX_LIMIT))
    return {"items": [_application_out(a) for a in qs[offset : offset + limit]], "count": qs.count()}


@router.post("/passes/applications", response={201: ApplicationOut})
def create_application(request, body: ApplicationIn):
    """Apply for a pass."""
    values = body.dict()
    holder = request.auth if values.pop("holder_is_me") else None
    application = services.submit_application(actor=request.auth, values=values, holder_user=holder)
    return Status(201, _application_out(application))


@router.get("/passes/applications/template")
def bulk_template(request):
    """The Excel template of a bulk application (one row per holder)."""
    from zoneops.core.excel import template_workbook, xlsx_response

    if not request.auth.has_perm(SUBMIT_APPLICATION):
        raise PermissionDenied(_("You do not have permission to do this."))
    workbook = template_workbook(
        title="通行证批量申请",
        columns=services.IMPORT_COLUMNS,
        example=["李嘉庆", "32060219900101123X", "13812345678", "", "", "ZX-GATES", "2022-04-12", 30],
    )
    return xlsx_response(workbook, "pass-applications.xlsx")


@router.post("/passes/applications/bulk", response={201: dict[str, int]})
def bulk_applications(
    request,
    pass_type: Form[str],
    file: File[UploadedFile],
    station: Form[int | None] = None,
    documents: Form[str] = "{}",
):
    """Excel import of applications (all rows or none; 400 lists each bad row).

    `documents` is a JSON object of the attachments the batch comes with (e.g. the station's list of
    negative tests), checked against the pass type's required documents for every row.
    """
    import json

    try:
        attached = json.loads(documents or "{}")
    except ValueError:
        raise DomainError(_("Documents must be a JSON object."), field="documents") from None
    if not isinstance(attached, dict):
        raise DomainError(_("Documents must be a JSON object."), field="documents")
    station_obj = get_object_or_404(DeliveryStation, pk=station) if station else None
    result = services.import_applications(
        actor=request.auth, upload=file, pass_type=pass_type, station=station_obj, documents=attached
    )
    return Status(201, {"created": result.created})


def _application_or_404(request, pk: int) -> PassApplication:
    return get_object_or_404(
        PassApplication.objects.visible_to(request.auth, REVIEW_APPLICATION).select_related("pass_type"), pk=pk
    )


@router.post("/passes/applications/{pk}/approve", response=PassOut)
def approve(request, pk: int, body: ChecklistIn):
    """Approve with the checklist ticked; returns the issued pass."""
    issued = services.approve_application(
        actor=request.auth, application=_application_or_404(request, pk), checklist=body.checklist
    )
    return pass_out(issued)


@router.post("/passes/applications/approve", response=PassList)
def batch_approve(request, body: BatchIn):
    """Batch approval: every listed application or none."""
    issued = services.approve_applications(actor=request.auth, ids=body.ids)
    return {"items": [pass_out(p) for p in issued], "count": len(issued)}


@router.post("/passes/applications/{pk}/reject", response=ApplicationOut)
def reject(request, pk: int, body: ReasonIn):
    """Reject with a reason."""
    return _application_out(
        services.reject_application(
            actor=request.auth, application=_application_or_404(request, pk), reason=body.reason
        )
    )


@router.post("/passes/applications/{pk}/more-info", response=ApplicationOut)
def more_info(request, pk: int, body: ReasonIn):
    """Ask the applicant for more."""
    return _application_out(
        services.request_more_info(actor=request.auth, application=_application_or_404(request, pk), note=body.reason)
    )


@router.get("/passes/jwks.json", auth=None)
def get_jwks(request):
    """Public pass keys (RFC 7517); `kid` is base64url of the 8-byte key id; `pass_types` the types it may sign."""
    return services.jwks()


@router.get("/passes/trust-list", auth=None)
def get_trust_list(request):
    """The JWKS signed by the zone root key (COSE_Sign1 over the CBOR of the JWKS, base64url)."""
    return services.signed_trust_list()


class ListNotPublished(DomainError):
    """No revocation list has been published yet (the hourly refresh publishes the first one)."""

    status = 503
    code = "revocation_list_unavailable"


@router.get("/passes/checkpoint-list")
def get_checkpoint_list(request):
    """The active checkpoints signed by the zone root key, for offline verifiers.

    `signed` = base64url(COSE_Sign1 by the root key over CBOR `{"checkpoints": [{"code", "name", "areas"}],
    "issued_at": unix}`); `items` repeats the content for reading, verifiers use only the signed one.
    """
    if not (request.auth.has_perm(VIEW_CHECKPOINT) or request.auth.has_perm(RECORD_SCAN)):
        raise PermissionDenied(_("You do not have permission to do this."))
    return services.signed_checkpoint_list()


@router.get(
    "/passes/revocations",
    auth=None,
    openapi_extra={"responses": {503: {"description": "No list published yet (problem+json)"}}},
)
def get_revocations(request):
    """The newest signed, versioned revocation list; verifiers refuse a version older than theirs.

    Read-only: lists are published when a pass is revoked, suspended or resumed, and re-signed by the hourly
    refresh task so they stay fresh; before the first one exists the answer is 503 problem+json.
    """
    latest = services.latest_revocation_list()
    if latest is None:
        raise ListNotPublished(_("No revocation list has been published yet; try again in a few minutes."))
    return {
        "version": latest.version,
        "issued_at": latest.issued_at,
        "revoked": latest.revoked,
        "suspended": latest.suspended,
        "signed": latest.signed,
    }


def _station_out(station: DeliveryStation) -> dict[str, Any]:
    return {
        "id": station.pk,
        "platform": station.platform,
        "name": station.name,
        "manager_name": station.manager_name,
        "manager_mobile_masked": DeliveryStation._meta.get_field("manager_mobile").masked(station.manager_mobile),
        "address": station.address,
        "is_active": station.is_active,
        "passes_issued": getattr(station, "passes_issued", 0),
        "passes_current": getattr(station, "passes_current", 0),
    }


def _inspection_out(inspection: StationInspection) -> dict[str, Any]:
    return {
        "id": inspection.pk,
        "station": inspection.station_id,
        "inspected_on": inspection.inspected_on,
        "passed": inspection.passed,
        "findings": inspection.findings,
        "inspector": inspection.inspector.display_name if inspection.inspector else "",
    }


@router.get("/passes/stations", response=StationList)
def list_stations(
    request, platform: str = "", q: str = "", include_inactive: bool = False, limit: int = 50, offset: int = 0
):
    """Delivery stations with their pass counts (active ones; `include_inactive` adds the closed ones)."""
    _require_perm(request.auth, VIEW_STATION)
    qs = selectors.visible_stations(request.auth)
    if not include_inactive:
        qs = qs.filter(is_active=True)
    if platform:
        qs = qs.filter(platform=platform)
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(manager_name__icontains=q))
    qs = qs.order_by("platform", "name")
    limit = max(1, min(limit, MAX_LIMIT))
    return {"items": [_station_out(s) for s in qs[offset : offset + limit]], "count": qs.count()}


@router.post("/passes/stations", response={201: StationOut})
def create_station(request, payload: StationIn):
    """Register a delivery station (passes.add_deliverystation)."""
    _require_perm(request.auth, ADD_STATION)
    return Status(201, _station_out(registry.create_station(actor=request.auth, values=payload.dict())))


@router.get("/passes/stations/{int:station_id}", response=StationOut)
def station_detail(request, station_id: int):
    """One delivery station."""
    _require_perm(request.auth, VIEW_STATION)
    return _station_out(selectors.station_for_user_or_404(request.auth, station_id))


@router.patch("/passes/stations/{int:station_id}", response=StationOut)
def update_station(request, station_id: int, payload: StationPatch):
    """Change the fields given (passes.change_deliverystation); `is_active: false` deactivates it."""
    _require_perm(request.auth, MANAGE_STATION)
    station = selectors.station_for_user_or_404(request.auth, station_id, MANAGE_STATION)
    given = {k: v for k, v in payload.dict(exclude_unset=True).items() if v is not None or k == "address"}
    registry.update_station(actor=request.auth, station=station, values=given)
    return _station_out(selectors.station_for_user_or_404(request.auth, station_id, MANAGE_STATION))


@router.get("/passes/stations/{int:station_id}/inspections", response=InspectionList)
def list_inspections(request, station_id: int):
    """The station's inspections, newest first."""
    _require_perm(request.auth, VIEW_STATION)
    station = selectors.station_for_user_or_404(request.auth, station_id)
    items = [_inspection_out(i) for i in selectors.station_inspections(request.auth, station)]
    return {"items": items, "count": len(items)}


@router.post("/passes/stations/{int:station_id}/inspections", response={201: InspectionOut})
def create_inspection(request, station_id: int, payload: InspectionIn):
    """Record an inspection of the station (passes.add_stationinspection); the caller is the inspector."""
    _require_perm(request.auth, RECORD_INSPECTION)
    station = selectors.station_for_user_or_404(request.auth, station_id)
    inspection = registry.record_inspection(actor=request.auth, station=station, values=payload.dict())
    return Status(201, _inspection_out(inspection))


@router.post("/passes/verify", response=VerifyOut, by_alias=True)
def verify(request, body: VerifyIn):
    """Verify a scanned QR at a checkpoint (the same checks as the offline verifier); the scan is logged."""
    result, scan = services.verify_pass(
        actor=request.auth, payload=body.payload, checkpoint=body.checkpoint, device=body.device
    )
    return {
        "valid": result.valid,
        "reason": result.reason,
        "amber": result.amber,
        "scan_id": scan.pk,
        "anomaly": scan.anomaly,
        "pass": result.pass_info(),
    }


@router.post("/passes/scans", response={201: dict[str, int]})
def upload_scans(request, body: OfflineUploadIn):
    """Upload scans made offline; each is re-checked at its own time and logged."""
    logged = services.upload_offline_scans(actor=request.auth, scans=[s.dict() for s in body.scans], device=body.device)
    return Status(201, {"logged": len(logged), "anomalies": sum(1 for s in logged if s.anomaly)})


@router.get("/passes", response=PassList)
def list_passes(
    request,
    type: str = "",
    status: str = "",
    issued_from: dt.date | None = None,
    issued_to: dt.date | None = None,
    limit: int = 50,
    offset: int = 0,
):
    """Issued passes in the caller's scope; `status` is valid, expired, revoked or suspended."""
    qs = Pass.objects.visible_to(request.auth, VIEW_PASS).select_related("pass_type", "department")
    if type:
        qs = qs.filter(pass_type__code=type)
    now = clock.now()
    if status == "expired":
        qs = qs.filter(status=PassStatus.VALID, valid_to__lt=now)
    elif status == "valid":
        qs = qs.filter(status=PassStatus.VALID, valid_to__gte=now)
    elif status in (PassStatus.REVOKED, PassStatus.SUSPENDED):
        qs = qs.filter(status=status)
    elif status:
        raise DomainError(_("Status is one of valid, expired, revoked, suspended."), field="status")
    if issued_from:
        qs = qs.filter(
            issued_at__gte=dt.datetime.combine(issued_from, dt.time.min, tzinfo=timezone.get_default_timezone())
        )
    if issued_to:
        qs = qs.filter(
            issued_at__lt=dt.datetime.combine(
                issued_to + dt.timedelta(days=1), dt.time.min, tzinfo=timezone.get_default_timezone()
            )
        )
    limit = max(1, min(limit, MAX_LIMIT))
    return {"items": [pass_out(p) for p in qs[offset : offset + limit]], "count": qs.count()}


def _pass_or_404(request, serial: str) -> Pass:
    qs = Pass.objects.visible_to(request.auth, VIEW_PASS).select_related("pass_type", "department")
    return get_object_or_404(qs, serial=serial)


@router.get("/passes/{serial}", response=PassOut)
def pass_detail(request, serial: str):
    """One pass by serial."""
    return pass_out(_pass_or_404(request, serial))


@router.get(
    "/passes/{serial}/pdf",
    openapi_extra={
        "responses": {
            200: {
                "description": "The A6 card (one page)",
                "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def pass_pdf(request, serial: str):
    """The printable A6 card of a pass as application/pdf (QR, serial, holder, type, scope, validity, issuer)."""
    pass_obj = _pass_or_404(request, serial)
    data = services.export_pass_cards(actor=request.auth, passes=[pass_obj])
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{pass_obj.serial}.pdf"'
    return response


@router.post("/passes/{serial}/suspend", response=PassOut)
def suspend(request, serial: str, body: ReasonIn):
    """Suspend a pass with a reason."""
    return pass_out(
        services.suspend_pass(actor=request.auth, pass_obj=_pass_or_404(request, serial), reason=body.reason)
    )


@router.post("/passes/{serial}/resume", response=PassOut)
def resume(request, serial: str):
    """Lift a suspension."""
    return pass_out(services.resume_pass(actor=request.auth, pass_obj=_pass_or_404(request, serial)))


@router.post("/passes/{serial}/revoke", response={202: dict[str, Any]})
def revoke(request, serial: str, body: ReasonIn):
    """Request a revocation; another person approves it at /revocations/{id}/approve."""
    revocation = services.request_revocation(
        actor=request.auth, pass_obj=_pass_or_404(request, serial), reason=body.reason
    )
    return Status(202, {"revocation": revocation.pk, "status": revocation.status})


@router.post("/passes/revocations/{pk}/approve", response=PassOut)
def approve_revocation(request, pk: int):
    """Approve a revocation someone else requested."""
    from zoneops.passes.models import Revocation

    visible = Pass.objects.visible_to(request.auth, VIEW_PASS)
    revocation = get_object_or_404(Revocation.objects.filter(pass_obj__in=visible).select_related("pass_obj"), pk=pk)
    return pass_out(services.approve_revocation(actor=request.auth, revocation=revocation))


def _require_perm(user, perm: str) -> None:
    if not user.has_perm(perm):
        raise PermissionDenied(_("You do not have permission to do this."))


def _checkpoint_out(checkpoint: Checkpoint) -> dict[str, Any]:
    return {
        "code": checkpoint.code,
        "name": checkpoint.name,
        "kind": checkpoint.kind,
        "location": checkpoint.location,
        "subdistrict": checkpoint.subdistrict.name if checkpoint.subdistrict else "",
        "subdistrict_code": checkpoint.subdistrict.code if checkpoint.subdistrict else "",
        "area": checkpoint.area.code if checkpoint.area else "",
        "latitude": float(checkpoint.latitude) if checkpoint.latitude is not None else None,
        "longitude": float(checkpoint.longitude) if checkpoint.longitude is not None else None,
        "is_active": checkpoint.is_active,
    }


# Null clears these; for the others it means "leave as is".
CHECKPOINT_NULLABLE = {"location", "latitude", "longitude", "subdistrict", "area"}


@router.get("/checkpoints", response=CheckpointList)
def list_checkpoints(request, q: str = "", kind: str = "", include_inactive: bool = False):
    """The checkpoint registry (active checkpoints; `include_inactive` adds the deactivated ones)."""
    _require_perm(request.auth, VIEW_CHECKPOINT)
    qs = selectors.visible_checkpoints(request.auth)
    if not include_inactive:
        qs = qs.filter(is_active=True)
    if q:
        qs = qs.filter(Q(code__icontains=q) | Q(name__icontains=q))
    if kind:
        qs = qs.filter(kind=kind)
    items = [_checkpoint_out(c) for c in qs.order_by("code")]
    return {"items": items, "count": len(items)}


@router.post("/checkpoints", response={201: CheckpointOut})
def create_checkpoint(request, payload: CheckpointIn):
    """Register a checkpoint (passes.add_checkpoint)."""
    _require_perm(request.auth, ADD_CHECKPOINT)
    checkpoint = registry.create_checkpoint(actor=request.auth, values=payload.dict())
    return Status(201, _checkpoint_out(checkpoint))


@router.get("/checkpoints/{code}", response=CheckpointOut)
def checkpoint_detail(request, code: str):
    """One checkpoint by code, active or not."""
    _require_perm(request.auth, VIEW_CHECKPOINT)
    return _checkpoint_out(selectors.checkpoint_for_user_or_404(request.auth, code))


@router.patch("/checkpoints/{code}", response=CheckpointOut)
def update_checkpoint(request, code: str, payload: CheckpointPatch):
    """Change the fields given (passes.change_checkpoint); the code itself cannot change."""
    _require_perm(request.auth, MANAGE_CHECKPOINT)
    checkpoint = selectors.checkpoint_for_user_or_404(request.auth, code, MANAGE_CHECKPOINT)
    given = {k: v for k, v in payload.dict(exclude_unset=True).items() if v is not None or k in CHECKPOINT_NULLABLE}
    registry.update_checkpoint(actor=request.auth, checkpoint=checkpoint, values=given)
    return _checkpoint_out(selectors.checkpoint_for_user_or_404(request.auth, code, MANAGE_CHECKPOINT))
