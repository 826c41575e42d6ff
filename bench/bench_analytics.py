"""Benchmark of the analytics app on PostgreSQL, in one run:

1. history import: N rows (the Boston 311 file of 2011 repeated and perturbed: new
   ids, dates shifted by whole weeks, coordinates jittered) through
   `import_cases`' importer, against a plain `COPY` of the same rows into a table of
   text columns, in the same database and run;
2. the figures: `rebuild_figures` over all cases;
3. dashboard queries at that size (the roll-up reads behind the committee,
   department and public pages, and the committee page through the test client):
   p50 / p95 (target p95 <= 100 ms).

Usage:
    GONGZHI_BENCH_PG_URL=postgres://gongzhi@127.0.0.1:55433/gongzhi \\
        .venv/bin/python bench/bench_analytics.py --rows 200000

The script recreates its own database `<name>_bench_analytics`. Results go to
bench/out/analytics.json.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import json
import os
import random
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Any
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import OUT, machine, summary, timings  # noqa: E402

BOSTON = Path("/work/shared/data/boston311/311_service_requests_2011.zip")
FMT = "%Y-%m-%d %H:%M:%S"


def _database(url: str) -> str:
    import psycopg

    parts = urlparse(url)
    name = parts.path.lstrip("/") + "_bench_analytics"
    admin = urlunparse(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    return urlunparse(parts._replace(path="/" + name))


def _perturbed_csv(rows: int, path: Path) -> tuple[list[str], int]:
    with zipfile.ZipFile(BOSTON) as zf, zf.open(zf.namelist()[0]) as raw:
        reader = csv.reader(io.TextIOWrapper(raw, encoding="utf-8"))
        header = next(reader)
        source = list(reader)
    idx = {h: i for i, h in enumerate(header)}
    rng = random.Random(311)
    written = 0
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        rep = 0
        while written < rows:
            shift = dt.timedelta(weeks=26 * rep)
            for r in source:
                if written >= rows:
                    break
                r = list(r)
                r[idx["case_enquiry_id"]] = f"{rep}{r[idx['case_enquiry_id']]}"
                for col in ("open_dt", "target_dt", "closed_dt"):
                    if r[idx[col]]:
                        r[idx[col]] = (dt.datetime.strptime(r[idx[col]], FMT) + shift).strftime(FMT)
                if rep and r[idx["latitude"]]:
                    r[idx["latitude"]] = (
                        f"{float(r[idx['latitude']]) + rng.uniform(-0.002, 0.002):.5f}"
                    )
                    r[idx["longitude"]] = (
                        f"{float(r[idx['longitude']]) + rng.uniform(-0.002, 0.002):.5f}"
                    )
                w.writerow(r)
                written += 1
            rep += 1
    return header, written


def _copy(path: Path, header: list[str]) -> float:
    from django.db import connection

    cols = ", ".join(f'"{h}" text' for h in header)
    with connection.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS bench_copy")
        cur.execute(f"CREATE TABLE bench_copy ({cols})")
    t0 = time.perf_counter()
    with (
        connection.cursor() as cur,
        path.open("rb") as f,
        cur.copy("COPY bench_copy FROM STDIN WITH (FORMAT csv, HEADER true)") as copy,
    ):
        while chunk := f.read(1 << 20):
            copy.write(chunk)
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()
    url = os.environ.get("GONGZHI_BENCH_PG_URL") or os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit("Set GONGZHI_BENCH_PG_URL to a PostgreSQL URL.")
    os.environ["DATABASE_URL"] = _database(url)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gongzhi.config.settings.test")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    from gongzhi.analytics import selectors
    from gongzhi.analytics.figures import rebuild_figures
    from gongzhi.analytics.importer import Mapping, import_file, ontime_agreement
    from gongzhi.analytics.models import Rollup
    from gongzhi.cases import demo
    from gongzhi.cases.models import Case
    from gongzhi.core.demo import seed_demo

    cast = seed_demo()
    demo.seed_calendar()
    demo.seed_categories()
    demo.seed_catalogue(cast)

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "boston_perturbed.csv"
        header, n = _perturbed_csv(args.rows, path)
        mapping = Mapping.load(ROOT / "docs" / "examples" / "boston311.yaml")
        t0 = time.perf_counter()
        result = import_file(path, mapping)
        import_s = time.perf_counter() - t0
        print(f"import: {n} rows in {import_s:.1f} s ({n / import_s:.0f} rows/s)", flush=True)
        copy_s = _copy(path, header)
        print(f"COPY: {copy_s:.2f} s ({n / copy_s:.0f} rows/s)", flush=True)
    t0 = time.perf_counter()
    rebuild_figures()
    rebuild_s = time.perf_counter() - t0
    print(f"rebuild_figures: {rebuild_s:.1f} s", flush=True)
    agreement = ontime_agreement()

    from gongzhi.organizations.models import Organisation

    dept = Organisation.objects.filter(code="bos-public-works").values_list("pk", flat=True).first()
    start = dt.date(2011, 7, 1)
    queries = {
        "ranking": lambda: selectors.ranking(),
        "ranking_period": lambda: selectors.ranking(
            period=selectors.Period(start=start, end=dt.date(2011, 12, 1))
        ),
        "trend_by_month": lambda: selectors.figures(by="month"),
        "department_by_category": lambda: selectors.figures(
            by="category", period=selectors.Period(department_ids=(dept,) if dept else ())
        ),
        "by_area": lambda: selectors.figures(by="area"),
    }
    results: dict[str, Any] = {}
    for name, fn in queries.items():
        results[name] = summary(timings(fn, args.queries))
    from django.test import Client

    client = Client()
    client.force_login(cast.committee)
    results["committee_page"] = summary(
        timings(lambda: client.get("/stats/?view=committee"), max(20, args.queries // 5))
    )
    results["public_page"] = summary(
        timings(lambda: Client().get("/stats/public/"), max(20, args.queries // 5))
    )

    out = {
        "rows": n,
        "cases_in_db": Case.objects.count(),
        "rollup_rows": Rollup.objects.count(),
        "import": {
            "seconds": round(import_s, 2),
            "rows_per_second": round(n / import_s, 1),
            "imported": result.imported,
            "rejected": result.rejected,
        },
        "copy": {"seconds": round(copy_s, 2), "rows_per_second": round(n / copy_s, 1)},
        "import_vs_copy_ratio": round(copy_s / import_s, 4),
        "rebuild_figures_seconds": round(rebuild_s, 2),
        "ontime_agreement": agreement,
        "queries": results,
        "target_p95_ms": 100,
        "machine": machine(),
    }
    OUT.mkdir(exist_ok=True)
    (OUT / "analytics.json").write_text(json.dumps(out, indent=2, default=str))
    print(json.dumps(out, indent=2, default=str))


if __name__ == "__main__":
    main()
