"""Passes API: types, applications, passes, verification, keys (JWKS, trust list), revocations, checkpoints."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Router, Schema
from ninja.files import UploadedFile

from zoneops.core import clock
from zoneops.core.errors import DomainError, PermissionDenied
from zoneops.passes import services
from zoneops.passes.models import Checkpoint, DeliveryStation, Pass, PassApplication, PassStatus, PassType
from zoneops.passes.permissions import (
    REVIEW_APPLICATION,
    SUBMIT_APPLICATION,
    VIEW_APPLICATION,
    VIEW_CHECKPOINT,
    VIEW_PASS,
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
    code: str
    name: str
    kind: str
    location: str
    subdistrict: str
    area: str


class CheckpointList(Schema):
    items: list[CheckpointOut]
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
    return 201, _application_out(application)


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
    return 201, {"created": result.created}


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


@router.get("/passes/revocations", auth=None)
def get_revocations(request):
    """The newest signed, versioned revocation list; verifiers refuse a version older than theirs."""
    latest = services.current_revocation_list()
    return {
        "version": latest.version,
        "issued_at": latest.issued_at,
        "revoked": latest.revoked,
        "suspended": latest.suspended,
        "signed": latest.signed,
    }


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
    return 201, {"logged": len(logged), "anomalies": sum(1 for s in logged if s.anomaly)}


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
    return 202, {"revocation": revocation.pk, "status": revocation.status}


@router.post("/passes/revocations/{pk}/approve", response=PassOut)
def approve_revocation(request, pk: int):
    """Approve a revocation someone else requested."""
    from zoneops.passes.models import Revocation

    visible = Pass.objects.visible_to(request.auth, VIEW_PASS)
    revocation = get_object_or_404(Revocation.objects.filter(pass_obj__in=visible).select_related("pass_obj"), pk=pk)
    return pass_out(services.approve_revocation(actor=request.auth, revocation=revocation))


@router.get("/checkpoints", response=CheckpointList)
def list_checkpoints(request, q: str = "", kind: str = ""):
    """The checkpoint registry."""
    if not request.auth.has_perm(VIEW_CHECKPOINT):
        raise PermissionDenied(_("You do not have permission to do this."))
    qs = Checkpoint.objects.filter(is_active=True).select_related("subdistrict", "area")
    if q:
        qs = qs.filter(Q(code__icontains=q) | Q(name__icontains=q))
    if kind:
        qs = qs.filter(kind=kind)
    items = [
        {
            "code": c.code,
            "name": c.name,
            "kind": c.kind,
            "location": c.location,
            "subdistrict": c.subdistrict.name if c.subdistrict else "",
            "area": c.area.code if c.area else "",
        }
        for c in qs
    ]
    return {"items": items, "count": len(items)}
