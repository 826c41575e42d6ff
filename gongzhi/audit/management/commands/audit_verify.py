from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from gongzhi.audit.verify import audit_verify


class Command(BaseCommand):
    help = "Check the audit log's hash chains, stream heads and anchors; list every finding."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--stream", action="append", help="Only this stream (repeatable); skips anchors."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        report = audit_verify(streams=options["stream"])
        for finding in report.findings:
            self.stdout.write(str(finding))
        summary = (
            f"{report.streams} streams, {report.events} events, {report.anchors} anchors checked"
        )
        if not report.ok:
            raise CommandError(
                f"{len(report.findings)} problem(s) found in the audit log ({summary})."
            )
        self.stdout.write(self.style.SUCCESS(f"Audit log intact: {summary}."))
