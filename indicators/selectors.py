"""The figures and the Decision 766 scores, read from the pre-aggregated cells.

Plain functions (the API and the dashboard call them):

- `Filters`, `Period` — what to count (agency subtree, field, procedure, level, channel) and
  when (a local day, month, quarter or year);
- `measures(filters, period, group=None)` — the raw sums behind every figure, optionally
  grouped by agency, commune, day or month;
- `figures(m)` / `indicators(filters, period)` — counts and rates (section 1 of the issue);
- `scores(m)` / `index766(filters, period)` — the 766 groups with maxima and sub-indicators;
- `ranking(filters, period, by="agency"|"commune")`, `series(filters, period, step)`;
- `catalogue_coverage(filters)`, `overdue_dossiers(...)`, `due_today_dossiers(...)`.

Formulas and dates: docs/indicators.md.
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
from dossiers.models import Dossier
from procedures.models import Procedure, ProcedureStatus, ServiceLevel

from . import scope
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
from .tally import LEVELS

RUNNING = ("received", "processing")
PERIODS = ("day", "month", "quarter", "year")
STEPS = ("day", "month")
GROUPS = ("agency", "commune")
ONLINE = 2
CHANNELS = {1: "in_person", 2: "online", 3: "post"}

# Targets shown beside the figures (docs/domain.md §6, the seeds of the province).
TARGETS = {
    "online_rate": 0.874,
    "e_result_rate": 0.8577,
    "digitisation_rate": 0.832,
    "reuse_rate": 0.8047,
    "on_time_rate": 1.0,
}


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


def _dossiers(f: Filters):
    queryset = Dossier.objects.all()
    if f.agencies is not None:
        queryset = queryset.filter(handling_agency_id__in=sorted(f.agencies))
    if f.procedures is not None:
        queryset = queryset.filter(procedure_id__in=sorted(f.procedures))
    if f.field is not None:
        queryset = queryset.filter(procedure__field_id=f.field)
    if f.level is not None:
        queryset = queryset.filter(procedure__level=f.level)
    if f.channel is not None:
        queryset = queryset.filter(channel=f.channel)
    return queryset


SUMS = {c: Sum(c) for c in COUNTERS}


def _regroup(rows, key_of) -> dict:
    out: dict = defaultdict(lambda: defaultdict(int))
    for row in rows:
        key = key_of(row)
        if key is _SKIP:
            continue
        for c in COUNTERS:
            out[key][c] += row[c] or 0
    return out


_SKIP = object()


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
    """Counter sums per group (None when ungrouped), with the point-in-time counts (backlog and
    overdue, from the dossier table) and the distinct-procedure counts."""
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
    return {k: dict(v) for k, v in out.items()}


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


PROCEDURE_NAMES = (
    "procedures_active",
    "full_active",
    "full_online",
    "fee_procedures",
    "paid_procedures",
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
    toàn trình with an online dossier, with fees, with a dossier paid online."""
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
        "sum(CASE WHEN x.paid > 0 THEN 1 ELSE 0 END) "
        f"FROM (SELECT {gcol} AS g, c.procedure_id, sum(c.received) AS received, "
        f"sum(CASE WHEN c.channel = {ONLINE} THEN c.received ELSE 0 END) AS online, "
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


# --- figures ----------------------------------------------------------------------------------
def ratio(numerator, denominator) -> float | None:
    return round(numerator / denominator, 4) if denominator else None


def figures(m: dict) -> dict:
    g = defaultdict(int, m)
    in_process = g["in_process"]
    within = max(in_process - g["overdue"], 0)
    backlog_within = max(g["backlog_in_process"] - g["backlog_overdue"], 0)
    finished_in_time = g["early"] + g["on_time"]
    return {
        "counts": {
            "submitted": g["submitted"],
            "received": g["received"],
            "received_by_channel": {
                name: g[f"received_{name}"] for name in CHANNELS.values() if f"received_{name}" in g
            },
            "received_online": g["received_online"],
            "in_process": in_process,
            "in_process_within_time": within,
            "in_process_overdue": g["overdue"],
            "paused": g["paused"],
            "finished": g["finished"],
            "finished_early": g["early"],
            "finished_on_time": g["on_time"],
            "finished_late": g["late"],
            "withdrawn": g["withdrawn"],
            "resolved": g["resolved"],
            "returned": g["returned"],
            "refused_receipt": g["refused_receipt"],
            "stopped": g["stopped"],
            "digitised": g["digitised"],
            "reused": g["reused"],
            "e_result": g["e_result"],
            "with_fee": g["with_fee"],
            "paid_online": g["paid_online"],
            "sync_events": g["sync_events"],
            "sync_on_time": g["sync_on_time"],
        },
        "backlog": {
            "in_process": g["backlog_in_process"],
            "within_time": backlog_within,
            "overdue": g["backlog_overdue"],
            "paused": g["backlog_paused"],
            "awaiting_receipt": g["backlog_pending"],
        },
        "rates": {
            "online_rate": ratio(g["received_online"], g["received"]),
            "on_time_rate": ratio(finished_in_time, g["finished"]),
            "e_result_rate": ratio(g["e_result"], g["resolved"]),
            "digitisation_rate": ratio(g["digitised"], g["received"]),
            "reuse_rate": ratio(g["reused"], g["received"]),
            "paid_online_rate": ratio(g["paid_online"], g["with_fee"]),
            "synced_on_time_rate": ratio(g["sync_on_time"], g["sync_events"]),
        },
        "average_processing_days": (
            round(g["processing_days"] / g["finished"], 2) if g["finished"] else None
        ),
        "procedures": {
            "with_dossiers": g["procedures_active"],
            "full_with_dossiers": g["full_active"],
            "full_with_online_dossiers": g["full_online"],
            "with_fees": g["fee_procedures"],
            "with_online_payment": g["paid_procedures"],
        },
        "targets": TARGETS,
    }


def catalogue_coverage(f: Filters | None = None, *, online_full: int | None = None) -> dict:
    """Published procedures by service level (885 / 1,183 / 67 for the shipped catalogue),
    filtered by field / level / procedure; and, given the number of toàn trình procedures that
    received online dossiers, their share of the toàn trình catalogue."""
    f = f or Filters()
    queryset = Procedure.objects.filter(status=ProcedureStatus.PUBLISHED)
    if f.field is not None:
        queryset = queryset.filter(field_id=f.field)
    if f.level is not None:
        queryset = queryset.filter(level=f.level)
    if f.procedures is not None:
        queryset = queryset.filter(pk__in=sorted(f.procedures))
    counts = dict(queryset.values_list("service_level").annotate(n=Count("id")))
    by_level = {level: counts.get(level, 0) for level in ServiceLevel.values}
    result = {"by_service_level": by_level, "total": sum(by_level.values())}
    if online_full is not None:
        result["full_with_online_dossiers"] = online_full
        result["full_with_online_dossiers_share"] = ratio(online_full, by_level["full"])
    return result


def indicators(f: Filters, period: Period, *, now: datetime | None = None) -> dict:
    m = measures(f, period, now=now).get(None, {})
    result = figures(m)
    result["period"] = period.as_dict()
    result["catalogue"] = catalogue_coverage(f, online_full=m.get("full_online", 0))
    return result


# --- Decision 766 ------------------------------------------------------------------------------
def _item(key, label, maximum, numerator=None, denominator=None, *, target=None, reason=None):
    """One sub-indicator: points = maximum × min(1, rate / target); no dossiers → full points
    (nothing to fall short on), flagged `no_data`; `reason` → not computable."""
    if reason is not None:
        return {
            "key": key,
            "label": label,
            "max": maximum,
            "points": None,
            "computable": False,
            "reason": reason,
        }
    rate = ratio(numerator, denominator)
    if rate is None:
        points = float(maximum)
    else:
        points = maximum * min(1.0, (numerator / denominator) / (target or 1.0))
    return {
        "key": key,
        "label": label,
        "max": maximum,
        "points": round(points, 2),
        "computable": True,
        "numerator": numerator,
        "denominator": denominator,
        "rate": rate,
        "target": target,
        "no_data": rate is None,
    }


def _group(key, label, maximum, items, reason=None) -> dict:
    computable = [i for i in items if i["computable"]]
    return {
        "key": key,
        "label": label,
        "max": maximum,
        "computable_max": sum(i["max"] for i in computable),
        "points": round(sum(i["points"] for i in computable), 2) if computable else None,
        "computable": bool(computable),
        "complete": len(computable) == len(items),
        "reason": reason,
        "items": items,
    }


def scores(m: dict) -> dict:
    from django.utils.translation import gettext as _

    g = defaultdict(int, m)
    within = max(g["in_process"] - g["overdue"], 0)
    not_yet = _("Chưa có dữ liệu trong hệ thống")
    groups = [
        _group(
            "transparency",
            _("Công khai, minh bạch"),
            18,
            [
                _item(
                    "sync_on_time",
                    _("Đồng bộ hồ sơ lên Cổng DVCQG kịp thời"),
                    6,
                    g["sync_on_time"],
                    g["sync_events"],
                ),
                _item(
                    "publication",
                    _("Công khai thủ tục, tiến độ và kết quả trên Cổng DVCQG"),
                    12,
                    reason=_("Chấm trên Cổng DVCQG; hệ thống tỉnh không có số liệu này"),
                ),
            ],
        ),
        _group(
            "progress",
            _("Tiến độ giải quyết"),
            20,
            [
                _item(
                    "on_time",
                    _("Hồ sơ giải quyết trước hạn, đúng hạn và đang giải quyết trong hạn"),
                    20,
                    g["early"] + g["on_time"] + within,
                    g["finished"] + g["in_process"],
                )
            ],
        ),
        _group(
            "online_service",
            _("Dịch vụ công trực tuyến"),
            12,
            [
                _item(
                    "full_share",
                    _("Tỷ lệ thủ tục có phát sinh hồ sơ được cung cấp trực tuyến toàn trình"),
                    4,
                    g["full_active"],
                    g["procedures_active"],
                ),
                _item(
                    "full_used",
                    _("Tỷ lệ thủ tục toàn trình có phát sinh hồ sơ trực tuyến"),
                    4,
                    g["full_online"],
                    g["full_active"],
                ),
                _item(
                    "online_rate",
                    _("Tỷ lệ hồ sơ nộp trực tuyến"),
                    4,
                    g["received_online"],
                    g["received"],
                ),
            ],
        ),
        _group(
            "online_payment",
            _("Thanh toán trực tuyến"),
            10,
            [
                _item(
                    "paid_online",
                    _("Tỷ lệ hồ sơ thanh toán trực tuyến trên hồ sơ có phí, lệ phí"),
                    6,
                    g["paid_online"],
                    g["with_fee"],
                ),
                _item(
                    "offered",
                    _("Thủ tục có phí được triển khai thanh toán trực tuyến"),
                    2,
                    reason=_("Danh mục chưa ghi thủ tục nào đã tích hợp nền tảng thanh toán"),
                ),
                _item(
                    "used",
                    _("Thủ tục có phí có phát sinh thanh toán trực tuyến"),
                    2,
                    g["paid_procedures"],
                    g["fee_procedures"],
                ),
            ],
        ),
        _group(
            "satisfaction",
            _("Mức độ hài lòng"),
            18,
            [
                _item(
                    "survey",
                    _("Đánh giá của người dân, doanh nghiệp"),
                    18,
                    reason=_("Chưa có chức năng đánh giá mức độ hài lòng"),
                )
            ],
            reason=not_yet,
        ),
        _group(
            "digitisation",
            _("Số hóa hồ sơ"),
            22,
            [
                _item("e_result", _("Tỷ lệ cấp kết quả điện tử"), 6, g["e_result"], g["resolved"]),
                _item(
                    "digitised",
                    _("Tỷ lệ số hóa hồ sơ, kết quả (mục tiêu 80%)"),
                    4,
                    g["digitised"],
                    g["received"],
                    target=0.8,
                ),
                _item(
                    "reused",
                    _("Tỷ lệ khai thác, sử dụng lại dữ liệu số hóa (đủ điểm từ 80%)"),
                    2,
                    g["reused"],
                    g["received"],
                    target=0.8,
                ),
                _item(
                    "population_data",
                    _("Khai thác Cơ sở dữ liệu quốc gia về dân cư"),
                    5,
                    reason=_("Chưa kết nối Cơ sở dữ liệu quốc gia về dân cư"),
                ),
                _item(
                    "e_copies",
                    _("Chứng thực bản sao điện tử, kho dữ liệu điện tử"),
                    5,
                    reason=_("Chưa có số liệu chứng thực điện tử"),
                ),
            ],
        ),
    ]
    computed = [grp for grp in groups if grp["computable"]]
    total = round(sum(grp["points"] for grp in computed), 2)
    computable_max = sum(grp["computable_max"] for grp in computed)
    return {
        "groups": groups,
        "total": total,
        "max": 100,
        "computable_max": computable_max,
        "percent_of_computable": round(100 * total / computable_max, 2) if computable_max else None,
        "not_computable": [
            {"group": grp["key"], "item": item["key"], "max": item["max"], "reason": item["reason"]}
            for grp in groups
            for item in grp["items"]
            if not item["computable"]
        ],
    }


def index766(f: Filters, period: Period, *, now: datetime | None = None) -> dict:
    m = measures(f, period, now=now).get(None, {})
    result = scores(m)
    result["period"] = period.as_dict()
    return result


def ranking(
    f: Filters, period: Period, *, by: str = "agency", now: datetime | None = None
) -> list[dict]:
    """Agencies (or communes) in scope ranked by their 766 total (ties share a rank)."""
    tree = scope.tree()
    grouped = measures(f, period, group=by, now=now)
    rows = []
    units = {}
    if by != "agency":
        from organisations.models import AdministrativeUnit

        units = {
            u["pk"]: u
            for u in AdministrativeUnit.objects.filter(
                pk__in=[k for k in grouped if k is not None]
            ).values("pk", "name", "code")
        }
    for key, m in grouped.items():
        if key is None:
            continue
        s = scores(m)
        if by == "agency":
            name, code = tree.name(key), tree.code(key)
        else:
            unit = units.get(key, {})
            name, code = unit.get("name", ""), str(unit.get("code", ""))
        rows.append(
            {
                "id": key,
                "code": code,
                "name": name,
                "total": s["total"],
                "computable_max": s["computable_max"],
                "groups": {grp["key"]: grp["points"] for grp in s["groups"]},
                "received": m.get("received", 0),
            }
        )
    rows.sort(key=lambda r: (-r["total"], r["code"]))
    rank, previous = 0, None
    for position, row in enumerate(rows, start=1):
        if row["total"] != previous:
            rank, previous = position, row["total"]
        row["rank"] = rank
    return rows


def series(f: Filters, period: Period, step: str, *, now: datetime | None = None) -> list[dict]:
    """The figures and the 766 total per day or month of the period (for charts)."""
    grouped = measures(f, period, group=step, now=now)
    out = []
    for key in sorted(k for k in grouped if k is not None):
        m = grouped[key]
        fig = figures(m)
        out.append(
            {
                "period": key.isoformat(),
                "received": fig["counts"]["received"],
                "finished": fig["counts"]["finished"],
                "rates": fig["rates"],
                "index766_total": scores(m)["total"],
            }
        )
    return out


# --- lists for the operations centre ---------------------------------------------------------
def overdue_dossiers(f: Filters, *, now: datetime | None = None, limit: int = 50):
    """Running dossiers past their due date, most overdue first."""
    now = now or timezone.now()
    return (
        _dossiers(f)
        .filter(status__in=RUNNING, due_at__lt=now)
        .select_related("procedure", "handling_agency")
        .order_by("due_at", "id")[:limit]
    )


def due_today_dossiers(f: Filters, *, now: datetime | None = None, limit: int = 50):
    """Running dossiers due between now and the end of the local day."""
    now = now or timezone.now()
    end = datetime.combine(
        timezone.localtime(now, LOCAL_TZ).date() + timedelta(days=1), time(), tzinfo=LOCAL_TZ
    )
    return (
        _dossiers(f)
        .filter(status__in=RUNNING, due_at__gte=now, due_at__lt=end)
        .select_related("procedure", "handling_agency")
        .order_by("due_at", "id")[:limit]
    )


__all__ = [
    "TARGETS",
    "Filters",
    "Period",
    "catalogue_coverage",
    "due_today_dossiers",
    "figures",
    "index766",
    "indicators",
    "measures",
    "overdue_dossiers",
    "ranking",
    "scores",
    "series",
]
