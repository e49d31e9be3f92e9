"""Mẫu 01 — Giấy tiếp nhận hồ sơ và hẹn trả kết quả (receipt and appointment slip)."""

from __future__ import annotations

from urllib.parse import quote

from django.conf import settings
from django.utils.translation import gettext as _
from reportlab.lib.units import mm

from documents import pdf

from .. import selectors
from ..models import Dossier, ReturnMethod
from . import common as c
from .titles import FORMS

TITLE = FORMS["01"]


def tracking_url(dossier: Dossier) -> str:
    """The public tracking page of the dossier, printed as a QR code on the slip."""
    return f"{settings.ONECUA_PUBLIC_BASE_URL}/tra-cuu/?ma={quote(dossier.code, safe='')}"


def _money(amount) -> str:
    try:
        return f"{int(amount):,}".replace(",", ".") + " " + _("đồng")
    except (TypeError, ValueError):
        return str(amount or "")


def render(dossier: Dossier) -> bytes:
    slip = selectors.receipt_slip(dossier)
    centre = dossier.receiving_agency
    width = pdf.content_width()
    story = [c.header(centre, moment=dossier.received_at)]
    story += pdf.title_block(str(TITLE), c.code_line(dossier))
    story.append(pdf.labelled(_("%(agency)s tiếp nhận hồ sơ của:") % {"agency": centre.name}, ""))
    story += c.applicant_lines(dossier, opening=_("Ông/Bà (tổ chức):"))
    story += c.request_lines(dossier)

    story.append(pdf.spacer(1.5))
    story.append(pdf.labelled(_("1. Thành phần hồ sơ nộp gồm:"), ""))
    components = slip["components"]
    if components:
        story.append(
            pdf.table(
                [_("TT"), _("Tên giấy tờ"), _("Bản chính"), _("Bản sao")],
                [
                    [i, item["name"], item["originals"], item["copies"]]
                    for i, item in enumerate(components, start=1)
                ],
                [10 * mm, width - 54 * mm, 22 * mm, 22 * mm],
                centered=(0, 2, 3),
            )
        )
    else:
        story.append(pdf.para(_("(Không có giấy tờ nào được ghi nhận.)")))
    story.append(pdf.spacer(1.5))
    story.append(pdf.labelled(_("2. Số lượng hồ sơ:"), _("01 (bộ)")))
    story.append(
        pdf.labelled(
            _("3. Thời gian giải quyết hồ sơ theo quy định là:"), c.statutory_time(dossier.terms)
        )
    )
    story.append(pdf.labelled(_("4. Thời gian nhận hồ sơ:"), c.fmt_clock(dossier.received_at)))
    story.append(
        pdf.labelled(_("5. Thời gian trả kết quả giải quyết hồ sơ:"), c.fmt_clock(dossier.due_at))
    )
    method = c.return_method_label(dossier.return_method)
    if dossier.return_method == ReturnMethod.COUNTER:
        method = f"{method} — {centre.name}"
    story.append(pdf.labelled(_("6. Đăng ký nhận kết quả:"), method))
    fees = slip["fees"]
    if fees:
        lines = "; ".join(f"{fee.get('name', '')}: {_money(fee.get('amount'))}" for fee in fees)
        story.append(pdf.labelled(_("7. Phí, lệ phí:"), lines))

    story.append(
        pdf.signature_block(
            pdf.Signer(_("Người nộp hồ sơ"), dossier.applicant.full_name),
            pdf.Signer(_("Người tiếp nhận hồ sơ"), slip["received_by"]),
        )
    )
    story.append(pdf.spacer(3))
    story.append(
        pdf.qr_with_caption(
            tracking_url(dossier),
            _("Quét mã QR hoặc truy cập địa chỉ dưới đây để tra cứu tình trạng hồ sơ:"),
        )
    )
    return pdf.render(story, title=str(TITLE), subject=dossier.code, author=centre.name)
