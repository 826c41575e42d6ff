from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from gongzhi.audit.backup import BackupError, backup_create


class Command(BaseCommand):
    help = "Back up the database and uploaded files into a new directory, with a checksum manifest."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--output", "-o", required=True, help="A new or empty directory for the backup."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            manifest = backup_create(Path(options["output"]))
        except BackupError as error:
            raise CommandError(str(error)) from error
        parts = ", ".join(
            f"{name} ({meta['size']} bytes)" for name, meta in manifest["files"].items()
        )
        self.stdout.write(self.style.SUCCESS(f"Backup written to {options['output']}: {parts}."))
