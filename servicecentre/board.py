"""The waiting room's display board: the latest calls (number → counter) and how many wait per
group. Boards poll every 2 s, so the fragment is rendered once and kept in Django's cache per
centre; every change of a ticket (issue, call, recall, skip, transfer, start, finish) deletes it
after its transaction commits. A refresh is then one cache read (docs/performance.md §14)."""

from __future__ import annotations

from django.core.cache import cache
from django.db import transaction
from django.db.models import Count
from django.template.loader import render_to_string
from django.utils import timezone

from core.calendar import LOCAL_TZ

from .models import ServiceGroup, Ticket, TicketStatus

CALLS_SHOWN = 8
# A bound on staleness should an invalidation ever be lost (e.g. a cache error).
TIMEOUT = 60
TEMPLATE = "servicecentre/board_fragment.html"


def key(centre_id: int) -> str:
    return f"servicecentre:board:{centre_id}"


def invalidate(centre_id: int) -> None:
    cache.delete(key(centre_id))


def invalidate_on_commit(centre_id: int) -> None:
    transaction.on_commit(lambda: invalidate(centre_id))


def data(centre) -> dict:
    today = timezone.localdate(timezone.now(), LOCAL_TZ)
    calls = list(
        Ticket.objects.filter(
            centre=centre, day=today, status__in=[TicketStatus.CALLED, TicketStatus.SERVING]
        )
        .select_related("counter")
        .order_by("-last_called_at", "-pk")[:CALLS_SHOWN]
        .values("pk", "label", "status", "calls", "last_called_at", "counter__number")
    )
    waiting = dict(
        Ticket.objects.filter(centre=centre, day=today, status=TicketStatus.WAITING)
        .values("group_id")
        .annotate(n=Count("pk"))
        .values_list("group_id", "n")
    )
    groups = [
        {"letter": g.letter, "name": g.name, "waiting": waiting.get(g.pk, 0)}
        for g in ServiceGroup.objects.filter(centre=centre, is_active=True).order_by(
            "position", "letter"
        )
    ]
    latest = calls[0] if calls else None
    # Changes whenever a number is called or recalled: the page's script beeps on a change.
    marker = f"{latest['pk']}.{latest['calls']}" if latest else ""
    return {"calls": calls, "groups": groups, "marker": marker}


def fragment(centre) -> str:
    """The board's HTML fragment, from the cache or rendered and cached."""
    html = cache.get(key(centre.pk))
    if html is None:
        html = render_to_string(TEMPLATE, {"centre": centre, **data(centre)})
        cache.set(key(centre.pk), html, TIMEOUT)
    return html
