"""The rates of a generated range of dossiers, counted back from the database (to see that the
seeds of docs/domain.md §6 are reproduced)."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Count, F, Q

from dossiers.models import RESOLVED, RUNNING, Channel, Dossier, Event, Outcome
from dossiers.models.status import status_values
from outbox.models import OutboxMessage
from procedures.models import FeeMode

TARGET_RATES = {
    "online": 87.4,
    "e_result": 85.77,
    "digitised": 83.20,
    "reused": 80.47,
    "on_time": 99.5,
}


def _pct(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 2) if whole else None


def rates(first_id: int, last_id: int, period_end=None, outbox_ids=None) -> dict:
    """Counts and rates of the dossiers with ids in [first_id, last_id] (and of the outbox
    messages with ids in `outbox_ids`, a (first, last) pair)."""
    rows = Dossier.objects.filter(id__gte=first_id, id__lte=last_id)
    with_result = Q(status__in=status_values(RESOLVED))
    with_fees = Q(terms__fee_mode__in=[FeeMode.FIXED, FeeMode.REGULATION])
    c = rows.aggregate(
        total=Count("id"),
        online=Count("id", filter=Q(channel=Channel.ONLINE)),
        approved=Count("id", filter=with_result & Q(outcome=Outcome.APPROVED)),
        e_result=Count("id", filter=with_result & Q(outcome=Outcome.APPROVED, has_e_result=True)),
        digitised=Count("id", filter=Q(is_digitised=True)),
        reused=Count("id", filter=Q(is_digitised=True, is_reused=True)),
        finished=Count("id", filter=with_result),
        # rules.timing: late only when finished after the due instant.
        on_time=Count("id", filter=with_result & Q(finished_at__lte=F("due_at"))),
        rescheduled=Count("id", filter=Q(reschedule_count__gt=0)),
        with_fees=Count("id", filter=with_fees),
        paid_online=Count("id", filter=with_fees & Q(paid_online=True)),
    )
    statuses = dict(
        rows.values_list("status")
        .annotate(n=Count("id"))
        .order_by("status")
        .values_list("status", "n")
    )
    overdue = None
    if period_end is not None:
        running = rows.filter(status__in=status_values(RUNNING))
        overdue = running.filter(due_at__lt=period_end).count()
    synced = {}
    if outbox_ids and outbox_ids[1] >= outbox_ids[0]:
        messages = OutboxMessage.objects.filter(id__gte=outbox_ids[0], id__lte=outbox_ids[1])
        synced = messages.aggregate(
            n=Count("id"),
            minute=Count("id", filter=Q(sent_at__lte=F("created_at") + timedelta(minutes=1))),
        )
    return {
        "total": c["total"],
        "statuses": statuses,
        "online_pct": _pct(c["online"], c["total"]),
        "e_result_pct": _pct(c["e_result"], c["approved"]),
        "digitised_pct": _pct(c["digitised"], c["total"]),
        "reused_pct": _pct(c["reused"], c["digitised"]),
        "on_time_pct": _pct(c["on_time"], c["finished"]),
        "paid_online_pct": _pct(c["paid_online"], c["with_fees"]),
        "rescheduled": c["rescheduled"],
        "overdue_at_end": overdue,
        "outbox": synced.get("n", 0),
        "synced_within_1_min_pct": _pct(synced.get("minute", 0), synced.get("n", 0)),
        "events": Event.objects.filter(dossier_id__gte=first_id, dossier_id__lte=last_id).count(),
    }
