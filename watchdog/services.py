"""One watchdog pass over the open dossiers (docs/watchdog.md).

The dossiers are read in batches by primary key (keyset pagination: `id > last`, no OFFSET, no
`SELECT … FOR UPDATE` over the table); each batch's open steps, last activity (the newest event
that is not the watchdog's own) and fired rungs are read in one query each. What a dossier needs
is then written one dossier at a time through the one door (`dossiers.services.watch`), each in
its own short transaction that locks that one row only.

- Silent: status received/processing/result ready, and either no owner for the current step
  (received and not assigned, or an open step without an assignee) for longer than
  WATCHDOG_UNOWNED_HOURS of office time, or no event for longer than the current step's own
  office time. The flag is set once (and the applicant told) until a new event clears it.
- Ladder: at WATCHDOG_RUNGS (default 50/80/100 %) of the open step's office time the handler,
  the head of the unit (a leader of the step's agency), the leader (a leader of the agency
  above, else of the same agency) are told; each rung once per step run (`Escalation`).
- An expired supplement window stops the dossier (Mẫu 05).
- A dossier that will be late (its open step past its own due time, or its due date within
  one working day), never rescheduled and still in time to apologise, gets a DRAFT apology and
  new date (Mẫu 04, `ApologyDraft`) for the head to sign through the `reschedule` action; the
  draft itself tells nobody.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.roles import Role
from core.errors import DomainError
from dossiers import rules, watching
from dossiers.models import WATCHDOG_ACTIONS, Dossier, DossierAction, DossierStatus, Event, StepRun
from dossiers.services import watch
from organisations.models import Agency

from .clock import WorkingClock
from .models import ApologyDraft, Escalation, Rung

log = logging.getLogger(__name__)

S = DossierStatus
# The clock of a step runs in these states (paused dossiers wait for the applicant).
WATCHED = list(watching.WATCHED)
# Every state a pass looks at: also the dossiers not yet received and those awaiting payment.
SCANNED = list(watching.SCANNED)
# Where the silent flag counts (dashboard, work queues).
SILENT_STATES = [*WATCHED, S.NEW.value]


def rungs() -> list[tuple[int, float]]:
    """(rung, share of the step's time) from WATCHDOG_RUNGS, e.g. "50,80,100"."""
    shares = [float(x) / 100 for x in settings.WATCHDOG_RUNGS]
    return list(zip((Rung.HANDLER, Rung.HEAD, Rung.LEADER), shares, strict=True))


@dataclass
class PassStats:
    scanned: int = 0
    batches: int = 0
    flagged: int = 0
    escalated: dict[int, int] = field(default_factory=lambda: {1: 0, 2: 0, 3: 0})
    stopped: int = 0
    drafted: int = 0
    reminded: int = 0
    rewatched: int = 0
    errors: int = 0
    seconds: float = 0.0

    def as_dict(self) -> dict:
        return {
            "scanned": self.scanned,
            "batches": self.batches,
            "flagged": self.flagged,
            "escalated": dict(self.escalated),
            "stopped": self.stopped,
            "drafted": self.drafted,
            "reminded": self.reminded,
            "rewatched": self.rewatched,
            "errors": self.errors,
            "seconds": round(self.seconds, 3),
        }


class Leaders:
    """The first active leader of an agency (and of its parent), cached for one pass."""

    def __init__(self):
        self._of: dict[int, int | None] = {}
        self._parent: dict[int, int | None] = {}

    def of(self, agency_id: int | None) -> int | None:
        if agency_id is None:
            return None
        if agency_id not in self._of:
            self._of[agency_id] = (
                User.objects.filter(agency_id=agency_id, role=Role.LEADER, is_active=True)
                .order_by("id")
                .values_list("id", flat=True)
                .first()
            )
        return self._of[agency_id]

    def above(self, agency_id: int | None) -> int | None:
        if agency_id is None:
            return None
        if agency_id not in self._parent:
            self._parent[agency_id] = (
                Agency.objects.filter(pk=agency_id).values_list("parent_id", flat=True).first()
            )
        return self.of(self._parent[agency_id]) or self.of(agency_id)


@dataclass
class Todo:
    code: str
    id: int = 0
    flag: str = ""  # the reason, when the dossier is to be flagged silent
    climb: list = field(default_factory=list)  # (rung, percent, official_id, run)
    stop: bool = False
    remind: bool = False  # the fee is unpaid for too long: remind the applicant, once
    draft: tuple | None = None  # (reason, proposed new date, due date now) for Mẫu 04

    @property
    def needed(self) -> bool:
        return bool(self.flag or self.climb or self.stop or self.remind or self.draft)


class Pass:
    """What one pass reads once: the moment, the office clock, the rungs, the horizon of the
    apology list, the leaders (cached)."""

    def __init__(self, now: datetime):
        self.now = now
        # The origin two years back: the table is built once, older instants still work.
        self.clock = WorkingClock(origin=timezone.localdate(now) - timedelta(days=730))
        self.leaders = Leaders()
        self.rungs = rungs()
        self.unowned = settings.WATCHDOG_UNOWNED_HOURS * 3600
        self.payment = settings.WATCHDOG_PAYMENT_REMINDER_HOURS * 3600
        self.horizon = rules.due_within_one_working_day(now)
        self.now_e = now.timestamp()
        self.horizon_e = self.horizon.timestamp()


def _dt(epoch: float | None) -> datetime | None:
    return None if epoch is None else datetime.fromtimestamp(epoch, UTC)


def _ep(moment: datetime | None) -> float | None:
    return None if moment is None else moment.timestamp()


def _terms(dossier_id: int) -> dict:
    return Dossier.objects.values_list("terms", flat=True).get(pk=dossier_id)


def will_be_late(row: dict, run: dict | None, share: float, ctx: Pass) -> tuple | None:
    """A draft apology (Mẫu 04) when the dossier will be late: the open step is past its own
    due time, or the dossier's due date is within one working day; only for a running dossier
    never rescheduled whose apology is still in time (rules.apology_deadline). The proposed date
    moves the due date by the step's overrun, at least one working day, at most
    rules.reschedule_limit."""
    if (
        row["status"] not in (S.RECEIVED, S.PROCESSING)
        or row["due"] is None
        or row["reschedule_count"]
        or row["has_draft"]
    ):
        return None
    step_late = run is not None and share >= 1.0
    if not step_late and row["due"] > ctx.horizon_e:
        return None
    due, now = _dt(row["due"]), ctx.now
    if now > rules.apology_deadline(due):
        return None
    calendar = ctx.clock.calendar
    overrun = 0.0
    if step_late and run["due"] is not None:
        overrun = ctx.clock.w_epoch(ctx.now_e) - ctx.clock.w_epoch(run["due"])
    proposed = calendar.add_working_seconds(due, max(overrun, calendar.day_seconds))
    limit = rules.reschedule_limit(Dossier(due_at=due, terms=_terms(row["id"])))
    proposed = calendar.in_office_time(min(proposed, limit))
    if run is not None and step_late:
        reason = _(
            "Hồ sơ chậm ở bước “%(step)s” (hạn của bước đã qua); cơ quan giải quyết xin lỗi "
            "và hẹn lại ngày trả kết quả."
        ) % {"step": run["name"]}
    else:
        reason = _(
            "Hồ sơ chưa thể giải quyết xong đúng hạn; cơ quan giải quyết xin lỗi và hẹn lại "
            "ngày trả kết quả."
        )
    return (reason, proposed, due)


def judge(row: dict, ctx: Pass) -> Todo:
    """What one dossier needs now (pure but for the cached leader look-ups). Instants are POSIX
    seconds and office time is read as W(t) differences (watchdog/clock.py), read again when the
    clock's origin moved meanwhile."""
    todo = Todo(code=row["code"], id=row["id"])
    status, now_e, w = row["status"], ctx.now_e, ctx.clock.w_epoch
    if status == S.SUPPLEMENT_REQUESTED:
        deadline = row["deadline"]
        todo.stop = deadline is not None and deadline < now_e
        return todo
    last = row["last"] or row["received"] or row["submitted"]
    if status == S.AWAITING_PAYMENT:
        # The fee requested and unpaid for longer than WATCHDOG_PAYMENT_REMINDER_HOURS of
        # office time: the applicant is reminded, once per request.
        since = row["entered"] or last
        todo.remind = not row["reminded"] and w(now_e) - w(since) >= ctx.payment
        return todo
    if status == S.NEW:
        # Submitted and not received for longer than WATCHDOG_UNOWNED_HOURS of office time.
        if not row["silent"] and w(now_e) - w(last) > ctx.unowned:
            todo.flag = "not_received"
        return todo
    if status not in WATCHED:
        return todo
    run = row["run"]
    timed = run is not None and run["due"] is not None
    moves = ctx.clock.moves
    while True:
        w_last, w_now = w(last), w(now_e)
        if timed:
            w_start, w_due = w(run["started"]), w(run["due"])
            allowed = w_due - w_start
        if ctx.clock.moves == moves:
            break
        moves = ctx.clock.moves
    quiet = w_now - w_last
    # Silent: no owner for the current step, or no event for longer than the step allows.
    if not row["silent"]:
        unowned = status != S.RESULT_READY and (run is None or run["assignee_id"] is None)
        if unowned and quiet > ctx.unowned:
            todo.flag = "no_owner"
        elif timed and quiet > allowed:
            todo.flag = "no_event"
    # The ladder: shares of the open step's office time.
    share = 0.0
    if timed:
        used = w_now - w_start
        share = used / allowed if allowed > 0 else (1.0 if now_e >= run["due"] else 0.0)
        for rung, threshold in ctx.rungs:
            if share >= threshold and rung not in run["fired"]:
                agency = run["agency_id"] or row["handling_agency_id"]
                if rung == Rung.HANDLER:
                    official = run["assignee_id"] or row["assignee_id"]
                elif rung == Rung.HEAD:
                    official = ctx.leaders.of(agency)
                else:
                    official = ctx.leaders.above(agency)
                todo.climb.append((rung, int(share * 100), official, run))
    todo.draft = will_be_late(row, run, share, ctx)
    return todo


# One statement per batch on PostgreSQL: the dossiers due (`watch_at <= now`, keyset on
# (watch_at, id) along the partial index `dossier_watch`) or, for a full scan, every dossier
# watched (keyset on id); their open step, the newest event that is not the watchdog's, the
# rungs fired, whether a draft exists, and for a dossier awaiting payment when the fee was
# requested and the last reminder; instants as POSIX seconds. No row is locked.
BATCH_SQL = """
SELECT d.id, d.code, d.status, d.assignee_id, d.handling_agency_id,
       extract(epoch FROM d.submitted_at)::float8, extract(epoch FROM d.received_at)::float8,
       extract(epoch FROM d.supplement_deadline)::float8, d.silent_since IS NOT NULL,
       extract(epoch FROM d.due_at)::float8, d.reschedule_count,
       EXISTS (SELECT 1 FROM watchdog_apologydraft a WHERE a.dossier_id = d.id),
       (SELECT extract(epoch FROM max(e.at))::float8 FROM dossiers_event e
         WHERE e.dossier_id = d.id AND e.action <> ALL(%(mine)s)),
       r.id, r."order", r.name, r.agency_id, r.assignee_id,
       extract(epoch FROM r.started_at)::float8, extract(epoch FROM r.due_at)::float8,
       (SELECT array_agg(x.rung) FROM watchdog_escalation x WHERE x.step_run_id = r.id),
       CASE WHEN d.status = 'awaiting_payment' THEN
         (SELECT extract(epoch FROM max(e.at))::float8 FROM dossiers_event e
           WHERE e.dossier_id = d.id AND e.to_status = 'awaiting_payment'
             AND e.from_status <> 'awaiting_payment') END,
       CASE WHEN d.status = 'awaiting_payment' THEN
         (SELECT extract(epoch FROM max(e.at))::float8 FROM dossiers_event e
           WHERE e.dossier_id = d.id AND e.action = 'remind_payment') END,
       d.watch_at, d.updated_at
FROM dossiers_dossier d
LEFT JOIN dossiers_steprun r ON r.dossier_id = d.id AND r.finished_at IS NULL
WHERE d.status = ANY(%(statuses)s) AND {where}
ORDER BY {order}
LIMIT %(limit)s
"""
DUE = (
    "d.watch_at IS NOT NULL AND d.watch_at <= %(now)s AND (d.watch_at, d.id) > (%(lw)s, %(lid)s)",
    "d.watch_at, d.id",
)
FULL = ("d.id > %(lid)s", "d.id")
BY_ID = ("d.id = ANY(%(ids)s)", "d.id")


def _row(values) -> dict:
    (id_, code, status, assignee, agency, submitted, received, deadline, silent, due, count,
     has_draft, last, run_id, order, name, run_agency, run_assignee, started, run_due,
     fired, entered, reminder, watch_at, updated) = values  # fmt: skip
    run = None
    if run_id is not None:
        run = {
            "id": run_id,
            "order": order,
            "name": name,
            "agency_id": run_agency,
            "assignee_id": run_assignee,
            "started": started,
            "due": run_due,
            "fired": set(fired or ()),
        }
    return {
        "id": id_,
        "code": code,
        "status": status,
        "assignee_id": assignee,
        "handling_agency_id": agency,
        "submitted": submitted,
        "received": received,
        "deadline": deadline,
        "silent": silent,
        "due": due,
        "reschedule_count": count,
        "has_draft": has_draft,
        "last": last,
        "run": run,
        "entered": entered,
        "reminded": reminder is not None and entered is not None and reminder >= entered,
        "watch_at": watch_at,
        "updated": updated,
    }


def _sql(kind: tuple[str, str]) -> str:
    where, order = kind
    return BATCH_SQL.format(where=where, order=order)


def _params(batch_size: int) -> dict:
    return {"mine": sorted(WATCHDOG_ACTIONS), "statuses": SCANNED, "limit": batch_size}


def _batches_postgresql(batch_size: int, now: datetime | None):
    """Batches of rows: the due dossiers (`now` given) or every watched dossier (None)."""
    sql = _sql(DUE if now is not None else FULL)
    params = {**_params(batch_size), "now": now, "lw": datetime.min.replace(tzinfo=UTC), "lid": 0}
    while True:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = [_row(values) for values in cursor.fetchall()]
        if not rows:
            return
        params["lw"], params["lid"] = rows[-1]["watch_at"] or params["lw"], rows[-1]["id"]
        yield rows


def _rows_by_id(ids: list[int]) -> list[dict]:
    if connection.vendor != "postgresql":
        return _orm_rows(Dossier.objects.filter(id__in=ids, status__in=SCANNED).order_by("id"))
    with connection.cursor() as cursor:
        cursor.execute(_sql(BY_ID), {**_params(len(ids)), "ids": ids})
        return [_row(values) for values in cursor.fetchall()]


DOSSIER_FIELDS = (
    "id", "code", "status", "assignee_id", "handling_agency_id", "submitted_at", "received_at",
    "supplement_deadline", "silent_since", "due_at", "reschedule_count", "watch_at", "updated_at",
)  # fmt: skip


def _batches_orm(batch_size: int, now: datetime | None):
    """The same rows through the ORM (SQLite, the tests' default): a few queries per batch."""
    base = Dossier.objects.filter(status__in=SCANNED)
    if now is None:
        cursor, order = Q(), ("id",)
    else:
        base = base.filter(watch_at__isnull=False, watch_at__lte=now)
        cursor, order = Q(), ("watch_at", "id")
    while True:
        rows = _orm_rows(base.filter(cursor).order_by(*order)[:batch_size])
        if not rows:
            return
        tail = rows[-1]
        if now is None:
            cursor = Q(id__gt=tail["id"])
        else:
            cursor = Q(watch_at__gt=tail["watch_at"]) | Q(
                watch_at=tail["watch_at"], id__gt=tail["id"]
            )
        yield rows


def _orm_rows(queryset) -> list[dict]:
    dossiers = list(queryset.values(*DOSSIER_FIELDS))
    if not dossiers:
        return []
    ids = [d["id"] for d in dossiers]
    runs = {
        r["dossier_id"]: r
        for r in StepRun.objects.filter(dossier_id__in=ids, finished_at__isnull=True).values(
            "id", "dossier_id", "order", "name", "agency_id", "assignee_id", "started_at",
            "due_at",
        )
    }  # fmt: skip
    latest = dict(
        Event.objects.filter(dossier_id__in=ids)
        .exclude(action__in=WATCHDOG_ACTIONS)
        .values("dossier_id")
        .annotate(last=Max("at"))
        .values_list("dossier_id", "last")
    )
    paying = [d["id"] for d in dossiers if d["status"] == S.AWAITING_PAYMENT]
    entered = dict(
        Event.objects.filter(dossier_id__in=paying, to_status=S.AWAITING_PAYMENT)
        .exclude(from_status=S.AWAITING_PAYMENT)
        .values("dossier_id")
        .annotate(last=Max("at"))
        .values_list("dossier_id", "last")
    )
    reminded = dict(
        Event.objects.filter(dossier_id__in=paying, action=DossierAction.REMIND_PAYMENT)
        .values("dossier_id")
        .annotate(last=Max("at"))
        .values_list("dossier_id", "last")
    )
    fired: dict[int, set] = {}
    for run_id, rung in Escalation.objects.filter(
        step_run_id__in=[r["id"] for r in runs.values()]
    ).values_list("step_run_id", "rung"):
        fired.setdefault(run_id, set()).add(rung)
    drafted = set(
        ApologyDraft.objects.filter(dossier_id__in=ids).values_list("dossier_id", flat=True)
    )
    rows = []
    for d in dossiers:
        r = runs.get(d["id"])
        rows.append(
            _row(
                (
                    d["id"], d["code"], d["status"], d["assignee_id"],
                    d["handling_agency_id"], _ep(d["submitted_at"]), _ep(d["received_at"]),
                    _ep(d["supplement_deadline"]), d["silent_since"] is not None,
                    _ep(d["due_at"]), d["reschedule_count"], d["id"] in drafted,
                    _ep(latest.get(d["id"])),
                    *(
                        (r["id"], r["order"], r["name"], r["agency_id"], r["assignee_id"],
                         _ep(r["started_at"]), _ep(r["due_at"]), fired.get(r["id"]))
                        if r else (None,) * 8
                    ),
                    _ep(entered.get(d["id"])), _ep(reminded.get(d["id"])),
                    d["watch_at"], d["updated_at"],
                )
            )
        )  # fmt: skip
    return rows


def _batches(batch_size: int, now: datetime | None):
    batches = _batches_postgresql if connection.vendor == "postgresql" else _batches_orm
    return batches(batch_size, now)


def plan(now=None, batch_size: int | None = None, stats: PassStats | None = None, *, full=False):
    """Read the dossiers due (or, `full`, every watched dossier: the pass before `watch_at`)
    in batches and yield what each batch needs (no writes)."""
    now = now or timezone.now()
    ctx = Pass(now)
    for rows in _batches(batch_size or settings.WATCHDOG_BATCH_SIZE, None if full else now):
        if stats is not None:
            stats.batches += 1
            stats.scanned += len(rows)
        yield [todo for todo in (judge(row, ctx) for row in rows) if todo.needed]


def _moment(row: dict, ctx: Pass) -> datetime | None:
    moment = watching.next_watch(row, ctx.clock, ctx.rungs)
    return None if moment is None else datetime.fromtimestamp(moment, UTC)


def set_watch(rows: list[dict], ctx: Pass) -> int:
    """Store each row's exact watch moment (dossiers.services.watch.store_watch_moments: one
    statement; a dossier written since it was read keeps what its own write set)."""
    values = [(row["id"], row["updated"], _moment(row, ctx), row["watch_at"]) for row in rows]
    return watch.store_watch_moments([v[:3] for v in values if v[2] != v[3]])


def rewatch(batch_size: int | None = None, now=None) -> int:
    """Set the exact `watch_at` of every watched dossier (after the upgrade's migration, or a
    bulk load that bypassed the door), in keyset batches; returns how many changed."""
    ctx = Pass(now or timezone.now())
    changed = 0
    for rows in _batches(batch_size or settings.WATCHDOG_BATCH_SIZE, None):
        changed += set_watch(rows, ctx)
    return changed


def climb(todo: Todo, rung: int, percent: int, official: int | None, run: dict, now) -> bool:
    """Fire one rung once: the Escalation row and the dossier's event commit together; a rung
    already fired (another pass, a restart) is skipped by the unique constraint."""
    try:
        with transaction.atomic():
            Escalation.objects.create(
                dossier=Dossier.objects.only("id").get(code=todo.code),
                step_run_id=run["id"],
                rung=rung,
                percent=min(percent, 32767),
                official_id=official,
                at=now,
            )
            watch.escalate(
                dossier=todo.code,
                rung=rung,
                percent=percent,
                official_id=official,
                step_order=run["order"],
                step_name=run["name"],
                step_due_at=_dt(run["due"]),
            )
    except IntegrityError:
        return False
    return True


def apply(todo: Todo, now, stats: PassStats) -> None:
    try:
        if todo.stop:
            if watch.stop_expired_supplement(dossier=todo.code, now=now) is not None:
                stats.stopped += 1
            return
        if todo.remind:
            watch.remind_payment(dossier=todo.code)
            stats.reminded += 1
            return
        for rung, percent, official, run in todo.climb:
            if climb(todo, rung, percent, official, run, now):
                stats.escalated[int(rung)] += 1
        if todo.draft:
            reason, proposed, due = todo.draft
            _, made = ApologyDraft.objects.get_or_create(
                dossier_id=todo.id,
                defaults={
                    "reason": reason,
                    "proposed_due_at": proposed,
                    "due_at_when_drafted": due,
                    "drafted_at": now,
                },
            )
            stats.drafted += made
        if todo.flag:
            watch.flag_silent(dossier=todo.code, reason=todo.flag)
            stats.flagged += 1
    except DomainError as exc:  # changed meanwhile (e.g. already flagged): next pass judges
        stats.errors += 1
        log.info("watchdog: %s skipped: %s", todo.code, exc)


def run_pass(now=None, batch_size: int | None = None) -> PassStats:
    """One pass: read the dossiers whose `watch_at` has come, in keyset batches; write what each
    needs through the door; then store each one's next watch moment (read again after a write)."""
    started = timezone.now()
    now = now or started
    stats = PassStats()
    ctx = Pass(now)
    for rows in _batches(batch_size or settings.WATCHDOG_BATCH_SIZE, now):
        stats.batches += 1
        stats.scanned += len(rows)
        quiet, acted = [], []
        for row in rows:
            todo = judge(row, ctx)
            if todo.needed:
                apply(todo, now, stats)
                acted.append(row["id"])
            else:
                quiet.append(row)
        if acted:
            quiet += _rows_by_id(acted)
        stats.rewatched += set_watch(quiet, ctx)
    stats.seconds = (timezone.now() - started).total_seconds()
    log.info("watchdog pass: %s", stats.as_dict())
    return stats


def on_dossier_changed(sender, change, **kwargs) -> None:
    """The head signed the apology (the `reschedule` action): the draft is confirmed."""
    if change.event.action == "reschedule":
        actor = change.event.actor_id
        ApologyDraft.objects.filter(dossier_id=change.dossier.pk, confirmed_at__isnull=True).update(
            confirmed_at=change.event.at, confirmed_by_id=actor
        )


def silent_count(queryset=None) -> int:
    return (
        (queryset if queryset is not None else Dossier.objects)
        .filter(silent_since__isnull=False, status__in=SILENT_STATES)
        .count()
    )
