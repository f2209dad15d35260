"""The KPI rollup: per department and day counts, kept in step with the cases so KPI pages stay flat at 1M cases.

Every case change marks the days it can affect dirty in the same transaction (an outbox) and refreshes
them after commit; reads add the live figures of any day still dirty, so a KPI is never stale even if a
refresh failed, and the sweep folds such leftovers in.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

from django.db import transaction
from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from zoneops.core import clock
from zoneops.servicedesk.choices import Satisfaction, TaskRole, TaskStatus
from zoneops.servicedesk.models import Case, CaseTask, FollowUp, KpiDaily, KpiDay

COUNTERS = (
    "dispatched",
    "signed",
    "signed_on_time",
    "resolved",
    "resolved_on_time",
    "returned",
    "overdue",
    "handling_seconds",
    "rated",
    "satisfied",
    "registered",
    "first_contact",
)
SATISFIED = (Satisfaction.SATISFIED, Satisfaction.BASICALLY_SATISFIED)


def local_day(moment: dt.datetime) -> dt.date:
    """The zone's calendar date of an aware moment."""
    return timezone.localtime(moment).date()


def day_bounds(first: dt.date, last: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """Aware [first 00:00, day after last 00:00) in the zone's time."""
    tz = timezone.get_default_timezone()
    start = timezone.make_aware(dt.datetime.combine(first, dt.time.min), tz)
    end = timezone.make_aware(dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min), tz)
    return start, end


def compute_range(first: dt.date, last: dt.date) -> dict[tuple[dt.date, int | None], dict[str, int]]:
    """The counters per (day, department id) for [first, last], straight from the case rows (three grouped queries)."""
    lo, hi = day_bounds(first, last)
    tz = timezone.get_default_timezone()
    rows: dict[tuple[dt.date, int | None], dict[str, int]] = defaultdict(lambda: dict.fromkeys(COUNTERS, 0))
    finished = Q(resolved_at__isnull=False) & ~Q(status=TaskStatus.CANCELLED)
    tasks = (
        CaseTask.objects.filter(role=TaskRole.LEAD, dispatched_at__gte=lo, dispatched_at__lt=hi)
        .order_by()
        .values(day=TruncDate("dispatched_at", tzinfo=tz), key=F("department_id"))
        .annotate(
            dispatched=Count("pk"),
            signed=Count("pk", filter=Q(accepted_at__isnull=False)),
            signed_on_time=Count("pk", filter=Q(accepted_at__isnull=False, accepted_at__lte=F("sign_due_at"))),
            resolved=Count("pk", filter=finished),
            resolved_on_time=Count("pk", filter=finished & Q(resolved_at__lte=F("due_at"))),
            returned=Count("pk", filter=Q(status=TaskStatus.RETURNED)),
            overdue=Count("pk", filter=Q(is_overdue=True)),
            handling=Sum(
                ExpressionWrapper(F("resolved_at") - F("dispatched_at"), output_field=DurationField()), filter=finished
            ),
        )
    )
    for row in tasks:
        target = rows[row.pop("day"), row.pop("key")]
        handling = row.pop("handling")
        target.update(row)
        target["handling_seconds"] = int(handling.total_seconds()) if handling else 0
    follow_ups = (
        FollowUp.objects.filter(at__gte=lo, at__lt=hi)
        .order_by()
        .values(day=TruncDate("at", tzinfo=tz), key=F("case__department_id"))
        .annotate(
            rated=Count("pk", filter=~Q(satisfaction="")),
            satisfied=Count("pk", filter=Q(satisfaction__in=SATISFIED)),
        )
    )
    for row in follow_ups:
        rows[row["day"], row["key"]].update(rated=row["rated"], satisfied=row["satisfied"])
    registered = (
        Case.objects.filter(created_at__gte=lo, created_at__lt=hi)
        .order_by()
        .values(day=TruncDate("created_at", tzinfo=tz), key=F("created_by__department_id"))
        .annotate(registered=Count("pk"), first_contact=Count("pk", filter=Q(first_contact_resolution=True)))
    )
    for row in registered:
        rows[row["day"], row["key"]].update(registered=row["registered"], first_contact=row["first_contact"])
    return dict(rows)


def compute_day(day: dt.date) -> dict[int | None, dict[str, int]]:
    """The counters of one day per department id."""
    return {key: counters for (_, key), counters in compute_range(day, day).items()}


def mark_days(days: Iterable[dt.date]) -> None:
    """Mark days dirty inside the caller's transaction and refresh them once it commits."""
    days = sorted(set(days))
    if not days:
        return
    KpiDay.objects.bulk_create(
        [KpiDay(day=day, dirty=True) for day in days],
        update_conflicts=True,
        unique_fields=["day"],
        update_fields=["dirty"],
    )
    # Several events in one transaction queue the same days; the refresh skips days already clean.
    transaction.on_commit(lambda: refresh_days(days, only_dirty=True))


def mark_case(case: Case) -> None:
    """Mark the days a change to `case` can move: registration, its lead tasks' dispatch days and today."""
    days = {clock.today()}
    if case.created_at:
        days.add(local_day(case.created_at))
    for dispatched in CaseTask.objects.filter(case=case, role=TaskRole.LEAD).values_list("dispatched_at", flat=True):
        days.add(local_day(dispatched))
    mark_days(days)


def refresh_day(day: dt.date) -> None:
    """Recompute one day's rows (the day's row lock serialises concurrent refreshes)."""
    _store_range(day, day)


def refresh_days(days: Iterable[dt.date], *, only_dirty: bool = False) -> None:
    """Recompute several days, each in its own short transaction."""
    days = sorted(set(days))
    if only_dirty:
        days = sorted(KpiDay.objects.filter(day__in=days, dirty=True).values_list("day", flat=True))
    for day in days:
        refresh_day(day)


def refresh_dirty(limit: int = 1000) -> int:
    """Fold days left dirty (a refresh that failed after commit, a bulk load) into the rollup."""
    days = list(KpiDay.objects.filter(dirty=True).order_by("day").values_list("day", flat=True)[:limit])
    refresh_days(days)
    return len(days)


def rebuild(first: dt.date | None = None, last: dt.date | None = None, *, chunk_days: int = 31) -> int:
    """Recompute every day from the first case to today (or the given range), a month per transaction."""
    if first is None:
        oldest = Case.objects.order_by("created_at").values_list("created_at", flat=True).first()
        first = local_day(oldest) if oldest else clock.today()
    last = last or clock.today()
    start = first
    while start <= last:
        end = min(start + dt.timedelta(days=chunk_days - 1), last)
        _store_range(start, end)
        start = end + dt.timedelta(days=1)
    return (last - first).days + 1


def _store_range(first: dt.date, last: dt.date) -> None:
    """Replace the rows of [first, last] and mark those days clean, holding the days' row locks."""
    days = [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]
    with transaction.atomic():
        KpiDay.objects.bulk_create([KpiDay(day=day) for day in days], ignore_conflicts=True)
        list(KpiDay.objects.select_for_update().filter(day__gte=first, day__lte=last).order_by("day"))
        rows = compute_range(first, last)
        KpiDaily.objects.filter(day__gte=first, day__lte=last).delete()
        KpiDaily.objects.bulk_create(
            [KpiDaily(day=day, department_id=key, **counters) for (day, key), counters in rows.items()],
            batch_size=1000,
        )
        KpiDay.objects.filter(day__gte=first, day__lte=last).update(dirty=False, refreshed_at=clock.now())


def totals(first: dt.date, last: dt.date, *, department=None, by_department: bool = False):
    """Summed counters for [first, last]: one dict, or {department id: dict} when `by_department`.

    Clean days come from the rollup table; days still dirty are computed live from the case rows.
    """
    dirty = set(KpiDay.objects.filter(dirty=True, day__gte=first, day__lte=last).values_list("day", flat=True))
    stored = KpiDaily.objects.filter(day__gte=first, day__lte=last)
    if dirty:
        stored = stored.exclude(day__in=dirty)
    if department is not None:
        stored = stored.filter(department=department)
    sums = {name: Sum(name) for name in COUNTERS}
    result: dict[int | None, dict[str, int]] = defaultdict(lambda: dict.fromkeys(COUNTERS, 0))
    if by_department:
        for row in stored.order_by().values("department_id").annotate(**sums):
            key = row.pop("department_id")
            result[key].update({name: value or 0 for name, value in row.items()})
    else:
        row = stored.aggregate(**sums)
        result[None].update({name: value or 0 for name, value in row.items()})
    for day in sorted(dirty):
        for key, counters in compute_day(day).items():
            if department is not None and key != department.pk:
                continue
            target = result[key if by_department else None]
            for name in COUNTERS:
                target[name] += counters[name]
    if by_department:
        return dict(result)
    return result[None]
