"""Reconciliation with the payment platform (docs/payments.md, "Reconciliation"):

- `reconcile()`: every payment still pending after its expiry — its notification was lost, late,
  or never sent — is asked about with a status query; a verified answer is applied exactly as a
  notification would be (`services.apply_outcome`, under the same row lock, so a notification
  arriving meanwhile is not doubled); a reference the platform does not know expired unpaid.
- `daily_report(day)`: the platform's transactions of one local day against ours, listing every
  difference (one side only, another status, another amount, an unverifiable entry).
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from . import checksum, services
from .client import OK, PlatformUnavailable, get_client, log_message
from .models import Direction, MessageKind, Payment, PaymentStatus

logger = logging.getLogger(__name__)


def reconcile(*, now: datetime | None = None, batch: int = 500) -> Counter:
    """Ask about every payment pending after its expiry. Returns counts by what happened
    (`paid`, `failed`, `cancelled`, `expired`, `still_pending`, `unverified`, `unavailable`)."""
    now = now or timezone.now()
    client = get_client()
    counts: Counter = Counter()
    last_id = 0
    while True:
        chunk = list(
            Payment.objects.filter(status=PaymentStatus.PENDING, expires_at__lt=now, id__gt=last_id)
            .select_related("dossier")
            .order_by("id")[:batch]
        )
        if not chunk:
            return counts
        for payment in chunk:
            last_id = payment.id
            try:
                # The query, its answer's log rows and what it changes: one commit. (The
                # payment's row lock is taken only after the platform answered.)
                with transaction.atomic():
                    answer = client.query(payment)
                    counts[_apply(payment, answer)] += 1
            except PlatformUnavailable:
                _log_unavailable(payment)
                counts["unavailable"] += 1
                logger.warning("payment reconciliation: the platform does not answer")
                return counts


def _log_unavailable(payment: Payment) -> None:
    log_message(
        payment,
        payment.reference,
        Direction.RECEIVED,
        MessageKind.QUERY_ANSWER,
        {"error": "the platform did not answer"},
    )


def _apply(payment: Payment, answer: dict) -> str:
    code = answer.get("code")
    if code == services.UNKNOWN:
        # The platform never took the order, and it can no longer be paid.
        Payment.objects.filter(pk=payment.pk, status=PaymentStatus.PENDING).update(
            status=PaymentStatus.EXPIRED, settled_at=timezone.now()
        )
        return "expired"
    if code != OK or not checksum.verify(answer, checksum.NOTIFY, settings.ONECUA_PAYMENT_SECRET):
        logger.error("payment %s: status query answer not verifiable", payment.reference)
        return "unverified"
    if answer.get("transaction_ref") != payment.reference:
        return "unverified"
    if answer.get("status") == "pending":
        return "still_pending"
    result = services.apply_outcome(payment.reference, answer)
    if result == services.WRONG_AMOUNT:
        return "held"
    return str(answer.get("status")) if result == services.TAKEN else "already"


# --- the daily report --------------------------------------------------------------------------
@dataclass(frozen=True)
class Difference:
    reference: str
    kind: str  # only_platform, only_ours, status, amount, unverified
    ours: str
    platform: str


PLATFORM_STATUS = {
    PaymentStatus.PENDING: "pending",
    PaymentStatus.PAID: "paid",
    PaymentStatus.FAILED: "failed",
    PaymentStatus.CANCELLED: "cancelled",
    PaymentStatus.EXPIRED: "expired",
    PaymentStatus.HELD: "paid",  # the platform took money; we hold it for an official
    PaymentStatus.REFUNDED: "paid",  # refunded outside the platform
}


def daily_report(day: date) -> list[Difference]:
    """The platform's transactions created on `day` (local) against ours."""
    answer = get_client().daily_report(day.strftime("%Y%m%d"))
    if answer.get("code") != OK:
        raise PlatformUnavailable(f"daily report refused: {answer.get('code')}")
    theirs: dict[str, dict] = {}
    differences: list[Difference] = []
    for entry in answer.get("transactions") or []:
        if not isinstance(entry, dict):
            continue
        ref = str(entry.get("transaction_ref") or "")
        if not checksum.verify(entry, checksum.NOTIFY, settings.ONECUA_PAYMENT_SECRET):
            differences.append(Difference(ref, "unverified", "", str(entry.get("status"))))
            continue
        theirs[ref] = entry
    start = datetime.combine(day, time(), tzinfo=checksum.LOCAL)
    ours = {
        p.reference: p
        for p in Payment.objects.filter(
            created_at__gte=start, created_at__lt=start + timedelta(days=1)
        ).only("reference", "status", "amount")
    }
    for ref, payment in ours.items():
        entry = theirs.get(ref)
        if entry is None:
            if payment.status != PaymentStatus.FAILED:  # an init the platform refused
                differences.append(Difference(ref, "only_ours", payment.status, ""))
            continue
        if PLATFORM_STATUS[payment.status] != entry.get("status"):
            differences.append(Difference(ref, "status", payment.status, str(entry.get("status"))))
        elif str(entry.get("amount")) != str(payment.amount):
            differences.append(
                Difference(ref, "amount", str(payment.amount), str(entry.get("amount")))
            )
    for ref, entry in theirs.items():
        if ref not in ours:
            differences.append(Difference(ref, "only_platform", "", str(entry.get("status"))))
    return sorted(differences, key=lambda d: (d.kind, d.reference))
