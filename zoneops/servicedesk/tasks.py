"""Background work of the service desk (django-tasks): thin and idempotent, they call services."""

from __future__ import annotations

from django_tasks import task

from zoneops.core import context
from zoneops.servicedesk import rollup, services


@task()
def sweep_cases_task() -> dict[str, int]:
    """Warn at 75%, mark overdue, raise supervision and notify; safe to run as often as wanted."""
    token = context.activate(context.RequestContext(request_id="sweep", source="task"))
    try:
        counts = services.sweep_cases()
        counts["kpi_days"] = rollup.refresh_dirty()
        return counts
    finally:
        context.reset(token)
