"""The one source of the current time (frozen in tests with time-machine)."""

from __future__ import annotations

from datetime import date, datetime

from django.utils import timezone


def now() -> datetime:
    """Return the current aware datetime."""
    return timezone.now()


def today() -> date:
    """Return today's date in Asia/Shanghai."""
    return timezone.localdate(now())
