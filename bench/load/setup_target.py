"""Prepare a seeded Gongzhi for the load test and print what the driver needs as JSON.

Run with the server's settings and database (scripts/load.sh does):

    .venv/bin/python bench/load/setup_target.py --base http://127.0.0.1:8460 > target.json

Creates (through the services) a read-write token for each demo resident and an Open311
key for the Public Works Office; lists the demo clerks, the grid centroids (points that
lie inside an area served), the leaf categories with answers to their required
questions, and a few public case numbers for Open311 reads.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))


def answers(questions: list[dict[str, Any]]) -> dict[str, Any]:
    """One valid answer to every required question of a category."""
    result: dict[str, Any] = {}
    for q in questions or []:
        if not q.get("required"):
            continue
        kind = q.get("datatype", "string")
        keys = [str(v.get("key")) for v in q.get("values", [])]
        if kind == "number":
            result[q["code"]] = 1
        elif kind == "singlevaluelist":
            result[q["code"]] = keys[0]
        elif kind == "multivaluelist":
            result[q["code"]] = keys[:1]
        else:
            result[q["code"]] = "yes"
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--base", required=True, help="the server's base URL")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gongzhi.config.settings.prod")
    import django

    django.setup()
    from django.contrib.auth import get_user_model

    from gongzhi.api.services import token_create
    from gongzhi.cases.models import Case, Category
    from gongzhi.core.demo import DEMO_PASSWORD
    from gongzhi.open311.services import open311_key_create
    from gongzhi.organizations.models import Organisation
    from gongzhi.territory.models import Area

    users = get_user_model().objects
    tokens = [token_create(actor=users.get(username=name), name="load test", scope="read_write")[1]
              for name in ("resident", "resident2")]
    admin = users.get(username="admin")
    _key, open311_key = open311_key_create(actor=admin, organisation=Organisation.objects.get(code="public-works"),
                                           name="load test")
    points = [[a.centroid_lat, a.centroid_lon] for a in Area.objects.filter(kind="grid", centroid_lat__isnull=False)]
    leaves = [c for c in Category.objects.filter(is_active=True) if not c.children.exists()]
    categories = [{"code": c.code, "attributes": answers(c.questions)} for c in leaves]
    public = list(Case.objects.filter(is_public=True).order_by("-pk").values_list("number", flat=True)[:20])
    print(json.dumps({
        "base": args.base, "tokens": tokens, "open311_key": open311_key,
        "clerks": [[name, DEMO_PASSWORD] for name in ("clerk", "clerk_b", "head")],
        "points": points, "categories": categories, "public_numbers": public,
    }, indent=2))


if __name__ == "__main__":
    main()
