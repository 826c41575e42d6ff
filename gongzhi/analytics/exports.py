"""Figures as CSV, XLSX and a monthly PDF report."""

from __future__ import annotations

import csv
import io
import os
from typing import Any

from django.utils.translation import gettext as _


def columns() -> list[tuple[str, str]]:
    return [
        ("label", _("Name")),
        ("cases", _("Cases")),
        ("dispatched", _("Dispatched")),
        ("response_rate", _("Response rate")),
        ("resolution_rate", _("Resolution rate")),
        ("satisfaction_rate", _("Satisfaction rate")),
        ("score", _("Score")),
        ("on_time_rate", _("On-time resolution rate")),
        ("mean_response_hours", _("Mean response (working hours)")),
        ("p90_response_hours", _("p90 response (working hours)")),
        ("mean_resolution_hours", _("Mean resolution (working hours)")),
        ("p90_resolution_hours", _("p90 resolution (working hours)")),
        ("reopen_rate", _("Reopen rate")),
        ("return_rate", _("Return rate")),
        ("transfer_rate", _("Transfer rate")),
    ]


def _cell(value: Any) -> Any:
    return "" if value is None else value


def to_csv(rows: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    cols = columns()
    writer.writerow([title for _k, title in cols])
    for r in rows:
        writer.writerow([_cell(r.get(k)) for k, _t in cols])
    return out.getvalue()


def to_xlsx(rows: list[dict[str, Any]]) -> bytes:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(_("Figures"))
    cols = columns()
    ws.append([title for _k, title in cols])
    for r in rows:
        ws.append([_cell(r.get(k)) for k, _t in cols])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


CJK_FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"


def _pct(v: Any) -> str:
    return "—" if v is None else f"{v * 100:.1f}%"


def monthly_pdf(
    *, month_label: str, ranking: list[dict[str, Any]], font_path: str | None = None
) -> bytes:
    """The monthly report: the ranking with the three rates. Without the CJK font,
    the text falls back to English (Latin-1 core font)."""
    from django.utils import translation
    from fpdf import FPDF

    font_path = font_path or CJK_FONT
    pdf = FPDF()
    pdf.add_page()
    cjk = bool(font_path) and os.path.exists(str(font_path))
    lang = translation.get_language() if cjk else "en"
    with translation.override(lang):
        if cjk:
            pdf.add_font("cjk", fname=str(font_path))
            pdf.set_font("cjk", size=16)
        else:
            pdf.set_font("helvetica", size=16)

        def text(s: str) -> str:
            return s if cjk else s.encode("latin-1", "replace").decode("latin-1")

        pdf.cell(
            0,
            10,
            text(_("Monthly report %(month)s") % {"month": month_label}),
            new_x="LMARGIN",
            new_y="NEXT",
        )
        pdf.set_font_size(10)
        head = [
            _("Rank"),
            _("Department"),
            _("Response rate"),
            _("Resolution rate"),
            _("Satisfaction rate"),
            _("Score"),
        ]
        widths = [14, 60, 30, 30, 30, 20]
        for w, h in zip(widths, head, strict=True):
            pdf.cell(w, 8, text(h), border=1)
        pdf.ln()
        if not ranking:
            pdf.cell(0, 8, text(_("No figures for this month.")), new_x="LMARGIN", new_y="NEXT")
        for r in ranking:
            cells = [
                str(r["rank"]),
                r["label"][:30],
                _pct(r["response_rate"]),
                _pct(r["resolution_rate"]),
                _pct(r["satisfaction_rate"]),
                "—" if r["score"] is None else f"{r['score']:.1f}",
            ]
            for w, c in zip(widths, cells, strict=True):
                pdf.cell(w, 8, text(c), border=1)
            pdf.ln()
    return bytes(pdf.output())
