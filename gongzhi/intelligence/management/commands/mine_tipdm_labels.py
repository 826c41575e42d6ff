"""manage.py mine_tipdm_labels: department labels for the TipDM messages, mined from
the official replies (see docs/intelligence.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from gongzhi.intelligence import datasets


class Command(BaseCommand):
    help = "Mine lead-department labels from the replies of TipDM annex 4 into a CSV under var/."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--src",
            default="",
            help="default: ../shared/data/tipdm2020c/annex4_messages_with_replies.csv",
        )
        parser.add_argument("--out", default="", help="default: var/tipdm_departments.csv")
        parser.add_argument("--min-per-class", type=int, default=10)

    def handle(self, *args: Any, **opts: Any) -> None:
        src = (
            Path(opts["src"])
            if opts["src"]
            else datasets.shared_data_dir() / "tipdm2020c" / "annex4_messages_with_replies.csv"
        )
        dest = (
            Path(opts["out"]) if opts["out"] else Path(settings.DATA_DIR) / "tipdm_departments.csv"
        )
        try:
            counts = datasets.mine_tipdm_labels(src, dest, min_per_class=opts["min_per_class"])
        except datasets.TableError as exc:
            raise CommandError(str(exc)) from exc
        for dept, n in counts.items():
            self.stdout.write(f"{n:6d}  {dept}")
        self.stdout.write(
            f"{sum(counts.values())} labelled messages, {len(counts)} departments -> {dest}"
        )
