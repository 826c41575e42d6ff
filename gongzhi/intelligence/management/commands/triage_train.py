"""manage.py triage_train: retrain the triage models on the platform's confirmed cases."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from gongzhi.intelligence.services import TARGETS, triage_train


class Command(BaseCommand):
    help = "Train the category and department triage models from confirmed cases (cold start from the category tree)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--target", choices=[*TARGETS, "all"], default="all")

    def handle(self, *args: Any, **opts: Any) -> None:
        targets = TARGETS if opts["target"] == "all" else (opts["target"],)
        for target in targets:

            def progress(msg: str, t: str = target) -> None:
                self.stderr.write(f"[{t}] {msg}")

            record = triage_train(target=target, progress=progress)
            if record is None:
                self.stdout.write(
                    f"{target}: nothing to learn from yet (fewer than two labels); no model written."
                )
            else:
                self.stdout.write(
                    f"{target}: model {record.version} on {record.trained_on} cases, {len(record.classes)} labels."
                )
