from __future__ import annotations

import csv
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from gongzhi.cases.services import categories_import
from gongzhi.core.errors import DomainError


class Command(BaseCommand):
    help = "Import or update case categories from a CSV file (columns: code,parent,name_zh,name_en,case_type,...)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            with open(options["file"], newline="", encoding="utf-8-sig") as fh:
                count = categories_import(actor=None, rows=csv.DictReader(fh))
        except (OSError, DomainError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"{count} categories imported.")
