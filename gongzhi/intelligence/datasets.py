"""Readers for evaluation tables and the shared real data sets.

The shared data live beside the repository in `../shared/data/` (override with the
environment variable GONGZHI_SHARED_DATA) and are read at run time, never copied.
"""

from __future__ import annotations

import csv
import io
import os
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

# Every table read here is small enough for memory (Boston 2011: 58k rows).
csv.field_size_limit(10_000_000)


class TableError(Exception):
    """The evaluation file cannot be used as asked (message says what to fix)."""


def shared_data_dir() -> Path:
    env = os.environ.get("GONGZHI_SHARED_DATA")
    if env:
        return Path(env)
    base = Path(__file__).resolve().parents[2]  # the repository (settings.BASE_DIR)
    # `../shared/data` beside the clone; a worktree one level deeper finds it too.
    for root in (base.parent, base.parent.parent):
        if (root / "shared" / "data").is_dir():
            return root / "shared" / "data"
    return base.parent / "shared" / "data"


def read_table(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    """Rows of a CSV (UTF-8, BOM tolerated), XLSX, or a ZIP holding one CSV."""
    if not path.exists():
        raise TableError(f"File not found: {path}")
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        import openpyxl

        try:
            wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:
            raise TableError(f"{path.name} is not a readable XLSX file ({exc}).") from exc
        ws = wb.worksheets[0]
        it = ws.iter_rows(values_only=True)
        header = [str(h).strip() if h is not None else "" for h in next(it, ())]
        rows = [
            {h: ("" if v is None else str(v)) for h, v in zip(header, r, strict=False)}
            for r in it
            if any(v not in (None, "") for v in r)
        ]
        wb.close()
        return header, rows
    if suffix == ".zip":
        with zipfile.ZipFile(path) as zf:
            names = [n for n in zf.namelist() if n.lower().endswith(".csv")]
            if not names:
                raise TableError(f"{path.name} holds no CSV file.")
            data = zf.read(names[0]).decode("utf-8-sig", errors="replace")
        return _read_csv_text(data)
    if suffix in (".csv", ".txt", ".tsv"):
        try:
            data = path.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError:
            data = path.read_text(encoding="gb18030", errors="replace")
        return _read_csv_text(data)
    raise TableError(f"{path.name}: unsupported file type {suffix!r}; use .csv, .xlsx or .zip.")


def _read_csv_text(data: str) -> tuple[list[str], list[dict[str, str]]]:
    reader = csv.DictReader(io.StringIO(data))
    header = [h.strip() for h in (reader.fieldnames or [])]
    reader.fieldnames = header
    rows = [{k: (v or "") for k, v in r.items() if k is not None} for r in reader]
    return header, rows


def require_columns(header: list[str], wanted: list[str], path: Path | None = None) -> None:
    missing = [c for c in wanted if c not in header]
    if missing:
        where = f" in {path.name}" if path else ""
        raise TableError(
            f"Column(s) {', '.join(missing)} not found{where}. Available columns: {', '.join(header) or '(none)'}."
        )


_DATE_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y/%m/%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y/%m/%d %H:%M",
    "%Y-%m-%d",
    "%Y/%m/%d",
)


def parse_time(value: str) -> datetime | None:
    """Naive local time from the mixed formats of the shared data, or None."""
    v = (value or "").strip()
    if not v:
        return None
    v = v.replace("T", " ").split(".")[0]
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(v, fmt)  # noqa: DTZ007 - source data carry no zone
        except ValueError:
            continue
    return None


# -- TipDM department labels ---------------------------------------------------

# Canonical department by its function. A reply names the office that handled the
# message ("A3区洋湖街道高度重视", "市住建局及时将您反映的问题交由...", "已由银盆岭派出所立案");
# the first such mention is taken as the lead department. District prefixes (A市, A3区)
# are dropped: the function is what routing needs, the place comes from the case.
DEPARTMENT_PATTERNS: list[tuple[str, str]] = [
    ("公安局", r"公安局|公安分局|派出所|交警|交通警察|公安交管|刑侦|治安大队"),
    ("住房公积金管理中心", r"住房公积金"),
    (
        "住房和城乡建设局",
        r"住建局|住房和城乡建设|城乡建设局|住房城乡建设|建设局|房屋交易管理|住房保障|房产局|建设工程质量安全|物业管理",
    ),
    ("自然资源和规划局", r"自然资源|国土资源|国土局|规划局|规划分局|规划和自然资源"),
    ("教育局", r"教育局|教育部门|教体局|教育体育局"),
    (
        "人力资源和社会保障局",
        r"人社局|人力资源和社会保障|人力资源社会保障|社保局|社会保险|劳动保障监察|劳动监察",
    ),
    ("卫生健康委员会", r"卫健委|卫生健康|卫生和计划生育|卫计委|卫计局|疾病预防控制|计生"),
    ("医疗保障局", r"医保局|医疗保障"),
    ("生态环境局", r"生态环境|环保局|环境保护局|环境监察"),
    ("城市管理和综合执法局", r"城管|城市管理|综合执法|执法中队|市容|环卫"),
    ("交通运输局", r"交通运输|交通局|运管|公交集团|公交公司|客运|轨道交通|地铁|出租车"),
    ("市场监督管理局", r"市场监督|市场监管|工商局|食品药品|质监|物价"),
    ("民政局", r"民政局|民政部门|殡葬|养老服务"),
    ("水利和水务局", r"水务局|水利局|供水|自来水|排水"),
    ("文化旅游广电体育局", r"文旅|文化旅游|旅游局|体育局|文体局|广电"),
    ("发展和改革委员会", r"发改委|发展和改革|发展改革"),
    ("税务局", r"税务"),
    ("农业农村局", r"农业农村|农业局|农村局|畜牧|林业"),
    ("商务局", r"商务局|商务和粮食"),
    ("工业和信息化局", r"工信局|工业和信息化|经信委|经济和信息化"),
    ("供电公司", r"供电|电力公司|电网"),
    ("燃气公司", r"燃气|天然气公司"),
    (
        "街道办事处和乡镇",
        r"街道办事处|街道办|街道|镇人民政府|镇政府|乡人民政府|社区居委会|居委会|村委会",
    ),
]
_DEPT_RE = [(name, re.compile(p)) for name, p in DEPARTMENT_PATTERNS]


def mine_department(reply: str) -> str | None:
    """The lead department named first in an official reply, or None."""
    text = re.sub(r"\s+", "", reply or "")
    best: tuple[int, str] | None = None
    for name, rx in _DEPT_RE:
        m = rx.search(text)
        if m and (best is None or m.start() < best[0]):
            best = (m.start(), name)
    return best[1] if best else None


def mine_tipdm_labels(src: Path, dest: Path, *, min_per_class: int = 10) -> dict[str, int]:
    """Write `dest` (CSV: 留言编号, 留言时间, 留言主题, 留言详情, 部门) from annex 4.
    Departments with fewer than `min_per_class` messages are dropped (too few to
    learn or to measure). Returns counts per department."""
    header, rows = read_table(src)
    require_columns(header, ["留言编号", "留言主题", "留言详情", "答复意见", "留言时间"], src)
    labelled = []
    for r in rows:
        dept = mine_department(r["答复意见"])
        if dept:
            labelled.append((r, dept))
    counts: dict[str, int] = {}
    for _, d in labelled:
        counts[d] = counts.get(d, 0) + 1
    keep = {d for d, n in counts.items() if n >= min_per_class}
    dest.parent.mkdir(parents=True, exist_ok=True)
    with dest.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["留言编号", "留言时间", "留言主题", "留言详情", "部门"])
        for r, d in labelled:
            if d in keep:
                w.writerow(
                    [r["留言编号"], r["留言时间"], r["留言主题"].strip(), r["留言详情"].strip(), d]
                )
    return {d: n for d, n in sorted(counts.items(), key=lambda kv: -kv[1]) if d in keep}


def tipdm_tree(path: Path | None = None) -> dict[str, list[str]]:
    """The TipDM category tree as {top-level: [its second- and third-level names]}."""
    path = path or shared_data_dir() / "tipdm2020c" / "annex1_label_taxonomy.csv"
    _, rows = read_table(path)
    tree: dict[str, list[str]] = {}
    for r in rows:
        top = r.get("一级分类", "").strip()
        if not top:
            continue
        names = tree.setdefault(top, [top])
        for col in ("二级分类", "三级分类"):
            for part in re.split(r"[、/和及与]", r.get(col, "")):
                part = part.strip()
                if len(part) >= 2 and part not in names:
                    names.append(part)
    return tree


# -- Boston 311 ------------------------------------------------------------------

BOSTON_DEFAULT_POINT = (42.3594, -71.0587)


@dataclass(frozen=True)
class Event:
    """One request for hot-spot replay: when, where and what."""

    at: datetime
    lat: float | None
    lon: float | None
    category: str
    area: str = ""


def boston_events(path: Path) -> Iterator[Event]:
    """Boston 311 rows in file order as events; the city's default point for
    un-geocoded requests becomes 'no location'."""
    _, rows = read_table(path)
    for r in rows:
        at = parse_time(r.get("open_dt", ""))
        if at is None:
            continue
        lat: float | None
        lon: float | None
        try:
            lat, lon = float(r["latitude"]), float(r["longitude"])
        except (KeyError, ValueError):
            lat = lon = None
        if (
            lat is not None
            and lon is not None
            and (round(lat, 4), round(lon, 4)) == BOSTON_DEFAULT_POINT
        ):
            lat = lon = None
        yield Event(
            at=at,
            lat=lat,
            lon=lon,
            category=r.get("type", "") or "?",
            area=r.get("pwd_district", ""),
        )
