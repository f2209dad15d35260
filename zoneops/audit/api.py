"""Audit API: search the trail (audit administrator only). Read only: there is no route that writes."""

from __future__ import annotations

from datetime import date, datetime

from ninja import Query, Router, Schema

from zoneops.audit.selectors import EventFilters, search_events

router = Router(tags=["audit"])


class AuditEventOut(Schema):
    """One audit event."""

    id: int
    occurred_at: datetime
    actor: str
    actor_department: str
    ip: str | None
    request_id: str
    source: str
    action: str
    action_label: str
    object_type: str
    object_id: str
    object_repr: str
    changes: dict
    note: str


class AuditPage(Schema):
    """A page of audit events."""

    items: list[AuditEventOut]
    count: int


class AuditQuery(Schema):
    """The audit search filters (the same ones as the search page)."""

    date_from: date | None = None
    date_to: date | None = None
    actor: str = ""
    department: str = ""
    action: str = ""
    object_type: str = ""
    object_id: str = ""
    ip: str = ""
    request_id: str = ""
    text: str = ""
    limit: int = 50
    offset: int = 0


@router.get("/events", response=AuditPage, summary="Search the audit trail")
def list_events(request, query: Query[AuditQuery]):
    """Audit events the caller may see (audit.view_audit_trail and its data scope), newest first."""
    params = query.dict()
    limit = max(1, min(params.pop("limit"), 500))
    offset = max(0, params.pop("offset"))
    qs = search_events(request.auth, EventFilters(**params))
    items = [
        {
            "id": e.pk,
            "occurred_at": e.occurred_at,
            "actor": e.actor_username,
            "actor_department": e.actor_department_name,
            "ip": e.ip,
            "request_id": e.request_id,
            "source": e.source,
            "action": e.action,
            "action_label": e.action_label,
            "object_type": e.object_type,
            "object_id": e.object_id,
            "object_repr": e.object_repr,
            "changes": e.changes,
            "note": e.note,
        }
        for e in qs[offset : offset + limit]
    ]
    return {"items": items, "count": qs.count()}
