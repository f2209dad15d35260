"""Demo zone, core part (runs last): the replayed history's notifications read up to its last few days.

The service-desk history stores a notification for every dispatch, supervision and send-back of spring
2022; real staff would have read all but the recent ones, so older notices are marked read (bootstrap
data, written through the ORM like the other builders' history).
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Max

from zoneops.core.models import Notification

UNREAD_DAYS = 3


def build(demo) -> None:
    """Mark read the notifications older than the last UNREAD_DAYS days of the history."""
    newest = Notification.objects.aggregate(newest=Max("created_at"))["newest"]
    if newest is not None:
        cutoff = newest - dt.timedelta(days=UNREAD_DAYS)
        Notification.objects.filter(read_at__isnull=True, created_at__lt=cutoff).update(read_at=newest)
    unread = Notification.objects.filter(read_at__isnull=True).count()
    demo.say(f"  notifications: {Notification.objects.count()}, unread {unread}")
