"""manage.py hotspots_scan: raise early warnings from recent cases."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from gongzhi.intelligence.hotspots import HotspotDetector
from gongzhi.intelligence.services import warning_scan


class Command(BaseCommand):
    help = "Scan the last weeks of cases per grid/h3 cell × category against their own baseline and raise warnings."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--day", default="", help="scan as of this day (YYYY-MM-DD); default today"
        )
        parser.add_argument("--window", type=int, default=7)
        parser.add_argument("--min-count", type=int, default=5)

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            day = date.fromisoformat(opts["day"]) if opts["day"] else None
        except ValueError as exc:
            raise CommandError("--day must look like 2026-05-31.") from exc
        det = HotspotDetector(window_days=opts["window"], min_count=opts["min_count"])
        warnings = warning_scan(today=day, detector=det, progress=self.stderr.write)
        for w in warnings:
            self.stdout.write(
                f"{w.severity:6} {w.place_kind}:{w.place_code} {w.category_code} {w.observed}/{w.expected:.1f}"
            )
        self.stdout.write(f"{len(warnings)} active warnings.")
