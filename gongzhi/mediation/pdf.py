"""The printable agreement (人民调解协议书) as PDF, with fpdf2.

Chinese text needs a CJK font: Noto Sans CJK when the system has it. Without it the
PDF still comes out, in a core font, with characters it cannot draw replaced by "?"
and a line saying so, rather than failing the download."""

from __future__ import annotations

from pathlib import Path

from django.utils import timezone
from django.utils.translation import gettext as _
from fpdf import FPDF

from .models import Agreement, Confirmation, MediationCase

CJK_FONT = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
# Index of "Noto Sans CJK SC" (simplified Chinese glyph forms) inside the collection.
CJK_FONT_INDEX = 2


def _font(pdf: FPDF) -> tuple[str, bool]:
    if CJK_FONT.exists():
        try:
            pdf.add_font("NotoCJK", "", str(CJK_FONT), collection_font_number=CJK_FONT_INDEX)
        except Exception:  # a broken or unexpected font file must not break the download
            return "Helvetica", False
        return "NotoCJK", True
    return "Helvetica", False


def agreement_pdf(case: MediationCase, agreement: Agreement) -> bytes:
    pdf = FPDF(format="A4")
    pdf.set_margins(20, 20, 20)
    pdf.set_auto_page_break(auto=True, margin=20)
    pdf.add_page()
    family, unicode_ok = _font(pdf)

    def text(value: str) -> str:
        return value if unicode_ok else value.encode("latin-1", "replace").decode("latin-1")

    def para(value: str, size: int = 11, height: float = 6) -> None:
        pdf.set_font(family, size=size)
        pdf.multi_cell(0, height, text(value), new_x="LMARGIN", new_y="NEXT")

    pdf.set_font(family, size=16)
    pdf.cell(0, 10, text(_("Mediation agreement")), new_x="LMARGIN", new_y="NEXT", align="C")
    para(_("Case %(number)s · version %(version)d") % {"number": case.number, "version": agreement.version}, 10)
    if not unicode_ok:
        para(_("(The Chinese font is not installed on the server; characters it cannot show are replaced by ?.)"), 8)
    pdf.ln(2)
    para(_("Type of dispute: %(type)s") % {"type": case.get_dispute_type_display()})
    para(_("Kind: %(kind)s") % {"kind": agreement.get_kind_display()})
    if case.mediator is not None:
        para(_("Mediator: %(name)s") % {"name": case.mediator.public_name})
    pdf.ln(2)
    para(_("Parties"), 12)
    for party in case.parties.all():
        para(f"{party.get_role_display()}: {party.name}")
    pdf.ln(2)
    para(_("Terms"), 12)
    para(agreement.terms)
    pdf.ln(4)
    para(_("Confirmations"), 12)
    confirmations = {
        c.party_id: c
        for c in Confirmation.objects.filter(agreement=agreement, version=agreement.version)
    }
    for party in case.parties.all():
        c = confirmations.get(party.pk)
        if c is None:
            para(_("%(name)s: not yet confirmed  ____________") % {"name": party.name})
        else:
            para(
                _("%(name)s: confirmed on %(date)s (%(channel)s)")
                % {"name": party.name, "date": timezone.localtime(c.confirmed_at).strftime("%Y-%m-%d %H:%M"),
                   "channel": c.get_channel_display()}
            )
    pdf.ln(4)
    para(
        _("The parties may jointly apply to the people's court for judicial confirmation within 30 days "
          "from the date the agreement takes effect (People's Mediation Law, Art. 33)."), 9, 5,
    )
    return bytes(pdf.output())
