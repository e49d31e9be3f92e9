"""The measures: the sums of the pre-aggregated counters behind every figure and score.

- `Filters`, `Period` — what to count (agency subtree, field, procedure, level, channel) and
  when (a local day, month, quarter or year);
- `measures(filters, period, group=None)` — the counter sums (`models.COUNTERS`), plus
  `received_online` (and `received_<channel>` when ungrouped), the point-in-time counts from
  the running set (`overdue`, `backlog_*`) and the distinct-procedure counts
  (`PROCEDURE_NAMES`), optionally grouped by agency, commune, day or month;
- `ratio(numerator, denominator)` — the rate every figure and score uses.

Which cells a query reads, and why it is fast: docs/indicators.md.
"""

# SQL in `_procedure_counts` is built from constants; values are parameters.
# ruff: noqa: S608

from __future__ import annotations

import calendar as pycalendar
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db import connection
from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncDate, TruncMonth
from django.utils import timezone

from core.calendar import LOCAL_TZ
from dossiers.models import Channel

from . import feedback, scope
from .models import (
    COUNT_FIELDS,
    COUNTERS,
    Grain,
    ProcedureCount,
    RunningDossier,
    Scope,
    Span,
    StatCell,
)
from .tally import LEVELS, ONLINE

PERIODS = ("day", "month", "quarter", "year")
STEPS = ("day", "month")
GROUPS = ("agency", "commune")
# The channels by the names the API uses for them (KenhThucHien 1, 2, 3).
CHANNELS = {Channel.IN_PERSON: "in_person", Channel.ONLINE: "online", Channel.POST: "post"}


# --- what and when ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Filters:
    agencies: frozenset[int] | None = None  # None: the whole province
    field: int | None = None
    procedures: frozenset[int] | None = None  # every version of one procedure code
    level: str | None = None  # "province" | "commune"
    channel: int | None = None


@dataclass(frozen=True)
class Period:
    kind: str
    start: date
    end: date  # inclusive

    @classmethod
    def of(cls, kind: str, day: date) -> Period:
        if kind == "day":
            return cls(kind, day, day)
        if kind == "month":
            start = day.replace(day=1)
        elif kind == "quarter":
            start = date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
        elif kind == "year":
            start = date(day.year, 1, 1)
        else:
            raise ValueError(kind)
        months = {"month": 1, "quarter": 3, "year": 12}[kind]
        last_month = start.month + months - 1
        end = date(start.year, last_month, pycalendar.monthrange(start.year, last_month)[1])
        return cls(kind, start, end)

    @property
    def label(self) -> str:
        if self.kind == "day":
            return self.start.strftime("%d/%m/%Y")
        if self.kind == "month":
            return self.start.strftime("%m/%Y")
        if self.kind == "quarter":
            return f"Q{(self.start.month - 1) // 3 + 1}/{self.start.year}"
        return str(self.start.year)

    def instants(self) -> tuple[datetime, datetime]:
        """[start, end) as aware instants: local midnight to local midnight."""
        return (
            datetime.combine(self.start, time(), tzinfo=LOCAL_TZ),
            datetime.combine(self.end + timedelta(days=1), time(), tzinfo=LOCAL_TZ),
        )

    def as_dict(self) -> dict:
        return {
            "kind": self.kind,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "label": self.label,
        }


# --- which cells ------------------------------------------------------------------------------
def _grain(f: Filters, *, day: bool, grouped_by_agency: bool) -> Grain:
    if f.procedures is not None:
        if day:
            return Grain.PROCEDURE_DAY
        if f.agencies is None and not grouped_by_agency:
            return Grain.PROVINCE_PROCEDURE_MONTH
        return Grain.PROCEDURE_MONTH
    if f.field is not None:
        return Grain.PROCEDURE_DAY if day else Grain.FIELD_MONTH
    return Grain.AGENCY_DAY if day else Grain.AGENCY_MONTH


def _cells(grain: Grain, f: Filters, start: date | None, end: date | None):
    queryset = StatCell.objects.filter(grain=grain)
    if start is not None:
        queryset = queryset.filter(period__gte=start)
    if end is not None:
        queryset = queryset.filter(period__lte=end)
    if f.agencies is not None and grain != Grain.PROVINCE_PROCEDURE_MONTH:
        queryset = queryset.filter(agency_id__in=sorted(f.agencies))
    if f.procedures is not None:
        queryset = queryset.filter(procedure_id__in=sorted(f.procedures))
    if f.field is not None:
        queryset = queryset.filter(field_id=f.field)
    if f.level is not None:
        queryset = queryset.filter(level=LEVELS[f.level])
    if f.channel is not None:
        queryset = queryset.filter(channel=f.channel)
    return queryset


SUMS = {c: Sum(c) for c in COUNTERS}


_SKIP = object()  # a row outside every group (an agency that is not a commune's)


def _regroup(rows, key_of) -> dict:
    out: dict = defaultdict(lambda: defaultdict(int))
    for row in rows:
        key = key_of(row)
        if key is _SKIP:
            continue
        for c in COUNTERS:
            out[key][c] += row[c] or 0
    return out


def _key_of(group: str | None, tree):
    if group is None:
        return lambda row: None
    if group == "agency":
        return lambda row: row["agency_id"]
    if group == "commune":

        def commune(row):
            unit = tree.unit_of(row["agency_id"])
            return _SKIP if unit is None else unit

        return commune
    return lambda row: row["period"]


# --- the sums behind the figures ----------------------------------------------------------------
def measures(
    f: Filters, period: Period, *, group: str | None = None, now: datetime | None = None
) -> dict:
    """Counter sums per group (None when ungrouped), with the point-in-time counts (the backlog
    from the cells, overdue from the running set) and the distinct-procedure counts."""
    now = now or timezone.now()
    tree = scope.tree()
    day = period.kind == "day" or group == "day"
    by_agency = group in ("agency", "commune")
    grain = _grain(f, day=day, grouped_by_agency=by_agency)
    key_of = _key_of(group, tree)
    fields = {None: [], "agency": ["agency_id"], "commune": ["agency_id"]}.get(group, ["period"])

    flows = _cells(grain, f, period.start, period.end)
    if group is None and f.channel is None:
        rows = flows.values("channel").annotate(**SUMS)
        by_channel = {row["channel"]: row for row in rows}
        out = _regroup(by_channel.values(), key_of)
        out.setdefault(None, defaultdict(int))
        for ch, name in CHANNELS.items():
            out[None][f"received_{name}"] = (by_channel.get(ch) or {}).get("received") or 0
    else:
        rows = flows.values(*fields).annotate(**SUMS) if fields else [flows.aggregate(**SUMS)]
        out = _regroup(rows, key_of)
        online = flows.filter(channel=ONLINE).values(*fields).annotate(r=Sum("received"))
        online_rows = (
            online
            if fields
            else [{"r": flows.filter(channel=ONLINE).aggregate(r=Sum("received"))["r"]}]
        )
        for row in online_rows:
            key = key_of(row)
            if key is not _SKIP:
                out[key]["received_online"] += row["r"] or 0

    # The backlog now: every open dossier in scope, whatever its receipt date.
    if group in (None, "agency", "commune"):
        backlog_grain = _grain(f, day=False, grouped_by_agency=by_agency)
        backlog = _cells(backlog_grain, f, None, None)
        sums = {"in_process": Sum("in_process"), "paused": Sum("paused"), "pending": Sum("pending")}
        rows = backlog.values(*fields).annotate(**sums) if fields else [backlog.aggregate(**sums)]
        for row in rows:
            key = key_of(row)
            if key is _SKIP:
                continue
            cell = out[key]
            cell["backlog_in_process"] += row["in_process"] or 0
            cell["backlog_paused"] += row["paused"] or 0
            cell["backlog_pending"] += row["pending"] or 0

    _overdue(out, f, period, group, key_of, now, tree)
    _procedure_counts(out, f, period, group, tree)
    # Feedback (PAKN, docs/feedback.md): counters of the cells; the index's names for them.
    feedback.feedback_measures(out)
    return {k: dict(v) for k, v in out.items()}


# --- the running set --------------------------------------------------------------------------
def _running(f: Filters):
    """The running set (`RunningDossier`, kept with the counters) filtered like the cells."""
    queryset = RunningDossier.objects.all()
    if f.agencies is not None:
        queryset = queryset.filter(agency_id__in=sorted(f.agencies))
    if f.procedures is not None:
        queryset = queryset.filter(procedure_id__in=sorted(f.procedures))
    if f.field is not None:
        queryset = queryset.filter(field_id=f.field)
    if f.level is not None:
        queryset = queryset.filter(level=LEVELS[f.level])
    if f.channel is not None:
        queryset = queryset.filter(channel=f.channel)
    return queryset


def _overdue(out, f: Filters, period: Period, group, key_of, now, tree) -> None:
    """Overdue now: the clock runs and the due date has passed (the running set, index
    `running_due`). `overdue` = those received in the period; `backlog_overdue` = all of them."""
    start, end = period.instants()
    queryset = _running(f).filter(due_at__lt=now)
    in_period = Q(received_at__gte=start, received_at__lt=end)
    if group in ("agency", "commune"):
        rows = queryset.values("agency_id").annotate(
            all=Count("dossier_id"), cohort=Count("dossier_id", filter=in_period)
        )
        for row in rows:
            key = key_of({"agency_id": row["agency_id"]})
            if key is _SKIP:
                continue
            out[key]["overdue"] += row["cohort"]
            out[key]["backlog_overdue"] += row["all"]
        return
    if group in ("day", "month"):
        trunc = (TruncDate if group == "day" else TruncMonth)("received_at", tzinfo=LOCAL_TZ)
        rows = queryset.filter(in_period).annotate(k=trunc).values("k").annotate(n=Count("pk"))
        for row in rows:
            k = row["k"].date() if isinstance(row["k"], datetime) else row["k"]
            out[k]["overdue"] += row["n"]
        return
    row = queryset.aggregate(all=Count("pk"), cohort=Count("pk", filter=in_period))
    out[None]["overdue"] += row["cohort"]
    out[None]["backlog_overdue"] += row["all"]


# --- distinct procedures ----------------------------------------------------------------------
PROCEDURE_NAMES = (
    "procedures_active",
    "full_active",
    "full_online",
    "fee_procedures",
    "paid_procedures",
    "offered_procedures",
)
SPANS = {"day": Span.DAY, "month": Span.MONTH, "quarter": Span.QUARTER, "year": Span.YEAR}


def _counted(out, f: Filters, period: Period, group, tree) -> bool:
    """Distinct-procedure counts from the maintained `ProcedureCount` rows, when the query
    has a row for it (no field / procedure / level / channel filter; the province, one agency,
    every agency or every commune). False: read the cells instead."""
    if (f.field, f.procedures, f.level, f.channel) != (None, None, None, None):
        return False
    single = f.agencies is not None and len(f.agencies) == 1
    if group in ("day", "month"):
        span, start, end = SPANS[group], period.start, period.end
    else:
        span, start, end = SPANS[period.kind], period.start, period.start
    if group in (None, "day", "month"):
        if f.agencies is None:
            scope_kind, ids = Scope.PROVINCE, [0]
        elif single:
            scope_kind, ids = Scope.AGENCY, sorted(f.agencies)
        else:
            return False
    elif group == "agency":
        scope_kind, ids = Scope.AGENCY, None if f.agencies is None else sorted(f.agencies)
    elif group == "commune" and f.agencies is None and span != Span.DAY:
        scope_kind, ids = Scope.COMMUNE, None
    else:
        return False
    rows = ProcedureCount.objects.filter(
        scope=scope_kind, span=span, period__gte=start, period__lte=end
    )
    if ids is not None:
        rows = rows.filter(scope_id__in=ids)
    communes = tree.commune_units() if group == "commune" else None
    for row in rows.values_list("scope_id", "period", *COUNT_FIELDS):
        if group is None:
            key = None
        elif group in ("agency", "commune"):
            key = row[0]
            if communes is not None and key not in communes:
                continue
        else:
            key = row[1]
        cell = out[key]
        for name, value in zip(PROCEDURE_NAMES, row[2:], strict=True):
            cell[name] = cell.get(name, 0) + int(value or 0)
    return True


def _procedure_grain(f: Filters, period: Period, group) -> tuple[Grain, date, date]:
    if period.kind == "day" or group == "day":
        return Grain.PROCEDURE_DAY, period.start, period.end
    if f.agencies is None and group in (None, "month"):
        return Grain.PROVINCE_PROCEDURE_MONTH, period.start, period.end
    if period.kind == "year" and group not in ("month",):
        return Grain.PROCEDURE_YEAR, period.start, period.end
    return Grain.PROCEDURE_MONTH, period.start, period.end


def _procedure_counts(out, f: Filters, period: Period, group, tree) -> None:
    """Distinct procedures with dossiers received in the period (per group): all, toàn trình,
    toàn trình with an online dossier, with fees, with a dossier paid online, with fees and
    online payment offered."""
    if _counted(out, f, period, group, tree):
        return
    grain, start, end = _procedure_grain(f, period, group)
    table = StatCell._meta.db_table
    where = ["c.grain = %s", "c.period >= %s", "c.period <= %s"]
    params: list = [int(grain), start, end]
    if f.agencies is not None and grain != Grain.PROVINCE_PROCEDURE_MONTH:
        where.append(f"c.agency_id IN ({', '.join(['%s'] * len(f.agencies)) or 'NULL'})")
        params.extend(sorted(f.agencies))
    if f.procedures is not None:
        where.append(f"c.procedure_id IN ({', '.join(['%s'] * len(f.procedures)) or 'NULL'})")
        params.extend(sorted(f.procedures))
    if f.field is not None:
        where.append("c.field_id = %s")
        params.append(f.field)
    if f.level is not None:
        where.append("c.level = %s")
        params.append(LEVELS[f.level])
    if f.channel is not None:
        where.append("c.channel = %s")
        params.append(f.channel)
    gcol = {None: "0", "agency": "c.agency_id", "commune": "a.unit_id"}.get(group, "c.period")
    join = " JOIN organisations_agency a ON a.id = c.agency_id" if group == "commune" else ""
    sql = (
        "SELECT x.g, "
        "count(*), "
        "sum(CASE WHEN p.service_level = 'full' THEN 1 ELSE 0 END), "
        "sum(CASE WHEN p.service_level = 'full' AND x.online > 0 THEN 1 ELSE 0 END), "
        "sum(CASE WHEN x.with_fee > 0 THEN 1 ELSE 0 END), "
        "sum(CASE WHEN x.paid > 0 THEN 1 ELSE 0 END), "
        "sum(CASE WHEN x.with_fee > 0 AND p.online_payment THEN 1 ELSE 0 END) "
        f"FROM (SELECT {gcol} AS g, c.procedure_id, sum(c.received) AS received, "
        f"sum(CASE WHEN c.channel = {int(ONLINE)} THEN c.received ELSE 0 END) AS online, "
        "sum(c.with_fee) AS with_fee, sum(c.paid_online) AS paid "
        f"FROM {table} c{join} WHERE {' AND '.join(where)} "
        f"GROUP BY {'' if group is None else gcol + ', '}c.procedure_id "
        "HAVING sum(c.received) > 0) x "
        "JOIN procedures_procedure p ON p.id = x.procedure_id GROUP BY x.g"
    )
    names = PROCEDURE_NAMES
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    communes = tree.commune_units() if group == "commune" else set()
    for row in rows:
        g = row[0]
        if group is None:
            key = None
        elif group == "agency":
            key = g
        elif group == "commune":
            if g not in communes:
                continue
            key = g
        else:
            key = g if isinstance(g, date) else date.fromisoformat(str(g))
        cell = out[key]
        for name, value in zip(names, row[1:], strict=True):
            cell[name] = cell.get(name, 0) + int(value or 0)


# --- rates ------------------------------------------------------------------------------------
def ratio(numerator, denominator) -> float | None:
    """numerator / denominator rounded to 4 places; None when the base is 0."""
    return round(numerator / denominator, 4) if denominator else None


def in_process_within_time(m) -> int:
    """Of the period's cohort still in process, those not overdue (paused ones included:
    their clock is stopped)."""
    return max(m["in_process"] - m["overdue"], 0)


__all__ = [
    "CHANNELS",
    "GROUPS",
    "PERIODS",
    "PROCEDURE_NAMES",
    "STEPS",
    "Filters",
    "Period",
    "in_process_within_time",
    "measures",
    "ratio",
]
