from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser


class Command(BaseCommand):
    help = "Write the open-data files of one day (yesterday by default)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--day", help="YYYY-MM-DD")

    def handle(self, *args: Any, **options: Any) -> None:
        from gongzhi.analytics.opendata import generate_open_data

        day = None
        if options.get("day"):
            try:
                day = dt.date.fromisoformat(options["day"])
            except ValueError as exc:
                raise CommandError("--day: use YYYY-MM-DD") from exc
        files = generate_open_data(day=day)
        for f in files:
            self.stdout.write(f"cases-{f.day}.{f.fmt}: {f.rows} rows")
