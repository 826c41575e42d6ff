from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections

from gongzhi.audit.backup import BackupError, backup_check, backup_restore, row_counts
from gongzhi.audit.verify import audit_verify


class Command(BaseCommand):
    help = (
        "Restore a backup into an empty instance; checks everything first, never restores in part."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("source", help="The directory that `backup` wrote.")
        parser.add_argument(
            "--check", action="store_true", help="Only check the backup's manifest and checksums."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        source = Path(options["source"])
        try:
            if options["check"]:
                backup_check(source)
                self.stdout.write(self.style.SUCCESS(f"{source}: every part matches its manifest."))
                return
            result = backup_restore(source)
        except BackupError as error:
            raise CommandError(str(error)) from error
        connections.close_all()
        now = row_counts(connections["default"].settings_dict, "default")
        missing = {t: n for t, n in result["row_counts"].items() if now.get(t, 0) < n}
        if missing:
            raise CommandError(f"Restored, but tables have fewer rows than the backup: {missing}.")
        report = audit_verify()
        for finding in report.findings:
            self.stdout.write(str(finding))
        if not report.ok:
            raise CommandError(
                "Restored, but the audit log does not verify: see the findings above."
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"Restored {sum(result['row_counts'].values())} rows and {result['files']} files; "
                f"audit log intact ({report.events} events, {report.anchors} anchors)."
            )
        )
