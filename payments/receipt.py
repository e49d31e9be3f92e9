"""The e-receipt (biên lai điện tử) of a paid online payment (docs/payments.md, "E-receipt"):
the receiving agency's header, the reference, the dossier and the procedure, the payer, the fee
lines with their total, the platform's transaction and the bank, and a QR code of the public
verification address (`/bien-lai/<reference>/`), like the e-result's."""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from core.text import vnd
from documents import pdf

from .models import Payment

KINDS = {"phi": "Phí", "le_phi": "Lệ phí"}


def verify_url(payment: Payment) -> str:
    return f"{settings.ONECUA_PUBLIC_BASE_URL}/bien-lai/{payment.reference}/"


def render_receipt(payment: Payment) -> bytes:
    dossier = payment.dossier
    agency = dossier.receiving_agency
    paid_at = timezone.localtime(payment.paid_at) if payment.paid_at else None
    width = pdf.content_width()
    story = [
        pdf.national_header(
            agency.name,
            parent=agency.parent.name if agency.parent_id else "",
            number=_("Số: %(ref)s") % {"ref": payment.reference},
            place_date=paid_at.strftime("Ngày %d tháng %m năm %Y") if paid_at else "",
            width=width,
        ),
        *pdf.title_block(
            _("Biên lai thu phí, lệ phí điện tử"), _("Hồ sơ: %(code)s") % {"code": dossier.code}
        ),
        pdf.labelled(_("Thủ tục"), dossier.terms.get("procedure_name", "")),
        pdf.labelled(_("Người nộp"), payment.payer),
        pdf.labelled(_("Hình thức"), _("Thanh toán trực tuyến qua nền tảng thanh toán")),
        pdf.labelled(_("Ngân hàng, ví"), payment.bank_code or "—"),
        pdf.labelled(_("Mã giao dịch của nền tảng"), payment.platform_txn_id or "—"),
        pdf.labelled(
            _("Thời điểm thanh toán"), paid_at.strftime("%H:%M %d/%m/%Y") if paid_at else "—"
        ),
        pdf.spacer(4),
        pdf.table(
            [_("STT"), _("Khoản thu"), _("Loại"), _("Số tiền")],
            [
                [str(i), line["name"], KINDS.get(line["kind"], line["kind"]), vnd(line["amount"])]
                for i, line in enumerate(payment.lines, start=1)
            ]
            + [["", _("Tổng cộng"), "", vnd(payment.amount)]],
            [width * 0.08, width * 0.52, width * 0.15, width * 0.25],
            centered=(0, 2),
        ),
        pdf.spacer(6),
        pdf.qr_with_caption(
            verify_url(payment),
            _("Quét mã QR hoặc truy cập địa chỉ dưới đây để kiểm tra biên lai điện tử:"),
            width=width,
        ),
    ]
    return pdf.render(
        story,
        title=_("Biên lai thu phí, lệ phí điện tử %(ref)s") % {"ref": payment.reference},
        subject=dossier.code,
        author=agency.name,
    )
