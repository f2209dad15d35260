"""Periodic scheduler: apps register tasks with an interval, one loop enqueues each when due.

Apps call `register()` from AppConfig.ready(); `manage.py run_scheduler` (started by `manage.py serve`,
or from cron with `--once`) calls `run_due()`. Each task's slot is a `ScheduledTask` row claimed with a
conditional UPDATE in the same transaction as the enqueue, so several schedulers (several serve
processes, app servers or a restart) enqueue each task exactly once per interval.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q
from django.utils.module_loading import import_string

from zoneops.core import clock

logger = logging.getLogger("zoneops.schedule")


@dataclass(frozen=True)
class Entry:
    """One periodic task: a unique name, the dotted path of a django-tasks task and its interval."""

    name: str
    task_path: str
    every: datetime.timedelta


_REGISTRY: dict[str, Entry] = {}


def register(name: str, task_path: str, every: datetime.timedelta) -> None:
    """Register the periodic task `name`; calling it again with the same values changes nothing."""
    if not name or len(name) > 100:
        raise ValueError("name must be 1 to 100 characters")
    if every <= datetime.timedelta(0):
        raise ValueError("every must be positive")
    entry = Entry(name=name, task_path=task_path, every=every)
    if name in _REGISTRY and _REGISTRY[name] != entry:
        raise ValueError(f"periodic task {name!r} registered twice with different values")
    _REGISTRY[name] = entry


def registered() -> list[Entry]:
    """Return the registered entries, sorted by name."""
    return [_REGISTRY[name] for name in sorted(_REGISTRY)]


def is_due(last: datetime.datetime | None, every: datetime.timedelta, now: datetime.datetime) -> bool:
    """True when the task was never enqueued or its interval has passed since."""
    return last is None or now >= last + every


def next_due(last: datetime.datetime | None, every: datetime.timedelta, now: datetime.datetime) -> datetime.datetime:
    """When the task is due next (now if it is due already)."""
    return now if is_due(last, every, now) else last + every


def claim(entry: Entry, now: datetime.datetime) -> bool:
    """Take this interval's slot for `entry`; True for exactly one of several concurrent claimers."""
    from zoneops.core.models import ScheduledTask

    # The conditional UPDATE is the lock: the database serialises it, and a second claimer's WHERE
    # no longer matches once the first one has moved last_enqueued_at (SQLite and PostgreSQL alike).
    return bool(
        ScheduledTask.objects.filter(name=entry.name)
        .filter(Q(last_enqueued_at__isnull=True) | Q(last_enqueued_at__lte=now - entry.every))
        .update(last_enqueued_at=now)
    )


def _ensure_rows(entries: list[Entry]) -> None:
    """One slot row per registered name; concurrent schedulers may both try, the loser is ignored."""
    from zoneops.core.models import ScheduledTask

    ScheduledTask.objects.bulk_create([ScheduledTask(name=e.name) for e in entries], ignore_conflicts=True)


def run_due(now: datetime.datetime | None = None) -> list[str]:
    """Enqueue every registered task that is due; return the names this process enqueued."""
    from zoneops.core.models import ScheduledTask

    now = now or clock.now()
    entries = registered()
    _ensure_rows(entries)
    enqueued = []
    for entry in entries:
        try:
            task = import_string(entry.task_path)
        except ImportError:
            logger.error("periodic task %s: cannot import %s", entry.name, entry.task_path)
            continue
        try:
            # Claim and enqueue commit together: a failed enqueue gives the slot back.
            with transaction.atomic():
                if not claim(entry, now):
                    continue
                result = task.enqueue()
                ScheduledTask.objects.filter(name=entry.name).update(last_task_id=str(result.id)[:64])
        except Exception:
            logger.exception("periodic task %s: enqueue failed", entry.name)
            continue
        logger.info("periodic task %s enqueued (%s)", entry.name, result.id)
        enqueued.append(entry.name)
    return enqueued


def seconds_until_next(now: datetime.datetime | None = None) -> float | None:
    """Seconds until the earliest registered task is due (0 if one is due now), None if none is registered."""
    from zoneops.core.models import ScheduledTask

    now = now or clock.now()
    entries = registered()
    if not entries:
        return None
    last = dict(
        ScheduledTask.objects.filter(name__in=[e.name for e in entries]).values_list("name", "last_enqueued_at")
    )
    soonest = min(next_due(last.get(e.name), e.every, now) for e in entries)
    return max((soonest - now).total_seconds(), 0.0)
