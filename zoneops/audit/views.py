"""Audit pages: the trail search for the audit administrator, one event, and the Excel export."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from zoneops.audit import selectors, services
from zoneops.audit.forms import AuditSearchForm
from zoneops.audit.models import AuditEvent
from zoneops.core import clock
from zoneops.core.errors import DomainError
from zoneops.core.excel import xlsx_response
from zoneops.core.listing import PAGE_SIZES, is_partial, paginate

VIEW_AUDIT = selectors.VIEW_AUDIT


def _search(request):
    form = AuditSearchForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        return form, None
    filters = form.filters() if form.is_bound else selectors.EventFilters()
    return form, filters


@require_GET
@login_required
@permission_required(VIEW_AUDIT, raise_exception=True)
def event_list(request):
    """Search form, results newest first, pagination; htmx asks for the table only."""
    form, filters = _search(request)
    # Invalid input shows the form errors and no rows, never an unfiltered trail.
    queryset = selectors.search_events(request.user, filters) if filters is not None else AuditEvent.objects.none()
    listing = paginate(request, queryset)
    context = {
        "form": form,
        "listing": listing,
        "page_sizes": PAGE_SIZES,
        "object_types": [] if is_partial(request) else selectors.object_types(request.user),
    }
    template = "audit/event_list.html#table" if is_partial(request) else "audit/event_list.html"
    return render(request, template, context)


@require_GET
@login_required
@permission_required(VIEW_AUDIT, raise_exception=True)
def event_detail(request, pk: int):
    """One event in full: who, when, from where, what, before and after."""
    event = selectors.event_for_user_or_404(request.user, pk)
    return render(request, "audit/event_detail.html", {"event": event})


@require_GET
@login_required
@permission_required(VIEW_AUDIT, raise_exception=True)
def event_export(request):
    """The events matching the current search as Excel; the export is itself audited."""
    form, filters = _search(request)
    if filters is None:
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect("audit:event-list")
    try:
        workbook = services.export_events(actor=request.user, filters=filters)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("audit:event-list")
    stamp = timezone.localtime(clock.now()).strftime("%Y%m%d-%H%M%S")
    return xlsx_response(workbook, f"audit-{stamp}.xlsx")
