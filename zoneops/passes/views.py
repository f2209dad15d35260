"""Pass pages: review queue, issued passes with QR, holder page, checkpoints, scan statistics."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.db.models import Count, Prefetch, Q
from django.db.models.functions import TruncDate
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from zoneops.core import clock
from zoneops.core.errors import DomainError, OutOfScope
from zoneops.core.listing import apply_sort, is_partial, paginate
from zoneops.passes import registry, selectors, services
from zoneops.passes.api import effective_status
from zoneops.passes.forms import CheckpointForm, InspectionForm, StationForm
from zoneops.passes.models import (
    ApplicationStatus,
    CheckpointKind,
    DeliveryStation,
    Pass,
    PassApplication,
    PassStatus,
    PassType,
    Platform,
    Revocation,
    RevocationStatus,
    Scan,
    StationInspection,
)
from zoneops.passes.permissions import (
    ADD_CHECKPOINT,
    ADD_STATION,
    APPROVE_REVOCATION,
    CHANGE_INSPECTION,
    CHANGE_PASS,
    MANAGE_CHECKPOINT,
    MANAGE_STATION,
    RECORD_INSPECTION,
    RECORD_SCAN,
    REVIEW_APPLICATION,
    VIEW_APPLICATION,
    VIEW_CHECKPOINT,
    VIEW_PASS,
    VIEW_SCAN,
    VIEW_STATION,
)


def qr_svg(payload: str, scale: int = 4) -> str:
    """The QR of a payload as inline SVG (alphanumeric mode, error correction Q, as the EU DCC)."""
    return segno.make_qr(payload, error="q").svg_inline(scale=scale, omitsize=True)


# --------------------------------------------------------------------------------------------------


@login_required
@permission_required(REVIEW_APPLICATION, raise_exception=True)
def application_list(request):
    """The review queue: filters, checkboxes for batch approval, pagination."""
    qs = PassApplication.objects.visible_to(request.user, REVIEW_APPLICATION).select_related("pass_type", "station")
    status = request.GET.get("status", ApplicationStatus.SUBMITTED)
    if status in ApplicationStatus.values:
        qs = qs.filter(status=status)
    type_code = request.GET.get("type", "")
    if type_code:
        qs = qs.filter(pass_type__code=type_code)
    name = request.GET.get("q", "").strip()[:60]
    if name:
        qs = qs.filter(holder_name__contains=name)
    qs, sort = apply_sort(request, qs, ("submitted_at", "holder_name"), "submitted_at")
    listing = paginate(request, qs, sort=sort)
    context = {
        "listing": listing,
        "rows": listing.rows,
        "statuses": ApplicationStatus.choices,
        "types": PassType.objects.all(),
        "status": status,
        "type_code": type_code,
        "q": name,
    }
    template = "passes/application_list.html#table" if is_partial(request) else "passes/application_list.html"
    return render(request, template, context)


def _application_or_404(request, pk: int) -> PassApplication:
    qs = PassApplication.objects.visible_to(request.user, REVIEW_APPLICATION)
    return get_object_or_404(qs.select_related("pass_type", "station", "enterprise"), pk=pk)


@login_required
@permission_required(REVIEW_APPLICATION, raise_exception=True)
def application_detail(request, pk: int):
    """One application with its documents and the reviewer's checklist."""
    application = _application_or_404(request, pk)
    field = PassApplication._meta.get_field("id_number")
    return render(
        request,
        "passes/application_detail.html",
        {
            "application": application,
            "id_masked": field.masked(application.id_number),
            "checklist": [
                (key, label, bool((application.checklist or {}).get(key)))
                for key, label in services.checklist_items(application.pass_type)
            ],
            "issued": Pass.objects.filter(application=application).first(),
            "open": application.status in (ApplicationStatus.SUBMITTED,),
        },
    )


@login_required
@require_POST
def application_review(request, pk: int):
    """Approve (with the checklist), reject with a reason, or ask for more."""
    application = _application_or_404(request, pk)
    decision = request.POST.get("decision")
    try:
        if decision == "approve":
            checklist = {key: True for key in request.POST.getlist("checklist")}
            issued = services.approve_application(actor=request.user, application=application, checklist=checklist)
            messages.success(request, _("Approved; pass %(serial)s issued.") % {"serial": issued.serial})
            return redirect("passes:pass-detail", serial=issued.serial)
        if decision == "reject":
            services.reject_application(
                actor=request.user, application=application, reason=request.POST.get("note", "")
            )
            messages.success(request, _("Application rejected."))
        elif decision == "more_info":
            services.request_more_info(actor=request.user, application=application, note=request.POST.get("note", ""))
            messages.success(request, _("Sent back for more information."))
        else:
            messages.error(request, _("Choose a decision."))
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("passes:application-detail", pk=application.pk)


@login_required
@require_POST
def application_batch_approve(request):
    """Approve the ticked applications (all or none)."""
    try:
        ids = [int(value) for value in request.POST.getlist("ids")]
        issued = services.approve_applications(actor=request.user, ids=ids)
        messages.success(request, _("%(n)s passes issued.") % {"n": len(issued)})
    except (DomainError, ValueError) as exc:
        messages.error(request, getattr(exc, "message", _("Choose the applications to approve.")))
    return redirect("passes:application-list")


# --------------------------------------------------------------------------------------------------


@login_required
@permission_required(VIEW_PASS, raise_exception=True)
def pass_list(request):
    """Issued passes: search by serial or name, filter by type and status."""
    now = clock.now()
    qs = Pass.objects.visible_to(request.user, VIEW_PASS).select_related("pass_type", "department")
    status = request.GET.get("status", "")
    if status == "expired":
        qs = qs.filter(status=PassStatus.VALID, valid_to__lt=now)
    elif status == "valid":
        qs = qs.filter(status=PassStatus.VALID, valid_to__gte=now)
    elif status in (PassStatus.SUSPENDED, PassStatus.REVOKED):
        qs = qs.filter(status=status)
    type_code = request.GET.get("type", "")
    if type_code:
        qs = qs.filter(pass_type__code=type_code)
    text = request.GET.get("q", "").strip()[:60]
    if text:
        qs = qs.filter(Q(serial__icontains=text) | Q(holder_name__contains=text) | Q(plate__icontains=text))
    qs, sort = apply_sort(request, qs, ("issued_at", "serial", "valid_to"), "-issued_at")
    listing = paginate(request, qs, sort=sort)
    rows = [{"pass": p, "effective": effective_status(p, now)} for p in listing.rows]
    context = {
        "listing": listing,
        "rows": rows,
        "types": PassType.objects.all(),
        "type_code": type_code,
        "status": status,
        "q": text,
        "statuses": [
            ("valid", _("Valid")),
            ("expired", _("Expired")),
            ("suspended", _("Suspended")),
            ("revoked", _("Revoked")),
        ],
    }
    template = "passes/pass_list.html#table" if is_partial(request) else "passes/pass_list.html"
    return render(request, template, context)


def _pass_or_404(request, serial: str) -> Pass:
    qs = Pass.objects.visible_to(request.user, VIEW_PASS).select_related("pass_type", "department", "station")
    return get_object_or_404(qs, serial=serial)


@login_required
@permission_required(VIEW_PASS, raise_exception=True)
def pass_detail(request, serial: str):
    """One pass: its QR, claims, status actions, revocation requests and recent scans."""
    pass_obj = _pass_or_404(request, serial)
    pending = pass_obj.revocations.filter(status=RevocationStatus.REQUESTED).select_related("requested_by").first()
    return render(
        request,
        "passes/pass_detail.html",
        {
            "pass": pass_obj,
            "effective": effective_status(pass_obj),
            "qr": qr_svg(pass_obj.payload),
            "pending": pending,
            "can_change": request.user.has_perm(CHANGE_PASS),
            "can_approve": pending is not None
            and request.user.has_perm(APPROVE_REVOCATION)
            and pending.requested_by_id != request.user.pk,
            "scans": Scan.objects.filter(serial=pass_obj.serial).select_related("checkpoint")[:20],
        },
    )


@login_required
@require_POST
def pass_action(request, serial: str):
    """Suspend, resume, request or approve a revocation."""
    pass_obj = _pass_or_404(request, serial)
    action = request.POST.get("action")
    reason = request.POST.get("reason", "")
    try:
        if action == "suspend":
            services.suspend_pass(actor=request.user, pass_obj=pass_obj, reason=reason)
            messages.success(request, _("Pass suspended."))
        elif action == "resume":
            services.resume_pass(actor=request.user, pass_obj=pass_obj)
            messages.success(request, _("Pass resumed."))
        elif action == "revoke":
            services.request_revocation(actor=request.user, pass_obj=pass_obj, reason=reason)
            messages.success(request, _("Revocation requested; another person must approve it."))
        elif action == "approve_revocation":
            revocation = get_object_or_404(Revocation, pk=request.POST.get("revocation"), pass_obj=pass_obj)
            services.approve_revocation(actor=request.user, revocation=revocation)
            messages.success(request, _("Pass revoked."))
        else:
            messages.error(request, _("Unknown action."))
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("passes:pass-detail", serial=pass_obj.serial)


MAX_CARDS = 200


@login_required
@permission_required(VIEW_PASS, raise_exception=True)
def pass_cards(request):
    """Printable A6 cards (HTML with print CSS, one card per page): one serial, or a batch by type and station."""
    qs = Pass.objects.visible_to(request.user, VIEW_PASS).select_related("pass_type", "department")
    serial = request.GET.get("serial", "")
    if serial:
        qs = qs.filter(serial=serial)
    else:
        type_code = request.GET.get("type", "")
        if type_code:
            qs = qs.filter(pass_type__code=type_code)
        station = request.GET.get("station", "")
        if station.isdigit():
            qs = qs.filter(station_id=int(station))
        qs = qs.filter(status=PassStatus.VALID)
    cards = [{"pass": p, "qr": qr_svg(p.payload, scale=3)} for p in qs.order_by("serial")[:MAX_CARDS]]
    return render(request, "passes/cards.html", {"cards": cards, "limit": MAX_CARDS})


def _pdf_response(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


@login_required
@permission_required(VIEW_PASS, raise_exception=True)
def pass_pdf(request, serial: str):
    """The printable A6 PDF card of one pass (scoped exactly like the pass detail)."""
    pass_obj = _pass_or_404(request, serial)
    try:
        data = services.export_pass_cards(actor=request.user, passes=[pass_obj])
    except OutOfScope as exc:
        raise Http404 from exc
    return _pdf_response(data, f"{pass_obj.serial}.pdf")


@login_required
@permission_required(VIEW_PASS, raise_exception=True)
def pass_batch_pdf(request):
    """A6 PDF cards for a batch: the ticked serials, or every valid pass of a type and/or station (one per page)."""
    qs = Pass.objects.visible_to(request.user, VIEW_PASS).select_related("pass_type", "department")
    serials = [s for s in request.GET.getlist("serial") if s][: services.MAX_PDF_CARDS + 1]
    if serials:
        qs = qs.filter(serial__in=serials)
    else:
        type_code = request.GET.get("type", "")
        station = request.GET.get("station", "")
        if not type_code and not station.isdigit():
            messages.error(request, _("Choose the passes to print."))
            return redirect("passes:pass-list")
        if type_code:
            qs = qs.filter(pass_type__code=type_code)
        if station.isdigit():
            qs = qs.filter(station_id=int(station))
        qs = qs.filter(status=PassStatus.VALID)
        try:  # an issuing day prints that batch as it was issued (e.g. for the file); otherwise current passes only
            issued_on = dt.date.fromisoformat(request.GET.get("issued_on", ""))
        except ValueError:
            qs = qs.filter(valid_to__gte=clock.now())
        else:
            tz = timezone.get_default_timezone()
            start = dt.datetime.combine(issued_on, dt.time.min, tzinfo=tz)
            qs = qs.filter(issued_at__gte=start, issued_at__lt=start + dt.timedelta(days=1))
    passes = list(qs.order_by("serial")[: services.MAX_PDF_CARDS + 1])
    if serials and len(passes) != len(set(serials)):
        raise Http404  # a serial out of scope or unknown: nothing is printed
    try:
        data = services.export_pass_cards(actor=request.user, passes=passes)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("passes:pass-list")
    return _pdf_response(data, f"pass-cards-{clock.today():%Y%m%d}.pdf")


@login_required
def my_passes(request):
    """The holder page (mobile): each of the user's current passes with its QR, a live clock and a moving band."""
    now = clock.now()
    passes = (
        Pass.objects.filter(holder_user=request.user, valid_to__gte=now - dt.timedelta(days=1))
        .select_related("pass_type", "department")
        .order_by("-valid_to")
    )
    items = [{"pass": p, "effective": effective_status(p, now), "qr": qr_svg(p.payload, scale=5)} for p in passes]
    return render(request, "passes/my_passes.html", {"items": items})


@login_required
@permission_required(RECORD_SCAN, raise_exception=True)
def verifier(request):
    """The gate verifier (mobile): checks passes in the browser, offline after its first load.

    The zone root public key is embedded in the page (pinned with it by the service worker): the trust list, the
    revocation list and the checkpoint list are used only if that key signed them.
    """
    root_key, _private = services.root_key()
    return render(request, "passes/verifier.html", {"root_jwk": services.jwk_of(root_key)})


# Everything the verifier page loads, so that it opens with no network at the gate.
VERIFIER_ASSETS = (
    "vendor/bootstrap/css/bootstrap.min.css",
    "vendor/bootstrap-icons/bootstrap-icons.min.css",
    "vendor/bootstrap-icons/fonts/bootstrap-icons.woff2",
    "zoneops/app.css",
    "zoneops/favicon.svg",
    "vendor/htmx/htmx.min.js",
    "vendor/bootstrap/js/bootstrap.bundle.min.js",
    "zoneops/app.js",
    "passes/passes.css",
    "vendor/jsqr/jsQR.js",
    "passes/verifier.js",
    "passes/verifier-page.js",
)


def verifier_shell() -> list[str]:
    """The URLs the service worker precaches: the page and its assets under their served (hashed) names."""
    return [reverse("passes:verifier"), *(static(asset) for asset in VERIFIER_ASSETS)]


def service_worker(request):
    """The verifier's service worker, served under /passes/ so that it may control the verifier page.

    Production serves static files under content-hashed names, so the list of files to precache is
    written into the worker here; a new deployment changes the list, hence the worker and its cache.
    """
    shell = verifier_shell()
    version = hashlib.sha256(json.dumps(shell).encode()).hexdigest()[:12]
    preamble = f"self.ZONEOPS_SHELL = {json.dumps(shell)};\nself.ZONEOPS_SHELL_VERSION = {json.dumps(version)};\n"
    path = Path(__file__).parent / "static" / "passes" / "sw.js"
    response = HttpResponse(preamble + path.read_text(encoding="utf-8"), content_type="text/javascript")
    response["Service-Worker-Allowed"] = "/passes/"
    response["Cache-Control"] = "no-cache"
    return response


# --------------------------------------------------------------------------------------------------

ACTIVE_FILTERS = (("active", _lazy("Active")), ("inactive", _lazy("Deactivated")), ("all", _lazy("All")))


def _form_errors(form, exc: DomainError, aliases: dict[str, str] | None = None) -> None:
    """Show a domain error on the form field it names (or on the form)."""
    if not exc.errors:
        form.add_error(None, exc.message)
        return
    for field, texts in exc.errors.items():
        name = (aliases or {}).get(field, field)
        form.add_error(name if name in form.fields and not form.fields[name].disabled else None, list(texts))


def _saved(request, form, save: Callable[[], Any], message, then: Callable[[Any], HttpResponse], aliases=None):
    """Run a registry write for a valid form: the message and the redirect, or None with the refusal on the form.

    `message` is a text, or a function of the saved record giving it.
    """
    try:
        saved = save()
    except DomainError as exc:
        _form_errors(form, exc, aliases)
        return None
    messages.success(request, message(saved) if callable(message) else message)
    return then(saved)


def _by_active(request, qs):
    """Narrow a registry list by the "active" filter (active records by default)."""
    active = request.GET.get("active", "active")
    if active == "active":
        return qs.filter(is_active=True), active
    if active == "inactive":
        return qs.filter(is_active=False), active
    return qs, "all"


def _toggle_active(request, deactivate, reactivate, **kwargs) -> None:
    """Deactivate or reactivate from a POSTed `action`, reporting the outcome as a message."""
    action = request.POST.get("action")
    note = request.POST.get("note", "")[:300]
    try:
        if action == "deactivate":
            deactivate(actor=request.user, note=note, **kwargs)
            messages.success(request, _("Deactivated."))
        elif action == "reactivate":
            reactivate(actor=request.user, note=note, **kwargs)
            messages.success(request, _("Reactivated."))
        else:
            messages.error(request, _("Unknown action."))
    except DomainError as exc:
        messages.error(request, exc.message)


@login_required
@permission_required(VIEW_STATION, raise_exception=True)
def station_list(request):
    """Delivery stations: platform, manager, passes issued and current, latest inspection."""
    qs = selectors.visible_stations(request.user).prefetch_related(
        Prefetch("inspections", queryset=StationInspection.objects.order_by("-inspected_on", "-pk"))
    )
    platform = request.GET.get("platform", "")
    if platform:
        qs = qs.filter(platform=platform)
    qs, active = _by_active(request, qs)
    listing = paginate(request, qs.order_by("platform", "name"))
    mask = DeliveryStation._meta.get_field("manager_mobile").masked
    rows = [
        {"station": s, "mobile": mask(s.manager_mobile), "inspection": next(iter(s.inspections.all()), None)}
        for s in listing.rows
    ]
    context = {
        "listing": listing,
        "rows": rows,
        "platforms": Platform.choices,
        "platform": platform,
        "actives": ACTIVE_FILTERS,
        "active": active,
        "can_add": request.user.has_perm(ADD_STATION),
    }
    return render(request, "passes/station_list.html", context)


@login_required
@permission_required(ADD_STATION, raise_exception=True)
def station_create(request):
    """Register a delivery station."""
    form = StationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        done = _saved(
            request,
            form,
            lambda: registry.create_station(actor=request.user, values=form.service_values()),
            _("Delivery station registered."),
            lambda station: redirect("passes:station-detail", pk=station.pk),
        )
        if done:
            return done
    return render(request, "passes/station_form.html", {"form": form, "station": None})


@login_required
@permission_required(MANAGE_STATION, raise_exception=True)
def station_edit(request, pk: int):
    """Change a station's platform, name, manager or address."""
    station = selectors.station_for_user_or_404(request.user, pk, MANAGE_STATION)
    form = StationForm(request.POST or None, station=station)
    if request.method == "POST" and form.is_valid():
        done = _saved(
            request,
            form,
            lambda: registry.update_station(actor=request.user, station=station, values=form.service_values()),
            _("Delivery station updated."),
            lambda _saved_station: redirect("passes:station-detail", pk=station.pk),
        )
        if done:
            return done
    return render(request, "passes/station_form.html", {"form": form, "station": station})


@login_required
@permission_required(MANAGE_STATION, raise_exception=True)
@require_POST
def station_active(request, pk: int):
    """Deactivate (closed station) or reactivate a station."""
    station = selectors.station_for_user_or_404(request.user, pk, MANAGE_STATION)
    _toggle_active(request, registry.deactivate_station, registry.reactivate_station, station=station)
    return redirect("passes:station-detail", pk=station.pk)


STATION_ROWS = 50  # the newest passes and applications shown on a station page


def _station_page(request, station: DeliveryStation, inspection_form: InspectionForm | None = None):
    user = request.user
    now = clock.now()
    passes = (
        Pass.objects.visible_to(user, VIEW_PASS)
        .filter(station=station)
        .select_related("pass_type")
        .order_by("-issued_at", "-pk")
    )
    applications = (
        PassApplication.objects.visible_to(user, VIEW_APPLICATION)
        .filter(station=station)
        .select_related("pass_type")
        .order_by("-submitted_at", "-pk")
    )
    can_record = user.has_perm(RECORD_INSPECTION) and station.is_active
    context = {
        "station": station,
        "mobile": DeliveryStation._meta.get_field("manager_mobile").masked(station.manager_mobile),
        "inspections": selectors.station_inspections(user, station),
        "passes": [{"pass": p, "effective": effective_status(p, now)} for p in passes[:STATION_ROWS]],
        "passes_count": passes.count(),
        "applications": applications[:STATION_ROWS],
        "applications_count": applications.count(),
        "can_view_passes": user.has_perm(VIEW_PASS),
        "can_view_applications": user.has_perm(VIEW_APPLICATION),
        "can_review": user.has_perm(REVIEW_APPLICATION),
        "can_change": user.has_perm(MANAGE_STATION),
        "can_change_inspection": user.has_perm(CHANGE_INSPECTION),
        "can_record": can_record,
        "inspection_form": inspection_form or (InspectionForm() if can_record else None),
    }
    return render(request, "passes/station_detail.html", context, status=400 if inspection_form else 200)


@login_required
@permission_required(VIEW_STATION, raise_exception=True)
def station_detail(request, pk: int):
    """One station: its manager, its riders' passes and applications, its inspections and the inspection form."""
    return _station_page(request, selectors.station_for_user_or_404(request.user, pk))


@login_required
@permission_required(RECORD_INSPECTION, raise_exception=True)
@require_POST
def inspection_create(request, pk: int):
    """Record an inspection from the station page; errors are shown on the form there."""
    station = selectors.station_for_user_or_404(request.user, pk)
    form = InspectionForm(request.POST)
    if form.is_valid():
        done = _saved(
            request,
            form,
            lambda: registry.record_inspection(actor=request.user, station=station, values=form.service_values()),
            _("Inspection recorded."),
            lambda _inspection: redirect("passes:station-detail", pk=station.pk),
            {"passed": "result"},
        )
        if done:
            return done
    return _station_page(request, station, inspection_form=form)


@login_required
@permission_required(CHANGE_INSPECTION, raise_exception=True)
def inspection_edit(request, pk: int):
    """Correct a recorded inspection."""
    inspection = selectors.inspection_for_user_or_404(request.user, pk, CHANGE_INSPECTION)
    form = InspectionForm(request.POST or None, inspection=inspection)
    if request.method == "POST" and form.is_valid():
        done = _saved(
            request,
            form,
            lambda: registry.update_inspection(actor=request.user, inspection=inspection, values=form.service_values()),
            _("Inspection corrected."),
            lambda _inspection: redirect("passes:station-detail", pk=inspection.station_id),
            {"passed": "result"},
        )
        if done:
            return done
    return render(request, "passes/inspection_form.html", {"form": form, "inspection": inspection})


@login_required
@permission_required(VIEW_CHECKPOINT, raise_exception=True)
def checkpoint_list(request):
    """The checkpoint registry with today's scans."""
    today = clock.today()
    start = dt.datetime.combine(today, dt.time.min, tzinfo=timezone.get_default_timezone())
    qs = selectors.visible_checkpoints(request.user).annotate(
        scans_today=Count("scans", filter=Q(scans__at__gte=start))
    )
    kind = request.GET.get("kind", "")
    if kind:
        qs = qs.filter(kind=kind)
    qs, active = _by_active(request, qs)
    listing = paginate(request, qs.order_by("code"))
    context = {
        "listing": listing,
        "rows": listing.rows,
        "kinds": CheckpointKind.choices,
        "kind": kind,
        "actives": ACTIVE_FILTERS,
        "active": active,
        "can_add": request.user.has_perm(ADD_CHECKPOINT),
        "can_change": request.user.has_perm(MANAGE_CHECKPOINT),
    }
    return render(request, "passes/checkpoint_list.html", context)


@login_required
@permission_required(ADD_CHECKPOINT, raise_exception=True)
def checkpoint_create(request):
    """Register a checkpoint."""
    form = CheckpointForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        done = _saved(
            request,
            form,
            lambda: registry.create_checkpoint(actor=request.user, values=form.service_values()),
            lambda checkpoint: _("Checkpoint %(code)s registered.") % {"code": checkpoint.code},
            lambda _checkpoint: redirect("passes:checkpoint-list"),
        )
        if done:
            return done
    return render(request, "passes/checkpoint_form.html", {"form": form, "checkpoint": None})


@login_required
@permission_required(MANAGE_CHECKPOINT, raise_exception=True)
def checkpoint_edit(request, code: str):
    """Change a checkpoint (not its code); deactivate or reactivate it."""
    checkpoint = selectors.checkpoint_for_user_or_404(request.user, code, MANAGE_CHECKPOINT)
    form = CheckpointForm(request.POST or None, checkpoint=checkpoint)
    if request.method == "POST" and form.is_valid():
        values = form.service_values()
        values.pop("code", None)
        done = _saved(
            request,
            form,
            lambda: registry.update_checkpoint(actor=request.user, checkpoint=checkpoint, values=values),
            _("Checkpoint %(code)s updated.") % {"code": checkpoint.code},
            lambda _checkpoint: redirect("passes:checkpoint-list"),
        )
        if done:
            return done
    return render(request, "passes/checkpoint_form.html", {"form": form, "checkpoint": checkpoint})


@login_required
@permission_required(MANAGE_CHECKPOINT, raise_exception=True)
@require_POST
def checkpoint_active(request, code: str):
    """Deactivate or reactivate a checkpoint (verifiers drop a deactivated one at their next update)."""
    checkpoint = selectors.checkpoint_for_user_or_404(request.user, code, MANAGE_CHECKPOINT)
    _toggle_active(request, registry.deactivate_checkpoint, registry.reactivate_checkpoint, checkpoint=checkpoint)
    return redirect("passes:checkpoint-edit", code=checkpoint.code)


# --------------------------------------------------------------------------------------------------


@login_required
@permission_required(VIEW_SCAN, raise_exception=True)
def scan_stats(request):
    """Scans per checkpoint and day (green / red), and the flagged anomalies."""
    try:
        since = dt.date.fromisoformat(request.GET.get("since", ""))
    except ValueError:
        latest = Scan.objects.order_by("-at").values_list("at", flat=True).first()
        since = (timezone.localdate(latest) if latest else clock.today()) - dt.timedelta(days=13)
    until = since + dt.timedelta(days=14)
    tz = timezone.get_default_timezone()
    window = Scan.objects.filter(
        at__gte=dt.datetime.combine(since, dt.time.min, tzinfo=tz),
        at__lt=dt.datetime.combine(until, dt.time.min, tzinfo=tz),
    )
    rows = (
        window.annotate(day=TruncDate("at", tzinfo=tz))
        .values("day", "checkpoint_code")
        .annotate(total=Count("pk"), green=Count("pk", filter=Q(valid=True)))
        .order_by("-day", "checkpoint_code")
    )
    table = [{**row, "red": row["total"] - row["green"]} for row in rows]
    by_reason = list(window.values("reason").annotate(total=Count("pk")).order_by("-total"))
    chart = {
        "tooltip": {},
        "xAxis": {"type": "category", "data": [r["reason"] for r in by_reason]},
        "yAxis": {"type": "value"},
        "series": [{"type": "bar", "data": [r["total"] for r in by_reason]}],
    }
    anomalies = window.filter(anomaly=True).select_related("checkpoint")[:50]
    return render(
        request,
        "passes/scan_stats.html",
        {
            "table": table,
            "since": since,
            "until": until - dt.timedelta(days=1),
            "chart": chart,
            "anomalies": anomalies,
            "by_reason": by_reason,
        },
    )
