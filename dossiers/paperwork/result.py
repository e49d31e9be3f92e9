"""The e-result document (kết quả điện tử) of an approved dossier, before it is signed.

The issuing agency's header, the result's name as title, the dossier and applicant, the
decision and the leader's note, and at the foot of the last page the signer's title and name
around an empty box kept for the digital signature's appearance (`SIGNATURE_BOX`), beside a
QR code of the verification address with that address printed. The signing step (pyHanko)
places its visible signature in `SIGNATURE_BOX` on the last page, e.g.
``SigFieldSpec("Signature", on_page=-1, box=SIGNATURE_BOX)``.
"""

from __future__ import annotations

from datetime import date, datetime

from django.utils.translation import gettext as _
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph

from core.errors import Conflict
from documents import pdf

from ..models import Dossier, Outcome
from . import common as c
from .titles import RESULT_TITLE

# (top, right, bottom, left) in mm: the bottom margin holds the QR code and the signer block.
MARGINS = (15.0, 15.0, 88.0, 20.0)
# The box for the signature appearance, in PDF points from the bottom-left corner of the last
# page: (x1, y1, x2, y2).
SIGNATURE_BOX = (115 * mm, 40 * mm, 190 * mm, 70 * mm)
_SIGNER_TITLE_TOP = 84 * mm
_SIGNER_NAME_TOP = 36 * mm
_QR_SIZE = 30 * mm


def result_title(dossier: Dossier) -> str:
    return (dossier.terms or {}).get("result_name") or str(RESULT_TITLE)


def _foot(verify_url: str, signer_name: str, signer_title: str):
    """Draws the signer block and the QR code at fixed places on the last page."""
    st = pdf.styles()

    def draw(canvas, doc):
        x1, y1, x2, _y2 = SIGNATURE_BOX
        column = x2 - x1 + 10 * mm
        left_of_column = x1 - 5 * mm
        title = Paragraph(pdf.esc(signer_title.upper()), st["sign_title"])
        _width, height = title.wrapOn(canvas, column, 30 * mm)
        title.drawOn(canvas, left_of_column, _SIGNER_TITLE_TOP - height)
        name = Paragraph(pdf.esc(signer_name), st["sign_name"])
        _width, height = name.wrapOn(canvas, column, 20 * mm)
        name.drawOn(canvas, left_of_column, _SIGNER_NAME_TOP - height)

        left = doc.leftMargin
        qr = pdf.qr_code(verify_url, _QR_SIZE / mm)
        qr.drawOn(canvas, left, y1)
        text_width = x1 - left - 12 * mm
        caption = Paragraph(
            pdf.esc(_("Quét mã QR hoặc truy cập địa chỉ dưới đây để kiểm tra văn bản điện tử:")),
            st["small"],
        )
        url = Paragraph(pdf.esc(verify_url), st["small"])
        _width, caption_height = caption.wrapOn(canvas, text_width, 20 * mm)
        _width, url_height = url.wrapOn(canvas, text_width, 30 * mm)
        top = y1 - 2 * mm
        caption.drawOn(canvas, left, top - caption_height)
        url.drawOn(canvas, left, top - caption_height - 1 * mm - url_height)

    return draw


def render_result_document(
    *,
    dossier: Dossier,
    verify_url: str,
    signer_name: str,
    signer_title: str,
    issued_at: datetime | date,
) -> bytes:
    """The unsigned e-result of an approved dossier (409 `result_not_approved` otherwise)."""
    if dossier.outcome != Outcome.APPROVED:
        raise Conflict(
            _("Hồ sơ chưa được phê duyệt: chưa thể lập văn bản kết quả."),
            code="result_not_approved",
        )
    agency = dossier.handling_agency
    title = result_title(dossier)
    applicant = dossier.applicant
    label, identifier = c.applicant_identifier(applicant)
    story = [c.header(agency, moment=issued_at)]
    story += pdf.title_block(title, c.code_line(dossier))
    story.append(
        pdf.para(
            _(
                "Căn cứ hồ sơ đề nghị giải quyết thủ tục hành chính mã số %(code)s, tiếp nhận "
                "ngày %(date)s tại %(centre)s;"
            )
            % {
                "code": dossier.code,
                "date": c.fmt_date(dossier.received_at),
                "centre": dossier.receiving_agency.name,
            }
        )
    )
    story.append(pdf.spacer(2))
    story.append(pdf.labelled(_("Thủ tục hành chính:"), c.procedure_name(dossier)))
    story.append(pdf.labelled(_("Chủ hồ sơ:"), applicant.full_name))
    if identifier:
        story.append(pdf.labelled(label, identifier))
    if applicant.address:
        story.append(pdf.labelled(_("Địa chỉ:"), applicant.address))
    story.append(pdf.labelled(_("Nội dung yêu cầu giải quyết:"), dossier.summary))
    story.append(pdf.spacer(2))
    story.append(pdf.labelled(_("Kết quả giải quyết:"), Outcome(dossier.outcome).label))
    if dossier.outcome_reason:
        story.append(pdf.labelled(_("Ý kiến của người có thẩm quyền:"), dossier.outcome_reason))
    story.append(pdf.labelled(_("Ngày ban hành:"), c.fmt_date(issued_at)))
    story.append(pdf.spacer(3))
    story.append(
        pdf.para(
            _(
                "Văn bản điện tử này có giá trị pháp lý khi có chữ ký số hợp lệ của cơ quan, "
                "người có thẩm quyền."
            ),
            "small",
        )
    )
    return pdf.render(
        story,
        title=title,
        subject=dossier.code,
        author=agency.name,
        margins_mm=MARGINS,
        on_last_page=_foot(verify_url, signer_name, signer_title),
    )
