"""Measure the service desk against a running server: creation throughput and latency, list / search / deep
keyset page / KPI latency, and (in-process, same database) queries per list page.

    ZONEOPS_VAR_DIR=/tmp/bench ZONEOPS_INSECURE_HTTP=1 .venv/bin/python manage.py serve --port 8765 --no-worker &
    ZONEOPS_VAR_DIR=/tmp/bench .venv/bin/python benchmarks/servicedesk/measure.py --url http://127.0.0.1:8765

Without --token, a personal API token for the user `desk` is written straight into the benchmark database.
Prints one Markdown table to paste into benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zoneops.settings")


def setup_django():
    import django

    django.setup()


def make_token(username: str) -> str:
    """A personal API token for `username`, stored directly (benchmark databases only)."""
    from zoneops.accounts.models import ApiToken, User
    from zoneops.accounts.tokens import new_raw_token, token_digest

    raw = new_raw_token()
    ApiToken.objects.create(
        user=User.objects.get(username=username), name="benchmark", prefix=raw[:8], digest=token_digest(raw)
    )
    return raw


def session_cookie(username: str) -> str:
    """A logged-in session's cookie for `username` (benchmark databases only)."""
    from django.conf import settings
    from django.test import Client

    from zoneops.accounts.models import User

    client = Client()
    client.force_login(User.objects.get(username=username))
    return f"sessionid={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def call(url: str, token: str, *, body: dict | None = None) -> tuple[float, int, bytes]:
    """(seconds, status, body) of one request."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method="POST" if body is not None else "GET")
    if token.startswith("sessionid="):  # a browser session, for the server-rendered pages
        request.add_header("Cookie", token)
    else:
        request.add_header("Authorization", f"Bearer {token}")
    if data is not None:
        request.add_header("Content-Type", "application/json")
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            payload = response.read()
            status = response.status
    except urllib.error.HTTPError as error:
        payload, status = error.read(), error.code
    return time.perf_counter() - started, status, payload


def percentiles(samples: list[float]) -> dict[str, float]:
    """p50 / p95 / p99 in milliseconds."""
    ordered = sorted(samples)

    def at(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000

    return {"p50": at(0.50), "p95": at(0.95), "p99": at(0.99), "mean": statistics.fmean(ordered) * 1000}


def creation(base: str, token: str, category: str, concurrency: int, total: int) -> dict:
    """POST /api/v1/cases `total` times with `concurrency` threads."""

    def one(i: int):
        return call(
            f"{base}/api/v1/cases",
            token,
            body={
                "category": category,
                "title": f"基准测试 {i}",
                "description": "物资车辆运输受阻，请协调卡口放行",
                "priority": "normal",
                "channel": "api",
                "requester_name": "基准",
                "requester_mobile": "13912345678",
            },
        )

    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        results = list(pool.map(one, range(total)))
    elapsed = time.perf_counter() - started
    errors = sum(1 for _, status, _ in results if status != 201)
    return {"throughput": total / elapsed, "errors": errors, **percentiles([r[0] for r in results])}


def latency(url: str, token: str, n: int) -> dict:
    """GET `url` n times, one at a time."""
    samples = []
    for _ in range(n):
        seconds, status, _ = call(url, token)
        if status != 200:
            raise SystemExit(f"{url} answered {status}")
        samples.append(seconds)
    return percentiles(samples)


def deep_cursor(base: str, token: str, pages: int) -> str:
    """The cursor `pages` pages deep, following next_cursor."""
    cursor = ""
    for _ in range(pages):
        _, _, payload = call(f"{base}/api/v1/cases?limit=20&cursor={urllib.parse.quote(cursor)}", token)
        cursor = json.loads(payload)["next_cursor"]
        if not cursor:
            break
    return cursor


def queries_per_list_page() -> dict[str, int]:
    """Queries of the queue page (first and fifth page, a queue tab) through Django's test client."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    from zoneops.accounts.models import User

    setup_test_environment()
    client = Client()
    client.force_login(User.objects.get(username="desk"))
    client.get("/servicedesk/cases/", secure=True)
    counts = {}
    for label, url in (
        ("page 1", "/servicedesk/cases/"),
        ("page 5", "/servicedesk/cases/?page=5"),
        ("queue overdue", "/servicedesk/cases/?queue=overdue"),
    ):
        with CaptureQueriesContext(connection) as ctx:
            client.get(url, secure=True)
        counts[label] = len(ctx.captured_queries)
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8765")
    parser.add_argument("--token")
    parser.add_argument("--creates", type=int, default=200, help="cases created per concurrency level")
    parser.add_argument("--concurrency", default="1,4,16")
    parser.add_argument("--samples", type=int, default=50)
    parser.add_argument("--department-user", default="msb", help="a department's staff member for scoped lists")
    args = parser.parse_args()
    setup_django()
    from zoneops.servicedesk.models import Case, Category

    token = args.token or make_token("desk")
    category = (
        Category.objects.filter(is_active=True, default_department__isnull=False).values_list("code", flat=True).first()
    )
    base = args.url.rstrip("/")
    rows = [("cases in the database", f"{Case.objects.count():,}")]
    for level in [int(x) for x in args.concurrency.split(",")]:
        result = creation(base, token, category, level, args.creates)
        rows.append(
            (
                f"create, {level} concurrent",
                f"{result['throughput']:.0f}/s, p50 {result['p50']:.0f} ms, "
                f"p95 {result['p95']:.0f} ms, p99 {result['p99']:.0f} ms, errors {result['errors']}",
            )
        )
    cursor = deep_cursor(base, token, 50)
    staff = make_token(args.department_user)
    session, staff_session = session_cookie("desk"), session_cookie(args.department_user)
    number = Case.objects.order_by("-pk").values_list("number", flat=True)[5000]
    year_end = dt.date.today()
    year = f"from={year_end - dt.timedelta(days=364)}&to={year_end}"
    urls = {
        "list, first page": ("/api/v1/cases?limit=20", token),
        "list, status queue": ("/api/v1/cases?limit=20&status=in_progress", token),
        "list, overdue queue": ("/api/v1/cases?limit=20&queue=overdue", token),
        "list, keyset page 51": ("/api/v1/cases?limit=20&cursor=" + urllib.parse.quote(cursor), token),
        f"list, department user ({args.department_user}) first page": ("/api/v1/cases?limit=20", staff),
        f"list, department user ({args.department_user}) to sign for": ("/api/v1/cases?limit=20&queue=to_sign", staff),
        "search 核酸 (common word)": ("/api/v1/cases?limit=20&q=" + urllib.parse.quote("核酸"), token),
        "search a case number": ("/api/v1/cases?limit=20&q=" + number, token),
        "search a word no case has": ("/api/v1/cases?limit=20&q=" + urllib.parse.quote("无此关键词"), token),
        "page: case list (desk, HTML with queue tabs)": ("/servicedesk/cases/", session),
        f"page: home with queue and KPI card ({args.department_user})": ("/", staff_session),
        "page: KPI table, one year (HTML)": ("/servicedesk/kpi/?" + year, session),
        "KPI, current month (default)": ("/api/v1/servicedesk/kpi", token),
        "KPI, one year": ("/api/v1/servicedesk/kpi?" + year, token),
    }
    for label, (path, who) in urls.items():
        result = latency(base + path, who, args.samples if "KPI" not in label else max(20, args.samples // 2))
        rows.append((label, f"p50 {result['p50']:.0f} ms, p95 {result['p95']:.0f} ms"))
    for label, count in queries_per_list_page().items():
        rows.append((f"queries per queue page ({label})", str(count)))
    print(
        f"Machine: {platform.node()} {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}; "
        f"{time.strftime('%Y-%m-%d %H:%M %Z')}\n"
    )
    print("| measure | result |\n|---|---|")
    for label, value in rows:
        print(f"| {label} | {value} |")


if __name__ == "__main__":
    main()
