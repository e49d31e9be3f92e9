"""The figures: counts and rates of a period and scope, read from the measures.

- `figures(m)` — counts, the backlog now, rates, the average processing time and the
  distinct-procedure counts of one group of `measures.measures()`;
- `indicators(filters, period)` — those of the scope, with the period and the catalogue's
  coverage (`catalogue_coverage`) — the answer of `GET /api/v1/stats/indicators`;
- `series(filters, period, step)` — the figures and the Decision 766 total per day or month;
- `TARGETS` — the province's targets shown beside the rates.

Formulas and dates: docs/indicators.md.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from django.db.models import Count

from procedures.models import Procedure, ProcedureStatus, ServiceLevel

from .index766 import scores
from .measures import CHANNELS, Filters, Period, in_process_within_time, measures, ratio

# Targets shown beside the figures (docs/domain.md §6, the seeds of the province).
TARGETS = {
    "online_rate": 0.874,
    "e_result_rate": 0.8577,
    "digitisation_rate": 0.832,
    "reuse_rate": 0.8047,
    "on_time_rate": 1.0,
}


def figures(m: dict) -> dict:
    """Counts, backlog, rates (None on a zero base) and procedures of one group of measures."""
    g = defaultdict(int, m)
    in_process = g["in_process"]
    within = in_process_within_time(g)
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
        # Satisfaction ratings of the dossiers finished in the period (issue 14 §3).
        "ratings": {
            "very_satisfied": g["rated_very_satisfied"],
            "satisfied": g["rated_satisfied"],
            "not_satisfied": g["rated_not_satisfied"],
            "total": g["rated_very_satisfied"] + g["rated_satisfied"] + g["rated_not_satisfied"],
            "not_satisfied_rate": ratio(
                g["rated_not_satisfied"],
                g["rated_very_satisfied"] + g["rated_satisfied"] + g["rated_not_satisfied"],
            ),
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
            "with_fees_offering_online_payment": g["offered_procedures"],
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
    """The figures of the scope and period, with the period and the catalogue's coverage."""
    m = measures(f, period, now=now).get(None, {})
    result = figures(m)
    result["period"] = period.as_dict()
    result["catalogue"] = catalogue_coverage(f, online_full=m.get("full_online", 0))
    return result


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


__all__ = ["TARGETS", "catalogue_coverage", "figures", "indicators", "series"]
