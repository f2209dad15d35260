"""Chinese working-day calendar and SLA deadline arithmetic.

Working days come from the maintained `chinese_calendar` library (public holidays and make-up
workdays, 调休) plus administrators' overrides (WorkCalendarOverride). Working hours are 09:00–17:00
by default (settings SERVICEDESK_WORK_START / SERVICEDESK_WORK_END as "HH:MM"). A "working day" of
SLA time is one full working-hours window, so 5 working days = 5 × 8 working hours counted from the
start, and a deadline that lands at the end of a window is that day's 17:00.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

import chinese_calendar
from django.conf import settings
from django.utils import timezone

from zoneops.servicedesk.choices import Priority

MAX_DAYS = 3660  # never walk more than ten years looking for working time


def _parse(value: str, default: dt.time) -> dt.time:
    try:
        hours, minutes = str(value).split(":")
        return dt.time(int(hours), int(minutes))
    except (TypeError, ValueError):
        return default


@dataclass
class Calendar:
    """Which dates are working days and which hours of them count."""

    overrides: Mapping[dt.date, bool] = field(default_factory=dict)
    start: dt.time = dt.time(9, 0)
    end: dt.time = dt.time(17, 0)

    @property
    def day_seconds(self) -> int:
        """Length of one working-hours window in seconds."""
        return (dt.datetime.combine(dt.date.min, self.end) - dt.datetime.combine(dt.date.min, self.start)).seconds

    known: dict[dt.date, bool] = field(default_factory=dict, repr=False, compare=False)

    def is_workday(self, day: dt.date) -> bool:
        """Override first, then the national calendar; outside the library's years, Monday–Friday."""
        # chinese_calendar re-validates its whole range on every call; a calendar lives for one
        # request or sweep, so remembering answers is safe and makes deadline arithmetic ~10x cheaper.
        answer = self.known.get(day)
        if answer is None:
            answer = self.known[day] = self._lookup(day)
        return answer

    def _lookup(self, day: dt.date) -> bool:
        if day in self.overrides:
            return self.overrides[day]
        try:
            return chinese_calendar.is_workday(day)
        except NotImplementedError:
            return day.weekday() < 5

    def _window(self, day: dt.date, tz) -> tuple[dt.datetime, dt.datetime]:
        return (
            timezone.make_aware(dt.datetime.combine(day, self.start), tz),
            timezone.make_aware(dt.datetime.combine(day, self.end), tz),
        )

    def add_working_seconds(self, start: dt.datetime, seconds: float) -> dt.datetime:
        """The moment `seconds` of working time after `start` (start outside hours rolls to the next window)."""
        if seconds <= 0:
            return start
        tz = timezone.get_default_timezone()
        moment = timezone.localtime(start, tz)
        remaining = dt.timedelta(seconds=seconds)
        day = moment.date()
        for _ in range(MAX_DAYS):
            if self.is_workday(day):
                opens, closes = self._window(day, tz)
                begin = max(moment, opens)
                if begin < closes:
                    available = closes - begin
                    if remaining <= available:
                        return begin + remaining
                    remaining -= available
            day += dt.timedelta(days=1)
            moment = timezone.make_aware(dt.datetime.combine(day, dt.time.min), tz)
        raise ValueError("no working time found within ten years")

    def add_working_hours(self, start: dt.datetime, hours: float | Decimal) -> dt.datetime:
        """`start` plus N working hours."""
        return self.add_working_seconds(start, float(hours) * 3600)

    def add_working_days(self, start: dt.datetime, days: float | Decimal) -> dt.datetime:
        """`start` plus N working days (N full working-hours windows)."""
        return self.add_working_seconds(start, float(days) * self.day_seconds)

    def working_seconds_between(self, start: dt.datetime, end: dt.datetime) -> float:
        """Working time between two moments (0 if end is not after start)."""
        if end <= start:
            return 0.0
        tz = timezone.get_default_timezone()
        first = timezone.localtime(start, tz)
        last = timezone.localtime(end, tz)
        total = 0.0
        day = first.date()
        while day <= last.date():
            if self.is_workday(day):
                opens, closes = self._window(day, tz)
                lo, hi = max(opens, first), min(closes, last)
                if hi > lo:
                    total += (hi - lo).total_seconds()
            day += dt.timedelta(days=1)
        return total


def load_calendar() -> Calendar:
    """The calendar with the administrators' overrides (one small query)."""
    from zoneops.servicedesk.models import WorkCalendarOverride

    overrides = dict(WorkCalendarOverride.objects.values_list("date", "is_workday"))
    return Calendar(
        overrides=overrides,
        start=_parse(getattr(settings, "SERVICEDESK_WORK_START", "09:00"), dt.time(9, 0)),
        end=_parse(getattr(settings, "SERVICEDESK_WORK_END", "17:00"), dt.time(17, 0)),
    )


def is_workday(day: dt.date, calendar: Calendar | None = None) -> bool:
    """Whether `day` is a working day (holidays, 调休 and overrides applied)."""
    return (calendar or load_calendar()).is_workday(day)


def add_working_hours(start: dt.datetime, hours: float | Decimal, calendar: Calendar | None = None) -> dt.datetime:
    """`start` plus N working hours."""
    return (calendar or load_calendar()).add_working_hours(start, hours)


def add_working_days(start: dt.datetime, days: float | Decimal, calendar: Calendar | None = None) -> dt.datetime:
    """`start` plus N working days."""
    return (calendar or load_calendar()).add_working_days(start, days)


def deadlines(
    rule, priority: str, start: dt.datetime, calendar: Calendar | None = None
) -> tuple[dt.datetime, dt.datetime]:
    """(sign-for deadline, resolution deadline) for a case dispatched at `start` under `rule`."""
    if priority == Priority.EMERGENCY:
        return (
            start + dt.timedelta(minutes=rule.emergency_sign_minutes),
            start + dt.timedelta(minutes=rule.emergency_resolve_minutes),
        )
    cal = calendar or load_calendar()
    if priority == Priority.URGENT:
        return (
            cal.add_working_hours(start, rule.urgent_sign_working_hours),
            cal.add_working_days(start, rule.urgent_resolve_working_days),
        )
    return cal.add_working_hours(start, rule.sign_working_hours), cal.add_working_days(start, rule.resolve_working_days)


def shift_for_pause(
    deadline: dt.datetime,
    paused_from: dt.datetime,
    paused_to: dt.datetime,
    *,
    wall_clock: bool,
    calendar: Calendar | None = None,
) -> dt.datetime:
    """Move a deadline by the time a case was suspended (working time, or wall-clock for emergencies)."""
    if wall_clock:
        return deadline + (paused_to - paused_from)
    cal = calendar or load_calendar()
    return cal.add_working_seconds(deadline, cal.working_seconds_between(paused_from, paused_to))


def elapsed_fraction(
    start: dt.datetime,
    deadline: dt.datetime,
    moment: dt.datetime,
    *,
    wall_clock: bool,
    calendar: Calendar | None = None,
) -> float:
    """Share of the allowed time used at `moment` (1.0 = at the deadline)."""
    if wall_clock:
        total = (deadline - start).total_seconds()
        used = (moment - start).total_seconds()
    else:
        cal = calendar or load_calendar()
        total = cal.working_seconds_between(start, deadline)
        used = cal.working_seconds_between(start, moment)
    if total <= 0:
        return 1.0 if moment >= deadline else 0.0
    return used / total
