"""The periodic scheduler: registry, due computation, one enqueue per interval across claimers, --once."""

import datetime as dt
import io
import signal

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone
from django_tasks import task
from django_tasks_db.models import DBTaskResult

from zoneops.core import schedule
from zoneops.core.models import ScheduledTask

pytestmark = pytest.mark.django_db

FIVE_MINUTES = dt.timedelta(minutes=5)
NOW = timezone.make_aware(dt.datetime(2022, 4, 11, 9, 30))
CALLS: list[str] = []


@task()
def tick_task() -> str:
    """A periodic task for these tests."""
    CALLS.append("tick")
    return "tick"


TICK = "zoneops.core.tests.test_schedule.tick_task"


class BrokenQueue:
    """Stands in for a task whose queue is down."""

    def enqueue(self):
        raise RuntimeError("queue down")


broken_task = BrokenQueue()


@pytest.fixture
def registry(monkeypatch):
    """An empty registry for the test (the apps' real entries are left alone)."""
    monkeypatch.setattr(schedule, "_REGISTRY", {})
    CALLS.clear()
    return schedule._REGISTRY


@pytest.fixture
def database_tasks(settings):
    """Queue into the database like production instead of running at once."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def test_register_is_idempotent_and_refuses_conflicts(registry):
    schedule.register("tick", TICK, FIVE_MINUTES)
    schedule.register("tick", TICK, FIVE_MINUTES)
    schedule.register("another", TICK, dt.timedelta(hours=1))
    assert [(e.name, e.every) for e in schedule.registered()] == [
        ("another", dt.timedelta(hours=1)),
        ("tick", FIVE_MINUTES),
    ]
    with pytest.raises(ValueError, match="registered twice"):
        schedule.register("tick", TICK, dt.timedelta(minutes=10))
    with pytest.raises(ValueError, match="positive"):
        schedule.register("zero", TICK, dt.timedelta(0))
    assert len(schedule.registered()) == 2


def test_due_computation():
    assert schedule.is_due(None, FIVE_MINUTES, NOW) is True
    assert schedule.is_due(NOW - dt.timedelta(minutes=4, seconds=59), FIVE_MINUTES, NOW) is False
    assert schedule.is_due(NOW - FIVE_MINUTES, FIVE_MINUTES, NOW) is True
    assert schedule.next_due(None, FIVE_MINUTES, NOW) == NOW
    assert schedule.next_due(NOW - dt.timedelta(minutes=2), FIVE_MINUTES, NOW) == NOW + dt.timedelta(minutes=3)


def test_two_claimers_of_one_slot_exactly_one_wins(registry):
    schedule.register("tick", TICK, FIVE_MINUTES)
    entry = schedule.registered()[0]
    ScheduledTask.objects.create(name="tick")
    # Two schedulers (two serve processes) wake at the same moment: both see the task due.
    assert [schedule.claim(entry, NOW), schedule.claim(entry, NOW)] == [True, False]
    # One that wakes a little later, inside the interval, finds the slot taken too.
    assert schedule.claim(entry, NOW + dt.timedelta(minutes=4)) is False
    later = NOW + FIVE_MINUTES
    assert [schedule.claim(entry, later), schedule.claim(entry, later)] == [True, False]
    assert ScheduledTask.objects.get(name="tick").last_enqueued_at == later


def test_run_due_enqueues_once_per_interval_across_processes(registry, database_tasks):
    schedule.register("tick", TICK, FIVE_MINUTES)
    assert schedule.run_due(NOW) == ["tick"]
    assert schedule.run_due(NOW) == []  # a second scheduler, or a restart, at the same moment
    assert schedule.run_due(NOW + dt.timedelta(minutes=4, seconds=59)) == []
    assert DBTaskResult.objects.count() == 1
    assert schedule.run_due(NOW + FIVE_MINUTES) == ["tick"]
    results = list(DBTaskResult.objects.order_by("enqueued_at").values_list("task_path", flat=True))
    assert results == [TICK, TICK]
    slot = ScheduledTask.objects.get(name="tick")
    assert slot.last_enqueued_at == NOW + FIVE_MINUTES
    assert slot.last_task_id == str(DBTaskResult.objects.order_by("-enqueued_at").first().pk)
    assert CALLS == []  # queued for the worker, not run here


def test_a_failed_enqueue_gives_the_slot_back(registry):
    schedule.register("broken", "zoneops.core.tests.test_schedule.broken_task", FIVE_MINUTES)
    assert schedule.run_due(NOW) == []
    assert ScheduledTask.objects.get(name="broken").last_enqueued_at is None


def test_an_unimportable_task_is_skipped_and_the_others_still_run(registry):
    schedule.register("broken", "zoneops.core.tests.test_schedule.missing_task", FIVE_MINUTES)
    schedule.register("tick", TICK, FIVE_MINUTES)
    assert schedule.run_due(NOW) == ["tick"]
    assert CALLS == ["tick"]  # the immediate backend of the tests runs it at once
    assert ScheduledTask.objects.get(name="broken").last_enqueued_at is None


def test_seconds_until_next(registry):
    assert schedule.seconds_until_next(NOW) is None
    schedule.register("tick", TICK, FIVE_MINUTES)
    schedule.register("hourly", TICK, dt.timedelta(hours=1))
    schedule.run_due(NOW)
    assert schedule.seconds_until_next(NOW + dt.timedelta(minutes=2)) == 180.0
    assert schedule.seconds_until_next(NOW + dt.timedelta(minutes=7)) == 0.0


def test_run_scheduler_once(registry, database_tasks):
    schedule.register("tick", TICK, FIVE_MINUTES)
    with time_machine.travel(NOW, tick=False):
        out = io.StringIO()
        call_command("run_scheduler", "--once", stdout=out)
        call_command("run_scheduler", "--once", stdout=out)
    assert out.getvalue().splitlines() == ["enqueued: tick", "nothing due"]
    assert DBTaskResult.objects.count() == 1


def test_the_service_desk_sweep_runs_every_five_minutes():
    entries = {e.name: e for e in schedule.registered()}
    assert entries["servicedesk.sweep_cases"].task_path == "zoneops.servicedesk.tasks.sweep_cases_task"
    assert entries["servicedesk.sweep_cases"].every == FIVE_MINUTES


class OneRound:
    """Stands in for the loop's stop event: the first pause ends the loop."""

    def __init__(self):
        self.flag = False
        self.waits = []

    def is_set(self):
        return self.flag

    def set(self):
        self.flag = True

    def wait(self, timeout):
        self.waits.append(timeout)
        self.flag = True


def test_run_scheduler_loop_enqueues_then_sleeps_until_the_next_due(registry, database_tasks, monkeypatch):
    from zoneops.core.management.commands import run_scheduler

    schedule.register("tick", TICK, FIVE_MINUTES)
    event = OneRound()
    monkeypatch.setattr(run_scheduler.threading, "Event", lambda: event)
    # Inside the test's transaction autocommit is off, which close_old_connections takes for a broken
    # connection (PostgreSQL then loses the test's rows); the loop's own call is for long-lived processes.
    monkeypatch.setattr(run_scheduler, "close_old_connections", lambda: None)
    previous = signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)
    out = io.StringIO()
    try:
        with time_machine.travel(NOW, tick=False):
            call_command("run_scheduler", "--max-sleep", "600", stdout=out)
    finally:
        signal.signal(signal.SIGTERM, previous[0])
        signal.signal(signal.SIGINT, previous[1])
    assert out.getvalue().splitlines() == [
        "scheduler started: tick every 0:05:00",
        "enqueued: tick",
        "scheduler stopped",
    ]
    assert event.waits == [300.0]
    assert DBTaskResult.objects.count() == 1
