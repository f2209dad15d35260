"""Working-day arithmetic around the 2022 holidays (清明 4/3–4/5 with 调休 Saturday 4/2; 劳动节 4/30–5/4 with 调休 Sunday 4/24)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from zoneops.servicedesk import workdays
from zoneops.servicedesk.choices import Priority
from zoneops.servicedesk.models import SlaRule, WorkCalendarOverride
from zoneops.servicedesk.workdays import Calendar

CAL = Calendar()


def at(y, m, d, hh=0, mm=0):
    return timezone.make_aware(dt.datetime(y, m, d, hh, mm))


def test_holidays_and_make_up_workdays_of_2022():
    assert CAL.is_workday(dt.date(2022, 4, 2)) is True  # Saturday, 调休 for 清明
    assert CAL.is_workday(dt.date(2022, 4, 3)) is False
    assert CAL.is_workday(dt.date(2022, 4, 5)) is False  # Tuesday, 清明
    assert CAL.is_workday(dt.date(2022, 4, 24)) is True  # Sunday, 调休 for 劳动节
    assert CAL.is_workday(dt.date(2022, 5, 2)) is False
    assert CAL.is_workday(dt.date(2022, 5, 7)) is True  # Saturday, 调休
    assert CAL.is_workday(dt.date(2022, 4, 9)) is False  # ordinary Saturday


def test_years_outside_the_library_fall_back_to_weekdays():
    assert CAL.is_workday(dt.date(2099, 1, 5)) is True  # Monday
    assert CAL.is_workday(dt.date(2099, 1, 3)) is False  # Saturday


def test_override_beats_the_national_calendar():
    cal = Calendar(overrides={dt.date(2022, 4, 6): False, dt.date(2022, 4, 9): True})
    assert cal.is_workday(dt.date(2022, 4, 6)) is False
    assert cal.is_workday(dt.date(2022, 4, 9)) is True


def test_working_hours_skip_the_qingming_holiday():
    # Friday 2022-04-01 16:00 + 2 working hours: 1 h on Friday, 1 h on the make-up Saturday 04-02.
    assert CAL.add_working_hours(at(2022, 4, 1, 16), 2) == at(2022, 4, 2, 10)
    # Saturday 04-02 16:30 + 2 h: 0.5 h on Saturday, then 04-03..05 are holidays, 1.5 h on Wednesday 04-06.
    assert CAL.add_working_hours(at(2022, 4, 2, 16, 30), 2) == at(2022, 4, 6, 10, 30)


def test_start_outside_hours_rolls_to_the_next_window():
    assert CAL.add_working_hours(at(2022, 4, 6, 20), 2) == at(2022, 4, 7, 11)
    assert CAL.add_working_hours(at(2022, 4, 6, 7), Decimal("0.5")) == at(2022, 4, 6, 9, 30)


def test_working_days_over_the_labour_day_holiday():
    # Friday 2022-04-22 10:00 + 5 working days: 4/24 (Sunday, 调休), 25, 26, 27, 28 → Thursday 4/28 10:00.
    assert CAL.add_working_days(at(2022, 4, 22, 10), 5) == at(2022, 4, 28, 10)
    # Thursday 04-28 15:00 + 2 working days: 4/29, then 4/30–5/4 off → Thursday 5/5 15:00.
    assert CAL.add_working_days(at(2022, 4, 28, 15), 2) == at(2022, 5, 5, 15)
    # A deadline ending exactly at closing time stays on that day at 17:00.
    assert CAL.add_working_days(at(2022, 4, 29, 9), 1) == at(2022, 4, 29, 17)


def test_working_seconds_between_counts_only_open_hours():
    assert (
        CAL.working_seconds_between(at(2022, 4, 1, 16), at(2022, 4, 6, 10)) == (1 + 8 + 1) * 3600
    )  # Fri 1 h, make-up Sat 8 h, Wed 1 h
    assert CAL.working_seconds_between(at(2022, 4, 3, 0), at(2022, 4, 5, 23)) == 0
    assert CAL.working_seconds_between(at(2022, 4, 6, 12), at(2022, 4, 6, 11)) == 0


def test_shift_for_pause_moves_by_working_time_or_wall_clock():
    due = at(2022, 4, 8, 12)
    # Suspended from Wednesday 04-06 16:00 to Thursday 04-07 10:00 = 2 working hours.
    assert workdays.shift_for_pause(due, at(2022, 4, 6, 16), at(2022, 4, 7, 10), wall_clock=False, calendar=CAL) == at(
        2022, 4, 8, 14
    )
    assert workdays.shift_for_pause(due, at(2022, 4, 6, 16), at(2022, 4, 7, 10), wall_clock=True, calendar=CAL) == at(
        2022, 4, 9, 6
    )


@pytest.mark.django_db
def test_deadlines_per_priority_and_overrides_from_the_database():
    rule = SlaRule.objects.create(code="general", name="一般", resolve_working_days=5)
    start = at(2022, 4, 1, 16)
    assert workdays.deadlines(rule, Priority.NORMAL, start) == (at(2022, 4, 2, 10), at(2022, 4, 11, 16))
    assert workdays.deadlines(rule, Priority.URGENT, start) == (at(2022, 4, 1, 17), at(2022, 4, 6, 16))
    assert workdays.deadlines(rule, Priority.EMERGENCY, at(2022, 4, 10, 2)) == (
        at(2022, 4, 10, 2, 30),
        at(2022, 4, 10, 4),
    )
    WorkCalendarOverride.objects.create(date=dt.date(2022, 4, 2), is_workday=False, note="test")
    assert workdays.add_working_hours(start, 2) == at(2022, 4, 6, 10)
    assert workdays.is_workday(dt.date(2022, 4, 2)) is False
