"""The Decision 766 score: a table of sub-indicators and one evaluator.

The index of Decision 766/QĐ-TTg has six groups worth 100 points. `GROUPS` declares the groups
and `ITEMS` every sub-indicator, one row each; `scores(m)` — the only evaluator — turns the table
and one group of `measures.measures()` into the answer of `GET /api/v1/stats/index766`
(`index766()`), the ranking (`ranking()`), the 766 total of the series (`figures.series`) and the
dashboard's table. No formula lives anywhere else.

A row (`Item`) names its group, key, Vietnamese label, maximum and either a numerator and a
denominator (with an optional target) or the reason it cannot be computed:

- rate = numerator / denominator; points = max × min(1, rate / target), target 1 unless given;
- no data (a denominator of 0, "không phát sinh") → the full points, flagged `no_data`;
- not computable (`reason`) → no points, the reason shown, and the row's maximum left out of
  `computable_max` (what can be earned today; `percent_of_computable` = total / that).

A numerator or denominator is the name of a measure (a key of `measures.measures()`: the
counters of `models.COUNTERS`, `received_online`, `overdue`, the distinct-procedure counts of
`measures.PROCEDURE_NAMES`), a small function of the measures, or a tuple of those (their sum).

**Scoring a new sub-indicator is adding (or replacing) its row, nothing else** — e.g. the
satisfaction survey, once answers are counted, replaces its not-computable row with
`Item("satisfaction", "survey", _("…"), 18, "satisfied", "surveyed")` (and its group drops the
`reason` saying it has no data yet). The API, the ranking, the series and the dashboard follow.
A quantity the measures do not hold yet is first a counter (`models.COUNTERS`,
`tally.contribution`, the set-based recount in `recount_sql`); the row is then the only change
here. A group's maximum is the sum of its rows' and the groups sum to 100
(tests/indicators/test_index766_table.py checks the table).
Formulas and sources: docs/indicators.md, "Decision 766".
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from organisations.models import AdministrativeUnit

from . import scope
from .measures import Filters, Period, in_process_within_time, measures, ratio

Term = str | Callable[[Mapping[str, int]], int]  # a measure's name, or a function of them
Measure = Term | tuple[Term, ...]  # a term, or the sum of several


@dataclass(frozen=True)
class Group:
    key: str
    label: Promise
    maximum: int
    reason: Promise | None = None  # why the group as a whole has no data yet
    # A rule that moves points between the group's rows for given measures (the satisfaction
    # group's split when a unit has no feedback): rows, measures -> rows.
    adjust: Callable[[tuple, Mapping[str, int]], tuple] | None = None


@dataclass(frozen=True)
class Item:
    """One sub-indicator: `numerator` and `denominator`, or `reason` (not computable)."""

    group: str
    key: str
    label: Promise
    maximum: int
    numerator: Measure | None = None
    denominator: Measure | None = None
    target: float | None = None  # the rate that earns the full points (None: 1)
    reason: Promise | None = None


GROUPS = (
    Group("transparency", _("Công khai, minh bạch"), 18),
    Group("progress", _("Tiến độ giải quyết"), 20),
    Group("online_service", _("Dịch vụ công trực tuyến"), 12),
    Group("online_payment", _("Thanh toán trực tuyến"), 10),
    Group(
        "satisfaction",
        _("Mức độ hài lòng"),
        18,
        adjust=lambda rows, m: split_without_feedback(rows, m),
    ),
    Group("digitisation", _("Số hóa hồ sơ"), 22),
)

ITEMS = (
    # --- transparency (18) ---
    Item(
        "transparency",
        "sync_on_time",
        _("Đồng bộ hồ sơ lên Cổng DVCQG kịp thời"),
        6,
        "sync_on_time",
        "sync_events",
    ),
    Item(
        "transparency",
        "publication",
        _("Công khai thủ tục, tiến độ và kết quả trên Cổng DVCQG"),
        12,
        reason=_("Chấm trên Cổng DVCQG; hệ thống tỉnh không có số liệu này"),
    ),
    # --- progress (20): the Decision's "finished + in process" as the base; both in-process
    # terms are the period's cohort ---
    Item(
        "progress",
        "on_time",
        _("Hồ sơ giải quyết trước hạn, đúng hạn và đang giải quyết trong hạn"),
        20,
        ("early", "on_time", in_process_within_time),
        ("finished", "in_process"),
    ),
    # --- online service (12): equal sub-weights are an assumption (not in our sources) ---
    Item(
        "online_service",
        "full_share",
        _("Tỷ lệ thủ tục có phát sinh hồ sơ được cung cấp trực tuyến toàn trình"),
        4,
        "full_active",
        "procedures_active",
    ),
    Item(
        "online_service",
        "full_used",
        _("Tỷ lệ thủ tục toàn trình có phát sinh hồ sơ trực tuyến"),
        4,
        "full_online",
        "full_active",
    ),
    Item(
        "online_service",
        "online_rate",
        _("Tỷ lệ hồ sơ nộp trực tuyến"),
        4,
        "received_online",
        "received",
    ),
    # --- online payment (10) ---
    Item(
        "online_payment",
        "paid_online",
        _("Tỷ lệ hồ sơ thanh toán trực tuyến trên hồ sơ có phí, lệ phí"),
        6,
        "paid_online",
        "with_fee",
    ),
    Item(
        "online_payment",
        "offered",
        _("Thủ tục có phí được triển khai thanh toán trực tuyến"),
        2,
        "offered_procedures",
        "fee_procedures",
    ),
    Item(
        "online_payment",
        "used",
        _("Thủ tục có phí có phát sinh thanh toán trực tuyến"),
        2,
        "paid_procedures",
        "fee_procedures",
    ),
    # --- satisfaction (18), as the national portal scores it (docs/indicators.md cites the
    # source of each row; feedback reads indicators.feedback, zero until PAKN exists) ---
    Item(
        "satisfaction",
        "feedback_on_time",
        _("Phản ánh, kiến nghị được xử lý đúng hạn"),
        6,
        "feedback_on_time",
        "feedback",
    ),
    Item(
        "satisfaction",
        "feedback_satisfied",
        _("Phản ánh, kiến nghị được xử lý hài lòng (không khiếu nại lại)"),
        6,
        "feedback_satisfied",
        "feedback",
    ),
    Item(
        "satisfaction",
        "dossiers_satisfied",
        _(
            "Hồ sơ tiếp nhận, giải quyết không có đánh giá không hài lòng, phản ánh hoặc trễ hạn "
            "(đủ điểm từ 90%)"
        ),
        6,
        lambda m: (
            m["finished"] - m["late"] - m["unsatisfied_in_time"] - m["feedback_dossiers_in_time"]
        ),
        "finished",
        target=0.9,
    ),
    # --- digitisation (22) ---
    Item(
        "digitisation",
        "e_result",
        _("Tỷ lệ cấp kết quả điện tử"),
        6,
        "e_result",
        "resolved",
    ),
    Item(
        "digitisation",
        "digitised",
        _("Tỷ lệ số hóa hồ sơ, kết quả (mục tiêu 80%)"),
        4,
        "digitised",
        "received",
        target=0.8,
    ),
    Item(
        "digitisation",
        "reused",
        _("Tỷ lệ khai thác, sử dụng lại dữ liệu số hóa (đủ điểm từ 80%)"),
        2,
        "reused",
        "received",
        target=0.8,
    ),
    Item(
        "digitisation",
        "population_data",
        _("Khai thác Cơ sở dữ liệu quốc gia về dân cư"),
        5,
        reason=_("Chưa kết nối Cơ sở dữ liệu quốc gia về dân cư"),
    ),
    Item(
        "digitisation",
        "e_copies",
        _("Chứng thực bản sao điện tử, kho dữ liệu điện tử"),
        5,
        reason=_("Chưa có số liệu chứng thực điện tử"),
    ),
)

MAXIMUM = sum(group.maximum for group in GROUPS)  # 100


def split_without_feedback(rows: tuple, m: Mapping[str, int]) -> tuple:
    """The satisfaction group when the unit had no feedback (`feedback` = 0): the 6 points of
    "feedback handled to the applicant's satisfaction" cannot be earned on anything, so they are
    split evenly between "feedback handled on time" (full: nothing was late) and the dossier
    item (scored on its ratio): 9 + 9 × min(1, ratio / 0.9). Source and reading:
    docs/indicators.md, "Decision 766", satisfaction."""
    if m["feedback"] != 0:
        return rows
    by_key = {row.key: row for row in rows}
    moved = by_key["feedback_satisfied"].maximum
    half = moved // 2
    adjusted = {
        "feedback_on_time": replace(
            by_key["feedback_on_time"], maximum=by_key["feedback_on_time"].maximum + moved - half
        ),
        "feedback_satisfied": replace(by_key["feedback_satisfied"], maximum=0),
        "dossiers_satisfied": replace(
            by_key["dossiers_satisfied"], maximum=by_key["dossiers_satisfied"].maximum + half
        ),
    }
    return tuple(adjusted.get(row.key, row) for row in rows)


# --- the evaluator ------------------------------------------------------------------------------
def value(measure: Measure, m: Mapping[str, int]) -> int:
    """A numerator or denominator of a row, read from the measures (absent measures are 0)."""
    if isinstance(measure, tuple):
        return sum(value(term, m) for term in measure)
    if callable(measure):
        return measure(m)
    return m[measure]


def _item(row: Item, m: Mapping[str, int]) -> dict:
    if row.reason is not None:
        return {
            "key": row.key,
            "label": str(row.label),
            "max": row.maximum,
            "points": None,
            "computable": False,
            "reason": str(row.reason),
        }
    numerator, denominator = value(row.numerator, m), value(row.denominator, m)
    rate = ratio(numerator, denominator)
    if rate is None:
        points = float(row.maximum)  # no data: nothing to fall short on
    else:
        points = row.maximum * min(1.0, (numerator / denominator) / (row.target or 1.0))
    return {
        "key": row.key,
        "label": str(row.label),
        "max": row.maximum,
        "points": round(points, 2),
        "computable": True,
        "numerator": numerator,
        "denominator": denominator,
        "rate": rate,
        "target": row.target,
        "no_data": rate is None,
    }


def _group(group: Group, items: list[dict]) -> dict:
    computable = [i for i in items if i["computable"]]
    return {
        "key": group.key,
        "label": str(group.label),
        "max": group.maximum,
        "computable_max": sum(i["max"] for i in computable),
        "points": round(sum(i["points"] for i in computable), 2) if computable else None,
        "computable": bool(computable),
        "complete": len(computable) == len(items),
        "reason": None if group.reason is None else str(group.reason),
        "items": items,
    }


def scores(m: Mapping[str, int]) -> dict:
    """The groups with their items and points, the total and what cannot be computed, for one
    group of measures."""
    g = defaultdict(int, m)
    groups = []
    for group in GROUPS:
        rows = tuple(row for row in ITEMS if row.group == group.key)
        if group.adjust is not None:
            rows = group.adjust(rows, g)
        groups.append(_group(group, [_item(row, g) for row in rows]))
    computed = [grp for grp in groups if grp["computable"]]
    total = round(sum(grp["points"] for grp in computed), 2)
    computable_max = sum(grp["computable_max"] for grp in computed)
    return {
        "groups": groups,
        "total": total,
        "max": MAXIMUM,
        "computable_max": computable_max,
        "percent_of_computable": round(100 * total / computable_max, 2) if computable_max else None,
        "not_computable": [
            {"group": grp["key"], "item": item["key"], "max": item["max"], "reason": item["reason"]}
            for grp in groups
            for item in grp["items"]
            if not item["computable"]
        ],
    }


# --- reading it -------------------------------------------------------------------------------
def index766(f: Filters, period: Period, *, now: datetime | None = None) -> dict:
    """The scores of the scope and period, with the period."""
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


__all__ = ["GROUPS", "ITEMS", "MAXIMUM", "Group", "Item", "index766", "ranking", "scores"]
