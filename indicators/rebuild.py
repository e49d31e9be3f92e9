# SQL here is built from constants (table and column names, integer ids, ISO dates); every
# value from outside is a parameter.
# ruff: noqa: S608
"""Recount every cell from the raw rows; rebuild the table; compare (verify).

Two ways to recount, same rules:
- `recount_python()`: walks the dossiers (and outbox messages) through `tally.contribution`,
  exactly what the handlers do — any database, fine for tests and small data;
- `recount_sql()` (PostgreSQL): set-based `INSERT … SELECT … GROUP BY` into a temporary table,
  minutes for 10M dossiers. A PostgreSQL test checks it agrees with the Python one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db import connection, transaction

from core.calendar import get_calendar
from dossiers.models import Dossier
from outbox.models import OutboxMessage

from . import handlers, tally
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

Cells = dict[tuple, dict[str, int]]


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


# --- the generic recount -----------------------------------------------------------------------
def recount_python(agency_ids: Iterable[int] | None = None, batch: int = 2000) -> Cells:
    return tally.expand(recount_python_base(agency_ids, batch))


def recount_python_base(agency_ids: Iterable[int] | None = None, batch: int = 2000) -> tally.Base:
    """Every dossier's (and portal message's) contribution by anchor day and dimensions."""
    calendar = get_calendar()
    base: tally.Base = {}
    dossiers = Dossier.objects.select_related("procedure").only(
        *(name.removesuffix("_id") for name in tally.FACT_FIELDS),
        "terms",
        "procedure__field",
        "procedure__level",
    )
    if agency_ids is not None:
        dossiers = dossiers.filter(handling_agency_id__in=list(agency_ids))
    for dossier in dossiers.order_by("pk").iterator(chunk_size=batch):
        tally.contribution(tally.facts_of(dossier), base, calendar=calendar)
    messages = (
        OutboxMessage.objects.filter(topic=handlers.sync_topic())
        .values("reference", "created_at", "sent_at", "status")
        .order_by("pk")
    )
    dims_cache: dict = {}
    limit = handlers.sync_on_time_seconds()
    wanted = set(agency_ids) if agency_ids is not None else None
    for message in messages.iterator(chunk_size=batch):
        dossier_id = (message["reference"] or {}).get("dossier")
        if dossier_id is None:
            continue
        if dossier_id not in dims_cache:
            dims_cache[dossier_id] = handlers._dims_of_dossier(dossier_id)
        dims = dims_cache[dossier_id]
        if dims is None or (wanted is not None and dims.agency_id not in wanted):
            continue
        on_time = (
            message["status"] == "sent"
            and message["sent_at"] is not None
            and (message["sent_at"] - message["created_at"]).total_seconds() <= limit
        )
        tally._add(
            base,
            tally.local_day(message["created_at"]),
            dims,
            {"sync_events": 1, "sync_on_time": on_time},
        )
    return base


def agency_units() -> dict[int, int | None]:
    from . import scope

    tree = scope.tree(fresh=True)
    return {agency_id: tree.unit_of(agency_id) for agency_id in tree.by_id}


def counts_of(uses: tally.Uses) -> dict[tuple, tuple]:
    """The distinct counts (COUNT_KEY -> COUNT_FIELDS) behind a set of flag rows."""
    full = tally.full_procedures(key[4] for key in uses)
    out: dict[tuple, list[int]] = {}
    for key, values in uses.items():
        row = out.setdefault(key[:4], [0] * len(COUNT_FIELDS))
        for i, value in enumerate(tally.flags(values, key[4] in full)):
            row[i] += value
    return {k: tuple(v) for k, v in out.items() if any(v)}


def recount_extras_python() -> dict[str, dict]:
    """The flag rows, the distinct counts and the running set, recounted from the raw rows:
    {"uses": {USE_KEY: counters}, "counts": {COUNT_KEY: counts}, "running": {id: values}}."""
    uses = tally.uses_of(recount_python_base(), agency_units())
    running = {}
    dossiers = Dossier.objects.filter(status__in=tally.RUNNING).select_related("procedure")
    for dossier in dossiers.only(
        *(name.removesuffix("_id") for name in tally.FACT_FIELDS),
        "terms",
        "procedure__field",
        "procedure__level",
    ).iterator(chunk_size=2000):
        running[dossier.pk] = tally.running_row(tally.facts_of(dossier))
    return {
        "uses": {k: tuple(v) for k, v in uses.items()},
        "counts": counts_of(uses),
        "running": running,
    }


def stored_extras() -> dict[str, dict]:
    def nonzero(values):
        return any(values)

    uses = {
        tuple(row[:5]): tuple(row[5:])
        for row in ProcedureUse.objects.values_list(*USE_KEY, *USE_COUNTERS).iterator()
        if nonzero(row[5:])
    }
    counts = {
        tuple(row[:4]): tuple(row[4:])
        for row in ProcedureCount.objects.values_list(*COUNT_KEY, *COUNT_FIELDS).iterator()
        if nonzero(row[4:])
    }
    running = {
        row[0]: tuple(row[1:])
        for row in RunningDossier.objects.values_list("dossier_id", *RUNNING_FIELDS).iterator()
    }
    return {"uses": uses, "counts": counts, "running": running}


# --- the set-based recount (PostgreSQL) --------------------------------------------------------
TZ = "Asia/Ho_Chi_Minh"
WORKDAY = "indicators_tmp_workday"
BASE = "indicators_tmp_base"
RECOUNT = "indicators_tmp_recount"


def _local(column: str) -> str:
    return f"(({column}) AT TIME ZONE '{TZ}')::date"


def _fill_workdays(cursor) -> None:
    """A temporary table of working-day ordinals over the span of the data: the number of
    working days in (received day, finished day] is ordinal(finished) − ordinal(received)."""
    cursor.execute(
        f"SELECT min({_local('received_at')}), max({_local('finished_at')}) "
        "FROM dossiers_dossier WHERE received_at IS NOT NULL"
    )
    low, high = cursor.fetchone()
    cursor.execute(f"DROP TABLE IF EXISTS {WORKDAY}")
    cursor.execute(f"CREATE TEMP TABLE {WORKDAY} (day date PRIMARY KEY, ordinal integer)")
    if low is None:
        return
    high = max(high or low, low)
    calendar = get_calendar()
    rows, ordinal, day = [], 0, low
    while day <= high:
        ordinal += calendar.is_working_day(day)
        rows.append((day, ordinal))
        day += timedelta(days=1)
    with cursor.copy(f"COPY {WORKDAY} (day, ordinal) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
    cursor.execute(f"ANALYZE {WORKDAY}")


def _base_sql(agency_filter: str) -> str:
    """One row per (anchor day, dims) with the counters: the union of the anchors."""
    has_fee = (
        "(jsonb_typeof(d.terms->'fees') = 'array' AND jsonb_array_length(d.terms->'fees') > 0 "
        "AND coalesce(d.terms->>'fee_mode', '') <> 'free')"
    )
    zero = dict.fromkeys(COUNTERS, "0")

    def select(day: str, where: str, **values: str) -> str:
        cols = {**zero, **values}
        return (
            f"SELECT {day} AS day, d.handling_agency_id AS agency_id, d.procedure_id, "
            "p.field_id, CASE p.level WHEN 'province' THEN 1 WHEN 'commune' THEN 2 ELSE 0 END "
            "AS level, d.channel, "
            + ", ".join(f"({cols[c]})::bigint AS {c}" for c in COUNTERS)
            + " FROM dossiers_dossier d JOIN procedures_procedure p ON p.id = d.procedure_id "
            + f"WHERE {where}{agency_filter}"
        )

    in_process = "d.status IN ('received','processing','supplement_requested','awaiting_payment')"
    finished = "d.status IN ('withdrawn','result_ready','returned')"
    resolved = "d.status IN ('result_ready','returned')"
    late = "d.due_at IS NOT NULL AND d.finished_at > d.due_at"
    early = (
        f"NOT ({late}) AND d.due_at IS NOT NULL "
        f"AND {_local('d.finished_at')} < {_local('d.due_at')}"
    )
    parts = [
        select(
            _local("d.submitted_at"),
            "d.submitted_at IS NOT NULL",
            submitted="1",
            pending="(d.received_at IS NULL AND d.status IN ('new','supplement_requested'))::int",
        ),
        select(
            _local("d.received_at"),
            "d.received_at IS NOT NULL",
            received="1",
            digitised="d.is_digitised::int",
            reused="d.is_reused::int",
            with_fee=f"{has_fee}::int",
            paid_online=f"(d.paid_online AND {has_fee})::int",
            in_process=f"({in_process})::int",
            paused="(d.status IN ('supplement_requested','awaiting_payment'))::int",
        ),
        select(
            _local("d.finished_at"),
            f"d.finished_at IS NOT NULL AND d.received_at IS NOT NULL AND {finished}",
            finished="1",
            late=f"({late})::int",
            early=f"({early})::int",
            on_time=f"(NOT ({late}) AND NOT ({early}))::int",
            withdrawn="(d.status = 'withdrawn')::int",
            resolved=f"({resolved})::int",
            e_result=f"({resolved} AND d.has_e_result)::int",
            processing_days=(
                f"GREATEST(0, (SELECT w.ordinal FROM {WORKDAY} w WHERE w.day = "
                f"{_local('d.finished_at')}) - (SELECT w.ordinal FROM {WORKDAY} w WHERE w.day = "
                f"{_local('d.received_at')}))"
            ),
        ),
        select(
            _local("d.finished_at"),
            "d.finished_at IS NOT NULL AND d.status = 'not_received'",
            refused_receipt="1",
        ),
        select(
            _local("d.finished_at"),
            "d.finished_at IS NOT NULL AND d.status = 'stopped'",
            stopped="1",
        ),
        select(
            _local("d.returned_at"),
            "d.returned_at IS NOT NULL AND d.status = 'returned'",
            returned="1",
        ),
    ]
    return "\nUNION ALL\n".join(parts)


def _sync_sql(agency_filter: str, limit_seconds: float, topic_param: str = "%s") -> str:
    zero = dict.fromkeys(COUNTERS, "0")
    cols = {
        **zero,
        "sync_events": "1",
        "sync_on_time": (
            "(m.status = 'sent' AND m.sent_at IS NOT NULL AND "
            f"extract(epoch FROM m.sent_at - m.created_at) <= {float(limit_seconds)})::int"
        ),
    }
    return (
        f"SELECT {_local('m.created_at')} AS day, d.handling_agency_id AS agency_id, "
        "d.procedure_id, p.field_id, CASE p.level WHEN 'province' THEN 1 WHEN 'commune' THEN 2 "
        "ELSE 0 END AS level, d.channel, "
        + ", ".join(f"({cols[c]})::bigint AS {c}" for c in COUNTERS)
        + " FROM outbox_outboxmessage m "
        "JOIN dossiers_dossier d ON d.id = (m.reference->>'dossier')::bigint "
        "JOIN procedures_procedure p ON p.id = d.procedure_id "
        f"WHERE m.topic = {topic_param} AND m.reference ? 'dossier'{agency_filter}"
    )


MONTH = "date_trunc('month', day)::date"
YEAR = "date_trunc('year', day)::date"
GRAIN_SQL = {
    # grain: (period expression, agency, procedure, field) over the base table
    Grain.PROCEDURE_DAY: ("day", "agency_id", "procedure_id", "field_id"),
    Grain.PROCEDURE_MONTH: (MONTH, "agency_id", "procedure_id", "field_id"),
    Grain.PROCEDURE_YEAR: (YEAR, "agency_id", "procedure_id", "field_id"),
    Grain.FIELD_MONTH: (MONTH, "agency_id", "0", "field_id"),
    Grain.AGENCY_DAY: ("day", "agency_id", "0", "0"),
    Grain.AGENCY_MONTH: (MONTH, "agency_id", "0", "0"),
    Grain.PROVINCE_PROCEDURE_MONTH: (MONTH, "0", "procedure_id", "field_id"),
}


def recount_sql(
    target: str, agency_ids: Iterable[int] | None = None, extras: dict | None = None
) -> None:
    """Fill table `target` (with StatCell's columns, no id) from the raw rows (PostgreSQL);
    with `extras` ({"uses": table, "counts": table, "running": table}) those too."""
    agency_filter = ""
    params: list = []
    if agency_ids is not None:
        ids = ",".join(str(int(a)) for a in agency_ids) or "NULL"
        agency_filter = f" AND d.handling_agency_id IN ({ids})"
    sums = ", ".join(f"sum({c})::bigint AS {c}" for c in COUNTERS)
    with connection.cursor() as cursor:
        _fill_workdays(cursor)
        cursor.execute(f"DROP TABLE IF EXISTS {BASE}")
        cursor.execute(
            f"CREATE TEMP TABLE {BASE} AS SELECT day, agency_id, procedure_id, field_id, level, "
            f"channel, {sums} FROM ("
            + _base_sql(agency_filter)
            + "\nUNION ALL\n"
            + _sync_sql(agency_filter, handlers.sync_on_time_seconds())
            + ") anchors GROUP BY day, agency_id, procedure_id, field_id, level, channel",
            [*params, handlers.sync_topic()],
        )
        columns = ", ".join(list(KEY) + list(COUNTERS))
        sums_int = ", ".join(f"sum({c})" for c in COUNTERS)
        for grain, (period, agency, procedure, field_) in GRAIN_SQL.items():
            group_by = ", ".join(c for c in (period, agency, procedure, field_) if c != "0")
            cursor.execute(
                f"INSERT INTO {target} ({columns}) SELECT {int(grain)}, {period}, {agency}, "
                f"{procedure}, {field_}, level, channel, {sums_int} FROM {BASE} "
                f"GROUP BY {group_by}, level, channel"
            )
        if extras:
            _extras_sql(cursor, extras)
        cursor.execute(f"DROP TABLE IF EXISTS {BASE}")
        cursor.execute(f"DROP TABLE IF EXISTS {WORKDAY}")


USE_BASE = "indicators_tmp_use"
SPAN_SQL = {
    Span.DAY: "day",
    Span.MONTH: MONTH,
    Span.QUARTER: "date_trunc('quarter', day)::date",
    Span.YEAR: YEAR,
}
SCOPE_SQL = {Scope.PROVINCE: "0", Scope.AGENCY: "agency_id", Scope.COMMUNE: "unit_id"}
COMMUNE_TYPES = "('xa', 'phuong', 'dac_khu')"


def _extras_sql(cursor, extras: dict) -> None:
    """Flag rows, distinct counts and the running set from the base table (PostgreSQL)."""
    cursor.execute(f"DROP TABLE IF EXISTS {USE_BASE}")
    cursor.execute(
        f"CREATE TEMP TABLE {USE_BASE} AS SELECT b.day, b.agency_id, b.procedure_id, "
        "u.id AS unit_id, sum(b.received) AS r, "
        f"sum(CASE WHEN b.channel = {tally.ONLINE} THEN b.received ELSE 0 END) AS o, "
        f"sum(b.with_fee) AS f, sum(b.paid_online) AS p FROM {BASE} b "
        "JOIN organisations_agency a ON a.id = b.agency_id "
        "LEFT JOIN organisations_administrativeunit u ON u.id = a.unit_id "
        f"AND u.unit_type IN {COMMUNE_TYPES} "
        "WHERE b.received <> 0 OR b.with_fee <> 0 OR b.paid_online <> 0 GROUP BY 1, 2, 3, 4"
    )
    uses = extras["uses"]
    for scope_kind, spans in tally.SCOPE_SPANS.items():
        scope_id = SCOPE_SQL[scope_kind]
        where = " WHERE unit_id IS NOT NULL" if scope_kind == Scope.COMMUNE else ""
        for span in spans:
            period = SPAN_SQL[span]
            cursor.execute(
                f"INSERT INTO {uses} ({', '.join(USE_KEY)}, {', '.join(USE_COUNTERS)}) "
                f"SELECT {int(scope_kind)}, {scope_id}, {int(span)}, {period}, procedure_id, "
                f"sum(r), sum(o), sum(f), sum(p) FROM {USE_BASE}{where} "
                f"GROUP BY {'' if scope_id == '0' else scope_id + ', '}{period}, procedure_id "
                "HAVING sum(r) <> 0 OR sum(o) <> 0 OR sum(f) <> 0 OR sum(p) <> 0"
            )
    cursor.execute(f"DROP TABLE IF EXISTS {USE_BASE}")
    full = "p.service_level = 'full'"
    cursor.execute(
        f"INSERT INTO {extras['counts']} ({', '.join(COUNT_KEY)}, {', '.join(COUNT_FIELDS)}) "
        "SELECT u.scope, u.scope_id, u.span, u.period, "
        "count(*) FILTER (WHERE u.received > 0), "
        f"count(*) FILTER (WHERE u.received > 0 AND {full}), "
        f"count(*) FILTER (WHERE u.received > 0 AND {full} AND u.online > 0), "
        "count(*) FILTER (WHERE u.received > 0 AND u.with_fee > 0), "
        "count(*) FILTER (WHERE u.received > 0 AND u.paid_online > 0) "
        f"FROM {uses} u JOIN procedures_procedure p ON p.id = u.procedure_id "
        "GROUP BY 1, 2, 3, 4 HAVING count(*) FILTER (WHERE u.received > 0) > 0"
    )
    cursor.execute(
        f"INSERT INTO {extras['running']} (dossier_id, {', '.join(RUNNING_FIELDS)}) "
        "SELECT d.id, d.handling_agency_id, d.procedure_id, p.field_id, "
        "CASE p.level WHEN 'province' THEN 1 WHEN 'commune' THEN 2 ELSE 0 END, d.channel, "
        "d.received_at, d.due_at FROM dossiers_dossier d "
        "JOIN procedures_procedure p ON p.id = d.procedure_id "
        "WHERE d.status IN ('received', 'processing')"
    )


EXTRA_TABLES = {
    "uses": (ProcedureUse, USE_KEY, USE_COUNTERS),
    "counts": (ProcedureCount, COUNT_KEY, COUNT_FIELDS),
    "running": (RunningDossier, ("dossier_id",), RUNNING_FIELDS),
}


def _bulk_extras(extras: dict[str, dict]) -> None:
    for name, (model, key, values) in EXTRA_TABLES.items():
        model.objects.bulk_create(
            (
                model(
                    **dict(zip(key, k if isinstance(k, tuple) else (k,), strict=True)),
                    **dict(zip(values, v, strict=True)),
                )
                for k, v in extras[name].items()
            ),
            batch_size=2000,
        )


# --- rebuild ----------------------------------------------------------------------------------
def rebuild(*, method: str | None = None) -> int:
    """Replace every cell by a recount from the raw rows, in one transaction. The table is
    locked against the handlers while it runs (their changes wait, then apply on top)."""
    method = method or ("sql" if is_postgres() else "python")
    table = StatCell._meta.db_table
    extras = {name: model._meta.db_table for name, (model, _k, _v) in EXTRA_TABLES.items()}
    tables = [table, *extras.values()]
    with transaction.atomic():
        if is_postgres():
            with connection.cursor() as cursor:
                for name in tables:
                    cursor.execute(f"LOCK TABLE {name} IN SHARE ROW EXCLUSIVE MODE")
                cursor.execute(f"TRUNCATE {', '.join(tables)}")
        else:
            StatCell.objects.all().delete()
            for model, _key, _values in EXTRA_TABLES.values():
                model.objects.all().delete()
        if method == "sql":
            recount_sql(table, extras=extras)
        else:
            cells = recount_python()
            StatCell.objects.bulk_create(
                (cell_from(key, counters) for key, counters in cells.items()), batch_size=2000
            )
            _bulk_extras(recount_extras_python())
    if is_postgres():
        with connection.cursor() as cursor:
            for name in tables:
                cursor.execute(f"ANALYZE {name}")
    return StatCell.objects.count()


def cell_from(key: tuple, counters: dict) -> StatCell:
    return StatCell(**dict(zip(KEY, key, strict=True)), **counters)


# --- verify -----------------------------------------------------------------------------------
@dataclass
class Difference:
    key: tuple
    stored: dict
    recounted: dict

    def describe(self) -> str:
        grain, period, agency, procedure, field_, level, channel = self.key
        changed = {
            c: (self.stored.get(c, 0), self.recounted.get(c, 0))
            for c in COUNTERS
            if self.stored.get(c, 0) != self.recounted.get(c, 0)
        }
        name = Grain(grain).name
        return (
            f"{name} {period} agency={agency} procedure={procedure} field={field_} "
            f"level={level} channel={channel}: "
            + ", ".join(f"{c} stored {a} != recount {b}" for c, (a, b) in changed.items())
        )


@dataclass
class ExtraDifference:
    """A differing row of the flag, distinct-count or running tables."""

    table: str
    key: tuple
    stored: tuple | None
    recounted: tuple | None

    def describe(self) -> str:
        model, key_names, value_names = EXTRA_TABLES[self.table]
        key = " ".join(f"{k}={v}" for k, v in zip(key_names, self.key, strict=True))

        def show(values):
            if values is None:
                return "absent"
            return ", ".join(f"{n}={v}" for n, v in zip(value_names, values, strict=True))

        return (
            f"{model.__name__} {key}: stored {show(self.stored)} != recount {show(self.recounted)}"
        )


@dataclass
class Report:
    cells_checked: int = 0
    differences: list[Difference] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.differences


def _in_scope(key, agency_ids, start, end) -> bool:
    if agency_ids is not None and key[2] not in agency_ids:
        return False
    period = key[1]
    if start is not None and period < _period_floor(key[0], start):
        return False
    return end is None or period <= end


def _period_floor(grain: int, day: date) -> date:
    if grain in (Grain.PROCEDURE_DAY, Grain.AGENCY_DAY):
        return day
    if grain == Grain.PROCEDURE_YEAR:
        return tally.year_of(day)
    return tally.month_of(day)


def _stored(agency_ids, start, end) -> Cells:
    queryset = StatCell.objects.all()
    if agency_ids is not None:
        queryset = queryset.filter(agency_id__in=list(agency_ids))
    if end is not None:
        queryset = queryset.filter(period__lte=end)
    out: Cells = {}
    for row in queryset.values(*KEY, *COUNTERS).iterator(chunk_size=5000):
        key = tuple(row[k] for k in KEY)
        if _in_scope(key, agency_ids, start, end):
            counters = {c: row[c] for c in COUNTERS if row[c]}
            if counters:
                out[key] = counters
    return out


def verify(
    *,
    agency_ids: Iterable[int] | None = None,
    start: date | None = None,
    end: date | None = None,
    method: str | None = None,
    limit: int = 1000,
) -> Report:
    """Recount from the raw rows and compare with the stored cells (zero cells = absent)."""
    method = method or ("sql" if is_postgres() else "python")
    wanted = set(agency_ids) if agency_ids is not None else None
    report = Report()
    if method == "sql":
        return _verify_sql(wanted, start, end, limit)
    recounted = {
        k: {c: v for c, v in counters.items() if v}
        for k, counters in recount_python(wanted).items()
        if _in_scope(k, wanted, start, end)
    }
    stored = _stored(wanted, start, end)
    keys = set(recounted) | set(stored)
    report.cells_checked = len(keys)
    for key in sorted(keys, key=lambda k: (k[0], k[1], *k[2:])):
        a, b = stored.get(key, {}), recounted.get(key, {})
        if a != b and len(report.differences) < limit:
            report.differences.append(Difference(key, a, b))
    stored_x, recounted_x = stored_extras(), recount_extras_python()
    for name in EXTRA_TABLES:
        a_rows, b_rows = stored_x[name], recounted_x[name]
        keys = {
            k
            for k in set(a_rows) | set(b_rows)
            if _extra_in_scope(name, k, a_rows, b_rows, wanted, start, end)
        }
        report.cells_checked += len(keys)
        for key in sorted(keys, key=str):
            a, b = a_rows.get(key), b_rows.get(key)
            if a != b and len(report.differences) < limit:
                report.differences.append(
                    ExtraDifference(name, key if isinstance(key, tuple) else (key,), a, b)
                )
    return report


def _span_floor(span: int, day: date) -> date:
    return tally.SPAN_START[Span(span)](day)


def _extra_in_scope(name, key, a_rows, b_rows, wanted, start, end) -> bool:
    if name == "running":
        if wanted is None:
            return True
        values = a_rows.get(key) or b_rows.get(key)
        return values[0] in wanted
    scope_kind, scope_id, span, period = key[:4]
    if wanted is not None and (scope_kind != Scope.AGENCY or scope_id not in wanted):
        return False
    if start is not None and period < _span_floor(span, start):
        return False
    return end is None or period <= end


def _verify_sql(wanted, start, end, limit) -> Report:
    table = StatCell._meta.db_table
    columns = ", ".join(f"{c} bigint NOT NULL DEFAULT 0" for c in COUNTERS)
    report = Report()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {RECOUNT}")
        cursor.execute(
            f"CREATE TEMP TABLE {RECOUNT} (grain smallint, period date, agency_id integer, "
            f"procedure_id integer, field_id integer, level smallint, channel smallint, {columns})"
        )
        extras = {}
        for name, (model, key, values) in EXTRA_TABLES.items():
            temp = f"indicators_tmp_{name}"
            extras[name] = temp
            cursor.execute(f"DROP TABLE IF EXISTS {temp}")
            cursor.execute(
                f"CREATE TEMP TABLE {temp} AS SELECT {', '.join([*key, *values])} "
                f"FROM {model._meta.db_table} WITH NO DATA"
            )
        # The extras are recounted for the whole province (a commune or the province spans
        # agencies); the comparison is limited below.
        recount_sql(RECOUNT, None, extras=extras)
        conditions = []
        if wanted is not None:
            conditions.append(f"agency_id IN ({','.join(str(int(a)) for a in wanted) or 'NULL'})")
        if end is not None:
            conditions.append(f"period <= '{end.isoformat()}'::date")
        if start is not None:
            conditions.append(
                "period >= CASE WHEN grain IN (1, 4) THEN '{d}'::date WHEN grain = 7 THEN "
                "date_trunc('year', '{d}'::date)::date ELSE date_trunc('month', '{d}'::date)::date "
                "END".format(d=start.isoformat())
            )
        where = (" WHERE " + " AND ".join(conditions)) if conditions else ""
        key = ", ".join(KEY)
        counters = ", ".join(COUNTERS)
        nonzero = " OR ".join(f"{c} <> 0" for c in COUNTERS)
        scoped = f"SELECT {key}, {counters} FROM {{t}}{where}"
        stored_sql = scoped.format(t=table)
        recount_sql_ = scoped.format(t=RECOUNT)
        join = " AND ".join(f"s.{k} = r.{k}" for k in KEY)
        differs = " OR ".join(f"coalesce(s.{c}, 0) <> coalesce(r.{c}, 0)" for c in COUNTERS)
        cursor.execute(
            f"WITH s AS ({stored_sql}), r AS ({recount_sql_}) "
            f"SELECT count(*) FROM (SELECT {key} FROM s WHERE {nonzero} UNION "
            f"SELECT {key} FROM r WHERE {nonzero}) k"
        )
        report.cells_checked = cursor.fetchone()[0]
        select_cols = ", ".join(
            [f"coalesce(s.{k}, r.{k})" for k in KEY]
            + [f"coalesce(s.{c}, 0)" for c in COUNTERS]
            + [f"coalesce(r.{c}, 0)" for c in COUNTERS]
        )
        cursor.execute(
            f"WITH s AS ({stored_sql}), r AS ({recount_sql_}) SELECT {select_cols} "
            f"FROM s FULL OUTER JOIN r ON {join} WHERE {differs} "
            f"ORDER BY 1, 2, 3, 4, 5, 6, 7 LIMIT {int(limit)}"
        )
        n = len(KEY)
        m = len(COUNTERS)
        for row in cursor.fetchall():
            stored = {c: v for c, v in zip(COUNTERS, row[n : n + m], strict=True) if v}
            recounted = {c: v for c, v in zip(COUNTERS, row[n + m :], strict=True) if v}
            report.differences.append(Difference(tuple(row[:n]), stored, recounted))
        cursor.execute(f"DROP TABLE IF EXISTS {RECOUNT}")
        for name, temp in extras.items():
            _compare_extra_sql(cursor, report, name, temp, wanted, start, end, limit)
            cursor.execute(f"DROP TABLE IF EXISTS {temp}")
    return report


def _compare_extra_sql(cursor, report, name, temp, wanted, start, end, limit) -> None:
    model, key, values = EXTRA_TABLES[name]
    table = model._meta.db_table
    conditions = []
    if name == "running":
        if wanted is not None:
            conditions.append(f"agency_id IN ({','.join(str(int(a)) for a in wanted) or 'NULL'})")
        nonzero = "TRUE"
    else:
        nonzero = " OR ".join(f"{c} <> 0" for c in values)
        if wanted is not None:
            conditions.append(
                f"scope = {int(Scope.AGENCY)} AND "
                f"scope_id IN ({','.join(str(int(a)) for a in wanted) or 'NULL'})"
            )
        if end is not None:
            conditions.append(f"period <= '{end.isoformat()}'::date")
        if start is not None:
            d = start.isoformat()
            conditions.append(
                f"period >= CASE span WHEN {int(Span.DAY)} THEN '{d}'::date "
                f"WHEN {int(Span.MONTH)} THEN date_trunc('month', '{d}'::date)::date "
                f"WHEN {int(Span.QUARTER)} THEN date_trunc('quarter', '{d}'::date)::date "
                f"ELSE date_trunc('year', '{d}'::date)::date END"
            )
    where = " AND ".join([f"({nonzero})", *conditions])
    columns = ", ".join([*key, *values])
    stored_sql = f"SELECT {columns} FROM {table} WHERE {where}"
    recount_sql_ = f"SELECT {columns} FROM {temp} WHERE {where}"
    join = " AND ".join(f"s.{k} = r.{k}" for k in key)
    stored_row = f"ROW({', '.join('s.' + c for c in values)})"
    recount_row = f"ROW({', '.join('r.' + c for c in values)})"
    cursor.execute(
        f"WITH s AS ({stored_sql}), r AS ({recount_sql_}) SELECT count(*), "
        f"count(*) FILTER (WHERE s.{key[0]} IS NULL OR r.{key[0]} IS NULL "
        f"OR {stored_row} IS DISTINCT FROM {recount_row}) FROM s FULL OUTER JOIN r ON {join}"
    )
    checked, differing = cursor.fetchone()
    report.cells_checked += checked
    room = max(0, limit - len(report.differences))
    if not differing or not room:
        if differing:  # keep `ok` false even when the list is full
            report.differences.append(ExtraDifference(name, (), None, None))
        return
    select = ", ".join(
        [f"coalesce(s.{k}, r.{k})" for k in key]
        + [f"s.{c}" for c in values]
        + [f"r.{c}" for c in values]
        + [f"s.{key[0]} IS NULL", f"r.{key[0]} IS NULL"]
    )
    cursor.execute(
        f"WITH s AS ({stored_sql}), r AS ({recount_sql_}) SELECT {select} "
        f"FROM s FULL OUTER JOIN r ON {join} WHERE s.{key[0]} IS NULL OR r.{key[0]} IS NULL "
        f"OR {stored_row} IS DISTINCT FROM {recount_row} ORDER BY 1 LIMIT {int(room)}"
    )
    n, m = len(key), len(values)
    for row in cursor.fetchall():
        stored = None if row[-2] else tuple(row[n : n + m])
        recounted = None if row[-1] else tuple(row[n + m : n + 2 * m])
        report.differences.append(ExtraDifference(name, tuple(row[:n]), stored, recounted))


__all__ = ["Report", "rebuild", "recount_python", "recount_sql", "verify"]
