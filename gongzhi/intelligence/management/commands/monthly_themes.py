"""manage.py monthly_themes: 每月一题 candidates for a month."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from gongzhi.intelligence.selectors import monthly_themes


class Command(BaseCommand):
    help = (
        "List the month's most reported problems with counts and trend (monthly theme candidates)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--month", default="", help="YYYY-MM; default the current month")
        parser.add_argument("--top", type=int, default=10)
        parser.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            month = (
                date.fromisoformat(opts["month"] + "-01") if opts["month"] else timezone.localdate()
            )
        except ValueError as exc:
            raise CommandError("--month must look like 2026-05.") from exc
        themes = monthly_themes(month=month, top=opts["top"])
        if opts["json"]:
            self.stdout.write(json.dumps(themes, ensure_ascii=False, default=str))
            return
        if not themes:
            self.stdout.write("No categorised cases in that month.")
        for t in themes:
            self.stdout.write(
                f"{t['count']:5d} ({t['change']:+d}, {t['trend']:4}) {t['category_name']}"
            )
