"""The counter's queue on the workspace's "My work" page (workspace/extensions.py): the
official's open counter session, the ticket at the counter now, the next ticket the counter
would call and how many wait — read only (calling stays on the counter panel, which locks)."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from . import services


def next_ticket_panel(request) -> dict | None:
    """None for an official with no open counter session (nothing to show)."""
    session = services.session_of(request.user)
    if session is None:
        return None
    counter = session.counter
    now = timezone.now()
    group_ids = list(counter.groups.values_list("pk", flat=True))
    waiting = services.waiting_for(counter, services.local_day(now), group_ids)
    upcoming = waiting.select_related("group").order_by(*services._queue_order(now)).first()
    return {
        "counter": counter,
        "current": services.current_ticket(counter),
        "next": upcoming,
        "waiting": waiting.count(),
        "panel_url": reverse("servicecentre:counter", args=[counter.pk]),
    }
