"""History import: CSV, XLSX (or a ZIP holding one CSV) through a YAML mapping.

Streaming, batch by batch: each batch of `batch_size` rows is one transaction (cases
and their events together), and the `ImportRun` row of the file (by content hash and
mapping hash) records the last row of the last committed batch, in the same
transaction. Rerunning after a crash skips what was committed and carries on.

Every rejected row gets a line (row, column, problem) in the validation report; good
rows are kept. Imported cases carry their historical timestamps and the same events
live cases write (`submitted`, `dispatched`, `replied` with `on_time`, `evaluated`
when the file has an evaluation), so they count in the figures like live cases. Their
dispatch is marked `response_unknown` (history files rarely say when a department
acknowledged a case), which keeps them out of the response rate instead of counting
them as late.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from django.db import transaction

from gongzhi.cases.calendar import add_working_minutes
from gongzhi.cases.models import Case, CaseEvent, Category, Channel, Status
from gongzhi.cases.services import category_save, limits_for, load_calendar
from gongzhi.organizations.models import Organisation, OrgKind
from gongzhi.territory.models import Area

from .models import ImportRun

FIELDS = frozenset(
    {
        "id",
        "submitted_at",
        "due_at",
        "closed_at",
        "status",
        "category",
        "department",
        "lat",
        "lon",
        "title",
        "description",
        "reply",
        "channel",
        "area",
        "resolved",
        "satisfaction",
        "external_ontime",
    }
)
REQUIRED = ("id", "submitted_at", "category")
STATUSES = frozenset(Status.values)


class MappingError(ValueError):
    pass


@dataclass
class Mapping:
    columns: dict[str, str]
    values: dict[str, dict[str, str]]
    time_zone: ZoneInfo
    date_formats: list[str]
    number_prefix: str = ""
    batch_size: int = 1000
    ignore_columns: set[str] = field(default_factory=set)
    create_targets: bool = False
    is_public: bool = True
    digest: str = ""

    @classmethod
    def load(cls, path: str | Path) -> Mapping:
        raw = Path(path).read_bytes()
        try:
            doc = yaml.safe_load(raw) or {}
        except yaml.YAMLError as exc:
            raise MappingError(f"The mapping is not valid YAML: {exc}") from exc
        if not isinstance(doc, dict) or not isinstance(doc.get("columns"), dict):
            raise MappingError("The mapping needs a 'columns' section: field → column.")
        unknown = set(doc["columns"]) - FIELDS
        if unknown:
            raise MappingError(
                f"Unknown fields in 'columns': {', '.join(sorted(unknown))}. Known: {', '.join(sorted(FIELDS))}."
            )
        missing = [f for f in REQUIRED if f not in doc["columns"]]
        if missing:
            raise MappingError(f"'columns' must map: {', '.join(missing)}.")
        try:
            tz = ZoneInfo(str(doc.get("time_zone", "Asia/Shanghai")))
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise MappingError(f"Unknown time zone {doc.get('time_zone')!r}.") from exc
        values = {
            k: {str(a): str(b) for a, b in (v or {}).items()}
            for k, v in (doc.get("values") or {}).items()
        }
        return cls(
            columns={k: str(v) for k, v in doc["columns"].items()},
            values=values,
            time_zone=tz,
            date_formats=[str(f) for f in doc.get("date_formats") or ["%Y-%m-%d %H:%M:%S"]],
            number_prefix=str(doc.get("number_prefix", "")),
            batch_size=int(doc.get("batch_size", 1000)),
            ignore_columns={str(c) for c in doc.get("ignore_columns") or []},
            create_targets=bool(doc.get("create_targets", False)),
            is_public=bool(doc.get("is_public", True)),
            digest=hashlib.sha256(raw).hexdigest(),
        )


@dataclass
class Problem:
    row: int
    column: str
    problem: str


def file_hash(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _sniff(path: Path) -> str:
    """The real kind of the file: 'zip-csv', 'xlsx' or 'csv'; raises when the name lies."""
    with path.open("rb") as f:
        head = f.read(4096)
    is_zip = head.startswith(b"PK\x03\x04")
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        if not is_zip:
            raise MappingError(f"{path.name} is named .xlsx but is not an Excel workbook.")
        return "xlsx"
    if suffix == ".zip":
        if not is_zip:
            raise MappingError(f"{path.name} is named .zip but is not a ZIP archive.")
        return "zip-csv"
    if is_zip or b"\x00" in head:
        raise MappingError(
            f"{path.name} is named {suffix or 'without extension'} but is a binary file, not CSV text."
        )
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:
            raise MappingError(f"{path.name} is not UTF-8 text (byte {exc.start}).") from exc
    return "csv"


def read_rows(path: Path) -> Iterator[list[str]]:
    """The rows of the file, header first, streamed."""
    kind = _sniff(path)
    if kind == "xlsx":
        from openpyxl import load_workbook

        wb = load_workbook(path, read_only=True, data_only=True)
        try:
            for row in wb.worksheets[0].iter_rows(values_only=True):
                yield [
                    ""
                    if v is None
                    else (v.strftime("%Y-%m-%d %H:%M:%S") if isinstance(v, dt.datetime) else str(v))
                    for v in row
                ]
        finally:
            wb.close()
        return
    if kind == "zip-csv":
        with zipfile.ZipFile(path) as zf:
            names = [n for n in zf.namelist() if n.lower().endswith(".csv")]
            if not names:
                raise MappingError(f"{path.name} holds no CSV file.")
            with zf.open(names[0]) as raw:
                yield from csv.reader(io.TextIOWrapper(raw, encoding="utf-8-sig", newline=""))
        return
    with path.open(encoding="utf-8-sig", newline="") as f:
        yield from csv.reader(f)


class Importer:
    def __init__(self, mapping: Mapping, *, on_batch: Callable[[int], None] | None = None) -> None:
        self.m = mapping
        self.cal = load_calendar()
        self.on_batch = on_batch  # called after each committed batch (tests simulate a crash)
        self.categories: dict[str, Category] = {c.code: c for c in Category.objects.all()}
        self.departments: dict[str, Organisation] = {o.code: o for o in Organisation.objects.all()}
        self.areas: dict[str, int] = {}
        self.limits: dict[tuple[int, str], tuple[int, int]] = {}

    # -- values ---------------------------------------------------------------
    def _date(self, text: str) -> dt.datetime:
        for fmt in self.m.date_formats:
            try:
                naive = dt.datetime.strptime(text.strip(), fmt)  # noqa: DTZ007 - zone set next
            except ValueError:
                continue
            return naive.replace(tzinfo=self.m.time_zone)
        raise ValueError(f"unparseable date {text!r} (formats: {', '.join(self.m.date_formats)})")

    def _mapped(self, kind: str, text: str) -> str:
        table = self.m.values.get(kind)
        if table is None:
            return text
        if text not in table:
            raise ValueError(f"unknown {kind} {text!r}: add it to values.{kind} in the mapping")
        return table[text]

    def _category(self, code: str) -> Category:
        cat = self.categories.get(code)
        if cat is None:
            if not self.m.create_targets:
                raise ValueError(f"no category with code {code!r}")
            cat = category_save(
                actor=None, category=Category(code=code[:64], name_zh=code, name_en=code)
            )
            self.categories[code] = cat
        return cat

    def _department(self, code: str) -> Organisation:
        org = self.departments.get(code)
        if org is None:
            if not self.m.create_targets:
                raise ValueError(f"no department with code {code!r}")
            root = Area.objects.filter(parent__isnull=True).order_by("pk").first()
            if root is None:
                raise ValueError("no area to attach a new department to: load the territory first")
            org = Organisation.objects.create(
                code=code[:64], name_zh=code, name_en=code, kind=OrgKind.DEPARTMENT, area=root
            )
            self.departments[code] = org
        return org

    # -- rows -----------------------------------------------------------------
    def parse(
        self, rownum: int, values: dict[str, str], problems: list[Problem]
    ) -> dict[str, Any] | None:
        col = self.m.columns
        out: dict[str, Any] = {}
        bad = False

        def fail(fieldname: str, message: str) -> None:
            nonlocal bad
            bad = True
            problems.append(Problem(rownum, col.get(fieldname, fieldname), message))

        def get(fieldname: str) -> str:
            return (values.get(col[fieldname]) or "").strip() if fieldname in col else ""

        ident = get("id")
        if not ident:
            fail("id", "empty id")
        out["number"] = f"{self.m.number_prefix}{ident}"[:20]
        for name in ("submitted_at", "due_at", "closed_at"):
            text = get(name)
            if not text:
                if name == "submitted_at":
                    fail(name, "empty date")
                out[name] = None
                continue
            try:
                out[name] = self._date(text)
            except ValueError as exc:
                fail(name, str(exc))
        try:
            out["category"] = self._category(self._mapped("category", get("category")))
        except ValueError as exc:
            fail("category", str(exc))
        if "department" in col and get("department"):
            try:
                out["department"] = self._department(self._mapped("department", get("department")))
            except ValueError as exc:
                fail("department", str(exc))
        else:
            out["department"] = None
        status: str = Status.CLOSED if out.get("closed_at") else Status.IN_PROGRESS
        if "status" in col:
            try:
                status = self._mapped("status", get("status"))
                if status not in STATUSES:
                    raise ValueError(
                        f"status {status!r} is not one of {', '.join(sorted(STATUSES))}"
                    )
            except ValueError as exc:
                fail("status", str(exc))
        out["status"] = status
        for name in ("lat", "lon"):
            text = get(name)
            try:
                out[name] = float(text) if text else None
            except ValueError:
                fail(name, f"not a number: {text!r}")
        if out.get("lat") is not None and not -90 <= out["lat"] <= 90:
            fail("lat", "latitude outside -90..90")
        if out.get("lon") is not None and not -180 <= out["lon"] <= 180:
            fail("lon", "longitude outside -180..180")
        channel = get("channel")
        try:
            out["channel"] = self._mapped("channel", channel) if channel else Channel.PHONE
            if out["channel"] not in Channel.values:
                raise ValueError(
                    f"channel {out['channel']!r} is not one of {', '.join(Channel.values)}"
                )
        except ValueError as exc:
            fail("channel", str(exc))
        out["area_code"] = get("area")
        out["title"] = get("title")[:120]
        out["description"] = get("description") or out["title"] or "—"
        out["reply"] = get("reply")
        out["external_ontime"] = get("external_ontime")
        sat = get("satisfaction")
        out["resolved"] = (
            get("resolved").lower() in ("1", "true", "yes", "y") if get("resolved") else None
        )
        try:
            out["satisfaction"] = int(sat) if sat else None
            if out["satisfaction"] is not None and not 1 <= out["satisfaction"] <= 5:
                raise ValueError
        except ValueError:
            fail("satisfaction", f"satisfaction must be 1..5, not {sat!r}")
        if not bad and out["closed_at"] and out["closed_at"] < out["submitted_at"]:
            fail("closed_at", "closed before it was opened")
        return None if bad else out

    def build(self, row: dict[str, Any]) -> tuple[Case, list[CaseEvent]]:
        cat: Category = row["category"]
        submitted: dt.datetime = row["submitted_at"]
        key = (cat.pk, cat.default_urgency)
        if key not in self.limits:
            self.limits[key] = limits_for(cat, cat.default_urgency, self.cal)
        response_min, resolution_min = self.limits[key]
        due = row["due_at"] or add_working_minutes(self.cal, submitted, resolution_min)
        closed = row["closed_at"]
        area_id = None
        if row["area_code"]:
            if row["area_code"] not in self.areas:
                self.areas[row["area_code"]] = (
                    Area.objects.filter(code=row["area_code"]).values_list("pk", flat=True).first()
                    or 0
                )
            area_id = self.areas[row["area_code"]] or None
        dept = row["department"]
        on_time = closed is not None and closed <= due
        attributes = {"imported": True}
        if row["external_ontime"]:
            attributes["external_ontime"] = row["external_ontime"]
        case = Case(
            number=row["number"],
            title=row["title"],
            description=row["description"],
            category=cat,
            status=row["status"],
            channel=row["channel"],
            urgency=cat.default_urgency,
            area_id=area_id,
            lat=row["lat"],
            lon=row["lon"],
            is_public=self.m.is_public,
            lead_department=dept,
            submitted_at=submitted,
            dispatched_at=submitted if dept else None,
            replied_at=closed,
            closed_at=closed
            if row["status"]
            in (Status.CLOSED, Status.REJECTED, Status.WITHDRAWN, Status.MERGED, Status.ANSWERED)
            else None,
            resolution_due_at=due,
            response_limit_minutes=response_min,
            resolution_limit_minutes=resolution_min,
            public_reply=row["reply"],
            resolved=row["resolved"],
            satisfaction=row["satisfaction"],
            attributes=attributes,
        )
        events = [
            CaseEvent(
                kind="submitted",
                to_status=Status.SUBMITTED,
                created_at=submitted,
                data={"imported": True},
            )
        ]
        if dept:
            events.append(
                CaseEvent(
                    kind="dispatched",
                    organisation=dept,
                    to_status=Status.DISPATCHED,
                    created_at=submitted,
                    data={"lead": dept.code, "imported": True, "response_unknown": True},
                )
            )
        if closed is not None:
            events.append(
                CaseEvent(
                    kind="replied",
                    organisation=dept,
                    to_status=Status.REPLIED,
                    created_at=closed,
                    data={"on_time": on_time, "imported": True},
                    is_public=True,
                    reason=row["reply"],
                )
            )
        if row["satisfaction"] is not None and row["resolved"] is not None and closed is not None:
            events.append(
                CaseEvent(
                    kind="evaluated",
                    to_status=row["status"],
                    created_at=closed,
                    data={
                        "resolved": row["resolved"],
                        "satisfaction": row["satisfaction"],
                        "imported": True,
                    },
                )
            )
        return case, events


@dataclass
class Result:
    run: ImportRun
    imported: int
    rejected: int
    problems: list[Problem]
    case_ids: list[int]


def import_file(
    path: str | Path,
    mapping: Mapping,
    *,
    report: Callable[[Problem], None] | None = None,
    progress: bool = False,
    on_batch: Callable[[int], None] | None = None,
) -> Result:
    """Import `path`; resumes the run of the same file and mapping if one was interrupted."""
    path = Path(path)
    _sniff(path)
    digest = file_hash(path)
    run, _created = ImportRun.objects.get_or_create(
        file_hash=digest, mapping_hash=mapping.digest, defaults={"file_name": path.name[:255]}
    )
    problems: list[Problem] = []
    all_problems: list[Problem] = []
    case_ids: list[int] = []
    if run.finished:
        return Result(run, 0, 0, [], [])
    imp = Importer(mapping, on_batch=on_batch)
    rows = read_rows(path)
    header = next(rows, None)
    if header is None:
        raise MappingError(f"{path.name} is empty: no header row.")
    header = [h.strip() for h in header]
    missing = [
        f"{f} → {mapping.columns[f]}" for f in mapping.columns if mapping.columns[f] not in header
    ]
    if missing:
        raise MappingError(
            f"Columns named in the mapping are missing from the file: {', '.join(missing)}."
        )
    if run.last_row == 0:
        known = set(mapping.columns.values()) | mapping.ignore_columns
        for h in header:
            if h not in known:
                problems.append(
                    Problem(1, h, "unknown column, ignored (list it in ignore_columns to silence)")
                )
    seen: set[str] = set()
    batch: list[tuple[int, dict[str, Any]]] = []
    imported = rejected = 0
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(unit="row", initial=run.last_row)

    def flush(last_row: int) -> None:
        nonlocal imported, rejected
        numbers = [r["number"] for _n, r in batch]
        existing = set(Case.objects.filter(number__in=numbers).values_list("number", flat=True))
        cases: list[Case] = []
        events: list[list[CaseEvent]] = []
        for rownum, r in batch:
            if r["number"] in existing:
                problems.append(
                    Problem(
                        rownum,
                        mapping.columns["id"],
                        f"duplicate id {r['number']}: a case with this number exists",
                    )
                )
                continue
            c, evs = imp.build(r)
            cases.append(c)
            events.append(evs)
        rejected_here = len({p.row for p in problems if p.row > 1})
        with transaction.atomic():
            Case.objects.bulk_create(cases, batch_size=1000)
            flat = []
            for c, evs in zip(cases, events, strict=True):
                for e in evs:
                    e.case_id = c.pk
                    flat.append(e)
            CaseEvent.objects.bulk_create(flat, batch_size=2000)
            run.last_row = last_row
            run.imported += len(cases)
            run.rejected += rejected_here
            run.save(update_fields=["last_row", "imported", "rejected", "updated_at"])
        imported += len(cases)
        rejected += rejected_here
        case_ids.extend(c.pk for c in cases)
        for p in problems:
            if report:
                report(p)
        all_problems.extend(problems)
        problems.clear()
        batch.clear()
        if imp.on_batch:
            imp.on_batch(last_row)

    rownum = 1
    for values in rows:
        rownum += 1
        if rownum <= run.last_row:
            if bar is not None:
                bar.update(0)
            continue
        if bar is not None:
            bar.update(1)
        if len(values) != len(header):
            problems.append(
                Problem(rownum, "", f"{len(values)} cells where the header has {len(header)}")
            )
        else:
            parsed = imp.parse(rownum, dict(zip(header, values, strict=True)), problems)
            if parsed is not None:
                if parsed["number"] in seen:
                    problems.append(
                        Problem(
                            rownum,
                            mapping.columns["id"],
                            f"duplicate id {parsed['number']} within the file",
                        )
                    )
                else:
                    seen.add(parsed["number"])
                    batch.append((rownum, parsed))
        if len(batch) >= mapping.batch_size:
            flush(rownum)
    flush(rownum)
    run.finished = True
    run.save(update_fields=["finished", "updated_at"])
    if bar is not None:
        bar.close()
    return Result(run, imported, rejected, all_problems, case_ids)


def ontime_agreement(
    *, ontime_value: str = "ONTIME", overdue_value: str = "OVERDUE"
) -> dict[str, Any]:
    """Our verdict (the `on_time` of the reply event) against the file's own column,
    over imported closed cases that carry both."""
    agree = ours_only = theirs_only = 0
    qs = CaseEvent.objects.filter(
        kind="replied", case__attributes__imported=True, case__status=Status.CLOSED
    ).values_list("data", "case__attributes")
    for data, attributes in qs.iterator(chunk_size=5000):
        theirs = (attributes or {}).get("external_ontime")
        if theirs not in (ontime_value, overdue_value):
            continue
        ours = bool(data.get("on_time"))
        if ours == (theirs == ontime_value):
            agree += 1
        elif ours:
            ours_only += 1
        else:
            theirs_only += 1
    compared = agree + ours_only + theirs_only
    return {
        "compared": compared,
        "agree": agree,
        "ours_only": ours_only,
        "theirs_only": theirs_only,
        "rate": agree / compared if compared else 0.0,
    }
