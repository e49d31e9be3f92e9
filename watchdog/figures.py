"""The watchdog's figures on the leaders' dashboard (registered as the "watchdog" panel,
indicators/dashboard/extensions.py), within the dashboard's filters (agency subtree, procedure,
field, level, channel):

- silent: open dossiers flagged silent now;
- escalations by rung: rungs fired in the period (local days);
- told: the median time from an event to the applicant being told — the notification's
  delivery (or, when the gateway sends no receipt, its sending) minus the event's time, over
  the applicant notices of events in the period that were sent.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.apps import apps
from django.db.models import Count, DurationField, ExpressionWrapper, F
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from core.calendar import LOCAL_TZ
from indicators import lists

from .models import Escalation, Rung
from .services import WATCHED


def _bounds(period) -> tuple[datetime, datetime]:
    start = datetime.combine(period.start, time(), tzinfo=LOCAL_TZ)
    end = datetime.combine(period.end + timedelta(days=1), time(), tzinfo=LOCAL_TZ)
    return start, end


def median_told(dossiers, start: datetime, end: datetime) -> tuple[timedelta | None, int]:
    """The median delay from an event to the applicant being told, and how many notices."""
    notification = apps.get_model("notifications", "Notification")
    delays = (
        notification.objects.filter(
            audience="applicant",
            dossier__in=dossiers,
            event__at__gte=start,
            event__at__lt=end,
        )
        .annotate(told=Coalesce("delivered_at", "sent_at"))
        .filter(told__isnull=False)
        .annotate(delay=ExpressionWrapper(F("told") - F("event__at"), output_field=DurationField()))
    )
    count = delays.count()
    if not count:
        return None, 0
    ordered = delays.order_by("delay").values_list("delay", flat=True)
    if count % 2:
        return ordered[count // 2], count
    low, high = list(ordered[count // 2 - 1 : count // 2 + 1])
    return (low + high) / 2, count


def _duration(value: timedelta | None) -> str:
    if value is None:
        return "—"
    seconds = int(value.total_seconds())
    if seconds < 60:
        return _("%(s)d giây") % {"s": seconds}
    if seconds < 3600:
        return _("%(m)d phút %(s)d giây") % {"m": seconds // 60, "s": seconds % 60}
    return _("%(h)d giờ %(m)d phút") % {"h": seconds // 3600, "m": seconds % 3600 // 60}


def panel(filters, period, now) -> dict:
    dossiers = lists.selected(filters)
    start, end = _bounds(period)
    silent = dossiers.filter(status__in=WATCHED, silent_since__isnull=False).count()
    fired = dict(
        Escalation.objects.filter(dossier__in=dossiers, at__gte=start, at__lt=end)
        .values("rung")
        .annotate(n=Count("id"))
        .values_list("rung", "n")
    )
    median, told = median_told(dossiers, start, end)
    return {
        "silent": silent,
        "escalations": [
            {"rung": int(r), "label": str(r.label), "count": fired.get(int(r), 0)} for r in Rung
        ],
        "median_told": median,
        "median_told_display": _duration(median),
        "median_told_seconds": None if median is None else median.total_seconds(),
        "told_count": told,
    }
