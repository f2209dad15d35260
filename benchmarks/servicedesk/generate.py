"""Bulk-load N synthetic cases (default 1,000,000) with realistic distributions, for the service-desk benchmark.

    ZONEOPS_VAR_DIR=/tmp/bench .venv/bin/python manage.py migrate
    ZONEOPS_VAR_DIR=/tmp/bench .venv/bin/python manage.py demo          # departments, users, catalogue
    ZONEOPS_VAR_DIR=/tmp/bench .venv/bin/python benchmarks/servicedesk/generate.py --cases 1000000

Rows go in with raw executemany in batches, one transaction per chunk; each case gets its lead task
(numbers, deadlines on Chinese working days, statuses, overdue flags, follow-ups with satisfaction as
the services would leave them) and, on SQLite, its row in the search word index, but no timeline events
or audit rows: this is load for the list, search and KPI paths, not history. The KPI rollup is rebuilt
at the end.
Never run it against a production database.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zoneops.settings")

import django  # noqa: E402

django.setup()

from django.core.management.color import no_style  # noqa: E402
from django.db import connection, models, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from zoneops.accounts.models import User  # noqa: E402
from zoneops.core import crypto  # noqa: E402
from zoneops.servicedesk import rollup, search_index, workdays  # noqa: E402
from zoneops.servicedesk.choices import Channel, Priority  # noqa: E402
from zoneops.servicedesk.models import Case, CaseCounter, CaseTask, Category, FollowUp, HotlineCategory  # noqa: E402

STATUSES = [  # (case status, lead task status or None, weight)
    ("closed", "resolved", 62),
    ("followed_up", "resolved", 5),
    ("resolved", "resolved", 6),
    ("in_progress", "in_progress", 8),
    ("accepted", "accepted", 4),
    ("dispatched", "pending", 5),
    ("registered", None, 4),
    ("returned", "returned", 1),
    ("arbitration", "returned", 1),
    ("suspended", "accepted", 1),
]
CHANNELS = [
    (Channel.HOTLINE, 55),
    (Channel.WEBSITE, 15),
    (Channel.WALK_IN, 7),
    (Channel.FIELD_VISIT, 6),
    (Channel.GRID, 10),
    (Channel.API, 5),
    (Channel.INTERNAL, 2),
]
PRIORITIES = [(Priority.NORMAL, 80), (Priority.URGENT, 17), (Priority.EMERGENCY, 3)]
WORDS = (
    "核酸登门检测 物资车辆运输 后勤保供 复工复产 价格投诉 食品安全 工地噪音 物业服务 安全隐患 通行证 "
    "稳岗补贴 租金减免 电梯故障 道路破损 路灯不亮 垃圾清运 停水 停电 燃气 消防通道"
).split()
SURNAMES = "张王李赵刘陈杨黄周吴徐孙朱马胡郭林何高罗郑梁谢宋唐许韩冯邓曹彭曾肖田董潘蒋蔡余杜叶程苏魏吕丁"
GIVEN = "建华 志强 秀英 丽娟 海涛 建军 晓东 文静 立新 春燕 国平 红梅 永刚 雪芳 俊杰 玉兰 伟东 明辉 桂芳 卫东".split()


def pick(rnd: random.Random, weighted):
    """One value from (value, weight) pairs."""
    values, weights = zip(*weighted, strict=True)
    return rnd.choices(values, weights=weights)[0]


class RawRows:
    """Prepared INSERTs for one model: Python values in, one executemany per batch (the ORM's per-field
    preparation costs ~1 ms per case; this keeps the generator at tens of microseconds)."""

    def __init__(self, model):
        self.fields = [f for f in model._meta.concrete_fields]
        self.names = [f.attname for f in self.fields]
        columns = ", ".join(connection.ops.quote_name(f.column) for f in self.fields)
        marks = ", ".join(["%s"] * len(self.fields))
        self.sql = f"INSERT INTO {connection.ops.quote_name(model._meta.db_table)} ({columns}) VALUES ({marks})"
        self.convert = [self._converter(f) for f in self.fields]
        self.defaults = {f.attname: f.get_default() for f in self.fields}

    @staticmethod
    def _converter(field):
        if isinstance(field, models.DateTimeField):
            if connection.vendor == "sqlite":
                return lambda v: None if v is None else v.astimezone(dt.UTC).replace(tzinfo=None).isoformat(" ")
            return None
        if isinstance(field, models.JSONField):
            return lambda v: connection.ops.adapt_json_value(v, field.encoder)
        return None

    def row(self, values: dict) -> tuple:
        """A dict of attname → Python value as a parameter tuple (unset fields take their defaults)."""
        merged = {**self.defaults, **values}
        out = []
        for name, convert in zip(self.names, self.convert, strict=True):
            value = merged[name]
            out.append(convert(value) if convert is not None else value)
        return tuple(out)

    def insert(self, rows: list[tuple]) -> None:
        """One executemany for the batch."""
        if rows:
            with connection.cursor() as cursor:
                cursor.executemany(self.sql, rows)


def index_terms(rows: list[tuple[int, str]]) -> None:
    """One executemany of (case id, indexed terms) into the search word index."""
    if rows:
        with connection.cursor() as cursor:
            cursor.executemany(f"INSERT INTO {search_index.TABLE}(rowid, terms) VALUES (%s, %s)", rows)


def sealed_pool(rnd: random.Random, size: int = 2000) -> list[tuple[str, str, str, str]]:
    """(encrypted name, name digest, encrypted mobile, mobile digest) tuples, sealed once and reused."""
    name_field = Case._meta.get_field("requester_name")
    mobile_field = Case._meta.get_field("requester_mobile")
    pool = []
    for _ in range(size):
        name = rnd.choice(SURNAMES) + rnd.choice(GIVEN)
        mobile = "139" + f"{rnd.randrange(10**8):08d}"
        pool.append(
            (
                name_field.get_db_prep_save(name, connection),
                crypto.digest(name),
                mobile_field.get_db_prep_save(mobile, connection),
                crypto.digest(mobile),
            )
        )
    return pool


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--days", type=int, default=1095, help="spread over this many days before --end")
    parser.add_argument("--end", default="", help="last day of the generated history (default today)")
    parser.add_argument("--chunk", type=int, default=20_000, help="rows per transaction")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    rnd = random.Random(args.seed)
    categories = list(Category.objects.filter(is_active=True).select_related("sla_rule", "default_department"))
    categories = [c for c in categories if c.default_department_id]
    hotlines = [h.pk for h in HotlineCategory.objects.all()]
    if not categories or not hotlines:
        sys.exit("No catalogue: run `manage.py demo` first.")
    creator = User.objects.filter(username="desk").first()
    follower = creator.pk
    calendar = workdays.load_calendar()
    now = timezone.now()
    end = dt.date.fromisoformat(args.end) if args.end else timezone.localdate()
    counters = defaultdict(int, dict(CaseCounter.objects.values_list("day", "last")))
    pool = sealed_pool(rnd)
    case_rows, task_rows, follow_rows = RawRows(Case), RawRows(CaseTask), RawRows(FollowUp)
    next_case = (Case.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    next_task = (CaseTask.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    status_weights = [((s, t), w) for s, t, w in STATUSES]
    indexed = search_index.available()  # SQLite with the FTS5 word index migrated in
    tz = timezone.get_default_timezone()
    started = time.monotonic()
    made = 0
    while made < args.cases:
        batch = min(args.chunk, args.cases - made)
        cases, tasks, follow_ups, terms = [], [], [], []
        for _ in range(batch):
            age = int(rnd.triangular(0, args.days, args.days * 0.3))
            day = end - dt.timedelta(days=age)
            moment = dt.datetime.combine(day, dt.time(rnd.randint(0, 23), rnd.randint(0, 59)), tzinfo=tz)
            if moment > now:
                moment = now - dt.timedelta(minutes=rnd.randint(1, 600))
                day = moment.astimezone(tz).date()
            counters[day] += 1
            category = rnd.choice(categories)
            priority = pick(rnd, PRIORITIES)
            status, task_status = pick(rnd, status_weights)
            if age > 45 and rnd.random() > 0.01:
                # Old cases are almost all finished; the open ones are recent.
                status, task_status = pick(rnd, [(("closed", "resolved"), 92), (("followed_up", "resolved"), 8)])
            channel = pick(rnd, CHANNELS)
            anonymous = rnd.random() < 0.03
            sealed = ("", "", "", "") if anonymous else rnd.choice(pool)
            case = {
                "id": next_case,
                "number": f"GD{day:%Y%m%d}-{counters[day]:04d}",
                "channel": channel,
                "hotline_id": rnd.choice(hotlines) if channel == Channel.HOTLINE else None,
                "requester_name": sealed[0],
                "requester_name_digest": sealed[1],
                "requester_mobile": sealed[2],
                "requester_mobile_digest": sealed[3],
                "is_anonymous": anonymous,
                "category_id": category.pk,
                "priority": priority,
                "title": f"{rnd.choice(WORDS)} {rnd.choice(WORDS)}",
                "description": " ".join(rnd.sample(WORDS, 6)),
                "status": status,
                "created_by_id": creator.pk if creator else None,
                "created_at": moment,
                "updated_at": moment,
                "tags": [],
                "extra": {},
            }
            if indexed:
                terms.append((case["id"], search_index.case_terms(case["title"], case["description"])))
            next_case += 1
            if task_status is not None:
                dispatched = moment + dt.timedelta(minutes=rnd.randint(5, 120))
                sign_due, due = workdays.deadlines(category.sla_rule, priority, dispatched, calendar)
                accepted = resolved = None
                if task_status in ("accepted", "in_progress", "resolved"):
                    accepted = dispatched + (sign_due - dispatched) * rnd.uniform(0.1, 1.4)
                    if accepted > now:
                        accepted = now
                resolved_late = False
                if task_status == "resolved":
                    resolved = accepted + (due - accepted) * rnd.uniform(0.1, 1.3)
                    if resolved > now:
                        resolved = now
                    resolved_late = resolved > due
                overdue = resolved_late if resolved else due < now
                case.update(
                    department_id=category.default_department_id,
                    dispatched_at=dispatched,
                    sign_due_at=sign_due,
                    due_at=due,
                    accepted_at=accepted,
                    resolved_at=resolved,
                    is_sign_overdue=(accepted or now) > sign_due,
                    is_overdue=overdue,
                    supervision_level=2 if overdue and not resolved else 0,
                    warned_at=dispatched + (due - dispatched) * 0.75 if overdue and not resolved else None,
                    updated_at=resolved or accepted or dispatched,
                )
                if resolved:
                    case["resolution"] = "已办结"
                if status in ("closed", "followed_up"):
                    rating = pick(rnd, [("satisfied", 80), ("basically_satisfied", 14), ("unsatisfied", 6)])
                    called = min(resolved + dt.timedelta(hours=rnd.randint(2, 72)), now)
                    case["satisfaction"] = rating
                    follow_ups.append(
                        follow_rows.row(
                            {
                                "case_id": case["id"],
                                "method": "phone",
                                "satisfaction": rating,
                                "reason": "" if rating != "unsatisfied" else "处理不及时",
                                "by_id": follower,
                                "at": called,
                            }
                        )
                    )
                    if status == "closed":
                        case["closed_at"] = min(called + dt.timedelta(days=1), now)
                if status in ("returned", "arbitration"):
                    case["return_count"] = 1 if status == "returned" else 2
                tasks.append(
                    task_rows.row(
                        {
                            "id": next_task,
                            "case_id": case["id"],
                            "department_id": case["department_id"],
                            "role": "lead",
                            "status": task_status,
                            "dispatched_at": dispatched,
                            "sign_due_at": sign_due,
                            "accepted_at": accepted,
                            "accepted_by_id": None,
                            "due_at": due,
                            "resolved_at": resolved,
                            "is_overdue": overdue,
                            "return_reason": "not_our_duty" if task_status == "returned" else "",
                            "created_at": dispatched,
                            "updated_at": resolved or accepted or dispatched,
                        }
                    )
                )
                next_task += 1
            elif category.is_consultation and rnd.random() < 0.5:
                case.update(
                    status="closed",
                    first_contact_resolution=True,
                    answer="已答复",
                    resolved_at=moment,
                    closed_at=moment,
                )
            cases.append(case_rows.row(case))
        with transaction.atomic():
            case_rows.insert(cases)
            task_rows.insert(tasks)
            follow_rows.insert(follow_ups)
            index_terms(terms)
        made += batch
        rate = made / (time.monotonic() - started)
        print(f"{made:>9} cases  {rate:,.0f}/s", flush=True)
    with transaction.atomic():
        for day, last in counters.items():
            CaseCounter.objects.update_or_create(day=day, defaults={"last": last})
        reset = connection.ops.sequence_reset_sql(no_style(), [Case, CaseTask, FollowUp])
        with connection.cursor() as cursor:
            for statement in reset:
                cursor.execute(statement)
    loaded = time.monotonic() - started
    print(f"loaded {made} cases in {loaded:.0f} s; rebuilding the KPI rollup", flush=True)
    days = rollup.rebuild()
    print(
        f"done: {made} cases in {loaded:.0f} s, KPI rollup of {days} days in {time.monotonic() - started - loaded:.0f} s"
    )


if __name__ == "__main__":
    main()
