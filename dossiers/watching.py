"""`Dossier.watch_at`: the earliest moment the watchdog could have something to do for a
dossier (docs/watchdog.md "watch_at"). The door sets it on every write (`door._finish`), the
watchdog's pass reads only the dossiers whose `watch_at` has come (a partial index) and sets it
again after judging them. It must never be LATER than the first moment `watchdog.services.judge`
would act (tested property); earlier only costs one more read.

The moments, for the states the watchdog watches (None for the others):

- new (not yet received), not flagged: silence after WATCHDOG_UNOWNED_HOURS of office time
  since the last activity;
- received / processing / result ready: silence (no owner for WATCHDOG_UNOWNED_HOURS, or no
  event for the step's own office time), each rung of the ladder not yet fired (its share of the
  open step's office time), and the apology draft (the step's due time, or one working day
  before the due date) while the apology is still in time;
- supplement requested: the end of the supplement window;
- awaiting payment, not yet reminded: WATCHDOG_PAYMENT_REMINDER_HOURS of office time since the
  fee was requested.

Instants are POSIX seconds and office time is the clock's W (core/clock.py): the moment
"x office seconds after t" is `clock.instant(W(t) + x)`.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.utils import timezone

from core.calendar import get_calendar
from core.clock import WorkingClock

from . import rules
from .models.status import DossierStatus

S = DossierStatus
# The clock of a step runs in these states (paused dossiers wait for the applicant).
WATCHED = (S.RECEIVED.value, S.PROCESSING.value, S.RESULT_READY.value)
# Every state the watchdog looks at.
SCANNED = (*WATCHED, S.SUPPLEMENT_REQUESTED.value, S.NEW.value, S.AWAITING_PAYMENT.value)

_lock = threading.Lock()
_clock: WorkingClock | None = None
_clock_key: tuple = ()


def clock() -> WorkingClock:
    """A process-wide office clock for the door (rebuilt when the calendar is)."""
    global _clock, _clock_key
    calendar = get_calendar()
    key = (id(calendar), timezone.localdate().toordinal() // 30)
    with _lock:
        if _clock is None or _clock_key != key:
            _clock = WorkingClock(calendar, origin=timezone.localdate() - timedelta(days=730))
            _clock_key = key
        return _clock


def shares() -> list[tuple[int, float]]:
    """(rung, share of the step's time) from WATCHDOG_RUNGS: 1 handler, 2 head, 3 leader."""
    return list(zip((1, 2, 3), [float(x) / 100 for x in settings.WATCHDOG_RUNGS], strict=True))


def next_watch(row: dict, clock: WorkingClock, rungs=None) -> float | None:
    """The watch moment (POSIX seconds) of a dossier described as the watchdog's pass reads it
    (`watchdog.services._row`: instants as POSIX seconds, the open step `run` with its fired
    rungs, whether a draft exists, the payment request and reminder)."""
    while True:
        moves = clock.moves
        value = _next_watch(row, clock, rungs if rungs is not None else shares())
        if clock.moves == moves:  # no instant moved the clock's origin meanwhile
            return value


def _next_watch(row: dict, clock: WorkingClock, rungs) -> float | None:
    status = row["status"]
    w, at = clock.w_epoch, clock.instant
    unowned = settings.WATCHDOG_UNOWNED_HOURS * 3600
    if status == S.SUPPLEMENT_REQUESTED:
        return row["deadline"]
    if status == S.AWAITING_PAYMENT:
        if row.get("reminded"):
            return None
        since = row.get("entered") or row["last"] or row["received"] or row["submitted"]
        return at(w(since) + settings.WATCHDOG_PAYMENT_REMINDER_HOURS * 3600)
    last = row["last"] or row["received"] or row["submitted"]
    if status == S.NEW:
        return None if row["silent"] else at(w(last) + unowned)
    if status not in WATCHED:
        return None
    moments = []
    run = row["run"]
    timed = run is not None and run["due"] is not None
    if timed:
        w_start = w(run["started"])
        allowed = w(run["due"]) - w_start

        def share_at(share: float) -> float:
            return at(w_start + share * allowed) if allowed > 0 else run["due"]

    if not row["silent"]:
        if status != S.RESULT_READY and (run is None or run["assignee_id"] is None):
            moments.append(at(w(last) + unowned))
        if timed:
            moments.append(at(w(last) + allowed) if allowed > 0 else last)
    if timed:
        fired = run["fired"]
        moments += [share_at(share) for rung, share in rungs if rung not in fired]
    if (
        status in (S.RECEIVED, S.PROCESSING)
        and row["due"] is not None
        and not row["reschedule_count"]
        and not row["has_draft"]
    ):
        # The draft apology: the step past its due time, or the due date within one working
        # day (rules.due_within_one_working_day), while the apology is still in time.
        draft = at(w(row["due"]) - clock.day_seconds)
        if timed:
            draft = min(draft, share_at(1.0))
        due = datetime.fromtimestamp(row["due"], UTC)
        if draft <= rules.apology_deadline(due).timestamp():
            moments.append(draft)
    return min(moments) if moments else None


def _ep(moment: datetime | None) -> float | None:
    return None if moment is None else moment.timestamp()


# `for_write(run=...)` when the caller does not know the dossier's open step: read it.
UNKNOWN = object()


def for_write(
    dossier,
    action: str,
    before_status: str | None,
    now: datetime,
    watchdog: bool,
    run=UNKNOWN,
):
    """`watch_at` after a write through the door. A write of the watchdog itself gives `now`
    (its pass judges the dossier again right after, knowing the rungs fired); any other write
    starts the silence count again and knows no fired rung and no draft (an earlier moment than
    the exact one at worst: the next pass reads the dossier once and sets it exactly).

    `run`: the dossier's open step when the caller knows it (a StepRun not finished, or None:
    a dossier it has just created, whose steps it started itself); otherwise it is read."""
    status = dossier.status
    if status not in SCANNED:
        return None
    if watchdog:
        return now
    known, run = run, None
    if status in WATCHED:
        from .models import StepRun

        if known is UNKNOWN:
            values = (
                StepRun.objects.filter(dossier_id=dossier.pk, finished_at__isnull=True)
                .values("assignee_id", "started_at", "due_at")
                .first()
            )
        elif known is None:
            values = None
        else:
            values = {
                name: getattr(known, name) for name in ("assignee_id", "started_at", "due_at")
            }
        if values is not None:
            run = {
                "assignee_id": values["assignee_id"],
                "started": _ep(values["started_at"]),
                "due": _ep(values["due_at"]),
                "fired": (),
            }
    now_e = now.timestamp()
    row = {
        "status": status,
        "silent": dossier.silent_since is not None,
        "last": now_e,
        "received": _ep(dossier.received_at),
        "submitted": _ep(dossier.submitted_at),
        "deadline": _ep(dossier.supplement_deadline),
        "due": _ep(dossier.due_at),
        "reschedule_count": dossier.reschedule_count,
        "has_draft": False,
        "run": run,
        # Entering the payment wait now; otherwise the request's moment is not in hand: the
        # dossier's submission is an earlier one.
        "entered": now_e if before_status != S.AWAITING_PAYMENT else _ep(dossier.submitted_at),
        "reminded": False,
    }
    moment = next_watch(row, clock())
    return None if moment is None else datetime.fromtimestamp(moment, UTC)
