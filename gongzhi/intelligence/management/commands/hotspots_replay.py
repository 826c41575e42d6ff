"""manage.py hotspots_replay --file boston.zip: replay a history of requests in time
order through the hot-spot detector and report what was raised and how early."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import h3
from django.core.management.base import BaseCommand, CommandError, CommandParser

from gongzhi.intelligence import datasets
from gongzhi.intelligence.hotspots import HotspotDetector, replay


class Command(BaseCommand):
    help = "Replay a 311 history (Boston layout, CSV or ZIP) through the hot-spot detector."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--file",
            default="",
            help="default: ../shared/data/boston311/311_service_requests_2011.zip",
        )
        parser.add_argument(
            "--resolution", type=int, default=8, help="h3 resolution of the places (8: ~0.7 km²)"
        )
        parser.add_argument("--window", type=int, default=7)
        parser.add_argument("--baseline", type=int, default=56)
        parser.add_argument("--min-count", type=int, default=5)
        parser.add_argument(
            "--warmup", type=int, default=28, help="days of history before warnings are raised"
        )
        parser.add_argument(
            "--exclude-source",
            default="Employee Generated",
            help="comma-separated intake channels to leave out (staff-made cases are not residents' signals)",
        )
        parser.add_argument("--json", action="store_true")
        parser.add_argument("--out", default="", help="write the full result as JSON")
        parser.add_argument("--show", type=int, default=15, help="episodes to list")

    def handle(self, *args: Any, **opts: Any) -> None:
        path = (
            Path(opts["file"])
            if opts["file"]
            else datasets.shared_data_dir() / "boston311" / "311_service_requests_2011.zip"
        )
        if not 0 <= opts["resolution"] <= 15:
            raise CommandError("--resolution must be between 0 and 15.")
        try:
            header, rows = datasets.read_table(path)
            datasets.require_columns(header, ["open_dt", "type", "latitude", "longitude"], path)
        except datasets.TableError as exc:
            raise CommandError(str(exc)) from exc
        excluded = {s.strip() for s in opts["exclude_source"].split(",") if s.strip()}
        events = []
        skipped = 0
        for ev, row in zip(datasets.boston_events(path), _rows_with_time(rows), strict=False):
            if row.get("source", "") in excluded:
                continue
            if ev.lat is None or ev.lon is None:
                skipped += 1
                continue
            events.append(
                (h3.latlng_to_cell(ev.lat, ev.lon, opts["resolution"]), ev.category, ev.at.date())
            )
        events.sort(key=lambda e: e[2])
        det = HotspotDetector(
            window_days=opts["window"], baseline_days=opts["baseline"], min_count=opts["min_count"]
        )
        from tqdm import tqdm

        total_days = (events[-1][2] - events[0][2]).days + 1 if events else 0
        bar = tqdm(
            total=total_days, desc="replaying days", disable=opts["json"], file=self.stderr._out
        )  # type: ignore[attr-defined]
        episodes, summary = replay(
            events, detector=det, warmup_days=opts["warmup"], progress=lambda d: bar.update(1)
        )
        bar.close()
        summary.update(
            {
                "file": path.name,
                "resolution": opts["resolution"],
                "without_location": skipped,
                "excluded_sources": sorted(excluded),
            }
        )
        result = {
            "summary": summary,
            "episodes": [
                {
                    "place": e.place,
                    "category": e.category,
                    "first_warning": e.first_day.isoformat(),
                    "last_day": e.last_day.isoformat(),
                    "severity": e.severity,
                    "observed_at_first": e.observed_at_first,
                    "expected_at_first": e.expected_at_first,
                    "peak_day": e.peak_day.isoformat() if e.peak_day else None,
                    "reports_before": e.total_before,
                    "reports_after": e.total_after,
                }
                for e in episodes
            ],
        }
        if opts["out"]:
            Path(opts["out"]).parent.mkdir(parents=True, exist_ok=True)
            Path(opts["out"]).write_text(
                json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8"
            )
        if opts["json"]:
            self.stdout.write(json.dumps(result, ensure_ascii=False))
            return
        self.stdout.write(json.dumps(summary, ensure_ascii=False, indent=1))
        top = sorted(episodes, key=lambda e: -(e.total_after + e.total_before))[: opts["show"]]
        self.stdout.write(
            f"\n{'first warning':13} {'sev':6} {'obs/exp':>10} {'peak':10} {'before':>6} {'after':>6}  place / category"
        )
        for e in top:
            self.stdout.write(
                f"{e.first_day.isoformat():13} {e.severity:6} {e.observed_at_first:>4}/{e.expected_at_first:<5} "
                f"{e.peak_day.isoformat() if e.peak_day else '-':10} {e.total_before:6d} {e.total_after:6d}  {e.place} / {e.category}"
            )


def _rows_with_time(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    return [r for r in rows if datasets.parse_time(r.get("open_dt", "")) is not None]
