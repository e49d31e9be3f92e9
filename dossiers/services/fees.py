"""What a dossier owes and how it is settled (docs/payments.md): the owed lines made from the
frozen terms, exemptions and reductions, payment at the counter, online payment (written by the
payment platform's verified notification through `payments/`), refund requests. Every write runs
through the one door and appends an Event."""

from __future__ import annotations

from datetime import datetime

from django.utils.translation import gettext as _

from core.errors import Conflict, DomainError
from procedures.models import FeeMode, ServiceLevel

from .. import rules
from ..models import (
    CLOSED,
    Channel,
    Dossier,
    DossierAction,
    DossierFee,
    DossierStatus,
    FeeCollection,
    FeeStatus,
    Outcome,
    PaymentMethod,
)
from .door import Act, DossierRef, dossier_action

A = DossierAction


# --- reading ------------------------------------------------------------------------------------
def collection_point(terms: dict, channel: int) -> FeeCollection | None:
    """When the fee is collected (None: the procedure has no fee). A fixed fee of a toàn trình
    procedure filed online is paid with the submission; another fixed fee at receipt; a fee
    set by regulation (amount unknown when filed) when the agency asks for it during processing
    (the payment pause)."""
    fees = terms.get("fees") or []
    if not fees:
        return None
    fixed = terms.get("fee_mode") == FeeMode.FIXED and all(f.get("amount") for f in fees)
    if not fixed:
        return FeeCollection.REQUEST
    if channel == Channel.ONLINE and terms.get("service_level") == ServiceLevel.FULL:
        return FeeCollection.SUBMISSION
    return FeeCollection.RECEIPT


def owed_lines(dossier: Dossier):
    """The lines still owed with a known amount: what a payment settles."""
    return dossier.fees.filter(status=FeeStatus.OWED, amount_due__isnull=False).order_by("order")


def amount_owed(dossier: Dossier) -> int:
    return sum(line.amount_due for line in owed_lines(dossier))


def _refresh(dossier: Dossier) -> None:
    dossier.fees_owed = dossier.fees.filter(status=FeeStatus.OWED).exists()


# --- made when a dossier is filed ----------------------------------------------------------------
def lines_of(terms: dict) -> list[dict]:
    """The frozen fee lines that ask for something (a line of 0 đồng is no fee)."""
    return [f for f in terms.get("fees") or [] if f.get("amount") != 0]


def create_lines(dossier: Dossier) -> None:
    """The owed lines from the dossier's frozen terms (inside the creating door, after the
    row is inserted with `fees_owed` set from `lines_of`)."""
    payer = dossier.applicant.full_name[:255]
    lines = [
        DossierFee(
            dossier=dossier,
            order=i,
            name=f.get("name") or _("Phí, lệ phí"),
            kind=f.get("kind") or "le_phi",
            amount=f.get("amount"),
            amount_due=f.get("amount"),
            payer=payer,
        )
        for i, f in enumerate(lines_of(dossier.terms), start=1)
    ]
    DossierFee.objects.bulk_create(lines)


def add_requested_line(dossier: Dossier, amount: int, note: str) -> None:
    """A payment request naming an amount when nothing with a known amount is owed: the amount
    becomes the line the applicant pays (a fee set by regulation, determined now)."""
    unknown = dossier.fees.filter(status=FeeStatus.OWED, amount_due__isnull=True).first()
    if unknown is not None:
        unknown.amount_due = amount
        unknown.save(update_fields=["amount_due"])
    else:
        last = dossier.fees.order_by("-order").values_list("order", flat=True).first() or 0
        DossierFee.objects.create(
            dossier=dossier,
            order=last + 1,
            name=(note or _("Nghĩa vụ tài chính"))[:500],
            kind="le_phi",
            amount=amount,
            amount_due=amount,
            payer=dossier.applicant.full_name[:255],
        )
    dossier.fees_owed = True


def _settle(act: Act, lines, method: str, reference: str) -> list[int]:
    orders = []
    for line in lines:
        line.status = FeeStatus.PAID
        line.method = method
        line.paid_at = act.now
        line.reference = reference[:64]
        line.save(update_fields=["status", "method", "paid_at", "reference"])
        orders.append(line.order)
    _refresh(act.dossier)
    return orders


def _end_payment_pause(act: Act) -> None:
    """All paid while waiting for the payment: the clock runs again, shifted by the wait."""
    from .actions import _close_pause

    d = act.dossier
    if d.status != DossierStatus.AWAITING_PAYMENT or d.fees_owed:
        return
    pause = _close_pause(act)
    if pause is not None:
        d.due_at = rules.shifted_due(pause.due_at_when_opened, pause.opened_at, act.now)
    d.confirm_payment()


def settle_confirmed(act: Act, paid_online: bool) -> None:
    """An official confirms the financial obligation met (`confirm_payment`): every line still
    owed is recorded paid."""
    method = PaymentMethod.ONLINE if paid_online else ""
    _settle(act, owed_lines(act.dossier), method, "")


# --- actions ------------------------------------------------------------------------------------
def _line(dossier: Dossier, order: int) -> DossierFee:
    line = dossier.fees.filter(order=order).first()
    if line is None:
        raise DomainError(
            _("Hồ sơ không có khoản thu số %(n)s.") % {"n": order},
            code="invalid",
            errors={"line": [_("Khoản thu không tồn tại.")]},
        )
    if line.status != FeeStatus.OWED:
        raise Conflict(
            _("Khoản thu “%(name)s” không còn ở tình trạng chưa nộp.") % {"name": line.name},
            code="fee_not_owed",
        )
    return line


def adjust_fee(
    *,
    dossier: DossierRef,
    actor,
    line: int,
    reason: str,
    legal_basis: str,
    exempt: bool = False,
    amount_due: int | None = None,
) -> Dossier:
    """Exempt a fee line or reduce it, with the reason and the legal basis (Law on Fees and
    Charges 2015 art. 10): a line exempt is settled; a reduced one
    is owed at the reduced amount."""
    reason, legal_basis = (reason or "").strip(), (legal_basis or "").strip()
    errors = {}
    if not reason:
        errors["reason"] = [_("Trường này là bắt buộc.")]
    if not legal_basis:
        errors["legal_basis"] = [_("Trường này là bắt buộc.")]
    if not exempt and amount_due is None:
        errors["amount_due"] = [_("Nêu số tiền sau khi giảm, hoặc chọn miễn.")]
    if errors:
        raise DomainError(_("Cần nêu lý do và căn cứ pháp lý."), code="invalid", errors=errors)
    with dossier_action(dossier, actor, A.ADJUST_FEE) as act:
        d = act.dossier
        d.adjust_fee()
        fee = _line(d, line)
        before = fee.amount_due
        if exempt:
            fee.status = FeeStatus.EXEMPT
            fee.amount_due = 0
        else:
            if before is not None and amount_due >= before:
                raise DomainError(
                    _("Số tiền sau khi giảm phải nhỏ hơn số đang phải nộp."),
                    code="invalid",
                    errors={"amount_due": [_("Phải nhỏ hơn %(n)s đồng.") % {"n": before}]},
                )
            fee.amount_due = amount_due
            if amount_due == 0:
                fee.status = FeeStatus.EXEMPT
        fee.adjustment_reason = reason
        fee.adjustment_legal_basis = legal_basis
        fee.adjusted_at = act.now
        fee.adjusted_by = actor
        fee.save()
        _refresh(d)
        _end_payment_pause(act)
        act.done(
            note=reason,
            payload={
                "line": fee.order,
                "status": fee.status,
                "amount_due_before": before,
                "amount_due": fee.amount_due,
                "legal_basis": legal_basis,
            },
        )
    return d


def collect_fee(
    *, dossier: DossierRef, actor, method: str, receipt_number: str = "", note: str = ""
) -> Dossier:
    """The officer records the fees paid at the counter, in cash or by card: every line owed
    with a known amount is paid; a dossier waiting for its payment resumes."""
    if method not in (PaymentMethod.CASH, PaymentMethod.CARD):
        raise DomainError(
            _("Hình thức nộp không hợp lệ."),
            code="invalid",
            errors={"method": [_("Chọn tiền mặt hoặc thẻ.")]},
        )
    with dossier_action(dossier, actor, A.COLLECT_FEE) as act:
        d = act.dossier
        d.collect_fee()
        lines = list(owed_lines(d))
        if not lines:
            raise Conflict(
                _("Chưa xác định số tiền phải nộp: hãy yêu cầu thực hiện nghĩa vụ tài chính."),
                code="fee_amount_unknown",
            )
        total = sum(line.amount_due for line in lines)
        orders = _settle(act, lines, method, receipt_number.strip())
        _end_payment_pause(act)
        act.done(
            note=note,
            payload={
                "method": method,
                "amount": total,
                "lines": orders,
                "receipt_number": receipt_number.strip(),
            },
        )
    return d


# --- refunds --------------------------------------------------------------------------------------
def request_refunds(act: Act) -> dict:
    """A dossier refused, not received, withdrawn or stopped after payment: what was paid is
    recorded as to be refunded, for the agency's accountant (the refund itself happens outside
    the system). Returns the Event's payload part ({} when nothing was paid)."""
    d = act.dossier
    paid = list(d.fees.filter(status=FeeStatus.PAID).order_by("order"))
    if not paid:
        return {}
    for line in paid:
        line.status = FeeStatus.REFUND_REQUESTED
        line.save(update_fields=["status"])
    d.refund_pending = True
    return {
        "refund_requested": {
            "lines": [line.order for line in paid],
            "amount": sum(line.amount_due or 0 for line in paid),
        }
    }


def record_refund(*, dossier: DossierRef, actor, voucher: str = "", note: str = "") -> Dossier:
    """The agency's accountant has refunded what was paid: the lines to refund are refunded."""
    with dossier_action(dossier, actor, A.RECORD_REFUND) as act:
        d = act.dossier
        d.record_refund()
        lines = list(d.fees.filter(status=FeeStatus.REFUND_REQUESTED).order_by("order"))
        for line in lines:
            line.status = FeeStatus.REFUNDED
            line.save(update_fields=["status"])
        d.refund_pending = False
        act.done(
            note=note,
            payload={
                "lines": [line.order for line in lines],
                "amount": sum(line.amount_due or 0 for line in lines),
                "voucher": voucher.strip(),
            },
        )
    return d


def _platform_guard(dossier: Dossier, actor) -> None:
    """The platform's verified notification may settle the lines of any dossier still open."""


def record_online_payment(
    *,
    dossier: DossierRef,
    reference: str,
    amount: int,
    lines: list[int],
    paid_at: datetime | None,
    platform_txn_id: str = "",
) -> Dossier:
    """A verified online payment (payments/): the lines it paid are paid, the dossier is marked
    paid online (the portal's DuocThanhToanTrucTuyen, the 766 index), and a dossier waiting
    for its payment resumes. A line paid meanwhile at the counter stays as it is: the payment
    is then recorded and the difference is for the accountant (docs/payments.md)."""
    with dossier_action(dossier, None, A.PAY_ONLINE, guard=_platform_guard, system=True) as act:
        d = act.dossier
        owed = [fee for fee in owed_lines(d) if fee.order in set(lines)]
        orders = _settle(act, owed, PaymentMethod.ONLINE, reference)
        d.paid_online = True
        refund = {}
        if d.status == DossierStatus.AWAITING_PAYMENT:
            _end_payment_pause(act)
        elif d.status in CLOSED or d.outcome == Outcome.REFUSED:
            # Paid after the dossier ended (a late notification): to be refunded.
            refund = request_refunds(act)
        act.done(
            payload={
                **refund,
                "reference": reference,
                "amount": amount,
                "lines": orders,
                "platform_txn_id": platform_txn_id,
                "paid_at": paid_at.isoformat() if paid_at else None,
            }
        )
    return d


__all__ = [
    "adjust_fee",
    "amount_owed",
    "collect_fee",
    "collection_point",
    "create_lines",
    "owed_lines",
    "record_online_payment",
    "record_refund",
    "request_refunds",
]
