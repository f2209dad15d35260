"""The KPI rollup stays equal to the live figures: refreshed after commit, live for dirty days, rebuilt on demand."""

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.db import connection

from zoneops.servicedesk import rollup, selectors, services
from zoneops.servicedesk.choices import Channel, Satisfaction
from zoneops.servicedesk.models import CaseTask, KpiDaily, KpiDay
from zoneops.servicedesk.selectors import Period
from zoneops.servicedesk.tests.factories import at

pytestmark = pytest.mark.django_db

APRIL = Period(dt.date(2022, 4, 1), dt.date(2022, 4, 30))


def register(zone, title="后勤保供", **kwargs):
    values = dict(
        actor=zone.desk,
        channel=Channel.WALK_IN,
        category=zone.general,
        title=title,
        description="工人用餐告急",
        requester_name="赵六",
    )
    values.update(kwargs)
    return services.register_case(**values)


def work_a_month(zone, frozen):
    """Cases over two days: on time, late, returned, resolved and followed up, answered at intake."""
    on_time = services.dispatch_case(actor=zone.desk, case=register(zone, "准时"), department=zone.zjj)
    late = services.dispatch_case(actor=zone.desk, case=register(zone, "超时"), department=zone.zjj)
    services.accept_task(actor=zone.zjj_user, task=CaseTask.objects.get(case=on_time))
    frozen.move_to(at(2022, 4, 12, 10))
    services.accept_task(actor=zone.zjj_user, task=CaseTask.objects.get(case=late))
    services.resolve_task(actor=zone.zjj_user, task=CaseTask.objects.get(case=on_time), resolution="已送达")
    on_time.refresh_from_db()
    services.follow_up_case(actor=zone.desk, case=on_time, satisfaction=Satisfaction.SATISFIED)
    returned = services.dispatch_case(actor=zone.desk, case=register(zone, "退回"), department=zone.scj)
    services.return_task(actor=zone.scj_user, task=CaseTask.objects.get(case=returned), reason="not_local", note="x")
    register(zone, "咨询", category=zone.consultation, answer="已答复")


def live(department, period):
    """The figures summed straight from the case rows, day by day (no rollup rows involved)."""
    counts = dict.fromkeys(rollup.COUNTERS, 0)
    day = period.start
    while day <= period.end:
        for key, values in rollup.compute_day(day).items():
            if department is None or key == department.pk:
                for name in rollup.COUNTERS:
                    counts[name] += values[name]
        day += dt.timedelta(days=1)
    return selectors.kpis_from_counts(counts)


def test_commits_refresh_the_days_they_touch(zone, frozen, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        work_a_month(zone, frozen)
    assert not KpiDay.objects.filter(dirty=True).exists()
    stored = KpiDaily.objects.get(day=dt.date(2022, 4, 11), department=zone.zjj)
    assert (stored.dispatched, stored.signed, stored.signed_on_time, stored.resolved) == (2, 2, 1, 1)
    assert KpiDaily.objects.get(day=dt.date(2022, 4, 12), department=zone.zjj).rated == 1
    for department in (None, zone.zjj, zone.scj, zone.desk_dept):
        assert selectors.department_kpis(department, APRIL) == live(department, APRIL)
    figures = selectors.department_kpis(zone.zjj, APRIL)
    assert (figures["sign_on_time_rate"], figures["satisfaction_rate"]) == (50.0, 100.0)
    assert selectors.department_kpis(zone.scj, APRIL)["return_rate"] == 100.0
    assert selectors.department_kpis(None, APRIL)["first_contact_rate"] == 25.0


def test_a_dirty_day_is_read_live_until_it_is_folded_in(zone, frozen, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        work_a_month(zone, frozen)
    before = selectors.department_kpis(zone.zjj, APRIL)
    # A refresh that never ran (the process died after commit): the stored row is stale and the day dirty.
    KpiDaily.objects.filter(day=dt.date(2022, 4, 11), department=zone.zjj).update(dispatched=99)
    KpiDay.objects.filter(day=dt.date(2022, 4, 11)).update(dirty=True)
    assert selectors.department_kpis(zone.zjj, APRIL) == before
    assert rollup.refresh_dirty() == 1
    assert KpiDaily.objects.get(day=dt.date(2022, 4, 11), department=zone.zjj).dispatched == 2
    assert selectors.department_kpis(zone.zjj, APRIL) == before


def test_without_commit_hooks_the_figures_are_still_right(zone, frozen):
    work_a_month(zone, frozen)  # pytest's transaction never commits: every touched day stays dirty
    assert KpiDay.objects.filter(dirty=True).exists()
    assert not KpiDaily.objects.exists()
    assert selectors.department_kpis(zone.zjj, APRIL) == live(zone.zjj, APRIL)
    assert selectors.department_kpis(zone.zjj, APRIL)["counts"]["dispatched"] == 2


def test_rebuild_command_recomputes_every_day(zone, frozen):
    work_a_month(zone, frozen)
    KpiDay.objects.all().delete()  # as after a bulk load: no markers, no rows
    assert selectors.department_kpis(zone.zjj, APRIL)["counts"]["dispatched"] == 0
    out = io.StringIO()
    call_command("rebuild_kpi", "--from", "2022-04-01", "--to", "2022-04-30", stdout=out)
    assert out.getvalue().startswith("30 days recomputed")
    assert selectors.department_kpis(zone.zjj, APRIL) == live(zone.zjj, APRIL)
    assert KpiDay.objects.filter(dirty=False).count() == 30


def test_kpi_table_is_one_grouped_rollup_query(
    zone, frozen, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    with django_capture_on_commit_callbacks(execute=True):
        work_a_month(zone, frozen)
    with django_assert_max_num_queries(3):  # dirty days, grouped sums, departments
        rows = selectors.kpi_table(APRIL)
    assert {row["department"].code for row in rows} >= {zone.zjj.code, zone.scj.code}


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the plan text checked here is SQLite's")
def test_rollup_reads_use_their_indexes(zone):
    by_day = KpiDaily.objects.filter(day__gte=APRIL.start, day__lte=APRIL.end)
    # The (day, department) unique constraint's index; SQLite names it sqlite_autoindex_….
    assert "SEARCH servicedesk_kpidaily USING INDEX" in by_day.explain()
    assert "kpidaily_department_day" in by_day.filter(department=zone.zjj).explain()
    assert "USING INDEX" in KpiDay.objects.filter(dirty=True, day__gte=APRIL.start).explain()
