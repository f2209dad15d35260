"""Core API: the caller's own in-app notifications."""

from __future__ import annotations

from datetime import datetime

from ninja import Field, Query, Router, Schema

from zoneops.core import selectors, services
from zoneops.core.models import Notification

router = Router(tags=["notifications"])

MAX_LIMIT = 100


class NotificationOut(Schema):
    """One in-app notification of the caller."""

    id: int
    kind: str
    title: str
    body: str
    link: str
    target_type: str | None
    target_id: str
    created_at: datetime
    read_at: datetime | None
    is_read: bool


class NotificationList(Schema):
    """A page of the caller's notifications, newest first, with the total and the unread count."""

    items: list[NotificationOut]
    count: int
    unread: int


class NotificationQuery(Schema):
    """The page window and an optional unread-only filter."""

    unread_only: bool = False
    limit: int = Field(20, ge=1, le=MAX_LIMIT)
    offset: int = Field(0, ge=0)


class ReadAllOut(Schema):
    """How many notifications were marked read."""

    marked: int
    unread: int


def _out(notification: Notification) -> dict:
    target = notification.target_type
    return {
        "id": notification.pk,
        "kind": notification.kind,
        "title": notification.title,
        "body": notification.body,
        "link": notification.link,
        "target_type": f"{target.app_label}.{target.model}" if target else None,
        "target_id": notification.target_id,
        "created_at": notification.created_at,
        "read_at": notification.read_at,
        "is_read": notification.is_read,
    }


@router.get("/notifications", response=NotificationList, summary="List my notifications")
def list_notifications(request, filters: Query[NotificationQuery]):
    """The caller's notifications, newest first; nobody can list another user's."""
    user = request.auth
    queryset = selectors.my_notifications(user).select_related("target_type")
    if filters.unread_only:
        queryset = queryset.filter(read_at__isnull=True)
    page = queryset[filters.offset : filters.offset + filters.limit]
    return {"items": [_out(n) for n in page], "count": queryset.count(), "unread": selectors.my_unread_count(user)}


@router.post("/notifications/read-all", response=ReadAllOut, summary="Mark all my notifications read")
def read_all(request):
    """Mark every unread notification of the caller read."""
    marked = services.mark_all_notifications_read(actor=request.auth)
    return {"marked": marked, "unread": selectors.my_unread_count(request.auth)}


@router.post("/notifications/{int:notification_id}/read", response=NotificationOut, summary="Mark one read")
def read_one(request, notification_id: int):
    """Mark one of the caller's notifications read (another user's answers 404)."""
    notification = selectors.notification_for_user_or_404(request.auth, notification_id)
    return _out(services.mark_notification_read(actor=request.auth, notification=notification))
