"""manage.py sweep_cases: run the SLA sweep once (schedule it every few minutes with cron or a timer)."""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.utils.dateparse import parse_datetime

from zoneops.core import context
from zoneops.servicedesk import rollup, services


class Command(BaseCommand):
    """Warn, mark overdue, supervise and notify; idempotent."""

    help = "Run the service-desk SLA sweep once (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--enqueue", action="store_true", help="enqueue the background task instead of running here"
        )
        parser.add_argument("--now", help="pretend the time is this ISO datetime (for replays)")

    def handle(self, *args, **options):
        if options["enqueue"]:
            from zoneops.servicedesk.tasks import sweep_cases_task

            result = sweep_cases_task.enqueue()
            self.stdout.write(f"enqueued {result.id}")
            return
        now = parse_datetime(options["now"]) if options["now"] else None
        token = context.activate(context.RequestContext(request_id="sweep", source="command"))
        try:
            counts = services.sweep_cases(now=now)
            counts["kpi_days"] = rollup.refresh_dirty()
        finally:
            context.reset(token)
        self.stdout.write(" ".join(f"{key}={value}" for key, value in counts.items()))
