"""What the database says after a load or fault test; prints JSON (exit 1 when a check fails).

    verify.py check --acks acks.jsonl   acknowledged submissions vs stored cases; duplicates
    verify.py probe-set                 make one load-test case due for the deadline sweep now
    verify.py probe-check --number N    has the sweep handled it since?
    verify.py audit                     manage.py audit_verify

Runs with the server's settings and DATABASE_URL (scripts/load.sh exports them). Every
load-test case carries its Idempotency-Key in the description ("Load test report
<key>: ..."), so a key filed twice is seen as two cases whatever the channel.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import sys
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

KEY_RE = re.compile(r"^Load test report ([0-9a-f-]{36}):")


def check(acks_path: Path) -> dict[str, Any]:
    from gongzhi.cases.models import Case

    acks = [json.loads(line) for line in acks_path.read_text().splitlines() if line.strip()] \
        if acks_path.exists() else []
    stored_keys: Counter[str] = Counter()
    number_of_key: dict[str, str] = {}
    for number, description in Case.objects.filter(description__startswith="Load test report ") \
            .values_list("number", "description").iterator():
        match = KEY_RE.match(description)
        if match:
            stored_keys[match.group(1)] += 1
            number_of_key[match.group(1)] = number
    acked_keys = {a["key"] for a in acks}
    missing = [a for a in acks if a["key"] not in stored_keys]
    wrong_number = [a for a in acks if a["key"] in number_of_key and a.get("number")
                    and stored_keys[a["key"]] == 1 and number_of_key[a["key"]] != a["number"]]
    duplicates = {k: n for k, n in stored_keys.items() if n > 1}
    return {
        "acknowledged": len(acks),
        "stored": len(acks) - len(missing),
        "missing": len(missing),
        "missing_examples": missing[:5],
        "acknowledged_number_differs": len(wrong_number),
        "duplicates": len(duplicates),
        "duplicate_examples": list(duplicates.items())[:5],
        "retried_acknowledged": sum(1 for a in acks if a["attempts"] > 1),
        "duplicates_among_retried": sum(1 for a in acks if a["attempts"] > 1 and a["key"] in duplicates),
        "stored_not_acknowledged": len(set(stored_keys) - acked_keys),
        "load_cases_in_database": sum(stored_keys.values()),
    }


def probe_set() -> dict[str, Any]:
    from django.utils import timezone

    from gongzhi.cases.models import Case

    case = Case.objects.filter(description__startswith="Load test report ", next_check_at__isnull=False) \
        .order_by("-pk").first()
    if case is None:
        return {"number": None, "error": "no load-test case with a pending check"}
    due = timezone.now() - timedelta(minutes=1)
    # A test harness moving the clock of one case, not a business write: no service for it.
    Case.objects.filter(pk=case.pk).update(next_check_at=due)
    return {"number": case.number, "due": due.isoformat()}


def probe_check(number: str) -> dict[str, Any]:
    from django.utils import timezone

    from gongzhi.cases.models import Case

    case = Case.objects.get(number=number)
    now = timezone.now()
    swept = case.next_check_at is None or case.next_check_at > now
    return {"number": number, "swept": swept,
            "next_check_at": case.next_check_at.isoformat() if case.next_check_at else None}


def audit() -> dict[str, Any]:
    from django.core.management import call_command
    from django.core.management.base import CommandError

    out = io.StringIO()
    try:
        call_command("audit_verify", stdout=out)
    except CommandError as exc:
        return {"ok": False, "output": (out.getvalue() + str(exc)).strip()[-2000:]}
    return {"ok": True, "output": out.getvalue().strip()[-500:]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("what", choices=["check", "probe-set", "probe-check", "audit"])
    parser.add_argument("--acks")
    parser.add_argument("--number")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gongzhi.config.settings.prod")
    import django

    django.setup()
    if args.what == "check":
        result = check(Path(args.acks))
        ok = result["missing"] == 0 and result["duplicates"] == 0
    elif args.what == "probe-set":
        result = probe_set()
        ok = result["number"] is not None
    elif args.what == "probe-check":
        result = probe_check(args.number)
        ok = result["swept"]
    else:
        result = audit()
        ok = result["ok"]
    print(json.dumps(result, default=str))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
