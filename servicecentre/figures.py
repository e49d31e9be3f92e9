"""The queue's figures (docs/service-centre.md, "Figures"): per centre, counter, service group
and official — tickets issued, waited (called at least once), served, no-shows (skipped tickets
and appointments not kept), the average and p90 wait (issue → first call) and the average
service time (start → finish). Live (today) and over a period of local days; the leaders'
dashboard shows them as the "queue" panel (indicators/dashboard/extensions.py).

Wait and service times are kept on the ticket when they happen (`wait_seconds`,
`service_seconds`), so every figure is one aggregate; the p90 is one ordered row (nearest rank).
"""

from __future__ import annotations

import math
from datetime import date

from django.db.models import Avg, Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core.calendar import LOCAL_TZ

from .models import Appointment, AppointmentStatus, Centre, Ticket, TicketStatus

DIMENSIONS = {
    "counter": ("counter_id", "counter__number"),
    "group": ("group_id", "group__letter"),
    "official": ("official_id", "official__full_name"),
}


def _p90(tickets) -> int | None:
    waits = tickets.filter(wait_seconds__isnull=False)
    n = waits.count()
    if not n:
        return None
    rank = math.ceil(0.9 * n)
    return waits.order_by("wait_seconds").values_list("wait_seconds", flat=True)[rank - 1]


def _round(value) -> int | None:
    return None if value is None else round(value)


def summarise(tickets, appointments=None) -> dict:
    """The figures of a set of tickets (and the appointments of the same scope)."""
    totals = tickets.aggregate(
        issued=Count("pk"),
        waited=Count("pk", filter=Q(called_at__isnull=False)),
        served=Count("pk", filter=Q(status=TicketStatus.DONE)),
        skipped=Count("pk", filter=Q(status=TicketStatus.SKIPPED)),
        waiting=Count("pk", filter=Q(status=TicketStatus.WAITING)),
        avg_wait=Avg("wait_seconds"),
        avg_service=Avg("service_seconds"),
    )
    missed = (
        appointments.filter(status=AppointmentStatus.NO_SHOW).count()
        if appointments is not None
        else 0
    )
    return {
        "issued": totals["issued"],
        "waited": totals["waited"],
        "served": totals["served"],
        "waiting": totals["waiting"],
        "no_shows": totals["skipped"] + missed,
        "no_show_tickets": totals["skipped"],
        "no_show_appointments": missed,
        "avg_wait_seconds": _round(totals["avg_wait"]),
        "p90_wait_seconds": _p90(tickets),
        "avg_service_seconds": _round(totals["avg_service"]),
    }


def scope(centres, start: date, end: date):
    tickets = Ticket.objects.filter(centre__in=centres, day__gte=start, day__lte=end)
    appointments = Appointment.objects.filter(
        slot__group__centre__in=centres,
        slot__starts_at__date__gte=start,
        slot__starts_at__date__lte=end,
    )
    return tickets, appointments


def report(centre: Centre, start: date, end: date) -> dict:
    """A centre's figures over [start, end] (local days), with the breakdowns."""
    tickets, appointments = scope([centre], start, end)
    out = {"centre": centre.pk, "from": start, "to": end, "total": summarise(tickets, appointments)}
    for name, (key, label) in DIMENSIONS.items():
        rows = []
        ids = (
            tickets.exclude(**{f"{key}__isnull": True})
            .values_list(key, label)
            .distinct()
            .order_by(label)
        )
        for pk, text in ids:
            part = tickets.filter(**{key: pk})
            part_appointments = appointments.filter(slot__group_id=pk) if name == "group" else None
            rows.append({"id": pk, "label": str(text), **summarise(part, part_appointments)})
        out[f"by_{name}"] = rows
    return out


def _duration(seconds) -> str:
    if seconds is None:
        return "—"
    if seconds < 60:
        return _("%(s)d giây") % {"s": seconds}
    if seconds < 3600:
        return _("%(m)d phút %(s)d giây") % {"m": seconds // 60, "s": seconds % 60}
    return _("%(h)d giờ %(m)d phút") % {"h": seconds // 3600, "m": seconds % 3600 // 60}


def _display(figures: dict) -> dict:
    return {
        **figures,
        "avg_wait": _duration(figures["avg_wait_seconds"]),
        "p90_wait": _duration(figures["p90_wait_seconds"]),
        "avg_service": _duration(figures["avg_service_seconds"]),
    }


def panel(filters, period, now) -> dict:
    """The dashboard's queue panel, within its agency filter: today's figures and the period's."""
    centres = Centre.objects.all()
    if filters.agencies is not None:
        centres = centres.filter(agency_id__in=filters.agencies)
    if not centres.exists():
        return {}
    today = timezone.localdate(now, LOCAL_TZ)
    live = summarise(*scope(centres, today, today))
    period_figures = summarise(*scope(centres, period.start, period.end))
    return {"today": _display(live), "period": _display(period_figures)}
