"""Audit reads: the scoped search (UI list, API list and export share it) and per-object history."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass

from django.db import models
from django.db.models import Q
from django.utils import timezone

from zoneops.audit.models import AuditEvent, AuditEventQuerySet

VIEW_AUDIT = "audit.view_audit_trail"
HISTORY_LIMIT = 100


@dataclass(frozen=True)
class EventFilters:
    """The one filter definition of the audit search; empty values filter nothing."""

    date_from: dt.date | None = None
    date_to: dt.date | None = None
    actor: str = ""
    department: str = ""
    action: str = ""
    object_type: str = ""
    object_id: str = ""
    ip: str = ""
    request_id: str = ""
    text: str = ""

    def describe(self) -> str:
        """The filters in use as "name=value; …" (for the export's audit note)."""
        return "; ".join(f"{k}={v}" for k, v in asdict(self).items() if v not in (None, ""))


def _start_of(day: dt.date) -> dt.datetime:
    """Midnight at the start of `day` in the current time zone (Asia/Shanghai), as an aware datetime."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def search_events(user, filters: EventFilters | None = None) -> AuditEventQuerySet:
    """Audit events visible to `user` under audit.view_audit_trail, filtered, newest first."""
    f = filters or EventFilters()
    qs = AuditEvent.objects.visible_to(user, VIEW_AUDIT)
    # Whole local days as a half-open range on the indexed column (no per-row date conversion).
    if f.date_from:
        qs = qs.filter(occurred_at__gte=_start_of(f.date_from))
    if f.date_to:
        qs = qs.filter(occurred_at__lt=_start_of(f.date_to + dt.timedelta(days=1)))
    if f.actor:
        qs = qs.filter(actor_username=f.actor.strip())
    if f.department:
        qs = qs.filter(actor_department_name__icontains=f.department.strip())
    if f.action:
        qs = qs.filter(action=f.action)
    if f.object_type:
        qs = qs.filter(object_type=f.object_type.strip().lower())
    if f.object_id:
        qs = qs.filter(object_id=f.object_id.strip())
    if f.ip:
        qs = qs.filter(ip=f.ip.strip())
    if f.request_id:
        qs = qs.filter(request_id=f.request_id.strip())
    if f.text:
        text = f.text.strip()
        qs = qs.filter(Q(object_repr__icontains=text) | Q(note__icontains=text))
    return qs.order_by("-occurred_at", "-pk")


def event_for_user_or_404(user, pk: int) -> AuditEvent:
    """One event the user may see; missing and out of scope are the same 404."""
    from django.shortcuts import get_object_or_404

    return get_object_or_404(search_events(user), pk=pk)


def object_types(user) -> list[str]:
    """The object types present in the trail the user can see (for the filter's suggestions)."""
    return list(
        AuditEvent.objects.visible_to(user, VIEW_AUDIT)
        .exclude(object_type="")
        .order_by("object_type")
        .values_list("object_type", flat=True)
        .distinct()
    )


def history_of(obj: models.Model) -> AuditEventQuerySet:
    """Every event about one object, newest first (callers have already checked the object's scope).

    Pages show at most HISTORY_LIMIT of them: `history_of(obj)[:HISTORY_LIMIT]`.
    """
    return AuditEvent.objects.for_object(obj).order_by("-occurred_at", "-pk")
