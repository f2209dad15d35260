"""Queue, list and KPI queries use their indexes (SQLite EXPLAIN QUERY PLAN), so they stay fast at scale."""

import pytest
from django.db import connection
from django.utils import timezone

from zoneops.servicedesk import selectors
from zoneops.servicedesk.choices import CaseStatus, TaskRole
from zoneops.servicedesk.models import Case, CaseTask
from zoneops.servicedesk.selectors import Period, kpi_task_sets

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "sqlite", reason="the plan text checked here is SQLite's"),
]


def plan(qs) -> str:
    return qs.explain()


def test_newest_first_list_and_keyset_page_use_the_newest_index(zone):
    qs = Case.objects.order_by("-created_at", "-id")[:20]
    assert "case_newest" in plan(qs)
    case = Case(created_at=timezone.now(), pk=10)
    assert "case_newest" in plan(
        selectors.after_cursor(Case.objects.order_by("-created_at", "-id"), selectors.encode_cursor(case))[:20]
    )


def test_status_queue_uses_the_status_index(zone):
    qs = Case.objects.filter(status=CaseStatus.RESOLVED).order_by("-created_at", "-id")[:20]
    assert "case_status_newest" in plan(qs)


def test_department_queue_uses_the_department_index(zone):
    qs = Case.objects.filter(department=zone.zjj, status=CaseStatus.DISPATCHED).order_by("-created_at")[:20]
    assert "case_dept_status_newest" in plan(qs)


def test_sign_for_queue_uses_the_task_index(zone):
    qs = CaseTask.objects.filter(department__in=[zone.zjj.pk], status="pending").values("case_id")
    assert "task_dept_status_due" in plan(qs)


def test_kpi_aggregates_use_the_task_kpi_indexes(zone):
    import datetime as dt

    period = Period(dt.date(2022, 4, 1), dt.date(2022, 4, 30))
    assert "task_dept_role_dispatched" in plan(kpi_task_sets(zone.zjj, period)["dispatched"])
    lo, hi = period.bounds
    zone_wide = CaseTask.objects.filter(role=TaskRole.LEAD, dispatched_at__gte=lo, dispatched_at__lt=hi)
    assert "task_role_dispatched" in plan(zone_wide)


def _department_user(zone):
    return zone.zjj_user


def test_a_department_scope_over_many_matches_walks_the_newest_index(zone):
    user = _department_user(zone)
    sorted_plan = plan(selectors.visible_cases(user).order_by("-created_at", "-id")[:20])
    assert "TEMP B-TREE FOR ORDER BY" in sorted_plan  # collects every match, then sorts
    scan_plan = plan(selectors.visible_cases(user, scan=True).order_by("-created_at", "-id")[:20])
    assert "case_newest" in scan_plan and "TEMP B-TREE" not in scan_plan
    # The per-row probe looks up that case's tasks (a department index here meant minutes at 1M cases).
    assert "(case_id=?)" in scan_plan and "department_id=?" not in scan_plan
    queue = selectors.visible_cases(user, scan=True).filter(status=CaseStatus.IN_PROGRESS)
    assert "case_status_newest" in plan(queue.order_by("-created_at", "-id")[:20])


def test_a_case_number_search_is_a_range_on_the_unique_index(zone):
    qs = selectors.search(Case.objects.all(), "gd20220411-00")
    assert "SEARCH servicedesk_case USING INDEX" in plan(qs) and "(number>? AND number<?)" in plan(qs)
    free_text = selectors.search(Case.objects.all(), "核酸")
    assert "number>?" not in plan(free_text)
