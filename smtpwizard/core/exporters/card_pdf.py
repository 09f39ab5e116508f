"""The printable settings card as PDF (reportlab; pure Python, no Qt in core).

Laid out on A4, with everything (footer included) inside the top 279 mm and the middle 210 mm:
the area A4 and US Letter share, so it prints on either without cropping.
DejaVu fonts are used where installed (wide Unicode coverage for names); otherwise reportlab's
bundled Bitstream Vera (Latin only).
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import (
    KeepTogether,
    ListFlowable,
    ListItem,
    Paragraph,
    SimpleDocTemplate,
    Table,
    TableStyle,
)

from .base import ExportRequest
from .card import card_sections, footer_text, port_guidance

__all__ = ["settings_card_pdf"]

_FONT_DIRS = (
    Path("/usr/share/fonts/truetype/dejavu"),
    Path("/usr/share/fonts/dejavu"),
    Path("/usr/share/fonts/TTF"),
    Path("/usr/local/share/fonts"),
)
_BLUE = colors.HexColor("#2a6fb0")
_SHADE = colors.HexColor("#f3f6f9")
_RULE = colors.HexColor("#d5d9de")
_GREY = colors.HexColor("#555555")
_MARGIN = 20 * mm  # 170 mm wide text: fits A4 (210 mm) and Letter (216 mm)
_BOTTOM = 30 * mm  # content ends 267 mm from the top; Letter is 279 mm tall
_FOOTER = 21 * mm  # footer baseline: 276 mm from the top


def _register_fonts() -> tuple[str, str, str]:
    """(regular, bold, mono) font names, registered once per process."""
    registered = pdfmetrics.getRegisteredFontNames()
    if "Card" in registered:
        return "Card", "Card-Bold", "Card-Mono"
    files = None
    for folder in _FONT_DIRS:
        names = ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DejaVuSansMono.ttf")
        if all((folder / name).is_file() for name in names):
            files = [folder / name for name in names]
            break
    if files is None:
        import reportlab

        bundled = Path(reportlab.__file__).parent / "fonts"
        files = [bundled / "Vera.ttf", bundled / "VeraBd.ttf", bundled / "Vera.ttf"]
    for name, path in zip(("Card", "Card-Bold", "Card-Mono"), files, strict=True):
        pdfmetrics.registerFont(TTFont(name, str(path)))
    return "Card", "Card-Bold", "Card-Mono"


def _styles(regular: str, bold: str) -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("base", fontName=regular, fontSize=10.5, leading=14, alignment=TA_LEFT)
    return {
        "title": ParagraphStyle("title", parent=base, fontName=bold, fontSize=22, leading=27),
        "lead": ParagraphStyle("lead", parent=base, textColor=_GREY, spaceAfter=4 * mm),
        "h2": ParagraphStyle(
            "h2",
            parent=base,
            fontName=bold,
            fontSize=13,
            leading=17,
            textColor=_BLUE,
            spaceBefore=5 * mm,
            spaceAfter=2 * mm,
        ),
        "label": ParagraphStyle("label", parent=base, fontName=bold),
        "value": ParagraphStyle("value", parent=base, fontSize=12, leading=15),
        "hint": ParagraphStyle("hint", parent=base, fontSize=9, leading=11.5, textColor=_GREY),
        "bullet": ParagraphStyle("bullet", parent=base, fontSize=10, leading=13),
        "first": ParagraphStyle("first", parent=base, fontName=bold, fontSize=10, leading=13),
    }


def _section_table(rows: list[list[Any]]) -> Table:
    table = Table(rows, colWidths=[62 * mm, 108 * mm])
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("BACKGROUND", (0, 0), (0, -1), _SHADE),
                ("LINEBELOW", (0, 0), (-1, -1), 0.6, _RULE),
                ("LINEABOVE", (0, 0), (-1, 0), 0.6, _RULE),
                ("TOPPADDING", (0, 0), (-1, -1), 4),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
                ("LEFTPADDING", (0, 0), (-1, -1), 6),
            ]
        )
    )
    return table


def settings_card_pdf(req: ExportRequest) -> bytes:
    regular, bold, mono = _register_fonts()
    st = _styles(regular, bold)
    story: list[Any] = [
        Paragraph("Email settings", st["title"]),
        Paragraph(f"Type these values into your mail program for {escape(req.email)}.", st["lead"]),
    ]
    for section in card_sections(req):
        rows: list[list[Any]] = []
        for row in section.rows:
            font = mono if row.mono else regular
            cell = [Paragraph(f'<font name="{font}">{escape(row.value)}</font>', st["value"])]
            if row.hint:
                cell.append(Paragraph(escape(row.hint), st["hint"]))
            rows.append([Paragraph(escape(row.label), st["label"]), cell])
        story.append(
            KeepTogether([Paragraph(escape(section.title), st["h2"]), _section_table(rows)])
        )
    guidance = port_guidance(req)
    items = [
        ListItem(Paragraph(escape(text), st["first" if i == 0 else "bullet"]), leftIndent=12)
        for i, text in enumerate(guidance)
    ]
    story.append(
        KeepTogether(
            [
                Paragraph("If sending does not work", st["h2"]),
                ListFlowable(items, bulletType="bullet", start="\u2022", leftIndent=12),
            ]
        )
    )
    footer = footer_text(req)

    def on_page(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setStrokeColor(_RULE)
        canvas.line(_MARGIN, _FOOTER + 4 * mm, A4[0] - _MARGIN, _FOOTER + 4 * mm)
        canvas.setFont(regular, 8.5)
        canvas.setFillColor(_GREY)
        canvas.drawString(_MARGIN, _FOOTER, footer)
        canvas.drawRightString(A4[0] - _MARGIN, _FOOTER, f"Page {doc.page}")
        canvas.restoreState()

    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=_MARGIN,
        rightMargin=_MARGIN,
        topMargin=18 * mm,
        bottomMargin=_BOTTOM,
        title=f"Email settings for {req.email}",
        author="smtpwizard",
        subject="Email settings card",
        invariant=1,  # no timestamps or random ids: the same settings give the same bytes
    )
    doc.build(story, onFirstPage=on_page, onLaterPages=on_page)
    return out.getvalue()
