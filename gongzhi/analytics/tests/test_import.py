"""History import: good file, bad rows, a lying file name, crash and resume, Boston."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from gongzhi.analytics import selectors
from gongzhi.analytics.figures import rebuild_figures, recompute_cases
from gongzhi.analytics.importer import Mapping, MappingError, import_file, ontime_agreement
from gongzhi.analytics.models import ImportRun
from gongzhi.cases.models import Case, CaseEvent

pytestmark = [pytest.mark.django_db, pytest.mark.pg]

BOSTON = Path("/work/shared/data/boston311/311_service_requests_2011.zip")
ROOT = Path(__file__).resolve().parents[3]

MAPPING = """
time_zone: Asia/Shanghai
date_formats: ["%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M"]
number_prefix: IMP
batch_size: 2
columns:
  id: ref
  submitted_at: opened
  closed_at: closed
  due_at: due
  category: kind
  department: dept
  status: state
  satisfaction: stars
  resolved: ok
values:
  category: {Road: pothole, Lamp: streetlight}
  department: {PW: public-works}
  status: {Open: in_progress, Done: closed}
"""
HEADER = ["ref", "opened", "closed", "due", "kind", "dept", "state", "stars", "ok"]
GOOD = [
    [
        "1",
        "2026-03-02 09:00",
        "2026-03-04 13:00",
        "2026-03-10 17:00",
        "Road",
        "PW",
        "Done",
        "5",
        "yes",
    ],
    [
        "2",
        "2026-03-02 10:00",
        "2026-03-20 10:00",
        "2026-03-10 17:00",
        "Road",
        "PW",
        "Done",
        "2",
        "no",
    ],
    ["3", "02/03/2026 11:00", "", "2026-03-10 17:00", "Road", "PW", "Open", "", ""],
]


def _write(
    tmp_path: Path, rows: list[list[str]], name: str = "cases.csv", header: list[str] = HEADER
) -> Path:
    path = tmp_path / name
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)
    return path


def _mapping(tmp_path: Path, text: str = MAPPING) -> Mapping:
    p = tmp_path / "mapping.yaml"
    p.write_text(text, encoding="utf-8")
    return Mapping.load(p)


def test_a_good_file_becomes_cases_with_events_that_count_in_the_figures(
    catalogue: Any, tmp_path: Path
) -> None:
    result = import_file(_write(tmp_path, GOOD), _mapping(tmp_path))
    assert (result.imported, result.rejected, result.problems) == (3, 0, [])
    case = Case.objects.get(number="IMP1")
    assert case.status == "closed" and case.lead_department == catalogue.orgs["public-works"]
    assert list(CaseEvent.objects.filter(case=case).values_list("kind", flat=True)) == [
        "submitted",
        "dispatched",
        "replied",
        "evaluated",
    ]
    recompute_cases(result.case_ids)
    (row,) = selectors.figures(by="department")
    assert row["cases"] == 3
    assert row["dispatched"] == 0  # response time unknown: outside the response rate
    assert row["on_time_rate"] == 0.5  # case 2 closed after its due date
    assert row["resolution_rate"] == 0.5 and row["satisfaction_rate"] == 0.5
    # Case 1: Mon 9:00 → Wed 13:00 = 20 h; case 2: Mon 2 10:00 → Fri 20 10:00 = 7 + 32 + 40 + 32 + 1 h.
    assert row["mean_resolution_hours"] == pytest.approx((20 + 112) / 2)


def test_bad_rows_are_reported_and_good_rows_kept(catalogue: Any, tmp_path: Path) -> None:
    rows = [
        GOOD[0],
        ["4", "yesterday", "", "", "Road", "PW", "Open", "", ""],
        ["5", "2026-03-02 09:00", "", "", "Bridge", "PW", "Open", "", ""],
        ["1", "2026-03-02 09:00", "", "", "Road", "PW", "Open", "", ""],
        ["6", "2026-03-02 09:00", "", "", "Road", "XX", "Lost", "9", ""],
        ["7", "2026-03-02 09:00"],
        GOOD[2],
    ]
    header = [*HEADER, "colour"]
    rows = [[*r, "red"] if len(r) == len(HEADER) else r for r in rows]
    result = import_file(_write(tmp_path, rows, header=header), _mapping(tmp_path))
    assert result.imported == 2 and result.rejected == 5
    found = {(p.row, p.column) for p in result.problems}
    assert (1, "colour") in found
    assert (3, "opened") in found
    assert (4, "kind") in found
    assert (5, "ref") in found
    assert {(6, "dept"), (6, "state"), (6, "stars")} <= found
    assert (7, "") in found
    messages = " ".join(p.problem for p in result.problems)
    assert "unparseable date" in messages and "unknown category 'Bridge'" in messages
    assert "duplicate id" in messages


def test_a_crash_between_batches_resumes_without_duplicates(catalogue: Any, tmp_path: Path) -> None:
    rows = [
        [str(i), "2026-03-02 09:00", "", "", "Road", "PW", "Open", "", ""] for i in range(10, 17)
    ]
    path = _write(tmp_path, rows)
    mapping = _mapping(tmp_path)

    def crash(last_row: int) -> None:
        if last_row >= 5:
            raise RuntimeError("power cut")

    with pytest.raises(RuntimeError):
        import_file(path, mapping, on_batch=crash)
    run = ImportRun.objects.get()
    assert run.last_row == 5 and not run.finished
    assert Case.objects.filter(number__startswith="IMP").count() == 4
    result = import_file(path, mapping)
    assert result.imported == 3 and result.problems == []
    assert sorted(
        Case.objects.filter(number__startswith="IMP").values_list("number", flat=True)
    ) == [f"IMP{i}" for i in range(10, 17)]
    run.refresh_from_db()
    assert run.finished and run.imported == 7
    assert import_file(path, mapping).imported == 0  # a finished run is not repeated


def test_a_crash_inside_a_batch_leaves_nothing_of_it(
    catalogue: Any, tmp_path: Path, monkeypatch: Any
) -> None:
    rows = [
        [str(i), "2026-03-02 09:00", "", "", "Road", "PW", "Open", "", ""] for i in range(20, 24)
    ]
    path = _write(tmp_path, rows)
    real = CaseEvent.objects.bulk_create
    calls = {"n": 0}

    def failing(objs: Any, **kw: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("disk full")
        return real(objs, **kw)

    monkeypatch.setattr(CaseEvent.objects, "bulk_create", failing)
    with pytest.raises(RuntimeError):
        import_file(path, _mapping(tmp_path))
    assert Case.objects.filter(number__startswith="IMP").count() == 2
    monkeypatch.setattr(CaseEvent.objects, "bulk_create", real)
    import_file(path, _mapping(tmp_path))
    assert Case.objects.filter(number__startswith="IMP").count() == 4
    assert CaseEvent.objects.filter(case__number__startswith="IMP").count() == 8


def test_xlsx_is_read_and_a_file_that_lies_about_its_kind_is_refused(
    catalogue: Any, tmp_path: Path
) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(HEADER)
    for r in GOOD:
        ws.append(r)
    wb.save(tmp_path / "cases.xlsx")
    assert import_file(tmp_path / "cases.xlsx", _mapping(tmp_path)).imported == 3
    fake = tmp_path / "fake.xlsx"
    fake.write_text("ref,opened\n1,2026-03-02 09:00\n", encoding="utf-8")
    with pytest.raises(MappingError, match="not an Excel workbook"):
        import_file(fake, _mapping(tmp_path))
    binary = tmp_path / "cases2.csv"
    binary.write_bytes((tmp_path / "cases.xlsx").read_bytes())
    with pytest.raises(MappingError, match="binary file"):
        import_file(binary, _mapping(tmp_path))


def test_the_command_writes_a_validation_report(catalogue: Any, tmp_path: Path) -> None:
    path = _write(tmp_path, [GOOD[0], ["9", "never", "", "", "Road", "PW", "Open", "", ""]])
    (tmp_path / "m.yaml").write_text(MAPPING, encoding="utf-8")
    out = io.StringIO()
    call_command("import_cases", str(path), "--mapping", str(tmp_path / "m.yaml"), stdout=out)
    assert "Imported 1 cases, rejected 1 rows" in out.getvalue()
    report = list(csv.reader((tmp_path / "cases.csv.report.csv").open(encoding="utf-8")))
    assert report[0] == ["row", "column", "problem"] and report[1][:2] == ["3", "opened"]
    (tmp_path / "bad.yaml").write_text("columns: {id: ref, colour: x}", encoding="utf-8")
    with pytest.raises(CommandError, match="Unknown fields"):
        call_command("import_cases", str(path), "--mapping", str(tmp_path / "bad.yaml"))


def test_boston_sample_imports_and_agrees_with_the_citys_ontime(
    catalogue: Any, tmp_path: Path
) -> None:
    with zipfile.ZipFile(BOSTON) as zf, zf.open(zf.namelist()[0]) as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8")
        lines = [next(text) for _ in range(301)]
    sample = tmp_path / "boston.csv"
    sample.write_text("".join(lines), encoding="utf-8")
    mapping = Mapping.load(ROOT / "docs" / "examples" / "boston311.yaml")
    result = import_file(sample, mapping)
    assert result.imported + result.rejected == 300 and result.imported >= 295
    a = ontime_agreement()
    assert a["compared"] >= 250
    assert a["rate"] >= 0.95
    rebuild_figures()
    assert sum(r["cases"] for r in selectors.figures(by="department")) == result.imported
