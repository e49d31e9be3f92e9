"""The two maintenance operations behind `rebuild_stats` and `verify_stats`.

- `rebuild()` — replace the cells, the flag rows, the distinct counts and the running set by a
  recount from the raw rows, in one transaction;
- `verify()` — recount and compare with what is stored: a `Report` of the differing cells and
  rows (`Difference`, `ExtraDifference`).

Both recount with set-based SQL on PostgreSQL (`recount_sql`) and in Python elsewhere
(`recount`); `method` picks one explicitly.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from django.db import connection, transaction

from . import recount_sql, tally
from .models import COUNTERS, EXTRA_TABLES, KEY, Grain, Scope, Span, StatCell
from .recount import Cells, recount_extras_python, recount_python, stored_extras


def default_method() -> str:
    """ "sql" on PostgreSQL, "python" elsewhere."""
    return "sql" if recount_sql.is_postgres() else "python"


# --- rebuild ----------------------------------------------------------------------------------
def rebuild(*, method: str | None = None) -> int:
    """Replace every cell by a recount from the raw rows, in one transaction. The table is
    locked against the handlers while it runs (their changes wait, then apply on top)."""
    method = method or default_method()
    table = StatCell._meta.db_table
    extras = {name: model._meta.db_table for name, (model, _k, _v) in EXTRA_TABLES.items()}
    tables = [table, *extras.values()]
    with transaction.atomic():
        if recount_sql.is_postgres():
            with connection.cursor() as cursor:
                for name in tables:
                    cursor.execute(f"LOCK TABLE {name} IN SHARE ROW EXCLUSIVE MODE")
                cursor.execute(f"TRUNCATE {', '.join(tables)}")
        else:
            StatCell.objects.all().delete()
            for model, _key, _values in EXTRA_TABLES.values():
                model.objects.all().delete()
        if method == "sql":
            recount_sql.recount_sql(table, extras=extras)
        else:
            cells = recount_python()
            StatCell.objects.bulk_create(
                (cell_from(key, counters) for key, counters in cells.items()), batch_size=2000
            )
            _bulk_extras(recount_extras_python())
    if recount_sql.is_postgres():
        with connection.cursor() as cursor:
            for name in tables:
                cursor.execute(f"ANALYZE {name}")
    return StatCell.objects.count()


def cell_from(key: tuple, counters: dict) -> StatCell:
    return StatCell(**dict(zip(KEY, key, strict=True)), **counters)


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
    differences: list[Difference | ExtraDifference] = field(default_factory=list)

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
    method = method or default_method()
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
    report = Report()
    with transaction.atomic(), connection.cursor() as cursor:
        recount, extras = recount_sql.recount_temp(cursor)
        report.cells_checked, rows = recount_sql.differing_cells(
            cursor, recount, wanted, start, end, limit
        )
        report.differences.extend(Difference(*row) for row in rows)
        recount_sql.drop(cursor, recount)
        for name, temp in extras.items():
            room = max(0, limit - len(report.differences))
            checked, differing, rows = recount_sql.differing_rows(
                cursor, name, temp, wanted, start, end, room
            )
            report.cells_checked += checked
            report.differences.extend(ExtraDifference(name, *row) for row in rows)
            if differing and not room:  # keep `ok` false even when the list is full
                report.differences.append(ExtraDifference(name, (), None, None))
            recount_sql.drop(cursor, temp)
    return report


__all__ = ["Difference", "ExtraDifference", "Report", "default_method", "rebuild", "verify"]
