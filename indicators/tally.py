# SQL here is built from constants (table and column names, integer ids, ISO dates); every
# value from outside is a parameter.
# ruff: noqa: S608
"""What one dossier adds to the counters, and applying a change to the cells.

A dossier's contribution is a pure function of its row (`Facts`): one or more *anchors* (the
local day a figure counts on) with the counters it adds there. A change to a dossier applies
`contribution(after) − contribution(before)`, expanded to every grain, with one
`INSERT … ON CONFLICT DO UPDATE SET c = c + excluded.c` inside the caller's transaction. The
same functions drive the generic (Python) recount, so the handlers and the recount cannot
disagree on a formula. docs/indicators.md gives every rule in words.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import connection

from core.calendar import LOCAL_TZ, get_calendar
from dossiers.models import (
    AWAITING_RECEIPT,
    FINISHED,
    IN_PROCESS,
    PAUSED,
    RESOLVED,
    RUNNING,
    Channel,
    Dossier,
    DossierStatus,
)
from dossiers.rules import timing
from procedures.models import Procedure, ServiceLevel

from . import scope
from .models import (
    COUNT_FIELDS,
    COUNT_KEY,
    COUNTERS,
    KEY,
    RUNNING_FIELDS,
    USE_COUNTERS,
    USE_KEY,
    Grain,
    ProcedureCount,
    ProcedureUse,
    RunningDossier,
    Scope,
    Span,
    StatCell,
)

LEVELS = {"province": 1, "commune": 2}
LEVEL_NAMES = {v: k for k, v in LEVELS.items()}

FULL_SERVICE = ServiceLevel.FULL

# The dossier columns a contribution reads (a save touching none of them changes nothing).
FACT_FIELDS = (
    "status",
    "channel",
    "handling_agency_id",
    "procedure_id",
    "submitted_at",
    "received_at",
    "due_at",
    "finished_at",
    "returned_at",
    "is_digitised",
    "is_reused",
    "has_e_result",
    "paid_online",
)
RELEVANT_UPDATE_FIELDS = frozenset(
    {f.removesuffix("_id") for f in FACT_FIELDS} | set(FACT_FIELDS) | {"terms"}
)


@dataclass(frozen=True)
class Dims:
    agency_id: int
    procedure_id: int
    field_id: int
    level: int
    channel: int


@dataclass(frozen=True)
class Facts:
    """The values of one dossier that the counters read."""

    status: str
    dims: Dims
    submitted_at: datetime | None
    received_at: datetime | None
    due_at: datetime | None
    finished_at: datetime | None
    returned_at: datetime | None
    is_digitised: bool
    is_reused: bool
    has_e_result: bool
    paid_online: bool
    has_fee: bool


def local_day(moment: datetime) -> date:
    return moment.astimezone(LOCAL_TZ).date()


def has_fee(terms: dict | None) -> bool:
    """The frozen terms list at least one fee line and the fee mode is not "free"."""
    terms = terms or {}
    fees = terms.get("fees")
    return isinstance(fees, list) and len(fees) > 0 and terms.get("fee_mode") != "free"


def procedure_dims(procedure) -> tuple[int, int]:
    return procedure.field_id, LEVELS.get(procedure.level, 0)


def facts_of(dossier: Dossier, state=None) -> Facts:
    """Facts of `dossier` as it is in memory, or of `state` (its values at another moment: a
    `DossierState` or a dict of FACT_FIELDS), with the procedure attributes and fees of
    `dossier` (they do not change)."""
    if state is None:
        v = {name: getattr(dossier, name) for name in FACT_FIELDS}
    elif isinstance(state, dict):
        v = state
    else:
        v = {name: getattr(state, name) for name in FACT_FIELDS}
    field_id, level = procedure_dims(dossier.procedure)
    return Facts(
        status=v["status"],
        dims=Dims(
            agency_id=v["handling_agency_id"],
            procedure_id=v["procedure_id"],
            field_id=field_id,
            level=level,
            channel=v["channel"],
        ),
        submitted_at=v["submitted_at"],
        received_at=v["received_at"],
        due_at=v["due_at"],
        finished_at=v["finished_at"],
        returned_at=v["returned_at"],
        is_digitised=bool(v["is_digitised"]),
        is_reused=bool(v["is_reused"]),
        has_e_result=bool(v["has_e_result"]),
        paid_online=bool(v["paid_online"]),
        has_fee=has_fee(dossier.terms),
    )


def processing_days(received_at: datetime, finished_at: datetime, calendar=None) -> int:
    """Working days after the day of receipt up to and including the day it finished."""
    calendar = calendar or get_calendar()
    start, end = local_day(received_at), local_day(finished_at)
    return calendar.working_days_in(start + timedelta(days=1), end)


Base = dict[tuple, dict[str, int]]  # (day, Dims) -> counters


def _add(out: Base, day: date, dims: Dims, counters: dict[str, int], sign: int = 1) -> None:
    cell = out.setdefault((day, dims), defaultdict(int))
    for name, value in counters.items():
        if value:
            cell[name] += sign * int(value)


def contribution(f: Facts, out: Base | None = None, sign: int = 1, calendar=None) -> Base:
    """Add (sign=1) or subtract (sign=-1) what a dossier counts, by anchor day."""
    out = {} if out is None else out
    d = f.dims
    if f.submitted_at is not None:
        pending = f.received_at is None and f.status in AWAITING_RECEIPT
        _add(out, local_day(f.submitted_at), d, {"submitted": 1, "pending": pending}, sign)
    if f.received_at is not None:
        in_process = f.status in IN_PROCESS
        _add(
            out,
            local_day(f.received_at),
            d,
            {
                "received": 1,
                "digitised": f.is_digitised,
                "reused": f.is_reused,
                "with_fee": f.has_fee,
                "paid_online": f.paid_online and f.has_fee,
                "in_process": in_process,
                "paused": in_process and f.status in PAUSED,
            },
            sign,
        )
    if f.finished_at is not None:
        day = local_day(f.finished_at)
        if f.status in FINISHED and f.received_at is not None:
            kind = timing(f.finished_at, f.due_at).value
            resolved = f.status in RESOLVED
            _add(
                out,
                day,
                d,
                {
                    "finished": 1,
                    kind: 1,
                    "withdrawn": f.status == DossierStatus.WITHDRAWN,
                    "resolved": resolved,
                    "e_result": resolved and f.has_e_result,
                    "processing_days": processing_days(f.received_at, f.finished_at, calendar),
                },
                sign,
            )
        elif f.status == DossierStatus.NOT_RECEIVED:
            _add(out, day, d, {"refused_receipt": 1}, sign)
        elif f.status == DossierStatus.STOPPED:
            _add(out, day, d, {"stopped": 1}, sign)
    if f.returned_at is not None and f.status == DossierStatus.RETURNED:
        _add(out, local_day(f.returned_at), d, {"returned": 1}, sign)
    return out


RATED = {
    "very_satisfied": "rated_very_satisfied",
    "satisfied": "rated_satisfied",
    "not_satisfied": "rated_not_satisfied",
}


def rating_contribution(
    f: Facts, level: str, out: Base | None = None, sign: int = 1, calendar=None
) -> Base:
    """What one satisfaction rating counts, on the local day its dossier finished (a rating is
    given only after that and never changes): one `rated_<level>` and, for a finished dossier
    (the index's 7/9/10) that was not late and is rated "not satisfied", one
    `unsatisfied_in_time` — so that finished − late − unsatisfied_in_time is the dossiers
    handled without a "not satisfied" rating or lateness (docs/indicators.md)."""
    out = {} if out is None else out
    if f.finished_at is None or level not in RATED:
        return out
    unsatisfied = (
        level == "not_satisfied"
        and f.status in FINISHED
        and f.received_at is not None
        and timing(f.finished_at, f.due_at).value != "late"
    )
    _add(
        out,
        local_day(f.finished_at),
        f.dims,
        {RATED[level]: 1, "unsatisfied_in_time": unsatisfied},
        sign,
    )
    return out


def apply_rating(f: Facts, level: str) -> int:
    return apply(expand(rating_contribution(f, level)))


def sync_contribution(
    created_at: datetime, dims: Dims, out: Base | None = None, *, on_time: bool = False
) -> Base:
    """What one portal-sync message counts: one `sync_events` on the local day it was created
    (with its dossier's dimensions) and, when it went out in time, one `sync_on_time`."""
    out = {} if out is None else out
    _add(out, local_day(created_at), dims, {"sync_events": 1, "sync_on_time": on_time})
    return out


# --- grains -------------------------------------------------------------------------------------
def month_of(day: date) -> date:
    return day.replace(day=1)


def year_of(day: date) -> date:
    return day.replace(month=1, day=1)


def grain_keys(day: date, d: Dims) -> list[tuple]:
    """The cells (KEY order) one base cell rolls up into."""
    m, y = month_of(day), year_of(day)
    return [
        (Grain.PROCEDURE_DAY, day, d.agency_id, d.procedure_id, d.field_id, d.level, d.channel),
        (Grain.PROCEDURE_MONTH, m, d.agency_id, d.procedure_id, d.field_id, d.level, d.channel),
        (Grain.PROCEDURE_YEAR, y, d.agency_id, d.procedure_id, d.field_id, d.level, d.channel),
        (Grain.FIELD_MONTH, m, d.agency_id, 0, d.field_id, d.level, d.channel),
        (Grain.AGENCY_DAY, day, d.agency_id, 0, 0, d.level, d.channel),
        (Grain.AGENCY_MONTH, m, d.agency_id, 0, 0, d.level, d.channel),
        (Grain.PROVINCE_PROCEDURE_MONTH, m, 0, d.procedure_id, d.field_id, d.level, d.channel),
    ]


def expand(base: Base) -> dict[tuple, dict[str, int]]:
    cells: dict[tuple, dict[str, int]] = {}
    for (day, dims), counters in base.items():
        if not any(counters.values()):
            continue
        for key in grain_keys(day, dims):
            cell = cells.setdefault(key, defaultdict(int))
            for name, value in counters.items():
                cell[name] += value
    return {k: dict(v) for k, v in cells.items() if any(v.values())}


# --- writing ------------------------------------------------------------------------------------
def _literal(value) -> str:
    """A cell's key or counter (an integer or a date), or a running row's value (PostgreSQL:
    also an aware moment), written in the SQL: the cells' statement has hundreds of values
    (39 per cell, 7 cells per change), and psycopg parses a statement of more than 50
    parameters again on every call (issue 16 §1: CPU per request). Anything else is refused."""
    if value is None:
        return "NULL"
    if isinstance(value, int):  # bool and IntegerChoices included
        return str(int(value))
    if isinstance(value, datetime):
        if value.tzinfo is None or connection.vendor != "postgresql":
            raise TypeError(f"no literal for {value!r} here")
        return f"'{value.isoformat()}'::timestamptz"
    if isinstance(value, date):
        return f"'{value.isoformat()}'"
    raise TypeError(f"no literal for {value!r}")


def _upsert_literal_sql(rows: list[list]) -> str:
    table = StatCell._meta.db_table
    columns = list(KEY) + list(COUNTERS)
    updates = ", ".join(f"{c} = {table}.{c} + excluded.{c}" for c in COUNTERS)
    return (
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES "
        + ", ".join("(" + ", ".join(_literal(v) for v in row) + ")" for row in rows)
        + f" ON CONFLICT ({', '.join(KEY)}) DO UPDATE SET {updates}"
    )


def apply(cells: dict[tuple, dict[str, int]], *, also: str | None = None) -> int:
    """Add `cells` to the table in one statement (rows in key order: no deadlock between two
    transactions touching the same cells). `also`: another data-modifying statement (SQL with
    its values written in, no parameters) run by the same one, as a WITH clause (PostgreSQL
    only). Returns the number of cells touched."""
    if not cells:
        return 0
    rows = [
        [int(key[0]), key[1], *key[2:], *(int(cells[key].get(name, 0)) for name in COUNTERS)]
        for key in sorted(cells, key=lambda k: (k[0], k[1], *k[2:]))
    ]
    # The values in the SQL (`_literal`), without parameters: no parse by psycopg.
    sql = _upsert_literal_sql(rows)
    if also is not None:
        sql = f"WITH also AS ({also}) {sql}"
    with connection.cursor() as cursor:
        cursor.execute(sql)
    return len(cells)


def apply_change(
    before: Facts | None,
    after: Facts | None,
    dossier_id=None,
    *,
    sync_day: datetime | None = None,
    full: bool | None = None,
    offered: bool | None = None,
) -> int:
    """Apply the difference between two states of one dossier (None: absent): the cells, the
    distinct-procedure flags and counts, and (given its id) the running set. `sync_day`: the
    change is also one event the portal must receive, counted on that day. `full`: whether the
    procedure is a full-process online one, `offered`: whether it offers online payment (both
    read from the database unless both are given)."""
    calendar = get_calendar()
    base: Base = {}
    if before != after:
        if before is not None:
            contribution(before, base, sign=-1, calendar=calendar)
        if after is not None:
            contribution(after, base, sign=1, calendar=calendar)
    if sync_day is not None and (after or before) is not None:
        _add(base, local_day(sync_day), (after or before).dims, {"sync_events": 1})
    # On PostgreSQL the running set's write (one row of this dossier) rides on the cells'
    # statement as a data-modifying WITH clause: one statement fewer per change (issue 16 §1).
    running = None
    if dossier_id is not None and connection.vendor == "postgresql":
        running = _running_sql(dossier_id, before, after)
    cells = expand(base)
    touched = apply(cells, also=running)
    if running is not None and not cells:
        with connection.cursor() as cursor:
            cursor.execute(running)
    uses = uses_of(base)
    if uses:
        procedure_ids = {key[4] for key in uses}
        # Which of them are full-process online / offer online payment: read unless known.
        known_full = known_offered = None
        if full is not None and offered is not None and len(procedure_ids) == 1:
            known_full = procedure_ids if full else set()
            known_offered = procedure_ids if offered else set()
        apply_uses(uses, full=known_full, offered=known_offered)
    if dossier_id is not None and connection.vendor != "postgresql":
        apply_running(dossier_id, before, after)
    return touched


def apply_sync(dims: Dims, created_at: datetime, *, events: int = 0, on_time: int = 0) -> int:
    base: Base = {}
    _add(base, local_day(created_at), dims, {"sync_events": events, "sync_on_time": on_time})
    return apply(expand(base))


def apply_syncs_on_time(items: list[tuple[Dims, datetime]]) -> int:
    """`apply_sync(dims, created_at, on_time=1)` for many messages, in one statement."""
    base: Base = {}
    for dims, created_at in items:
        _add(base, local_day(created_at), dims, {"sync_on_time": 1})
    return apply(expand(base))


# --- distinct procedures ----------------------------------------------------------------------
def quarter_of(day: date) -> date:
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


SPAN_START = {
    Span.DAY: lambda day: day,
    Span.MONTH: month_of,
    Span.QUARTER: quarter_of,
    Span.YEAR: year_of,
}
# Which periods each scope keeps (no day rows for communes: a commune ranking of one day reads
# the PROCEDURE_DAY cells of that day).
SCOPE_SPANS = {
    Scope.PROVINCE: (Span.DAY, Span.MONTH, Span.QUARTER, Span.YEAR),
    Scope.AGENCY: (Span.DAY, Span.MONTH, Span.QUARTER, Span.YEAR),
    Scope.COMMUNE: (Span.MONTH, Span.QUARTER, Span.YEAR),
}
Uses = dict[tuple, list[int]]  # USE_KEY -> [received, online, with_fee, paid_online]


def commune_of(agency_id: int) -> int | None:
    """The commune unit of an agency (None for a provincial one), from the cached tree."""
    tree = scope.tree()
    if agency_id not in tree.by_id:
        tree = scope.tree(fresh=True)
    return tree.unit_of(agency_id)


def use_keys(day: date, agency_id: int, procedure_id: int, unit_id: int | None) -> list[tuple]:
    scopes = [(Scope.PROVINCE, 0), (Scope.AGENCY, agency_id)]
    if unit_id is not None:
        scopes.append((Scope.COMMUNE, unit_id))
    return [
        (int(kind), int(scope_id), int(span), SPAN_START[span](day), int(procedure_id))
        for kind, scope_id in scopes
        for span in SCOPE_SPANS[kind]
    ]


def uses_of(base: Base, units: dict | None = None) -> Uses:
    """The receipt-day counters of `base` (received, online, with fee, paid online) rolled up
    into the `ProcedureUse` rows of every scope and span."""
    out: Uses = {}
    for (day, dims), counters in base.items():
        values = [
            counters.get("received", 0),
            counters.get("received", 0) if dims.channel == ONLINE else 0,
            counters.get("with_fee", 0),
            counters.get("paid_online", 0),
        ]
        if not any(values):
            continue
        unit = units.get(dims.agency_id) if units is not None else commune_of(dims.agency_id)
        for key in use_keys(day, dims.agency_id, dims.procedure_id, unit):
            row = out.setdefault(key, [0, 0, 0, 0])
            for i, value in enumerate(values):
                row[i] += value
    return {k: v for k, v in out.items() if any(v)}


ONLINE = Channel.ONLINE


def flags(values, full: bool, offered: bool = False) -> tuple[int, ...]:
    """What one procedure adds to the distinct counts (COUNT_FIELDS order), given its use,
    whether it is toàn trình (`full`) and whether it offers online payment (`offered`)."""
    received, online, with_fee, paid = values
    active = received > 0
    return (
        int(active),
        int(active and full),
        int(active and full and online > 0),
        int(active and with_fee > 0),
        int(active and paid > 0),
        int(active and with_fee > 0 and offered),
    )


def procedure_kinds(ids) -> tuple[set[int], set[int]]:
    """Of the procedures `ids`: the toàn trình ones and those offering online payment."""
    rows = Procedure.objects.filter(pk__in=sorted(set(ids))).values_list(
        "pk", "service_level", "online_payment"
    )
    full: set[int] = set()
    offered: set[int] = set()
    for pk, service_level, online_payment in rows:
        if service_level == ServiceLevel.FULL:
            full.add(pk)
        if online_payment:
            offered.add(pk)
    return full, offered


def _upsert(table: str, key: tuple, counters: tuple, rows: list[tuple]) -> None:
    columns = list(key) + list(counters)
    placeholders = "(" + ", ".join(["%s"] * len(columns)) + ")"
    updates = ", ".join(f"{c} = {table}.{c} + excluded.{c}" for c in counters)
    sql = (
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES "
        + ", ".join([placeholders] * len(rows))
        + f" ON CONFLICT ({', '.join(key)}) DO UPDATE SET {updates}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [value for row in rows for value in row])


def _upsert_returning(table: str, key: tuple, counters: tuple, rows: list[tuple]) -> list:
    """`_upsert`, answering each row's key and counters as they are after it."""
    columns = list(key) + list(counters)
    placeholders = "(" + ", ".join(["%s"] * len(columns)) + ")"
    updates = ", ".join(f"{c} = {table}.{c} + excluded.{c}" for c in counters)
    sql = (
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES "
        + ", ".join([placeholders] * len(rows))
        + f" ON CONFLICT ({', '.join(key)}) DO UPDATE SET {updates} "
        + f"RETURNING {', '.join(columns)}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [value for row in rows for value in row])
        return cursor.fetchall()


def _as_period(value) -> date:
    # SQLite answers RETURNING's dates as text.
    return date.fromisoformat(value) if isinstance(value, str) else value


def apply_uses(uses: Uses, *, full: set[int] | None = None, offered: set[int] | None = None) -> int:
    """Add `uses` to the flag rows (key order, one statement that answers the new values), and
    move the distinct counts of every row that crossed zero. `full` / `offered`: the
    full-process online procedures and those offering online payment among them, when the
    caller knows both (else read). Returns the number of count rows changed."""
    if not uses:
        return 0
    keys = sorted(uses)
    returned = _upsert_returning(
        ProcedureUse._meta.db_table,
        USE_KEY,
        USE_COUNTERS,
        [(*key, *uses[key]) for key in keys],
    )
    after = {
        (int(r[0]), int(r[1]), int(r[2]), _as_period(r[3]), int(r[4])): tuple(r[5:])
        for r in returned
    }
    if full is None or offered is None:
        full, offered = procedure_kinds(key[4] for key in keys)
    counts: dict[tuple, list[int]] = {}
    for key in keys:
        new = tuple(after.get(key, (0, 0, 0, 0)))
        old = tuple(n - d for n, d in zip(new, uses[key], strict=True))
        kind = (key[4] in full, key[4] in offered)
        change = [a - b for a, b in zip(flags(new, *kind), flags(old, *kind), strict=True)]
        if any(change):
            total = counts.setdefault(key[:4], [0] * len(COUNT_FIELDS))
            for i, value in enumerate(change):
                total[i] += value
    changed = sorted(k for k, v in counts.items() if any(v))
    if changed:
        _upsert(
            ProcedureCount._meta.db_table,
            COUNT_KEY,
            COUNT_FIELDS,
            [(*key, *counts[key]) for key in changed],
        )
    return len(changed)


# --- the running set --------------------------------------------------------------------------


def running_row(f: Facts | None) -> tuple | None:
    """The `RunningDossier` values of a dossier whose clock runs (None otherwise)."""
    if f is None or f.status not in RUNNING:
        return None
    d = f.dims
    return (d.agency_id, d.procedure_id, d.field_id, d.level, d.channel, f.received_at, f.due_at)


def _running_sql(dossier_id: int, before: Facts | None, after: Facts | None) -> str | None:
    """`apply_running` as one SQL statement, its values written in (PostgreSQL; None: nothing
    to write)."""
    old, new = running_row(before), running_row(after)
    if old == new:
        return None
    table = RunningDossier._meta.db_table
    if new is None:
        return f"DELETE FROM {table} WHERE dossier_id = {_literal(dossier_id)}"
    updates = ", ".join(f"{c} = excluded.{c}" for c in RUNNING_FIELDS)
    return (
        f"INSERT INTO {table} (dossier_id, {', '.join(RUNNING_FIELDS)}) "
        f"VALUES ({', '.join(_literal(v) for v in (dossier_id, *new))}) "
        f"ON CONFLICT (dossier_id) DO UPDATE SET {updates}"
    )


def apply_running(dossier_id: int, before: Facts | None, after: Facts | None) -> None:
    old, new = running_row(before), running_row(after)
    if old == new:
        return
    if new is None:
        RunningDossier.objects.filter(dossier_id=dossier_id).delete()
        return
    # One INSERT … ON CONFLICT DO UPDATE.
    RunningDossier.objects.bulk_create(
        [RunningDossier(dossier_id=dossier_id, **dict(zip(RUNNING_FIELDS, new, strict=True)))],
        update_conflicts=True,
        unique_fields=["dossier_id"],
        update_fields=list(RUNNING_FIELDS),
    )
