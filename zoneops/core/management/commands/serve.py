"""Serve ZoneOps with gunicorn (WSGI) and run the background worker beside it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    """Production-grade serving for a single machine: gunicorn workers plus one task worker."""

    help = "Serve http://127.0.0.1:PORT with gunicorn and start the task worker."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", 8000)))
        parser.add_argument("--host", default=os.environ.get("ZONEOPS_BIND_HOST", "127.0.0.1"))
        parser.add_argument("--workers", type=int, default=int(os.environ.get("ZONEOPS_WEB_WORKERS", 2)))
        parser.add_argument("--no-worker", action="store_true", help="do not start the background task worker")

    def handle(self, *args, **options):
        credentials = settings.VAR_DIR / "demo-credentials.txt"
        if settings.DEMO_MODE and credentials.exists():
            self.stdout.write(credentials.read_text())
        worker = None
        if not options["no_worker"]:
            worker = subprocess.Popen([sys.executable, "manage.py", "db_worker"], cwd=settings.BASE_DIR)
        url = f"http://{options['host']}:{options['port']}"
        self.stdout.write(self.style.SUCCESS(f"ZoneOps is serving {url}  (Ctrl-C stops it)"))
        command = [
            sys.executable, "-m", "gunicorn", "zoneops.wsgi:application",
            "--bind", f"{options['host']}:{options['port']}",
            "--workers", str(options["workers"]), "--threads", "4",
            "--access-logfile", "-", "--graceful-timeout", "10",
        ]
        server = subprocess.Popen(command, cwd=settings.BASE_DIR)
        try:
            server.wait()
        except KeyboardInterrupt:
            server.send_signal(signal.SIGTERM)
            server.wait()
        finally:
            if worker is not None:
                worker.terminate()
                worker.wait(timeout=15)
