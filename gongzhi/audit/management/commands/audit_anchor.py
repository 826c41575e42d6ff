from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from gongzhi.audit.services import audit_anchor_create


class Command(BaseCommand):
    help = "Seal the audit events since the last anchor into a new anchor."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--now", action="store_true", help="Seal up to this moment (no grace period)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        anchor = audit_anchor_create(until=timezone.now() if options["now"] else None)
        if anchor is None:
            self.stdout.write("Nothing new to anchor.")
        else:
            self.stdout.write(
                f"Anchor #{anchor.number}: {anchor.event_count} events, hash {anchor.hash}"
            )
