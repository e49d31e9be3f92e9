"""Online payment of a dossier's fees (docs/payments.md): starting a payment at the platform,
taking its signed notification (IPN), and applying an outcome the platform reports (the IPN or a
status query of the reconciliation). Nothing is marked paid from anything but a verified
message; every message is logged (`PaymentMessage`) before it is judged."""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.errors import Conflict, DomainError, Forbidden, NotFound
from dossiers import links, permissions, selectors
from dossiers.models import OPEN, Dossier, DossierStatus
from dossiers.services import fees
from dossiers.services.fees import FeeCollection

from . import checksum
from .client import OK, PlatformUnavailable, get_client, log_message
from .models import SETTLED, Direction, MessageKind, Payment, PaymentStatus

logger = logging.getLogger(__name__)

# Answer codes of docs/payment-platform.md.
TAKEN, UNKNOWN, ALREADY, WRONG_AMOUNT, BAD_CHECKSUM, OTHER = "00", "01", "02", "04", "97", "99"
MESSAGES = {
    TAKEN: "Confirm success",
    UNKNOWN: "Transaction not found",
    ALREADY: "Already confirmed",
    WRONG_AMOUNT: "Invalid amount",
    BAD_CHECKSUM: "Invalid checksum",
    OTHER: "Invalid request",
}
OUTCOMES = {
    "paid": PaymentStatus.PAID,
    "failed": PaymentStatus.FAILED,
    "cancelled": PaymentStatus.CANCELLED,
    "expired": PaymentStatus.EXPIRED,
}


class PaymentUnavailable(DomainError):
    status_code = 503
    code = "payment_platform_unavailable"
    title = gettext_lazy("Nền tảng thanh toán chưa sẵn sàng")


def new_reference() -> str:
    """Unique per attempt: the local date and 12 random hex digits (20 characters)."""
    return "OC" + timezone.localtime().strftime("%y%m%d") + secrets.token_hex(6).upper()


# --- starting a payment -----------------------------------------------------------------------
def _payable(dossier: Dossier) -> None:
    """Whether the dossier's fees may be paid online now (docs/payments.md, "When fees are
    collected")."""
    if dossier.status not in OPEN:
        raise Conflict(_("Hồ sơ đã kết thúc, không thể thanh toán."), code="dossier_closed")
    if not dossier.fees_owed:
        raise Conflict(_("Hồ sơ không còn khoản phí, lệ phí nào chưa nộp."), code="no_fee_owed")
    if dossier.status == DossierStatus.AWAITING_PAYMENT:
        return
    point = fees.collection_point(dossier.terms, dossier.channel)
    if point == FeeCollection.SUBMISSION:
        return
    if point == FeeCollection.RECEIPT and dossier.received_at is not None:
        return
    raise Conflict(_("Chưa đến thời điểm nộp phí, lệ phí của hồ sơ này."), code="fee_not_requested")


def start_payment(*, dossier: str, actor, return_url: str) -> tuple[Payment, bool]:
    """The applicant starts paying what the dossier owes online: a pending payment (or the one
    still pending for the same amount: no second order for one debt), sent to the platform;
    returns it with its hosted page's URL, and whether it is new."""
    with transaction.atomic():
        row = (
            selectors.visible_to(actor)
            .select_for_update(of=("self",))
            .select_related("applicant")
            .filter(code=dossier)
            .first()
        )
        if row is None:
            raise NotFound(_("Không tìm thấy hồ sơ."))
        if not permissions.is_owner(row, actor):
            raise Forbidden(_("Chỉ chủ hồ sơ được thanh toán trực tuyến."))
        payment, new = _order(row, actor)
    return (_send(payment, return_url), True) if new else (payment, False)


# --- the signed payment link of the "fee requested" notice ----------------------------------------
LINK_SALT = "payments.link"


def link_token(dossier: Dossier) -> str:
    return links.sign(dossier, LINK_SALT)


def link_url(dossier: Dossier) -> str:
    """The link the applicant is sent with a fee request: it opens the platform's page for what
    the dossier owes, without a login (whoever holds the link may pay, never read)."""
    return f"{settings.ONECUA_PUBLIC_BASE_URL}/thanh-toan/{link_token(dossier)}/"


def dossier_of_link(token: str) -> Dossier:
    """The dossier a payment link names; a forged, altered or expired link is a 404."""
    return links.dossier_of(
        token,
        salt=LINK_SALT,
        max_age=settings.ONECUA_PAYMENT_LINK_MAX_AGE,
        expired=_("Đường dẫn thanh toán đã hết hạn."),
        invalid=_("Đường dẫn thanh toán không hợp lệ."),
    )


def start_payment_by_link(token: str, *, return_url: str) -> tuple[Payment, bool]:
    """`start_payment` for the holder of a signed link (the "fee requested" notice): the same
    order, recorded as started by nobody."""
    code = dossier_of_link(token).code
    with transaction.atomic():
        row = (
            Dossier.objects.select_for_update(of=("self",))
            .select_related("applicant")
            .get(code=code)
        )
        payment, new = _order(row, None)
    return (_send(payment, return_url), True) if new else (payment, False)


def _order(row: Dossier, actor) -> tuple[Payment, bool]:
    """The pending payment of what the locked dossier owes: the current one for the same amount
    (already sent), or a new one to send; and whether it is new."""
    _payable(row)
    lines = list(fees.owed_lines(row))
    if not lines:
        raise Conflict(_("Chưa xác định số tiền phải nộp."), code="fee_amount_unknown")
    amount = sum(line.amount_due for line in lines)
    now = timezone.now()
    current = (
        Payment.objects.filter(
            dossier=row, status=PaymentStatus.PENDING, amount=amount, expires_at__gt=now
        )
        .exclude(payment_url="")
        .first()
    )
    if current is not None:
        return current, False
    payment = Payment.objects.create(
        reference=new_reference(),
        dossier=row,
        amount=amount,
        lines=[
            {"order": f.order, "name": f.name, "kind": f.kind, "amount": f.amount_due}
            for f in lines
        ],
        payer=row.applicant.full_name[:255],
        created_by=actor,
        created_at=now,
        expires_at=now + timedelta(minutes=settings.ONECUA_PAYMENT_EXPIRY_MINUTES),
    )
    return payment, True


def _send(payment: Payment, return_url: str) -> Payment:
    """Send a new order to the platform; the payment with its hosted page's URL."""
    # The platform is called outside the transaction: the row exists whatever it answers.
    try:
        answer = get_client().init(
            payment, return_url=return_url, notify_url=settings.ONECUA_PAYMENT_NOTIFY_URL
        )
    except PlatformUnavailable as exc:
        _fail(payment)
        raise PaymentUnavailable(
            _("Nền tảng thanh toán tạm thời không trả lời; vui lòng thử lại sau.")
        ) from exc
    if answer.get("code") != OK or not answer.get("payment_url"):
        _fail(payment)
        logger.warning("payment %s: init refused: %s", payment.reference, answer)
        raise PaymentUnavailable(
            _("Nền tảng thanh toán từ chối giao dịch (mã %(code)s).")
            % {"code": str(answer.get("code"))[:4]}
        )
    Payment.objects.filter(pk=payment.pk).update(
        payment_url=str(answer["payment_url"])[:1000],
        platform_txn_id=str(answer.get("platform_txn_id") or "")[:64],
    )
    payment.refresh_from_db()
    return payment


def _fail(payment: Payment) -> None:
    Payment.objects.filter(pk=payment.pk, status=PaymentStatus.PENDING).update(
        status=PaymentStatus.FAILED, settled_at=timezone.now()
    )


# --- outcomes reported by the platform ------------------------------------------------------------
@dataclass(frozen=True)
class Answer:
    code: str

    def as_dict(self) -> dict:
        return {"code": self.code, "message": MESSAGES[self.code]}


def _as_int(value) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit() and len(value) < 19:
        return int(value)
    return None


def apply_outcome(reference: str, data: dict) -> str:
    """Apply what the platform reports about `reference` (a verified IPN or status query):
    under a row lock, so two notifications at once make one payment. Returns the answer code."""
    with transaction.atomic():
        # By the unique reference, unordered (the model's ordering would sort by created_at).
        payment = Payment.objects.select_for_update().filter(reference=reference).order_by().first()
        if payment is None:
            return UNKNOWN
        outcome = OUTCOMES.get(data.get("status"))
        if outcome is None:  # "pending" (a query) or nonsense: nothing to apply
            return OTHER if data.get("status") != "pending" else TAKEN
        if payment.status in SETTLED:
            return ALREADY
        amount = _as_int(data.get("amount"))
        if amount != payment.amount or data.get("currency") != payment.currency:
            if outcome == PaymentStatus.PAID:
                payment.status = PaymentStatus.HELD
                payment.held_reason = _(
                    "Nền tảng báo đã thanh toán %(amount)s %(currency)s, khác số tiền của "
                    "giao dịch (%(expected)s VND)."
                ) % {
                    "amount": str(data.get("amount"))[:20],
                    "currency": str(data.get("currency"))[:8],
                    "expected": payment.amount,
                }
                payment.platform_txn_id = str(data.get("platform_txn_id") or "")[:64]
                payment.settled_at = timezone.now()
                payment.save()
                logger.error("payment %s held: %s", reference, payment.held_reason)
            return WRONG_AMOUNT
        if outcome != PaymentStatus.PAID and payment.status != PaymentStatus.PENDING:
            return ALREADY  # failed/cancelled/expired recorded once; a repeat changes nothing
        payment.status = outcome
        payment.platform_txn_id = str(data.get("platform_txn_id") or "")[:64]
        payment.bank_code = str(data.get("bank_code") or "")[:32]
        payment.settled_at = timezone.now()
        if outcome == PaymentStatus.PAID:
            payment.paid_at = checksum.parse_time(data.get("paid_at")) or payment.settled_at
        payment.save()
        if outcome == PaymentStatus.PAID:
            fees.record_online_payment(
                dossier=Dossier(pk=payment.dossier_id),
                reference=payment.reference,
                amount=payment.amount,
                lines=[line["order"] for line in payment.lines],
                paid_at=payment.paid_at,
                platform_txn_id=payment.platform_txn_id,
            )
        return TAKEN


def handle_notification(data) -> dict:
    """The platform's notification (IPN): logged as received, then verified — check value,
    partner, reference, amount, currency — before anything changes; answered per the protocol.
    The message, its effect and our answer are written in one transaction (one commit); should
    applying it fail, the message is still logged before the error propagates (the platform
    retries)."""
    body = data if isinstance(data, dict) else {"raw": str(data)[:2000]}
    reference = str(body.get("transaction_ref") or "")[:64]
    verified = (
        isinstance(data, dict)
        and data.get("partner_code") == settings.ONECUA_PAYMENT_PARTNER_CODE
        and checksum.verify(data, checksum.NOTIFY, settings.ONECUA_PAYMENT_SECRET)
    )
    try:
        with transaction.atomic():
            payment = (
                Payment.objects.filter(reference=reference).order_by().only("pk").first()
                if reference
                else None
            )
            log_message(
                payment, reference, Direction.RECEIVED, MessageKind.NOTIFY, body, verified=verified
            )
            if not isinstance(data, dict):
                code = OTHER
            elif not verified:
                code = BAD_CHECKSUM
                logger.warning("payment notification with a bad check value: %r", reference)
            elif payment is None:
                code = UNKNOWN
            else:
                code = apply_outcome(reference, data)
            answer = Answer(code).as_dict()
            log_message(
                payment, reference, Direction.SENT, MessageKind.NOTIFY_ANSWER, answer, code=code
            )
    except Exception:
        log_message(
            None, reference, Direction.RECEIVED, MessageKind.NOTIFY, body, verified=verified
        )
        raise
    return answer


__all__ = ["apply_outcome", "handle_notification", "new_reference", "start_payment"]


def on_dossier_changed(sender, change, **kwargs) -> None:
    """The accountant recorded the refund of a dossier's fees: its paid payments are refunded
    (in the same transaction)."""
    from dossiers.models import DossierAction

    if change.action == DossierAction.RECORD_REFUND:
        Payment.objects.filter(dossier_id=change.dossier.pk, status=PaymentStatus.PAID).update(
            status=PaymentStatus.REFUNDED
        )
