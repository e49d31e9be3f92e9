# SQL here is built from constants (table and column names, integer ids, ISO dates); every
# value from outside is a parameter.
# ruff: noqa: S608
"""The set-based recount and comparison on PostgreSQL: the same rules as `tally` (a test checks
`recount_sql` against `recount.recount_python`), in `INSERT … SELECT … GROUP BY` statements over
temporary tables — minutes for 10M dossiers.

- `recount_sql(target, agency_ids, extras)` — fill a table shaped like the cells (and, given
  `extras`, tables shaped like the flag rows, the distinct counts and the running set);
- `recount_temp(cursor)` — the whole province recounted into temporary tables;
- `differing_cells(...)` / `differing_rows(...)` — the stored rows that differ from them.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from django.db import connection

from core.calendar import get_calendar

from . import handlers, tally
from .models import (
    COUNT_FIELDS,
    COUNT_KEY,
    COUNTERS,
    EXTRA_TABLES,
    KEY,
    RUNNING_FIELDS,
    USE_COUNTERS,
    USE_KEY,
    Grain,
    Scope,
    Span,
    StatCell,
)


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


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

    def select(day: str, where: str, join: str = "", **values: str) -> str:
        cols = {**zero, **values}
        return (
            f"SELECT {day} AS day, d.handling_agency_id AS agency_id, d.procedure_id, "
            "p.field_id, CASE p.level WHEN 'province' THEN 1 WHEN 'commune' THEN 2 ELSE 0 END "
            "AS level, d.channel, "
            + ", ".join(f"({cols[c]})::bigint AS {c}" for c in COUNTERS)
            + " FROM dossiers_dossier d JOIN procedures_procedure p ON p.id = d.procedure_id "
            + join
            + f"WHERE {where}{agency_filter}"
        )

    in_process = "d.status IN ('received','processing','supplement_requested','awaiting_payment')"
    finished = "d.status IN ('withdrawn','result_ready','returned')"
    resolved = "d.status IN ('result_ready','returned')"
    late = "d.due_at IS NOT NULL AND d.finished_at > d.due_at"
    rating = "r.level"  # the rated dossiers only: joined on the rating's unique dossier key
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
        # Satisfaction ratings (tally.rating_contribution), on the day the dossier finished.
        select(
            _local("d.finished_at"),
            "d.finished_at IS NOT NULL",
            join="JOIN satisfaction_rating r ON r.dossier_id = d.id ",
            rated_very_satisfied=f"({rating} = 'very_satisfied')::int",
            rated_satisfied=f"({rating} = 'satisfied')::int",
            rated_not_satisfied=f"({rating} = 'not_satisfied')::int",
            unsatisfied_in_time=(
                f"({rating} = 'not_satisfied' AND {finished} AND d.received_at IS NOT NULL "
                f"AND NOT ({late}))::int"
            ),
        ),
        # Finished in time, not rated "not satisfied", drew feedback once finished
        # (indicators/feedback.py), on the day the dossier finished.
        select(
            _local("d.finished_at"),
            f"d.finished_at IS NOT NULL AND d.received_at IS NOT NULL AND {finished} "
            f"AND NOT ({late}) AND NOT EXISTS (SELECT 1 FROM satisfaction_rating r "
            "WHERE r.dossier_id = d.id AND r.level = 'not_satisfied') AND EXISTS (SELECT 1 "
            "FROM feedback_feedback fb WHERE fb.dossier_id = d.id "
            "AND fb.received_at >= d.finished_at)",
            feedback_dossiers_in_time="1",
        ),
    ]
    return "\nUNION ALL\n".join(parts)


def _feedback_sql(agency_filter: str) -> str:
    """Each feedback on the day it was received (indicators/feedback.py): its agency, its
    procedure (0 without one; the level then from the agency: a commune's 2, else 1), channel 0."""
    zero = dict.fromkeys(COUNTERS, "0")
    handled = "f.handled_at IS NOT NULL"
    cols = {
        **zero,
        "feedback_received": "1",
        "feedback_on_time": f"({handled} AND f.handled_at <= f.original_due_at)::int",
        "feedback_late": f"({handled} AND f.handled_at > f.original_due_at)::int",
        "feedback_satisfied": (
            f"({handled} AND f.verdict <> 'not_satisfied' AND f.reopen_count = 0)::int"
        ),
        "feedback_not_satisfied": "(f.verdict = 'not_satisfied')::int",
    }
    return (
        f"SELECT {_local('f.received_at')} AS day, f.agency_id, "
        "coalesce(f.procedure_id, 0) AS procedure_id, coalesce(p.field_id, 0) AS field_id, "
        "CASE WHEN p.id IS NOT NULL THEN (CASE p.level WHEN 'province' THEN 1 "
        "WHEN 'commune' THEN 2 ELSE 0 END) WHEN u.id IS NOT NULL THEN 2 ELSE 1 END AS level, "
        "0 AS channel, "
        + ", ".join(f"({cols[c]})::bigint AS {c}" for c in COUNTERS)
        + " FROM feedback_feedback f "
        "LEFT JOIN procedures_procedure p ON p.id = f.procedure_id "
        "JOIN organisations_agency a ON a.id = f.agency_id "
        "LEFT JOIN organisations_administrativeunit u ON u.id = a.unit_id "
        f"AND u.unit_type IN {COMMUNE_TYPES} WHERE TRUE{agency_filter}"
    )


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
        f"WHERE m.topic = {topic_param} AND m.reference ? 'dossier' "
        f"AND m.reference->>'action' IS DISTINCT FROM '{handlers.REPAIR}'{agency_filter}"
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
    agency_filter = feedback_filter = ""
    params: list = []
    if agency_ids is not None:
        ids = ",".join(str(int(a)) for a in agency_ids) or "NULL"
        agency_filter = f" AND d.handling_agency_id IN ({ids})"
        feedback_filter = f" AND f.agency_id IN ({ids})"
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
            + "\nUNION ALL\n"
            + _feedback_sql(feedback_filter)
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
        "count(*) FILTER (WHERE u.received > 0 AND u.paid_online > 0), "
        "count(*) FILTER (WHERE u.received > 0 AND u.with_fee > 0 AND p.online_payment) "
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


# --- comparing with the stored tables ----------------------------------------------------------
def recount_temp(cursor) -> tuple[str, dict[str, str]]:
    """Recount the whole province into temporary tables (dropped with `drop`): the cells' table
    and {extra table's name: its temporary table}. The extras span agencies (a commune, the
    province), so the recount is never limited to some agencies; the comparison is."""
    columns = ", ".join(f"{c} bigint NOT NULL DEFAULT 0" for c in COUNTERS)
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
    recount_sql(RECOUNT, None, extras=extras)
    return RECOUNT, extras


def drop(cursor, *tables: str) -> None:
    for table in tables:
        cursor.execute(f"DROP TABLE IF EXISTS {table}")


def _ids(agency_ids) -> str:
    return ",".join(str(int(a)) for a in agency_ids) or "NULL"


def differing_cells(
    cursor, recount: str, wanted, start: date | None, end: date | None, limit: int
) -> tuple[int, list[tuple[tuple, dict, dict]]]:
    """The cells of `wanted` agencies (None: all) and days compared with table `recount`: how
    many (non-zero on either side), and up to `limit` differing ones as (key, stored counters,
    recounted counters), zeros left out."""
    conditions = []
    if wanted is not None:
        conditions.append(f"agency_id IN ({_ids(wanted)})")
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
    stored_sql = scoped.format(t=StatCell._meta.db_table)
    recount_sql_ = scoped.format(t=recount)
    join = " AND ".join(f"s.{k} = r.{k}" for k in KEY)
    differs = " OR ".join(f"coalesce(s.{c}, 0) <> coalesce(r.{c}, 0)" for c in COUNTERS)
    cursor.execute(
        f"WITH s AS ({stored_sql}), r AS ({recount_sql_}) "
        f"SELECT count(*) FROM (SELECT {key} FROM s WHERE {nonzero} UNION "
        f"SELECT {key} FROM r WHERE {nonzero}) k"
    )
    checked = cursor.fetchone()[0]
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
    rows = []
    for row in cursor.fetchall():
        stored = {c: v for c, v in zip(COUNTERS, row[n : n + m], strict=True) if v}
        recounted = {c: v for c, v in zip(COUNTERS, row[n + m :], strict=True) if v}
        rows.append((tuple(row[:n]), stored, recounted))
    return checked, rows


def differing_rows(
    cursor, name: str, temp: str, wanted, start: date | None, end: date | None, limit: int
) -> tuple[int, int, list[tuple[tuple, tuple | None, tuple | None]]]:
    """The rows of extra table `name` compared with table `temp`, limited to `wanted` agencies
    (None: all; the agency scope only) and days: how many, how many differ, and up to `limit`
    of those as (key, stored values, recounted values), None where the row is absent."""
    model, key, values = EXTRA_TABLES[name]
    table = model._meta.db_table
    conditions = []
    if name == "running":
        if wanted is not None:
            conditions.append(f"agency_id IN ({_ids(wanted)})")
        nonzero = "TRUE"
    else:
        nonzero = " OR ".join(f"{c} <> 0" for c in values)
        if wanted is not None:
            conditions.append(f"scope = {int(Scope.AGENCY)} AND scope_id IN ({_ids(wanted)})")
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
    if not differing or not limit:
        return checked, differing, []
    select = ", ".join(
        [f"coalesce(s.{k}, r.{k})" for k in key]
        + [f"s.{c}" for c in values]
        + [f"r.{c}" for c in values]
        + [f"s.{key[0]} IS NULL", f"r.{key[0]} IS NULL"]
    )
    cursor.execute(
        f"WITH s AS ({stored_sql}), r AS ({recount_sql_}) SELECT {select} "
        f"FROM s FULL OUTER JOIN r ON {join} WHERE s.{key[0]} IS NULL OR r.{key[0]} IS NULL "
        f"OR {stored_row} IS DISTINCT FROM {recount_row} ORDER BY 1 LIMIT {int(limit)}"
    )
    n, m = len(key), len(values)
    rows = []
    for row in cursor.fetchall():
        stored = None if row[-2] else tuple(row[n : n + m])
        recounted = None if row[-1] else tuple(row[n + m : n + 2 * m])
        rows.append((tuple(row[:n]), stored, recounted))
    return checked, differing, rows


__all__ = [
    "differing_cells",
    "differing_rows",
    "drop",
    "is_postgres",
    "recount_sql",
    "recount_temp",
]
