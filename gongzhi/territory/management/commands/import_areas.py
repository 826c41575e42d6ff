from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from gongzhi.core.errors import DomainError
from gongzhi.territory.services import areas_import_geojson


class Command(BaseCommand):
    help = "Import areas and grids from a GeoJSON FeatureCollection (all or nothing)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)

    def handle(self, *args: Any, file: Path, **options: Any) -> None:
        try:
            data = json.loads(file.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise CommandError(f"{file}: no such file") from None
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise CommandError(f"{file}: not a UTF-8 JSON file ({exc})") from None
        try:
            report = areas_import_geojson(actor=None, data=data)
        except DomainError as error:
            lines = [error.message] + [f"  {where}: {msg}" for where, msgs in error.errors.items() for msg in msgs]
            raise CommandError("\n".join(lines)) from None
        self.stdout.write(self.style.SUCCESS(f"Imported {len(report.created)} new and {len(report.updated)} updated areas."))
