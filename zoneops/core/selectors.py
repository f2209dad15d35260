"""Reads of the core app: the signed-in user's own notifications (nobody sees another's)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet
from django.http import Http404

from zoneops.core.models import Notification

if TYPE_CHECKING:
    from zoneops.accounts.models import User


def my_notifications(user: User | None) -> QuerySet[Notification]:
    """The user's notifications, newest first."""
    return Notification.objects.for_recipient(user).order_by("-created_at", "-pk")


def my_unread_count(user: User | None) -> int:
    """How many of the user's notifications are unread (one indexed COUNT)."""
    return Notification.objects.for_recipient(user).unread().count()


def notification_for_user_or_404(user: User | None, pk: int) -> Notification:
    """One of the user's own notifications; another user's answers 404 like a missing one."""
    notification = Notification.objects.for_recipient(user).filter(pk=pk).first()
    if notification is None:
        raise Http404("notification")
    return notification
