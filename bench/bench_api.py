"""Benchmark: the JSON API against the services it wraps, in one run.

1. create a case: `POST /api/v1/cases` (bearer token, JSON, the whole middleware stack
   and the API boundary: rate limits, idempotency check, validation, serialisation)
   against `cases.services.case_submit` called directly with the same input;
2. list cases: `GET /api/v1/cases?limit=20` against the selector the endpoint uses
   (`case_list_for` + `apply_filter`, first 20 rows with their relations).

The API calls go through Django's test client (in process, no sockets), so the ratio
measures our layer, not the network. Usage:

    .venv/bin/python bench/bench_api.py [--n 200]

Uses a fresh SQLite file unless DATABASE_URL is set. Results: bench/out/api.json.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import summary, timings, write  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=200, help="timed calls per operation")
    parser.add_argument("--seed-cases", type=int, default=300, help="cases in the database before listing")
    args = parser.parse_args()

    if "DATABASE_URL" not in os.environ:
        os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp(prefix='gongzhi-bench-api-')}/db.sqlite3"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gongzhi.config.settings.test")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client

    settings.GONGZHI_API_RATE_TOKEN = "100000000/60"
    settings.GONGZHI_API_RATE_IP = "100000000/60"
    call_command("migrate", verbosity=0, interactive=False)

    from gongzhi.api.services import token_create
    from gongzhi.cases import demo, selectors
    from gongzhi.cases.models import Category
    from gongzhi.cases.services import case_submit
    from gongzhi.core.demo import seed_demo

    cast = seed_demo()
    demo.seed_calendar()
    demo.seed_categories()
    demo.seed_catalogue(cast)
    resident = cast.resident
    grid = cast.grid(1, 2)
    pothole = Category.objects.get(code="pothole")
    _token, raw = token_create(actor=resident, name="bench", scope="read_write")
    client = Client()
    headers = {"Authorization": f"Bearer {raw}"}
    body = {"category": "pothole", "description": "A deep pothole at the bus stop on Liu'an Road.",
            "lat": grid.centroid_lat, "lon": grid.centroid_lon, "attributes": {"size": "large"}}
    payload = json.dumps(body)

    def via_service() -> Any:
        return case_submit(actor=resident, channel="api", category=Category.objects.get(code="pothole"),
                           description=body["description"], lat=body["lat"], lon=body["lon"],
                           attributes={"size": "large"})

    def via_api() -> Any:
        response = client.post("/api/v1/cases", data=payload, content_type="application/json", headers=headers)
        assert response.status_code == 201, response.content
        return response

    for _ in range(args.seed_cases):
        case_submit(actor=resident, channel="web", category=pothole, description="Seeded pothole for listing.",
                    lat=grid.centroid_lat, lon=grid.centroid_lon)

    # Interleave the two variants in rounds so drift in machine load hits both alike.
    create_service: list[float] = []
    create_api: list[float] = []
    rounds = 4
    for _ in range(rounds):
        create_service += timings(via_service, args.n // rounds, warmup=2)
        create_api += timings(via_api, args.n // rounds, warmup=2)

    def list_service() -> Any:
        qs = selectors.apply_filter(selectors.case_list_for(actor=resident), selectors.QueueFilter())
        return list(qs.order_by("-pk")[:21])

    def list_api() -> Any:
        response = client.get("/api/v1/cases?limit=20", headers=headers)
        assert response.status_code == 200
        return response

    list_service_ms: list[float] = []
    list_api_ms: list[float] = []
    for _ in range(rounds):
        list_service_ms += timings(list_service, args.n // rounds, warmup=2)
        list_api_ms += timings(list_api, args.n // rounds, warmup=2)

    result = {
        "database": settings.DATABASES["default"]["ENGINE"],
        "create": {"service": summary(create_service), "api": summary(create_api)},
        "list": {"service": summary(list_service_ms), "api": summary(list_api_ms)},
    }
    result["create"]["ratio_api_over_service_p50"] = round(
        result["create"]["api"]["p50_ms"] / result["create"]["service"]["p50_ms"], 2)
    result["list"]["ratio_api_over_service_p50"] = round(
        result["list"]["api"]["p50_ms"] / result["list"]["service"]["p50_ms"], 2)
    path = write("api", result)
    for op in ("create", "list"):
        r = result[op]
        print(f"{op:6}  service p50 {r['service']['p50_ms']:8.2f} ms   api p50 {r['api']['p50_ms']:8.2f} ms   "
              f"ratio {r['ratio_api_over_service_p50']}x")
    print(f"written to {path}")


if __name__ == "__main__":
    main()
