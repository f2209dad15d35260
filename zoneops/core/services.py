"""Writes of the core app: the recipient marks notifications read (audited)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.utils.translation import gettext as _

from zoneops.audit.services import record
from zoneops.core import actions, clock
from zoneops.core.errors import OutOfScope, PermissionDenied
from zoneops.core.models import Notification

if TYPE_CHECKING:
    from zoneops.accounts.models import User


def _require_user(actor: User | None) -> None:
    if actor is None or not actor.is_authenticated:
        raise PermissionDenied(_("You do not have permission for this action."))


@transaction.atomic
def mark_notification_read(*, actor: User, notification: Notification) -> Notification:
    """Mark one of the actor's own notifications read; already read stays as it was."""
    _require_user(actor)
    if notification.recipient_id != actor.pk:
        raise OutOfScope(_("Notification not found."))
    now = clock.now()
    # Compare-and-set: a second click (or tab) keeps the first read time and records nothing more.
    if Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=now):
        notification.read_at = now
        record(actor, actions.NOTIFICATION_READ, notification, changes={"read_at": [None, now]})
    else:
        notification.refresh_from_db(fields=["read_at"])
    return notification


@transaction.atomic
def mark_all_notifications_read(*, actor: User) -> int:
    """Mark every unread notification of the actor read; return how many changed."""
    _require_user(actor)
    count = Notification.objects.for_recipient(actor).unread().update(read_at=clock.now())
    if count:
        record(actor, actions.NOTIFICATIONS_READ_ALL, note=f"{count} notifications")
    return count
