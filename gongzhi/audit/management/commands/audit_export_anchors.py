from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from gongzhi.audit.models import AuditAnchor
from gongzhi.audit.services import anchor_as_dict


class Command(BaseCommand):
    help = "Write the audit anchors as JSON, for publishing outside the platform."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", "-o", help="File to write (default: standard output).")
        parser.add_argument(
            "--since", type=int, default=0, help="Only anchors with a number above this."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        anchors = [
            anchor_as_dict(a) for a in AuditAnchor.objects.filter(number__gt=options["since"])
        ]
        text = json.dumps(
            {"format": "gongzhi-audit-anchors/1", "anchors": anchors}, indent=2, ensure_ascii=False
        )
        if options["output"]:
            with open(options["output"], "w", encoding="utf-8") as fh:
                fh.write(text + "\n")
            self.stdout.write(f"{len(anchors)} anchors written to {options['output']}.")
        else:
            self.stdout.write(text)
