"""Building blocks for official Vietnamese documents as PDF (reportlab).

Generic on purpose: the national header, a title, paragraphs, tables, a signature block, a QR
code and `render()`; what goes into a given form lives with the dossiers. This module imports
no app code.

Text is set in DejaVu Sans (vendored in `documents/fonts/`, embedded as a subset): the built-in
PDF fonts (Helvetica…) have no Vietnamese letters. The fonts are registered once per process.
Every text argument is plain text: it is escaped here, so a name like "A & B <C>" prints as
written. Only `markup()` takes reportlab's paragraph mark-up.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    Flowable,
    HRFlowable,
    KeepTogether,
    LongTable,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

FONTS_DIR = Path(__file__).resolve().parent / "fonts"
FONT = "DejaVuSans"
FONT_BOLD = "DejaVuSans-Bold"

NATION = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"

PORTRAIT = A4
LANDSCAPE = landscape(A4)
# (top, right, bottom, left), in millimetres.
MARGINS = (15.0, 15.0, 18.0, 20.0)

_fonts_lock = threading.Lock()
_fonts_registered = False


def register_fonts() -> None:
    """Register DejaVu Sans (regular and bold) with reportlab, once per process."""
    global _fonts_registered
    if _fonts_registered:
        return
    with _fonts_lock:
        if _fonts_registered:
            return
        pdfmetrics.registerFont(TTFont(FONT, str(FONTS_DIR / "DejaVuSans.ttf")))
        pdfmetrics.registerFont(TTFont(FONT_BOLD, str(FONTS_DIR / "DejaVuSans-Bold.ttf")))
        # <b> in mark-up picks the bold face; there is no italic face, so <i> stays upright.
        pdfmetrics.registerFontFamily(
            FONT, normal=FONT, bold=FONT_BOLD, italic=FONT, boldItalic=FONT_BOLD
        )
        _fonts_registered = True


@cache
def styles() -> dict[str, ParagraphStyle]:
    """The paragraph styles of the forms, by name."""
    register_fonts()
    body = ParagraphStyle(
        "body", fontName=FONT, fontSize=10.5, leading=14.5, alignment=TA_JUSTIFY, spaceAfter=1.5
    )
    small = ParagraphStyle("small", parent=body, fontSize=8.5, leading=11, alignment=TA_LEFT)
    cell = ParagraphStyle(
        "cell", parent=body, fontSize=8.5, leading=10.5, alignment=TA_LEFT, spaceAfter=0
    )
    return {
        "body": body,
        "body_left": ParagraphStyle("body_left", parent=body, alignment=TA_LEFT),
        "body_center": ParagraphStyle("body_center", parent=body, alignment=TA_CENTER),
        # A numbered item of a list (the missing papers of a supplement request…).
        "item": ParagraphStyle("item", parent=body, alignment=TA_LEFT, leftIndent=6 * mm),
        "small": small,
        "small_center": ParagraphStyle("small_center", parent=small, alignment=TA_CENTER),
        "note": ParagraphStyle(
            "note", parent=small, alignment=TA_CENTER, textColor=colors.HexColor("#444444")
        ),
        "cell": cell,
        "cell_center": ParagraphStyle("cell_center", parent=cell, alignment=TA_CENTER),
        "cell_head": ParagraphStyle(
            "cell_head", parent=cell, fontName=FONT_BOLD, alignment=TA_CENTER
        ),
        "header": ParagraphStyle(
            "header", parent=body, fontSize=9.5, leading=12, alignment=TA_CENTER, spaceAfter=0
        ),
        "header_bold": ParagraphStyle(
            "header_bold",
            parent=body,
            spaceAfter=0,
            fontName=FONT_BOLD,
            fontSize=9.5,
            leading=12,
            alignment=TA_CENTER,
        ),
        "title": ParagraphStyle(
            "title",
            parent=body,
            fontName=FONT_BOLD,
            fontSize=13,
            leading=17,
            alignment=TA_CENTER,
            spaceBefore=4,
        ),
        "subtitle": ParagraphStyle(
            "subtitle", parent=body, fontName=FONT_BOLD, alignment=TA_CENTER
        ),
        "sign_title": ParagraphStyle(
            "sign_title", parent=body, fontName=FONT_BOLD, fontSize=10, alignment=TA_CENTER
        ),
        "sign_name": ParagraphStyle(
            "sign_name", parent=body, fontName=FONT_BOLD, alignment=TA_CENTER
        ),
    }


# --- text ----------------------------------------------------------------------------------
def esc(text) -> str:
    """Plain text → paragraph mark-up (escaped; line breaks kept)."""
    return escape(str(text if text is not None else "")).replace("\n", "<br/>")


def para(text, style: str = "body") -> Paragraph:
    """A paragraph of plain text."""
    return Paragraph(esc(text), styles()[style])


def markup(text: str, style: str = "body") -> Paragraph:
    """A paragraph of reportlab mark-up: the caller escapes what it puts in (`esc`)."""
    return Paragraph(text, styles()[style])


def labelled(label: str, value, style: str = "body") -> Paragraph:
    """ "Label: value" with the label in bold."""
    return Paragraph(f"<b>{esc(label)}</b> {esc(value)}", styles()[style])


def spacer(height_mm: float) -> Spacer:
    return Spacer(1, height_mm * mm)


def rule(width: str | float = "35%") -> HRFlowable:
    """The short line under the header's names."""
    return HRFlowable(
        width=width,
        thickness=0.6,
        color=colors.black,
        spaceBefore=2,
        spaceAfter=3,
        hAlign="CENTER",
    )


# --- the blocks of an official document ------------------------------------------------------
def national_header(
    agency: str,
    *,
    parent: str = "",
    number: str = "",
    place_date: str = "",
    width: float | None = None,
) -> Table:
    """The agency (left: its superior, then its own name in bold) beside the national motto
    (right), with an optional number ("Số: …") under the agency and the place and date under
    the motto."""
    width = width or content_width()
    left: list[Flowable] = []
    if parent:
        left.append(para(parent.upper(), "header"))
    left.append(para(agency.upper(), "header_bold"))
    # Inside a table cell the flowables' own spaceBefore/After are not applied: spacers are.
    left += [spacer(0.8), rule("40%"), spacer(1)]
    if number:
        left.append(para(number, "header"))
    right: list[Flowable] = [
        para(NATION, "header_bold"),
        para(MOTTO, "header_bold"),
        spacer(0.8),
        rule("45%"),
        spacer(1),
    ]
    if place_date:
        right.append(para(place_date, "header"))
    table = Table([[left, right]], colWidths=[width * 0.42, width * 0.58])
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("ALIGN", (0, 0), (-1, -1), "CENTER"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    return table


def title_block(title: str, *subtitles: str) -> list[Flowable]:
    """The document's title in capitals, with lines under it (e.g. the dossier code)."""
    out: list[Flowable] = [spacer(5), para(title.upper(), "title")]
    out.extend(para(line, "subtitle") for line in subtitles if line)
    out.append(spacer(4))
    return out


_PAD_X = 3  # cell padding, left and right (points)


def _wrap(text: str, width: float, font: str, size: float) -> list[str]:
    """Greedy word wrap to `width` points; a word wider than the column is cut."""
    lines: list[str] = []
    for line in simpleSplit(text, font, size, width) or [""]:
        while pdfmetrics.stringWidth(line, font, size) > width and len(line) > 1:
            cut = len(line) - 1
            while cut > 1 and pdfmetrics.stringWidth(line[:cut], font, size) > width:
                cut -= 1
            lines.append(line[:cut])
            line = line[cut:]
        lines.append(line)
    return lines


def table(
    header: Sequence[str],
    rows: Iterable[Sequence],
    widths: Sequence[float],
    *,
    centered: Iterable[int] = (),
    repeat_header: bool = True,
    plain: bool = False,
) -> Table:
    """A ruled table; every cell wraps. `widths` in points; `centered` are column indexes.

    A cell is plain text, or a list of plain-text lines (printed one per line). `plain` sets
    the body cells as pre-wrapped strings instead of paragraphs: several times faster, for
    long tables (the logbook's thousand rows).
    """
    st = styles()
    centered = set(centered)
    body = st["cell"]

    def paragraph(value, column: int) -> Paragraph:
        if isinstance(value, list | tuple):
            text = "<br/>".join(esc(v) for v in value if v not in (None, ""))
        else:
            text = esc(value)
        return Paragraph(text, st["cell_center" if column in centered else "cell"])

    def string(value, column: int) -> str:
        parts = value if isinstance(value, list | tuple) else [value]
        width = widths[column] - 2 * _PAD_X
        return "\n".join(
            line
            for part in parts
            if part not in (None, "")
            for line in _wrap(str(part), width, body.fontName, body.fontSize)
        )

    cell = string if plain else paragraph
    data = [[Paragraph(esc(h), st["cell_head"]) for h in header]]
    data.extend([cell(v, i) for i, v in enumerate(row)] for row in rows)
    result = LongTable(data, colWidths=list(widths), repeatRows=1 if repeat_header else 0)
    commands = [
        ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#EEEEEE")),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        ("LEFTPADDING", (0, 0), (-1, -1), _PAD_X),
        ("RIGHTPADDING", (0, 0), (-1, -1), _PAD_X),
    ]
    if plain:
        commands += [
            ("FONT", (0, 1), (-1, -1), body.fontName, body.fontSize, body.leading),
            *(("ALIGN", (column, 1), (column, -1), "CENTER") for column in centered),
        ]
    result.setStyle(TableStyle(commands))
    return result


@dataclass(frozen=True)
class Signer:
    """One signature column: who signs (in capitals), a hint, the space, the printed name."""

    title: str
    name: str = ""
    hint: str = "(Ký và ghi rõ họ tên)"
    space_mm: float = 20


def signature_block(*signers: Signer | None, width: float | None = None) -> KeepTogether:
    """Signature columns side by side; None leaves a column empty (so a single signer can sit
    on the right, as on official letters)."""
    width = width or content_width()
    columns = []
    for signer in signers:
        if signer is None:
            columns.append("")
            continue
        column: list[Flowable] = [para(signer.title.upper(), "sign_title")]
        if signer.hint:
            column.append(para(signer.hint, "note"))
        column.append(spacer(signer.space_mm))
        if signer.name:
            column.append(para(signer.name, "sign_name"))
        columns.append(column)
    count = max(len(columns), 1)
    block = Table([columns], colWidths=[width / count] * count)
    block.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    return KeepTogether([spacer(6), block])


def qr_code(data: str, size_mm: float = 28) -> Drawing:
    """A QR code of `data` as a flowable drawing, `size_mm` on each side."""
    widget = QrCodeWidget(data, barLevel="M")
    x0, y0, x1, y1 = widget.getBounds()
    size = size_mm * mm
    drawing = Drawing(size, size, transform=[size / (x1 - x0), 0, 0, size / (y1 - y0), 0, 0])
    drawing.add(widget)
    return drawing


def qr_with_caption(data: str, caption: str, *, size_mm: float = 26, width=None) -> Table:
    """A QR code with its explanation (and the address itself) to its right."""
    width = width or content_width()
    qr_width = (size_mm + 4) * mm
    text = [para(caption, "small"), para(data, "small")]
    block = Table([[qr_code(data, size_mm), text]], colWidths=[qr_width, width - qr_width])
    block.hAlign = "LEFT"
    block.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("LEFTPADDING", (0, 0), (0, 0), 0),
            ]
        )
    )
    return block


# --- the document ----------------------------------------------------------------------------
class _NumberedCanvas(Canvas):
    """Prints "Trang x/y" at the foot of every page of a multi-page document."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._pages: list[dict] = []

    def showPage(self):
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self):
        total = len(self._pages)
        for state in self._pages:
            self.__dict__.update(state)
            if total > 1:
                self.setFont(FONT, 8)
                self.drawCentredString(
                    self._pagesize[0] / 2, 8 * mm, f"Trang {self._pageNumber}/{total}"
                )
            super().showPage()
        super().save()


class _LastPageMarker(Flowable):
    """Zero-size flowable placed last: once drawn, the current page is the last one."""

    def __init__(self, doc: _Document):
        super().__init__()
        self.doc = doc

    def wrap(self, available_width, available_height):
        return 0, 0

    def draw(self):
        self.doc.reached_end = True


class _Document(SimpleDocTemplate):
    def __init__(self, *args, on_last_page=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.on_last_page = on_last_page
        self.reached_end = False

    def afterPage(self):
        if self.on_last_page is not None and self.reached_end:
            self.on_last_page(self.canv, self)
            self.on_last_page = None


def render(
    flowables: Sequence[Flowable],
    *,
    title: str,
    subject: str = "",
    author: str = "",
    pagesize=PORTRAIT,
    margins_mm: tuple[float, float, float, float] = MARGINS,
    on_last_page: Callable[[Canvas, SimpleDocTemplate], None] | None = None,
) -> bytes:
    """Lay out `flowables` on A4 pages and return the PDF.

    `margins_mm` are (top, right, bottom, left). `on_last_page(canvas, doc)` draws on the last
    page after its content (e.g. a signer block at a fixed place, inside the bottom margin).
    """
    register_fonts()
    buffer = io.BytesIO()
    top, right, bottom, left = margins_mm
    doc = _Document(
        buffer,
        pagesize=pagesize,
        topMargin=top * mm,
        rightMargin=right * mm,
        bottomMargin=bottom * mm,
        leftMargin=left * mm,
        title=title,
        subject=subject,
        author=author,
        creator="onecua",
        on_last_page=on_last_page,
    )
    story = list(flowables)
    if on_last_page is not None:
        story.append(_LastPageMarker(doc))
    doc.build(story, canvasmaker=_NumberedCanvas)
    return buffer.getvalue()


def content_width(pagesize=PORTRAIT, margins_mm=MARGINS) -> float:
    """The width between the left and right margins, in points."""
    return pagesize[0] - (margins_mm[1] + margins_mm[3]) * mm


__all__ = [
    "FONT",
    "FONT_BOLD",
    "LANDSCAPE",
    "MARGINS",
    "MOTTO",
    "NATION",
    "PORTRAIT",
    "Signer",
    "content_width",
    "esc",
    "labelled",
    "markup",
    "national_header",
    "para",
    "qr_code",
    "qr_with_caption",
    "register_fonts",
    "render",
    "rule",
    "signature_block",
    "spacer",
    "styles",
    "table",
    "title_block",
]
