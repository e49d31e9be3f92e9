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

from dossiers.models import Dossier
from onecua.calendar import get_calendar
from onecua.models import OutboxMessage

from . import handlers, tally
from .models import COUNTERS, KEY, Grain, StatCell

Cells = dict[tuple, dict[str, int]]


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


# --- the generic recount -----------------------------------------------------------------------
def recount_python(agency_ids: Iterable[int] | None = None, batch: int = 2000) -> Cells:
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
    return tally.expand(base)


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
        + " FROM onecua_outboxmessage m "
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


def recount_sql(target: str, agency_ids: Iterable[int] | None = None) -> None:
    """Fill table `target` (with StatCell's columns, no id) from the raw rows (PostgreSQL)."""
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
        cursor.execute(f"DROP TABLE IF EXISTS {BASE}")
        cursor.execute(f"DROP TABLE IF EXISTS {WORKDAY}")


# --- rebuild ----------------------------------------------------------------------------------
def rebuild(*, method: str | None = None) -> int:
    """Replace every cell by a recount from the raw rows, in one transaction. The table is
    locked against the handlers while it runs (their changes wait, then apply on top)."""
    method = method or ("sql" if is_postgres() else "python")
    table = StatCell._meta.db_table
    with transaction.atomic():
        if is_postgres():
            with connection.cursor() as cursor:
                cursor.execute(f"LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE")
                cursor.execute(f"TRUNCATE {table}")
        else:
            StatCell.objects.all().delete()
        if method == "sql":
            recount_sql(table)
        else:
            cells = recount_python()
            StatCell.objects.bulk_create(
                (cell_from(key, counters) for key, counters in cells.items()), batch_size=2000
            )
    if is_postgres():
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {table}")
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
    return report


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
        recount_sql(RECOUNT, wanted)
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
    return report


__all__ = ["Report", "rebuild", "recount_python", "recount_sql", "verify"]
