"""The printed ticket: an 80 mm thermal-printer page (PDF, reportlab with the vendored DejaVu
fonts of documents/pdf.py) — the centre, the number in large type, the service group, the
local time of issue, the people waiting ahead and a QR code of the ticket's public page — and
the QR codes as SVG images for the pages."""

from __future__ import annotations

from io import BytesIO

from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.graphics import renderPDF, renderSVG
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from core.calendar import LOCAL_TZ
from documents import pdf

WIDTH = 80 * mm
HEIGHT = 130 * mm
MARGIN = 4 * mm


def _centred(canvas: Canvas, y: float, text: str, font: str, size: float) -> float:
    """Draw `text` centred at height y, wrapped to the paper's width; returns the next y."""
    width = WIDTH - 2 * MARGIN
    for line in _wrap(text, font, size, width):
        canvas.setFont(font, size)
        canvas.drawCentredString(WIDTH / 2, y, line)
        y -= size * 1.25
    return y


def _wrap(text: str, font: str, size: float, width: float) -> list[str]:
    from reportlab.pdfbase.pdfmetrics import stringWidth

    lines, line = [], ""
    for word in str(text).split():
        candidate = f"{line} {word}".strip()
        if stringWidth(candidate, font, size) <= width or not line:
            line = candidate
        else:
            lines.append(line)
            line = word
    if line:
        lines.append(line)
    return lines


def ticket_pdf(ticket, *, ahead: int, status_url: str) -> bytes:
    pdf.register_fonts()
    buffer = BytesIO()
    canvas = Canvas(buffer, pagesize=(WIDTH, HEIGHT))
    canvas.setTitle(_("Số thứ tự %(l)s") % {"l": ticket.label})
    y = HEIGHT - MARGIN - 10
    y = _centred(canvas, y, ticket.centre.agency.name.upper(), pdf.FONT_BOLD, 9)
    y -= 4
    y = _centred(canvas, y, _("SỐ THỨ TỰ CỦA BẠN"), pdf.FONT, 10)
    y -= 30
    y = _centred(canvas, y, ticket.label, pdf.FONT_BOLD, 44)
    y -= 4
    y = _centred(canvas, y, ticket.group.name, pdf.FONT_BOLD, 11)
    issued = timezone.localtime(ticket.issued_at, LOCAL_TZ)
    y = _centred(
        canvas, y, _("Lấy số lúc %(t)s") % {"t": issued.strftime("%H:%M %d/%m/%Y")}, pdf.FONT, 9
    )
    y = _centred(
        canvas, y, _("Số người đang chờ trước bạn: %(n)d") % {"n": ahead}, pdf.FONT_BOLD, 10
    )
    if ticket.priority:
        y = _centred(canvas, y, _("Ưu tiên: khách có lịch hẹn"), pdf.FONT, 9)
    size = 30
    drawing = pdf.qr_code(status_url, size_mm=size)
    renderPDF.draw(drawing, canvas, (WIDTH - size * mm) / 2, y - size * mm - 2)
    y -= size * mm + 8
    _centred(
        canvas,
        y,
        _("Quét mã để theo dõi lượt gọi trên điện thoại. Vui lòng chú ý bảng hiển thị."),
        pdf.FONT,
        8,
    )
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def qr_svg(data: str, size_mm: float = 40) -> str:
    return renderSVG.drawToString(pdf.qr_code(data, size_mm=size_mm))
