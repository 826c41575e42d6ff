"""The public proposal list with 100k proposals and 1M supports on PostgreSQL: p95 of the
page through the Django test client, against a bare `SELECT 1` page measured in the
same run (same middleware, same client), so the ratio shows what the list itself costs.

    DATABASE_URL=postgres://... .venv/bin/python bench/bench_proposals.py [--proposals 100000]
        [--supports 1000000] [--n 60] [--keep]

Seeding uses INSERT ... SELECT generate_series on the server (seconds, not minutes);
support counts are skewed (a few popular proposals, many with none) and the
denormalised `support_count` is set from the supports, as the service keeps it.
With --keep the database is kept, and reused when it already holds the data.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import setup_django, summary, timings, write

USERS = 5000
MAX_PER_PROPOSAL = 60


def _select_one(request: Any) -> Any:
    from django.db import connection
    from django.http import HttpResponse

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return HttpResponse("ok")


def _urlpatterns() -> list[Any]:
    from django.urls import include, path

    return [path("bench/select1/", _select_one), path("", include("gongzhi.config.urls"))]


urlpatterns: list[Any] = []


def seed(n_proposals: int, n_supports: int) -> dict[str, Any]:
    from django.contrib.auth import get_user_model
    from django.db import connection

    from gongzhi.consultations.models import Proposal
    from gongzhi.core.demo import seed_demo

    if Proposal.objects.filter(title__startswith="bench ").count() >= n_proposals:
        return {"seeded": False}
    cast = seed_demo()
    User = get_user_model()
    t0 = time.perf_counter()
    User.objects.bulk_create(
        [User(username=f"bench{i}", password="!", display_name=f"B{i}") for i in range(USERS)],
        batch_size=2000, ignore_conflicts=True,
    )
    areas = [cast.community(i).pk for i in (1, 2, 3)]
    author = cast.users["resident"].pk
    # E[r^3] = 1/4, so round(4.2 * mean * r^3) gives a little over `mean` supports per proposal.
    mean = n_supports / n_proposals
    words = ["公园", "停车", "路灯", "垃圾分类", "电梯", "绿化", "充电桩", "bench", "trees", "noise"]
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO consultations_proposal
                (area_id, topic_id, author_id, title, body, status, support_count, shuffle_key,
                 support_until, qualified_at, created_at, updated_at)
            SELECT (%s::int[])[1 + i %% 3], NULL, %s,
                   'bench ' || i || ' ' || (%s::text[])[1 + (i * 7) %% 10],
                   'Proposal text number ' || i || ' about ' || (%s::text[])[1 + (i * 3) %% 10] || '.',
                   'open', 0, floor(random() * 2147483647)::int,
                   now() + interval '30 days', NULL,
                   now() - (i || ' seconds')::interval, now()
            FROM generate_series(1, %s) AS i
            """,
            [areas, author, words, words, n_proposals],
        )
        t_props = time.perf_counter() - t0
        cursor.execute(
            """
            CREATE TEMP TABLE bench_k AS
            SELECT id, row_number() OVER (ORDER BY id) AS rn,
                   LEAST(%s, round(4.2 * %s * power(random(), 3)))::int AS k
            FROM consultations_proposal WHERE title LIKE 'bench %%'
            """,
            [MAX_PER_PROPOSAL, mean],
        )
        cursor.execute(
            """
            CREATE TEMP TABLE bench_u AS
            SELECT id, row_number() OVER (ORDER BY id) - 1 AS rn FROM accounts_user WHERE username LIKE 'bench%%'
            """
        )
        cursor.execute("CREATE INDEX ON bench_u (rn)")
        cursor.execute(
            """
            INSERT INTO consultations_support (proposal_id, user_id, created_at)
            SELECT p.id, u.id, now()
            FROM bench_k p CROSS JOIN generate_series(0, %s - 1) AS j
            JOIN bench_u u ON u.rn = (p.rn * 7919 + j) %% %s
            WHERE j < p.k
            """,
            [MAX_PER_PROPOSAL, USERS],
        )
        cursor.execute(
            """
            UPDATE consultations_proposal p SET support_count = s.n
            FROM (SELECT proposal_id, count(*) AS n FROM consultations_support GROUP BY proposal_id) s
            WHERE s.proposal_id = p.id
            """
        )
        cursor.execute("ANALYZE")
    return {"seeded": True, "seed_seconds": round(time.perf_counter() - t0, 1),
            "proposals_seconds": round(t_props, 1)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--proposals", type=int, default=100_000)
    parser.add_argument("--supports", type=int, default=1_000_000)
    parser.add_argument("--n", type=int, default=60)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    url = os.environ.get("GONGZHI_BENCH_PG_URL") or os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit("Set GONGZHI_BENCH_PG_URL (or DATABASE_URL) to a PostgreSQL server: this benchmark is about it.")
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("GONGZHI_TEST_DB_SUFFIX", "consult_bench")
    setup_django()
    from django.db import connection
    from django.test import Client
    from django.test.utils import override_settings

    global urlpatterns
    urlpatterns = _urlpatterns()
    # No setup_test_environment(): its template instrumentation copies every context
    # for the test client and would inflate what a real request costs.
    db_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=args.keep)
    try:
        seeding = seed(args.proposals, args.supports)
        from gongzhi.consultations.models import Proposal, Support

        counts = {"proposals": Proposal.objects.count(), "supports": Support.objects.count()}
        client = Client()
        client.force_login(__import__("django.contrib.auth", fromlist=["get_user_model"]).get_user_model()
                           .objects.get(username="resident"))
        pages = {
            "baseline_select1": "/bench/select1/",
            "list_supports_page1": "/consultations/proposals/",
            "list_supports_page200": "/consultations/proposals/?page=200",
            "list_recent": "/consultations/proposals/?sort=recent",
            "list_random_seeded": "/consultations/proposals/?sort=random&seed=12345",
            "list_area_filter": "/consultations/proposals/?area=JC.LJ.XH.C2",
            "list_search": "/consultations/proposals/?q=%E7%94%B5%E6%A2%AF",
        }
        results: dict[str, Any] = {}
        with override_settings(ROOT_URLCONF=__name__):
            for name, url in pages.items():
                status = client.get(url).status_code
                assert status == 200, (url, status)
                results[name] = summary(timings(lambda url=url: client.get(url), args.n))
        base = results["baseline_select1"]["p95_ms"]
        ratios = {k: round(v["p95_ms"] / base, 1) for k, v in results.items() if k != "baseline_select1"}
        path = write("proposals", {
            "database": "postgresql", "counts": counts, "seeding": seeding, "pages": results,
            "p95_ratio_to_select1": ratios,
            "comparison": "an established participation platform reports 7.4 s for 900 proposals",
            # The machine is shared; its load says how much the figures are disturbed.
            "load_average_1_5_15": [round(x, 1) for x in os.getloadavg()],
        })
        for name, r in results.items():
            print(f"{name:26s} p50 {r['p50_ms']:8.1f} ms  p95 {r['p95_ms']:8.1f} ms  ×{ratios.get(name, 1.0)}")
        print(f"{counts} → {path}")
    finally:
        if not args.keep:
            connection.creation.destroy_test_db(db_name, verbosity=0)


if __name__ == "__main__":
    main()
