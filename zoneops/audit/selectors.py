"""Audit reads."""

from __future__ import annotations

from zoneops.audit.models import AuditEvent, AuditEventQuerySet

VIEW_AUDIT = "audit.view_audit_trail"


def search_events(user, *, action: str = "", actor: str = "", object_type: str = "", object_id: str = "",
                  date_from=None, date_to=None, text: str = "") -> AuditEventQuerySet:
    """Audit events visible to `user`, filtered."""
    qs = AuditEvent.objects.visible_to(user, VIEW_AUDIT)
    if action:
        qs = qs.filter(action=action)
    if actor:
        qs = qs.filter(actor_username=actor)
    if object_type:
        qs = qs.filter(object_type=object_type)
    if object_id:
        qs = qs.filter(object_id=object_id)
    if date_from:
        qs = qs.filter(occurred_at__date__gte=date_from)
    if date_to:
        qs = qs.filter(occurred_at__date__lte=date_to)
    if text:
        qs = qs.filter(object_repr__icontains=text)
    return qs


def history_of(obj) -> AuditEventQuerySet:
    """Every event about one object, newest first (callers have already checked the object's scope)."""
    return AuditEvent.objects.for_object(obj).select_related("actor")
