"""Serve ZoneOps with gunicorn (WSGI) and run the background task worker and the scheduler beside it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

from django.conf import settings
from django.core.management.base import BaseCommand

DATABASE_TASKS = "django_tasks_db.DatabaseBackend"
ACCESS_LOG_FORMAT = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms "%({x-request-id}o)s"'


class Command(BaseCommand):
    """Production-grade serving for a single machine: gunicorn workers, one task worker, one scheduler."""

    help = "Serve http://127.0.0.1:PORT with gunicorn and start the background task worker and scheduler."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", 8000)))
        parser.add_argument("--host", default=os.environ.get("ZONEOPS_BIND_HOST", "127.0.0.1"))
        parser.add_argument("--workers", type=int, default=int(os.environ.get("ZONEOPS_WEB_WORKERS", 2)))
        parser.add_argument(
            "--no-worker", action="store_true", help="do not start the background task worker nor the scheduler"
        )

    def handle(self, *args, **options):
        credentials = settings.VAR_DIR / "demo-credentials.txt"
        if settings.DEMO_MODE and credentials.exists():
            self.stdout.write(credentials.read_text())
        children: list[subprocess.Popen] = []
        # The worker runs tasks queued in the database; other backends (immediate, in tests) need none.
        if not options["no_worker"] and settings.TASKS["default"]["BACKEND"] == DATABASE_TASKS:
            children.append(subprocess.Popen([sys.executable, "manage.py", "db_worker"], cwd=settings.BASE_DIR))
            # Periodic tasks (the service-desk sweep …) are enqueued here; several serve processes may run
            # a scheduler each, the slot claim in core.schedule keeps it to one enqueue per interval.
            children.append(subprocess.Popen([sys.executable, "manage.py", "run_scheduler"], cwd=settings.BASE_DIR))
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "zoneops.wsgi:application",
            "--bind",
            f"{options['host']}:{options['port']}",
            "--workers",
            str(options["workers"]),
            "--threads",
            "4",
            "--access-logfile",
            "-",
            # Path without the query string: searches by mobile or ID number must not land in the log.
            "--access-logformat",
            ACCESS_LOG_FORMAT,
            "--graceful-timeout",
            "10",
            # No control socket in ~/.gunicorn: two instances on one machine would fight over it.
            "--no-control-socket",
        ]
        server = subprocess.Popen(command, cwd=settings.BASE_DIR)
        children.insert(0, server)
        url = f"http://{options['host']}:{options['port']}"
        self.stdout.write(self.style.SUCCESS(f"ZoneOps is serving {url}  (Ctrl-C stops it)"))

        def stop(signum, frame):
            raise KeyboardInterrupt

        # `kill` (SIGTERM) stops the children as cleanly as Ctrl-C does, instead of orphaning them.
        signal.signal(signal.SIGTERM, stop)
        code = 0
        try:
            code = server.wait()
        except KeyboardInterrupt:
            pass
        finally:
            for child in children:
                if child.poll() is None:
                    child.terminate()
            for child in children:
                try:
                    child.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    child.kill()
                    child.wait()
        if code:
            sys.exit(code)
