"""Bulk-load N synthetic cases (default 1,000,000) with realistic distributions, for the service-desk benchmark.

    ZONEOPS_VAR_DIR=/tmp/bench .venv/bin/python manage.py migrate
    ZONEOPS_VAR_DIR=/tmp/bench .venv/bin/python manage.py demo          # departments, users, catalogue
    ZONEOPS_VAR_DIR=/tmp/bench .venv/bin/python benchmarks/servicedesk/generate.py --cases 1000000

Rows go in with bulk_create in batches, one transaction per chunk; each case gets its lead task
(numbers, deadlines on Chinese working days, statuses, satisfaction as the services would leave them)
but no timeline events or audit rows: this is load for the list, search and KPI paths, not history.
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

from django.db import transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from zoneops.accounts.models import User  # noqa: E402
from zoneops.servicedesk import workdays  # noqa: E402
from zoneops.servicedesk.choices import Channel, Priority  # noqa: E402
from zoneops.servicedesk.models import Case, CaseCounter, CaseTask, Category, HotlineCategory  # noqa: E402

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--days", type=int, default=730, help="spread over this many days before --end")
    parser.add_argument("--end", default="2026-06-30", help="last day of the generated history")
    parser.add_argument("--chunk", type=int, default=20_000, help="rows per transaction")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    rnd = random.Random(args.seed)
    categories = list(Category.objects.filter(is_active=True).select_related("sla_rule", "default_department"))
    categories = [c for c in categories if c.default_department_id]
    hotlines = list(HotlineCategory.objects.all())
    if not categories or not hotlines:
        sys.exit("No catalogue: run `manage.py demo` first.")
    creator = User.objects.filter(username="desk").first()
    calendar = workdays.load_calendar()
    end = dt.date.fromisoformat(args.end)
    counters = defaultdict(int, dict(CaseCounter.objects.values_list("day", "last")))
    keep_given_timestamps()
    started = time.monotonic()
    made = 0
    while made < args.cases:
        batch = min(args.chunk, args.cases - made)
        cases, plans = [], []
        for _ in range(batch):
            day = end - dt.timedelta(days=int(rnd.triangular(0, args.days, args.days * 0.3)))
            moment = timezone.make_aware(dt.datetime.combine(day, dt.time(rnd.randint(0, 23), rnd.randint(0, 59))))
            counters[day] += 1
            category = rnd.choice(categories)
            priority = pick(rnd, PRIORITIES)
            status, task_status = pick(rnd, [((s, t), w) for s, t, w in STATUSES])
            channel = pick(rnd, CHANNELS)
            anonymous = rnd.random() < 0.03
            case = Case(
                number=f"GD{day:%Y%m%d}-{counters[day]:04d}",
                channel=channel,
                hotline=rnd.choice(hotlines) if channel == Channel.HOTLINE else None,
                requester_name="" if anonymous else rnd.choice(SURNAMES) + rnd.choice(GIVEN),
                requester_mobile="" if anonymous else "139" + f"{rnd.randrange(10**8):08d}",
                is_anonymous=anonymous,
                category=category,
                priority=priority,
                title=f"{rnd.choice(WORDS)} {rnd.choice(WORDS)}",
                description=" ".join(rnd.sample(WORDS, 6)),
                status=status,
                created_by=creator,
                first_contact_resolution=False,
            )
            case.created_at = case.updated_at = moment
            if task_status is not None:
                dispatched = moment + dt.timedelta(minutes=rnd.randint(5, 120))
                sign_due, due = workdays.deadlines(category.sla_rule, priority, dispatched, calendar)
                case.department_id = category.default_department_id
                case.dispatched_at, case.sign_due_at, case.due_at = dispatched, sign_due, due
                accepted = None
                if task_status in ("accepted", "in_progress", "resolved"):
                    accepted = dispatched + (sign_due - dispatched) * rnd.uniform(0.1, 1.4)
                    case.accepted_at = accepted
                    case.is_sign_overdue = accepted > sign_due
                resolved = None
                if task_status == "resolved":
                    resolved = accepted + (due - accepted) * rnd.uniform(0.1, 1.3)
                    case.resolved_at = resolved
                    case.is_overdue = resolved > due
                    case.resolution = "已办结"
                    if status in ("closed", "followed_up"):
                        case.satisfaction = pick(
                            rnd, [("satisfied", 80), ("basically_satisfied", 14), ("unsatisfied", 6)]
                        )
                    if status == "closed":
                        case.closed_at = resolved + dt.timedelta(days=2)
                case.updated_at = case.closed_at or resolved or accepted or dispatched
                if status in ("returned", "arbitration"):
                    case.return_count = 1 if status == "returned" else 2
                plans.append((case, task_status, dispatched, sign_due, accepted, due, resolved))
            elif category.is_consultation and rnd.random() < 0.5:
                case.status, case.first_contact_resolution = "closed", True
                case.answer, case.resolved_at, case.closed_at = "已答复", moment, moment
            cases.append(case)
        with transaction.atomic():
            Case.objects.bulk_create(cases, batch_size=1000)
            tasks = []
            for case, task_status, dispatched, sign_due, accepted, due, resolved in plans:
                task = CaseTask(
                    case=case,
                    department_id=case.department_id,
                    role="lead",
                    status=task_status,
                    dispatched_at=dispatched,
                    sign_due_at=sign_due,
                    accepted_at=accepted,
                    due_at=due,
                    resolved_at=resolved,
                    is_overdue=bool(resolved and resolved > due),
                    return_reason="not_our_duty" if task_status == "returned" else "",
                    created_at=dispatched,
                    updated_at=resolved or accepted or dispatched,
                )
                tasks.append(task)
            CaseTask.objects.bulk_create(tasks, batch_size=1000)
        made += batch
        rate = made / (time.monotonic() - started)
        print(f"{made:>9} cases  {rate:,.0f}/s", flush=True)
    with transaction.atomic():
        for day, last in counters.items():
            CaseCounter.objects.update_or_create(day=day, defaults={"last": last})
    print(f"done: {made} cases in {time.monotonic() - started:.0f} s")


def keep_given_timestamps() -> None:
    """Let bulk_create store the generated created_at / updated_at (this script only; auto_now would override them)."""
    for model in (Case, CaseTask):
        model._meta.get_field("created_at").auto_now_add = False
        model._meta.get_field("updated_at").auto_now = False


if __name__ == "__main__":
    main()
