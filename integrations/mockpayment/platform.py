"""The platform's rules: accepting an init, ending a transaction (paid, failed, cancelled,
expired) and owing its notification, and the signed views of a transaction (status query, daily
report, the browser's return). The HTTP layer is views.py; delivery of notifications notify.py.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from . import signing
from .models import Counter, FaultConfig, Notification, Status, Transaction

OK = "00"
UNKNOWN = "01"
ALREADY = "02"
WRONG_AMOUNT = "04"
EXPIRED = "11"
DUPLICATE = "94"
BAD_CHECKSUM = "97"
OTHER = "99"

MESSAGES = {
    OK: "Thành công.",
    UNKNOWN: "Không tìm thấy giao dịch.",
    EXPIRED: "Yêu cầu đã hết hạn.",
    DUPLICATE: "Mã giao dịch đã được dùng cho một yêu cầu khác.",
    BAD_CHECKSUM: "Sai mã kiểm tra (checksum).",
}

# The banks and wallets of the hosted page: (code, name, kind).
BANKS = (
    ("VCB", "Vietcombank", "bank"),
    ("BIDV", "BIDV", "bank"),
    ("CTG", "VietinBank", "bank"),
    ("AGRIBANK", "Agribank", "bank"),
    ("TCB", "Techcombank", "bank"),
    ("VNPTMONEY", "Ví VNPT Money", "wallet"),
    ("VIETTELMONEY", "Ví Viettel Money", "wallet"),
    ("MOMO", "Ví MoMo", "wallet"),
)
BANK_CODES = {code for code, _, _ in BANKS}

REF_PATTERN = re.compile(r"^[A-Za-z0-9._:\-]{1,64}$")
MAX_AMOUNT = 999_999_999_999  # VND; far above any fee, within a bigint
FEE_KINDS = ("phi", "le_phi")


class Refused(Exception):
    """An answer other than 00: its code and message."""

    def __init__(self, code: str, message: str | None = None):
        super().__init__(message or MESSAGES.get(code, ""))
        self.code = code
        self.message = message or MESSAGES.get(code, "")


def bump(name: str, by: int = 1) -> None:
    if Counter.objects.filter(name=name).update(value=F("value") + by):
        return
    try:
        with transaction.atomic():
            Counter.objects.create(name=name, value=by)
    except IntegrityError:
        Counter.objects.filter(name=name).update(value=F("value") + by)


def partner_secret(partner_code) -> str:
    """The partner's secret (settings MOCK_PAYMENT_PARTNERS); Refused(99) for an unknown one."""
    partners = settings.MOCK_PAYMENT_PARTNERS
    if not isinstance(partner_code, str) or partner_code not in partners:
        raise Refused(OTHER, "Mã đối tác (partner_code) không tồn tại.")
    return partners[partner_code]


def check_signed(data: dict, fields: tuple[str, ...]) -> str:
    """The partner's secret once the message's check value is right; Refused(97) otherwise."""
    secret = partner_secret(data.get("partner_code"))
    if not signing.verify(data, fields, secret):
        raise Refused(BAD_CHECKSUM)
    return secret


# --- init ---------------------------------------------------------------------------------------


def _shape_errors(data: dict) -> list[str]:
    """What is wrong with an init's fields, in Vietnamese; [] when its shape is right."""
    errors = []

    def text(name, max_length, required=True):
        value = data.get(name)
        if value is None or value == "":
            if required:
                errors.append(f"{name}: bắt buộc.")
            return
        if not isinstance(value, str):
            errors.append(f"{name}: phải là chuỗi.")
        elif len(value) > max_length:
            errors.append(f"{name}: tối đa {max_length} ký tự.")

    text("partner_code", 50)
    text("transaction_ref", 64)
    ref = data.get("transaction_ref")
    if isinstance(ref, str) and ref and not REF_PATTERN.match(ref):
        errors.append("transaction_ref: chỉ gồm chữ, số và . _ : -")
    amount = data.get("amount")
    if not isinstance(amount, int) or isinstance(amount, bool):
        errors.append("amount: phải là số nguyên (VND).")
    elif not 0 < amount <= MAX_AMOUNT:
        errors.append(f"amount: phải lớn hơn 0 và không quá {MAX_AMOUNT}.")
    if data.get("currency") != "VND":
        errors.append('currency: chỉ nhận "VND".')
    text("dossier_code", 100)
    text("description", 255, required=False)
    for name in ("return_url", "notify_url"):
        text(name, 1000)
        value = data.get(name)
        if isinstance(value, str) and value:
            parts = urlsplit(value)
            if parts.scheme not in ("http", "https") or not parts.netloc:
                errors.append(f"{name}: phải là địa chỉ http(s) đầy đủ.")
    expires_at = data.get("expires_at")
    try:
        signing.parse_time(expires_at)
    except ValueError:
        errors.append("expires_at: phải có dạng yyyyMMddHHmmss (giờ Việt Nam).")
    errors.extend(_fee_line_errors(data.get("fee_lines"), amount))
    return errors


def _fee_line_errors(lines, amount) -> list[str]:
    if not isinstance(lines, list) or not lines:
        return ["fee_lines: phải là danh sách khoản phí, lệ phí (ít nhất một)."]
    errors = []
    total = 0
    for index, line in enumerate(lines):
        where = f"fee_lines[{index}]"
        if not isinstance(line, dict):
            errors.append(f"{where}: phải là một đối tượng.")
            continue
        name = line.get("name")
        if not isinstance(name, str) or not name.strip() or len(name) > 255:
            errors.append(f"{where}.name: bắt buộc, tối đa 255 ký tự.")
        if line.get("kind") not in FEE_KINDS:
            errors.append(f'{where}.kind: "phi" hoặc "le_phi".')
        value = line.get("amount")
        if not isinstance(value, int) or isinstance(value, bool) or not 0 < value <= MAX_AMOUNT:
            errors.append(f"{where}.amount: số nguyên lớn hơn 0.")
        else:
            total += value
    if not errors and isinstance(amount, int) and total != amount:
        errors.append(f"fee_lines: tổng các khoản ({total}) khác amount ({amount}).")
    return errors


def _request_text(data: dict) -> str:
    fields = (*signing.INIT_FIELDS, "description")
    return "|".join(signing.as_text(data.get(name)) for name in fields)


@dataclass
class Initiated:
    transaction: Transaction
    created: bool


def initiate(data: dict, now: datetime | None = None) -> Initiated:
    """Accept an init (docs/payment-platform.md "Init"), or raise Refused.

    Order: shape (99), partner (99), check value (97), expiry (11), then the reference: new →
    a transaction; the same fields again → the same transaction; other fields → 94."""
    now = now or timezone.now()
    errors = _shape_errors(data)
    if errors:
        raise Refused(OTHER, "Dữ liệu không hợp lệ: " + " ".join(errors))
    check_signed(data, signing.INIT_FIELDS)
    expires_at = signing.parse_time(data["expires_at"])
    if expires_at <= now:
        raise Refused(EXPIRED)
    text = _request_text(data)
    existing = Transaction.objects.filter(
        partner_code=data["partner_code"], transaction_ref=data["transaction_ref"]
    ).first()
    if existing is None:
        try:
            with transaction.atomic():
                created = Transaction.objects.create(
                    partner_code=data["partner_code"],
                    transaction_ref=data["transaction_ref"],
                    platform_txn_id=_new_txn_id(now),
                    page_token=secrets.token_urlsafe(24),
                    amount=data["amount"],
                    currency="VND",
                    dossier_code=data["dossier_code"],
                    fee_lines=data["fee_lines"],
                    description=data.get("description") or "",
                    return_url=data["return_url"],
                    notify_url=data["notify_url"],
                    expires_at=expires_at,
                    request_text=text,
                )
            return Initiated(created, True)
        except IntegrityError:  # a concurrent twin took the reference first
            existing = Transaction.objects.get(
                partner_code=data["partner_code"], transaction_ref=data["transaction_ref"]
            )
    if existing.request_text != text:
        raise Refused(DUPLICATE)
    bump("init_repeated")
    return Initiated(existing, False)


def _new_txn_id(now: datetime) -> str:
    return f"MP{signing.format_time(now)[:8]}{secrets.randbelow(10**12):012d}"


# --- outcomes -----------------------------------------------------------------------------------


def expire_if_due(txn: Transaction, now: datetime | None = None) -> Transaction:
    """A pending transaction past its expiry becomes expired (and its IPN is owed)."""
    now = now or timezone.now()
    if txn.status == Status.PENDING and txn.expires_at <= now:
        return finish(txn, Status.EXPIRED, now=now)
    return txn


def finish(txn: Transaction, status: str, bank_code: str = "", now=None) -> Transaction:
    """End a pending transaction once (row lock): paid, failed, cancelled or expired; the
    notification is owed from the commit. A finished transaction is returned as it is."""
    now = now or timezone.now()
    with transaction.atomic():
        txn = Transaction.objects.select_for_update().get(pk=txn.pk)
        if txn.status != Status.PENDING:
            return txn
        faults = FaultConfig.current()
        earlier = None
        if status == Status.PAID and faults.decline:
            status = Status.FAILED
        if status == Status.PAID and faults.ipn_reorder:
            # The payer's first try failed at the bank, the second went through: two outcomes,
            # whose notifications go out in the wrong order (the later status first).
            earlier = Status.FAILED
        txn.status = status
        txn.bank_code = bank_code
        txn.finished_at = now
        if status == Status.PAID:
            txn.paid_at = now
            paid = txn.amount + faults.amount_delta
            txn.paid_amount = paid if paid > 0 else txn.amount
            if faults.amount_delta:
                bump("amount_differs")
        txn.save()
        bump(f"outcomes:{status}")
        _owe_notifications(txn, faults, now, earlier)
    if settings.MOCK_PAYMENT_AUTODELIVER:
        transaction.on_commit(_kick_delivery)
    return txn


def _kick_delivery():
    from . import notify

    notify.kick()


def notification_body(txn: Transaction, status: str | None = None, *, wrong=False) -> dict:
    status = str(status or txn.status)
    body = {
        "partner_code": txn.partner_code,
        "transaction_ref": txn.transaction_ref,
        "platform_txn_id": txn.platform_txn_id,
        "amount": txn.reported_amount if status == Status.PAID else txn.amount,
        "currency": txn.currency,
        "status": status,
        "paid_at": signing.format_time(txn.paid_at) if status == Status.PAID else "",
        "bank_code": txn.bank_code,
    }
    return _sign(body, signing.NOTIFY_FIELDS, txn.partner_code, wrong=wrong)


def _sign(body: dict, fields, partner_code: str, *, wrong: bool) -> dict:
    secret = settings.MOCK_PAYMENT_PARTNERS.get(partner_code, "")
    if wrong:
        # The fault `wrong_checksum`: signed with a key that is not the partner's.
        bump("wrong_checksums")
        secret = "not-" + secret
    return signing.signed(body, fields, secret)


def _owe_notifications(txn, faults: FaultConfig, now, earlier: str | None) -> None:
    due = now + timedelta(seconds=faults.ipn_delay_seconds)
    state = Notification.State.LOST if faults.ipn_lost else Notification.State.PENDING
    copies = [("outcome", notification_body(txn, wrong=faults.wrong_checksum))]
    if faults.ipn_duplicate:
        copies.append(("duplicate", copies[0][1]))
    if earlier:
        copies.append(("reordered", notification_body(txn, earlier, wrong=faults.wrong_checksum)))
    for reason, body in copies:
        Notification.objects.create(
            transaction=txn,
            url=txn.notify_url,
            body=body,
            reason=reason,
            state=state,
            first_due_at=due,
            next_attempt_at=None if state == Notification.State.LOST else due,
        )
        bump("notifications_lost" if state == Notification.State.LOST else "notifications_owed")
        if reason != "outcome":
            bump(f"notifications_{reason}")


# --- signed views -------------------------------------------------------------------------------


def status_view(txn: Transaction, wrong: bool) -> dict:
    """A transaction as a status query (and the daily report) gives it: its current status,
    signed with the IPN's fields."""
    return notification_body(txn, wrong=wrong)


def return_url(txn: Transaction, wrong: bool) -> str:
    """Where the hosted page sends the payer's browser: return_url with transaction_ref, status
    and checksum added to its query."""
    params = _sign(
        {"transaction_ref": txn.transaction_ref, "status": txn.status},
        signing.RETURN_FIELDS,
        txn.partner_code,
        wrong=wrong,
    )
    parts = urlsplit(txn.return_url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in params]
    query.extend(params.items())
    return urlunsplit(parts._replace(query=urlencode(query)))


def day_bounds(date_text: str) -> tuple[datetime, datetime]:
    """A local day `yyyyMMdd` as [start, end) instants; ValueError when it is not a date."""
    if not (isinstance(date_text, str) and len(date_text) == 8 and date_text.isdigit()):
        raise ValueError("not yyyyMMdd")
    start = datetime.strptime(date_text, "%Y%m%d").replace(tzinfo=signing.LOCAL)
    return start, start + timedelta(days=1)
