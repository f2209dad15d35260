"""The sweep command and background task are thin wrappers that run the idempotent sweep."""

import io

import pytest
from django.core.management import call_command

from zoneops.servicedesk import services
from zoneops.servicedesk.choices import Channel
from zoneops.servicedesk.models import Case
from zoneops.servicedesk.tasks import sweep_cases_task

pytestmark = pytest.mark.django_db


def test_command_and_task_mark_overdue_once(zone, frozen):
    case = services.register_case(
        actor=zone.desk,
        channel=Channel.WALK_IN,
        category=zone.general,
        title="t",
        description="d",
        requester_name="某某",
    )
    services.dispatch_case(actor=zone.desk, case=case, department=zone.zjj)
    out = io.StringIO()
    call_command("sweep_cases", now="2022-04-19T10:00:00+08:00", stdout=out)
    # The same run folds the days the changes left dirty into the KPI rollup.
    assert out.getvalue().strip().startswith("warned=0 overdue=1 sign_overdue=1 escalated=0 kpi_days=")
    assert Case.objects.get().is_overdue is True
    frozen.move_to("2022-04-19T10:05:00+08:00")
    result = sweep_cases_task.enqueue()  # the immediate backend runs it at once in tests
    assert result.return_value == {"warned": 0, "overdue": 0, "sign_overdue": 0, "escalated": 0, "kpi_days": 0}
