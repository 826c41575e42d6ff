"""Point → grid look-up with thousands of grids: the STRtree index against a brute-force
scan of the same prepared polygons, measured in the same run.

    .venv/bin/python bench/bench_territory.py [--grids 5000] [--lookups 2000]
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import setup_django, summary, timings, write


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--grids", type=int, default=5000)
    parser.add_argument("--lookups", type=int, default=2000)
    args = parser.parse_args()
    setup_django()
    from django.db import connection
    from django.test.utils import (  # noqa: F401
        get_runner,
        setup_databases,
        setup_test_environment,
        teardown_databases,
    )

    setup_test_environment()
    old = setup_databases(verbosity=0, interactive=False)
    try:
        from shapely.geometry import Point, box, mapping, shape
        from shapely.prepared import prep

        from gongzhi.territory.models import Area, AreaKind
        from gongzhi.territory.spatial import bump_version, grid_id_for_point

        side = int(args.grids ** 0.5) + 1
        city = Area.objects.create(code="B", kind=AreaKind.CITY, name_zh="基准市")
        rows = []
        for i in range(args.grids):
            x, y = 100 + (i % side) * 0.01, 20 + (i // side) * 0.01
            rows.append(Area(code=f"B.G{i}", kind=AreaKind.GRID, name_zh=f"网格{i}", parent=city, depth=1,
                             geometry=mapping(box(x, y, x + 0.01, y + 0.01))))
        Area.objects.bulk_create(rows, batch_size=1000)
        bump_version()
        rng = random.Random(1)
        points = [(20 + rng.random() * side * 0.01, 100 + rng.random() * side * 0.01) for _ in range(args.lookups)]
        prepared = [(a.pk, prep(shape(a.geometry))) for a in Area.objects.filter(kind=AreaKind.GRID)]

        def brute(lat: float, lon: float) -> int | None:
            p = Point(lon, lat)
            for pk, poly in prepared:
                if poly.covers(p):
                    return pk
            return None

        it = iter(points * 10)
        grid_id_for_point(*points[0])  # build the index once, as the first request would
        indexed = summary(timings(lambda: grid_id_for_point(*next(it)), n=args.lookups))
        it2 = iter(points * 10)
        scan = summary(timings(lambda: brute(*next(it2)), n=min(args.lookups, 300)))
        ratio = scan["p50_ms"] / indexed["p50_ms"]
        print(f"grids={args.grids} vendor={connection.vendor}")
        print(f"STRtree look-up  p50 {indexed['p50_ms']:.4f} ms  p95 {indexed['p95_ms']:.4f} ms")
        print(f"brute-force scan p50 {scan['p50_ms']:.4f} ms  p95 {scan['p95_ms']:.4f} ms")
        print(f"index is {ratio:.0f}x faster than the scan at p50")
        path = write("territory", {"grids": args.grids, "indexed": indexed, "brute_force": scan, "speedup_p50": ratio})
        print(f"wrote {path}")
    finally:
        teardown_databases(old, verbosity=0)


if __name__ == "__main__":
    main()
