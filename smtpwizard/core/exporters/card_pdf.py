"""The printable settings card as PDF (reportlab; pure Python, no Qt in core).

Laid out on A4, with everything (footer included) inside the top 279 mm and the middle 210 mm:
the area A4 and US Letter share, so it prints on either without cropping.
DejaVu fonts are used where installed (wide Unicode coverage for names); otherwise reportlab's
bundled Bitstream Vera (Latin only). Characters those lack (Chinese, Japanese, Korean names)
come from Droid Sans Fallback where installed (Debian: fonts-droid-fallback).
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
    Spacer,
    Table,
    TableStyle,
)

from .base import ExportRequest
from .card_content import card_sections, footer_text, port_guidance, port_intro

__all__ = ["settings_card_pdf"]

_FONT_DIRS = (
    Path("/usr/share/fonts/truetype/dejavu"),
    Path("/usr/share/fonts/dejavu"),
    Path("/usr/share/fonts/TTF"),
    Path("/usr/local/share/fonts"),
)
_FALLBACK_FILES = (  # the first also has Hangul, the "Full" one does not
    Path("/usr/share/fonts-droid-fallback/truetype/DroidSansFallback.ttf"),
    Path("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf"),
)
_BLUE = colors.HexColor("#2a6fb0")
_SHADE = colors.HexColor("#f3f6f9")
_RULE = colors.HexColor("#d5d9de")
_GREY = colors.HexColor("#555555")
_MARGIN = 20 * mm  # 170 mm wide text: fits A4 (210 mm) and Letter (216 mm)
_TOP = 15 * mm
_BOTTOM = 33 * mm  # content ends 264 mm from the top; Letter is 279 mm tall
_FOOTER = 26 * mm  # footer baseline 271 mm from the top: above Letter's unprintable edge


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
    for path in _FALLBACK_FILES:
        if path.is_file():
            pdfmetrics.registerFont(TTFont("Card-Fallback", str(path)))
            break
    return "Card", "Card-Bold", "Card-Mono"


def _covers(font_name: str) -> dict[int, int]:
    return pdfmetrics.getFont(font_name).face.charToGlyph  # type: ignore[no-any-return]


def _markup(text: str, font_name: str) -> str:
    """Paragraph markup for `text` in `font_name`, with runs that font cannot draw switched to
    the fallback font (when one is installed)."""
    main = _covers(font_name)
    fallback = (
        _covers("Card-Fallback") if "Card-Fallback" in pdfmetrics.getRegisteredFontNames() else {}
    )
    out: list[str] = []
    run: list[str] = []
    run_font = font_name
    for char in text:
        want = font_name
        if ord(char) not in main and ord(char) in fallback:
            want = "Card-Fallback"
        if want != run_font and run:
            out.append(f'<font name="{run_font}">{escape("".join(run))}</font>')
            run = []
        run_font = want
        run.append(char)
    if run:
        out.append(f'<font name="{run_font}">{escape("".join(run))}</font>')
    return "".join(out)


def _styles(regular: str, bold: str) -> dict[str, ParagraphStyle]:
    base = ParagraphStyle(
        "base",
        fontName=regular,
        bulletFontName=regular,
        fontSize=10.5,
        leading=14,
        alignment=TA_LEFT,
    )
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
            spaceBefore=4 * mm,
            spaceAfter=2 * mm,
        ),
        "label": ParagraphStyle("label", parent=base, fontName=bold),
        "value": ParagraphStyle("value", parent=base, fontSize=12, leading=15),
        "hint": ParagraphStyle("hint", parent=base, fontSize=9, leading=11.5, textColor=_GREY),
        "bullet": ParagraphStyle("bullet", parent=base, fontSize=10, leading=13),
        "first": ParagraphStyle("first", parent=base, fontName=bold, fontSize=10, leading=13),
    }


def _section_table(rows: list[list[Any]], font: str) -> Table:
    table = Table(rows, colWidths=[62 * mm, 108 * mm])
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("FONTNAME", (0, 0), (-1, -1), font),  # else Table pulls in Helvetica
                ("BACKGROUND", (0, 0), (0, -1), _SHADE),
                ("LINEBELOW", (0, 0), (-1, -1), 0.6, _RULE),
                ("LINEABOVE", (0, 0), (-1, 0), 0.6, _RULE),
                ("TOPPADDING", (0, 0), (-1, -1), 3),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
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
        Paragraph(
            _markup(f"Type these values into your mail program for {req.email}.", regular),
            st["lead"],
        ),
    ]
    for section in card_sections(req):
        rows: list[list[Any]] = []
        for row in section.rows:
            font = mono if row.mono else regular
            cell = [Paragraph(_markup(row.value, font), st["value"])]
            if row.hint:
                cell.append(Paragraph(escape(row.hint), st["hint"]))
            rows.append([Paragraph(escape(row.label), st["label"]), cell])
        story.append(
            KeepTogether(
                [Paragraph(escape(section.title), st["h2"]), _section_table(rows, regular)]
            )
        )
    this_port, others = port_guidance(req)
    guidance: list[Any] = [Paragraph("If sending does not work", st["h2"])]
    if this_port:
        guidance.append(Paragraph(escape(this_port), st["first"]))
        guidance.append(Spacer(1, 2 * mm))
    if others:
        guidance.append(Paragraph(escape(port_intro(req)), st["bullet"]))
        items = [ListItem(Paragraph(escape(t), st["bullet"]), leftIndent=12) for t in others]
        guidance.append(
            ListFlowable(
                items, bulletType="bullet", start="\u2022", leftIndent=12, bulletFontName=regular
            )
        )
    if this_port or others:
        story.append(KeepTogether(guidance))
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
        topMargin=_TOP,
        bottomMargin=_BOTTOM,
        title=f"Email settings for {req.email}",
        author="smtpwizard",
        subject="Email settings card",
        invariant=1,  # no timestamps or random ids: the same settings give the same bytes
        initialFontName=regular,  # embedded: no unembedded Helvetica in the file
    )
    doc.build(story, onFirstPage=on_page, onLaterPages=on_page)
    return out.getvalue()
