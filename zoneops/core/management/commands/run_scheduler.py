"""manage.py run_scheduler: enqueue the registered periodic tasks when due (loop, or `--once` from cron)."""

from __future__ import annotations

import logging
import signal
import threading

from django.core.management.base import BaseCommand
from django.db import DatabaseError, close_old_connections

from zoneops.core import schedule

logger = logging.getLogger("zoneops.schedule")


class Command(BaseCommand):
    """Thin: call schedule.run_due() once, or in a loop that sleeps until the next task is due."""

    help = "Enqueue each registered periodic task when its interval has passed (safe to run on several hosts)."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="enqueue what is due now and exit (for cron)")
        parser.add_argument(
            "--max-sleep", type=float, default=30.0, help="longest pause between checks, in seconds (default 30)"
        )

    def handle(self, *args, **options):
        if options["once"]:
            self._report(schedule.run_due())
            return
        stopped = threading.Event()

        def stop(signum, frame):
            stopped.set()

        # `serve` stops its children with SIGTERM; finish the current round instead of dying mid-write.
        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        names = ", ".join(f"{e.name} every {e.every}" for e in schedule.registered()) or "nothing registered"
        self.stdout.write(f"scheduler started: {names}")
        while not stopped.is_set():
            close_old_connections()
            try:
                enqueued = schedule.run_due()
                wait = schedule.seconds_until_next()
            except DatabaseError:
                # A locked or restarting database must not end the loop that `serve` does not restart.
                logger.exception("scheduler: database error; retrying")
                enqueued, wait = [], None
            if enqueued:  # a long-running loop stays quiet when there is nothing to say
                self._report(enqueued)
            stopped.wait(options["max_sleep"] if wait is None else min(max(wait, 1.0), options["max_sleep"]))
        self.stdout.write("scheduler stopped")

    def _report(self, names: list[str]) -> None:
        self.stdout.write(f"enqueued: {', '.join(names)}" if names else "nothing due")
