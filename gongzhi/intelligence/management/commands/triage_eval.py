"""manage.py triage_eval: our triage model against the plain TF-IDF + linear SVM
baseline, same split, on any CSV or XLSX file."""

from __future__ import annotations

import json
import random
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from gongzhi.intelligence import datasets
from gongzhi.intelligence.evaluation import evaluate, format_report
from gongzhi.intelligence.text import join_fields
from gongzhi.intelligence.triage import Doc


def _cols(value: str | None) -> list[str]:
    return [c.strip() for c in (value or "").split(",") if c.strip()]


class Command(BaseCommand):
    help = "Evaluate triage (accuracy, macro-F1, top-3, per-class report, confusion) against the plain baseline."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--file", required=True, help="CSV, XLSX or a ZIP holding one CSV")
        parser.add_argument("--text", required=True, help="text column(s), comma-separated")
        parser.add_argument("--label", required=True, help="label column")
        parser.add_argument(
            "--meta", default="", help="categorical context column(s): place, channel"
        )
        parser.add_argument("--time", default="", help="time column (for --split-by-time)")
        group = parser.add_mutually_exclusive_group()
        group.add_argument(
            "--split-by-time",
            type=float,
            default=None,
            help="train on the earliest fraction, test on the rest",
        )
        group.add_argument(
            "--folds", type=int, default=None, help="stratified k-fold cross-validation (default 5)"
        )
        parser.add_argument(
            "--unlabelled",
            default="",
            help="file of unlabelled messages with the same text columns",
        )
        parser.add_argument(
            "--tree",
            default="",
            help="category tree CSV (一级分类,二级分类,三级分类) used as a prior",
        )
        parser.add_argument("--min-class", type=int, default=2, help="drop labels with fewer rows")
        parser.add_argument(
            "--sample", type=int, default=0, help="use a random sample of this many rows"
        )
        parser.add_argument("--json", action="store_true", help="print JSON instead of the report")
        parser.add_argument("--out", default="", help="also write the JSON result to this file")

    def handle(self, *args: Any, **opts: Any) -> None:
        path = Path(opts["file"])
        text_cols, meta_cols, label = (
            _cols(opts["text"]),
            _cols(opts["meta"]),
            opts["label"].strip(),
        )
        if not text_cols:
            raise CommandError("--text needs at least one column name.")
        if opts["split_by_time"] is not None and not 0 < opts["split_by_time"] < 1:
            raise CommandError("--split-by-time must be a fraction between 0 and 1, e.g. 0.8.")
        if opts["split_by_time"] is not None and not opts["time"]:
            raise CommandError("--split-by-time needs --time COL.")
        if opts["folds"] is not None and opts["folds"] < 2:
            raise CommandError("--folds must be at least 2.")
        try:
            header, rows = datasets.read_table(path)
            wanted = [*text_cols, label, *meta_cols] + ([opts["time"]] if opts["time"] else [])
            datasets.require_columns(header, wanted, path)
        except datasets.TableError as exc:
            raise CommandError(str(exc)) from exc
        rows = [r for r in rows if (r.get(label) or "").strip()]
        counts = Counter(r[label].strip() for r in rows)
        rows = [r for r in rows if counts[r[label].strip()] >= opts["min_class"]]
        if opts["sample"] and len(rows) > opts["sample"]:
            rows = random.Random(42).sample(rows, opts["sample"])
        if len({r[label].strip() for r in rows}) < 2:
            raise CommandError(
                f"Column {label} has fewer than two labels with at least {opts['min_class']} rows each."
            )
        docs = [
            Doc(
                join_fields(r[c] for c in text_cols),
                tuple(f"{c}={r[c].strip()}" for c in meta_cols if r[c].strip()),
            )
            for r in rows
        ]
        labels = [r[label].strip() for r in rows]
        times = [datasets.parse_time(r[opts["time"]]) for r in rows] if opts["time"] else None
        unlabelled: list[Doc] = []
        if opts["unlabelled"]:
            try:
                uh, urows = datasets.read_table(Path(opts["unlabelled"]))
                datasets.require_columns(uh, text_cols, Path(opts["unlabelled"]))
            except datasets.TableError as exc:
                raise CommandError(str(exc)) from exc
            unlabelled = [Doc(join_fields(r[c] for c in text_cols)) for r in urows]
        tree = datasets.tipdm_tree(Path(opts["tree"])) if opts["tree"] else None
        progress = (
            (lambda msg: self.stderr.write(msg))
            if not opts["json"]
            else (lambda msg: print(msg, file=sys.stderr))
        )
        try:
            result = evaluate(
                docs,
                labels,
                times=times,
                split_by_time=opts["split_by_time"],
                folds=opts["folds"],
                unlabelled=unlabelled,
                tree=tree,
                progress=progress,
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        result["file"] = path.name
        result["text"], result["label"], result["meta"] = text_cols, label, meta_cols
        if opts["out"]:
            Path(opts["out"]).parent.mkdir(parents=True, exist_ok=True)
            Path(opts["out"]).write_text(
                json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8"
            )
        if opts["json"]:
            self.stdout.write(json.dumps(result, ensure_ascii=False))
        else:
            self.stdout.write(format_report(result))
