"""The feedback watchdog (docs/feedback.md, "Watchdog"): the escalation ladder of the dossiers'
watchdog (docs/watchdog.md) applied to open feedback, in its own beat task
(`feedback.watch_pass`, every WATCHDOG_INTERVAL seconds).

- At WATCHDOG_RUNGS (default 50/80/100 %) of the working time between receipt (its counting
  start) and the deadline: the assignee, the head of the agency (its first active leader), the
  leader of the parent agency (else of the same agency) are told; each rung once per feedback
  (`FeedbackEscalation`, unique per (feedback, rung): two passes at once cannot both fire it).
- Received and not assigned for longer than WATCHDOG_UNOWNED_HOURS of office time: flagged
  once (an event `flag`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from accounts.roles import Role
from core.calendar import get_calendar
from organisations.models import Agency

from . import services
from .models import OPEN, Feedback, FeedbackEscalation, FeedbackStatus, Rung
from .signals import feedback_escalated


@dataclass
class PassStats:
    scanned: int = 0
    flagged: int = 0
    escalated: dict[int, int] = field(default_factory=lambda: {1: 0, 2: 0, 3: 0})

    def as_dict(self) -> dict:
        return {"scanned": self.scanned, "flagged": self.flagged, "escalated": self.escalated}


def rungs() -> list[tuple[int, float]]:
    shares = [float(x) / 100 for x in settings.WATCHDOG_RUNGS]
    return list(zip((Rung.HANDLER, Rung.HEAD, Rung.LEADER), shares, strict=True))


def leader_of(agency_id: int | None) -> int | None:
    if agency_id is None:
        return None
    return (
        User.objects.filter(agency_id=agency_id, role=Role.LEADER, is_active=True)
        .order_by("id")
        .values_list("id", flat=True)
        .first()
    )


def leader_above(agency_id: int) -> int | None:
    parent = Agency.objects.filter(pk=agency_id).values_list("parent_id", flat=True).first()
    return leader_of(parent) or leader_of(agency_id)


def used_share(f: Feedback, now, calendar) -> float:
    """The share of the working time to the deadline used by `now` (from the counting start
    of the receipt, or of the re-opening: a re-opened feedback has a new deadline)."""
    start = calendar.counting_start(_started(f))
    total = calendar.working_seconds_between(start, f.due_at)
    if total <= 0:
        return 1.0
    return max(0.0, calendar.working_seconds_between(start, now) / total)


def _started(f: Feedback):
    if not f.reopen_count:
        return f.received_at
    reopened = f.events.filter(action="reopen").order_by("-at").values_list("at", flat=True)
    return reopened.first() or f.received_at


def official_for(f: Feedback, rung: int) -> int | None:
    if rung == Rung.HANDLER:
        return f.assignee_id or leader_of(f.agency_id)
    if rung == Rung.HEAD:
        return leader_of(f.agency_id)
    return leader_above(f.agency_id)


def climb(f: Feedback, rung: int, percent: int, now) -> bool:
    """Fire one rung once: the unique key decides between two passes."""
    try:
        with transaction.atomic():
            escalation = FeedbackEscalation.objects.create(
                feedback=f, rung=rung, percent=percent, official_id=official_for(f, rung), at=now
            )
            feedback_escalated.send(sender=Feedback, feedback=f, escalation=escalation)
    except IntegrityError:
        return False
    return True


def run_pass(now=None) -> PassStats:
    now = now or timezone.now()
    calendar = get_calendar()
    stats = PassStats()
    ladder = rungs()
    unowned = settings.WATCHDOG_UNOWNED_HOURS * 3600
    rows = Feedback.objects.filter(status__in=list(OPEN)).order_by("pk")
    for f in rows.iterator(chunk_size=500):
        stats.scanned += 1
        if (
            f.status == FeedbackStatus.RECEIVED
            and f.unowned_flagged_at is None
            and calendar.working_seconds_between(calendar.counting_start(f.received_at), now)
            > unowned
            and services.flag_unowned(f, now)
        ):
            stats.flagged += 1
        fired = set(f.escalations.values_list("rung", flat=True))
        share = used_share(f, now, calendar)
        for rung, threshold in ladder:
            if rung in fired or share < threshold:
                continue
            if climb(f, rung, min(999, round(share * 100)), now):
                stats.escalated[int(rung)] += 1
    return stats
