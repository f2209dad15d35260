"""manage.py rebuild_kpi: recompute the service-desk KPI rollup from the case rows."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError
from django.utils.dateparse import parse_date

from zoneops.servicedesk import rollup


class Command(BaseCommand):
    """After a bulk load or a restore; everyday changes keep the rollup in step by themselves."""

    help = "Recompute the service-desk KPI rollup (all days from the first case to today, or --from/--to)."

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="first", help="first day (YYYY-MM-DD)")
        parser.add_argument("--to", dest="last", help="last day (YYYY-MM-DD)")
        parser.add_argument("--dirty", action="store_true", help="only the days marked dirty")

    def handle(self, *args, **options):
        started = time.monotonic()
        if options["dirty"]:
            count = rollup.refresh_dirty(limit=100_000)
        else:
            first = self._date(options["first"], "--from")
            last = self._date(options["last"], "--to")
            count = rollup.rebuild(first, last)
        self.stdout.write(f"{count} days recomputed in {time.monotonic() - started:.1f} s")

    @staticmethod
    def _date(value, name):
        if not value:
            return None
        day = parse_date(value)
        if day is None:
            raise CommandError(f"{name} must be a date (YYYY-MM-DD).")
        return day
