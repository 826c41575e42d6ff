"""Benchmark of the cases core on PostgreSQL, in one run:

1. case submission through the full `case_submit` service (validation, grid lookup,
   deadlines on the working calendar, event, audit chain, inbox notification) against a
   bare single-row INSERT into the same table, each in its own transaction
   (target: the service reaches >= 50% of the bare rate);
2. the department queue page (`/cases/queue/`, a clerk of one department, via the test
   client through the whole middleware stack) with N seeded cases (target p95 <= 100 ms).

Usage:
    DATABASE_URL=postgres://gongzhi@127.0.0.1:55433/gongzhi \\
        .venv/bin/python bench/bench_cases.py --cases 100000

The script creates (or reuses) its own database `<name>_bench_cases` next to the one in
DATABASE_URL, migrates it, seeds the demo community and bulk-loads N cases with
`bulk_create`; later runs top up to N. Results go to bench/out/cases.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _bench_database(url: str) -> str:
    import psycopg

    parts = urlparse(url)
    name = parts.path.lstrip("/") + "_bench_cases"
    admin = urlunparse(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')
    return urlunparse(parts._replace(path="/" + name))


def _setup(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gongzhi.config.settings.test")
    import django

    django.setup()
    from django.db import connections

    # Persistent connection, as gunicorn runs it in production.
    connections["default"].settings_dict["CONN_MAX_AGE"] = None
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def _seed(target: int) -> dict[str, Any]:
    from django.db import transaction
    from django.utils import timezone

    from gongzhi.cases import demo
    from gongzhi.cases.models import Case, Category, Status
    from gongzhi.core.demo import seed_demo

    cast = seed_demo()
    demo.seed_calendar()
    demo.seed_categories()
    demo.seed_catalogue(cast)
    have = Case.objects.filter(number__startswith="B").count()
    started = time.perf_counter()
    if have < target:
        rng = random.Random(have)
        leaves = list(Category.objects.filter(depth=2))
        grids = [a for code, a in cast.areas.items() if code.count(".") == 4]
        depts = [
            cast.orgs[c]
            for c, _zh, _en in __import__("gongzhi.core.demo", fromlist=["DEPARTMENTS"]).DEPARTMENTS
        ]
        statuses = [
            Status.DISPATCHED,
            Status.ACCEPTED,
            Status.IN_PROGRESS,
            Status.REPLIED,
            Status.CLOSED,
            Status.CLOSED,
            Status.CLOSED,
            Status.CLOSED,
        ]
        now = timezone.now()
        batch: list[Case] = []
        for i in range(have, target):
            area = rng.choice(grids)
            status = rng.choice(statuses)
            submitted = now - dt.timedelta(minutes=rng.randint(0, 525_600))
            batch.append(
                Case(
                    number=f"B{i:09d}",
                    description=f"Benchmark case {i}: 路灯不亮 pothole noise",
                    category=rng.choice(leaves),
                    status=status,
                    channel="web",
                    area=area,
                    lat=area.centroid_lat,
                    lon=area.centroid_lon,
                    reporter=cast.resident,
                    lead_department=rng.choice(depts),
                    submitted_at=submitted,
                    dispatched_at=submitted,
                    response_due_at=submitted + dt.timedelta(days=1),
                    resolution_due_at=submitted + dt.timedelta(days=14),
                    warning_level=rng.choice([0, 0, 0, 1, 2, 3]),
                    closed_at=submitted + dt.timedelta(days=5) if status == Status.CLOSED else None,
                )
            )
            if len(batch) == 10_000:
                with transaction.atomic():
                    Case.objects.bulk_create(batch)
                batch = []
                print(f"  seeded {i + 1:,} cases", flush=True)
        if batch:
            with transaction.atomic():
                Case.objects.bulk_create(batch)
        from django.db import connection

        with connection.cursor() as cur:
            cur.execute("ANALYZE cases_case")
            cur.execute("ANALYZE cases_caseassignment")
    return {
        "cast": cast,
        "seed_seconds": round(time.perf_counter() - started, 1),
        "cases": Case.objects.count(),
    }


def _bare_inserts(n: int, cast: Any) -> float:
    """Single-row INSERTs into cases_case, each committed on its own (autocommit)."""
    from django.db import connection
    from django.utils import timezone

    from gongzhi.cases.models import Category

    category_id = Category.objects.get(code="pothole").pk
    area = cast.grid(1, 1)
    sql = (
        "INSERT INTO cases_case (number, title, description, category_id, status, version, channel, urgency, area_id, "
        "lat, lon, address, is_public, is_anonymous, reporter_id, caller_name, caller_phone, contact_preference, "
        "attributes, submitted_at, warning_level, is_supervised, return_count, reopen_count, extension_hours, "
        "response_limit_minutes, resolution_limit_minutes, pending, evaluation_comment, evaluation_is_default, "
        "public_reply, updated_at) VALUES (%s, '', %s, %s, 'submitted', 1, 'web', 'normal', %s, %s, %s, '', true, false, "
        "%s, '', '', '', '{}', %s, 0, false, 0, 0, 0, 480, 4800, '{}', '', false, '', %s)"
    )
    stamp = int(time.time() * 1000) % 10_000_000
    started = time.perf_counter()
    with connection.cursor() as cur:
        for i in range(n):
            now = timezone.now()
            cur.execute(
                sql,
                (
                    f"X{stamp:07d}{i:05d}",
                    "Bare insert for the benchmark.",
                    category_id,
                    area.pk,
                    area.centroid_lat,
                    area.centroid_lon,
                    cast.resident.pk,
                    now,
                    now,
                ),
            )
    return n / (time.perf_counter() - started)


def _service_submits(n: int, cast: Any) -> float:
    from gongzhi.cases.models import Category
    from gongzhi.cases.services import case_submit

    category = Category.objects.get(code="pothole")
    area = cast.grid(1, 1)
    started = time.perf_counter()
    for _ in range(n):
        case_submit(
            actor=cast.resident,
            channel="web",
            category=category,
            description="A deep pothole at the corner of Liu'an Road.",
            lat=area.centroid_lat,
            lon=area.centroid_lon,
        )
    return n / (time.perf_counter() - started)


def _queue_latency(requests: int, cast: Any) -> dict[str, float]:
    from django.test import Client

    client = Client()
    client.force_login(cast.clerk)
    from gongzhi.cases.models import Case

    some = list(
        Case.objects.filter(lead_department__code="public-works").values_list("number", flat=True)[
            :50
        ]
    )
    variants = [
        "/cases/queue/",
        "/cases/queue/?page=3",
        "/cases/queue/?status=accepted",
        "/cases/queue/?warning=3&status=open",
        "/cases/queue/?sort=due",
    ]
    for v in variants:
        assert client.get(v).status_code == 200, v
    timings = []
    for i in range(requests):
        url = (
            variants[i % len(variants)]
            if i % 6
            else f"/cases/queue/?q={some[i % len(some)]}&status="
        )
        t0 = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - t0) * 1000)
        assert response.status_code == 200
    timings.sort()
    return {
        "requests": requests,
        "p50_ms": round(statistics.median(timings), 1),
        "p95_ms": round(timings[int(0.95 * (len(timings) - 1))], 1),
        "max_ms": round(timings[-1], 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--cases", type=int, default=100_000, help="cases to seed for the queue measurement"
    )
    parser.add_argument(
        "--submits", type=int, default=300, help="submissions to time (service and bare each)"
    )
    parser.add_argument("--requests", type=int, default=120, help="queue page requests to time")
    args = parser.parse_args()
    url = os.environ.get("GONGZHI_BENCH_PG_URL") or os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit("Set GONGZHI_BENCH_PG_URL (or DATABASE_URL) to a PostgreSQL server (the benchmark is meant for it).")
    _setup(_bench_database(url))
    print(f"Seeding up to {args.cases:,} cases …", flush=True)
    seeded = _seed(args.cases)
    cast = seeded.pop("cast")
    print(f"  {seeded['cases']:,} cases in the table ({seeded['seed_seconds']} s to seed this run)")
    # Warm up both paths (connections, templates, caches), then measure in the same run.
    _bare_inserts(20, cast)
    _service_submits(20, cast)
    bare = _bare_inserts(args.submits, cast)
    service = _service_submits(args.submits, cast)
    ratio = service / bare
    print(
        f"Submission: bare insert {bare:,.0f}/s, case_submit {service:,.0f}/s, ratio {ratio:.2f} (target >= 0.50)"
    )
    queue = _queue_latency(args.requests, cast)
    print(
        f"Department queue at {seeded['cases']:,} cases: p50 {queue['p50_ms']} ms, p95 {queue['p95_ms']} ms "
        f"(target p95 <= 100 ms)"
    )
    out = ROOT / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    result = {
        "database": "postgresql",
        "cases_in_table": seeded["cases"],
        "seed_seconds": seeded["seed_seconds"],
        "submission": {
            "bare_insert_per_s": round(bare, 1),
            "case_submit_per_s": round(service, 1),
            "ratio": round(ratio, 3),
            "target_ratio": 0.5,
            "n": args.submits,
        },
        "queue": {**queue, "target_p95_ms": 100},
        "measured_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        # The machine may be shared: the load average says how much the figures can be trusted.
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "cpus": os.cpu_count(),
    }
    path = out / f"cases_{seeded['cases']}.json"
    path.write_text(json.dumps(result, indent=2))
    (out / "cases.json").write_text(json.dumps(result, indent=2))
    print(f"Wrote {path}")


if __name__ == "__main__":
    main()
