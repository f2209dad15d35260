"""Audit API: search the trail (audit administrator only)."""

from __future__ import annotations

from datetime import datetime

from ninja import Router, Schema

from zoneops.audit.selectors import search_events

router = Router(tags=["audit"])


class AuditEventOut(Schema):
    """One audit event."""

    id: int
    occurred_at: datetime
    actor: str
    actor_department: str
    ip: str | None
    request_id: str
    action: str
    object_type: str
    object_id: str
    object_repr: str
    changes: dict
    note: str


class AuditPage(Schema):
    """A page of audit events."""

    items: list[AuditEventOut]
    count: int


@router.get("/events", response=AuditPage, summary="Search the audit trail")
def list_events(request, action: str = "", actor: str = "", object_type: str = "", object_id: str = "",
                limit: int = 50, offset: int = 0):
    """Audit events the caller may see, newest first."""
    qs = search_events(request.auth, action=action, actor=actor, object_type=object_type, object_id=object_id)
    limit = max(1, min(limit, 500))
    items = [
        {"id": e.pk, "occurred_at": e.occurred_at, "actor": e.actor_username, "actor_department": e.actor_department_name,
         "ip": e.ip, "request_id": e.request_id, "action": e.action, "object_type": e.object_type,
         "object_id": e.object_id, "object_repr": e.object_repr, "changes": e.changes, "note": e.note}
        for e in qs[offset: offset + limit]
    ]
    return {"items": items, "count": qs.count()}
