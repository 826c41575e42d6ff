"""The PDF of an hours certificate, with the code that the public check page confirms.

Chinese text needs a CJK font. When the Noto CJK font is installed the certificate is
bilingual; without it the certificate is in English only (the core fonts cannot draw
Chinese), so a missing font never breaks the download.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone

from .models import Certificate, format_minutes

CJK_FONT = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")


def certificate_pdf(certificate: Certificate, *, font_path: Path | None = None) -> bytes:
    from fpdf import FPDF

    font = CJK_FONT if font_path is None else font_path
    entry = certificate.entry
    activity = entry.signup.activity if entry.signup_id and entry.signup else None
    organisation = entry.organisation
    check_url = f"{settings.SITE_URL}/volunteering/certificates/{certificate.code}/"
    hours = format_minutes(certificate.minutes)
    date = timezone.localtime(activity.starts_at if activity else certificate.issued_at).strftime(
        "%Y-%m-%d"
    )

    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=True, margin=20)
    pdf.add_page()
    cjk = font.exists()
    if cjk:
        pdf.add_font("cjk", "", str(font))
        pdf.set_font("cjk", size=22)
    else:
        pdf.set_font("helvetica", size=22)

    def line(text: str, size: int = 12, gap: int = 8) -> None:
        pdf.set_font_size(size)
        pdf.multi_cell(0, gap, text, align="C", new_x="LMARGIN", new_y="NEXT")

    name = entry.user.public_name
    org_zh = organisation.name_zh if organisation else ""
    org_en = (organisation.name_en or organisation.name_zh) if organisation else ""
    title = activity.title if activity else ""
    if cjk:
        line("志愿服务时长证明", 24, 14)
        line("Certificate of volunteer hours", 14, 10)
        pdf.ln(6)
        line(f"{name} 于 {date} 参加 {org_zh} 组织的志愿活动“{title}”，", 13)
        line(f"经组织方认证，服务时长 {hours} 小时。", 13)
        pdf.ln(4)
    else:
        line("Certificate of volunteer hours", 22, 14)
        pdf.ln(6)
        name = _latin(name)
        if "?" in name:
            name = entry.user.username
        title = _latin(title)
        org_en = _latin(org_en)
    line(f"{name} served {hours} hours on {date}", 13)
    line(
        f"at \u201c{title}\u201d organised by {org_en}, as certified by the organiser."
        if cjk
        else f'at "{title}" organised by {org_en}, as certified by the organiser.',
        13,
    )
    pdf.ln(10)
    line(("验证码 / Verification code: " if cjk else "Verification code: ") + certificate.code, 14)
    line(("在此核验 / Check at: " if cjk else "Check at: ") + check_url, 10, 6)
    import qrcode

    img = qrcode.make(check_url)
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    buf.seek(0)
    pdf.image(buf, x=(pdf.w - 40) / 2, w=40)
    return bytes(pdf.output())


def _latin(text: str) -> str:
    """Text the core PDF fonts can draw: characters outside Latin-1 become '?'."""
    return text.encode("latin-1", "replace").decode("latin-1")


def has_cjk_font(font_path: Any = None) -> bool:
    return Path(font_path or CJK_FONT).exists()
