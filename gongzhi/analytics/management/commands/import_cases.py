from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser


class Command(BaseCommand):
    help = (
        "Import historical cases from CSV, XLSX or a ZIP holding one CSV, through a YAML "
        "mapping. Batches are all-or-nothing; rerun the same command after a crash to resume."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")
        parser.add_argument(
            "--mapping", required=True, help="YAML mapping (see docs/examples/boston311.yaml)"
        )
        parser.add_argument("--report", help="validation report CSV (default: FILE.report.csv)")
        parser.add_argument(
            "--no-figures", action="store_true", help="do not fold the cases into the figures now"
        )
        parser.add_argument(
            "--compare-ontime",
            action="store_true",
            help="compare our on-time verdict with the file's",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from gongzhi.analytics.importer import Mapping, MappingError, Problem, import_file

        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        try:
            mapping = Mapping.load(options["mapping"])
        except (OSError, MappingError) as exc:
            raise CommandError(str(exc)) from exc
        report_path = Path(options["report"] or f"{path}.report.csv")
        new = not report_path.exists() or report_path.stat().st_size == 0
        with report_path.open("a", encoding="utf-8", newline="") as out:
            writer = csv.writer(out)
            if new:
                writer.writerow(["row", "column", "problem"])

            def report(p: Problem) -> None:
                writer.writerow([p.row, p.column, p.problem])
                out.flush()  # lines of committed batches survive a crash

            try:
                result = import_file(
                    path, mapping, report=report, progress=options["verbosity"] > 0
                )
            except MappingError as exc:
                writer.writerow([0, "", str(exc)])
                raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Imported {result.imported} cases, rejected {result.rejected} rows "
            f"(run {result.run.pk}: {result.run.imported} imported in total). Report: {report_path}"
        )
        if not options["no_figures"]:
            # Through the event cursor, so that batches of an earlier, crashed run are
            # folded in too.
            from gongzhi.analytics.figures import update_figures

            update_figures()
        if options["compare_ontime"]:
            from gongzhi.analytics.importer import ontime_agreement

            a = ontime_agreement()
            self.stdout.write(
                f"On-time agreement on {a['compared']} closed cases: {a['agree']} agree "
                f"({a['rate']:.2%}); ours on time & theirs overdue: {a['ours_only']}, "
                f"theirs on time & ours overdue: {a['theirs_only']}."
            )
