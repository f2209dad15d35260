"""`manage.py serve`: gunicorn (WSGI, not runserver) plus the database task worker and scheduler, stopped together."""

import signal
from unittest import mock

from django.core.management import call_command


class FakeProcess:
    """Stands in for a child process that exits at once."""

    def __init__(self, args, **kwargs):
        self.args = args
        self.terminated = False

    def wait(self, timeout=None):
        return 0

    def poll(self):
        return None if not self.terminated else 0

    def terminate(self):
        self.terminated = True


def serve(*args):
    """Run `serve` with fake children; return them."""
    started = []

    def popen(args, **kwargs):
        started.append(FakeProcess(args))
        return started[-1]

    previous = signal.getsignal(signal.SIGTERM)
    try:
        with mock.patch("subprocess.Popen", side_effect=popen):
            call_command("serve", *args)
    finally:
        signal.signal(signal.SIGTERM, previous)
    return started


def test_serve_starts_gunicorn_the_task_worker_and_the_scheduler(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    started = serve("--port", "8123", "--workers", "3")

    commands = [" ".join(p.args) for p in started]
    worker = next(c for c in commands if "db_worker" in c)
    assert any(c.endswith("manage.py run_scheduler") for c in commands)
    server = next(c for c in commands if "gunicorn" in c)
    assert "manage.py db_worker" in worker
    assert "zoneops.wsgi:application" in server
    assert "--bind 127.0.0.1:8123" in server
    assert "--workers 3" in server
    # The access log keeps the path but never the query string (searches by mobile or ID number).
    fmt = started[[i for i, c in enumerate(commands) if "gunicorn" in c][0]].args
    log_format = fmt[fmt.index("--access-logformat") + 1]
    assert "%(U)s" in log_format and "%(r)s" not in log_format and "%(q)s" not in log_format
    assert all(p.terminated for p in started)


def test_no_worker_skips_the_worker_and_the_scheduler(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    started = serve("--port", "8123", "--no-worker")
    commands = [" ".join(p.args) for p in started]
    assert len(commands) == 1 and "gunicorn" in commands[0]
