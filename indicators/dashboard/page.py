"""What the leaders' dashboard shows, computed by the indicators' `figures`, `index766` and
`lists` (no figure is computed here: the page formats and arranges what they return)."""

from __future__ import annotations

from datetime import date, timedelta

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.roles import Role
from core.calendar import LOCAL_TZ
from outbox.delivery import dead_letters_summary

from .. import figures, index766, lists, scope
from ..api.params import Query
from ..measures import Period, ratio
from . import charts, extensions

LIST_LIMIT = 50
RANKING_CHART_ROWS = 20

BLUE = "#1f5fa8"
TEAL = "#12867a"
ORANGE = "#d9731a"
RED = "#c0392b"


def _rate_cards() -> list[tuple[str, str, str]]:
    """(rate key, label, what the rate divides)."""
    return [
        ("online_rate", _("Hồ sơ nộp trực tuyến"), _("trực tuyến / tiếp nhận")),
        ("on_time_rate", _("Giải quyết đúng hạn"), _("trước và đúng hạn / đã giải quyết")),
        ("e_result_rate", _("Cấp kết quả điện tử"), _("kết quả điện tử / có kết quả")),
        ("digitisation_rate", _("Số hóa hồ sơ"), _("đã số hóa / tiếp nhận")),
        ("reuse_rate", _("Tái sử dụng dữ liệu số hóa"), _("tái sử dụng / tiếp nhận")),
        ("paid_online_rate", _("Thanh toán trực tuyến"), _("thanh toán trực tuyến / có phí")),
        (
            "synced_on_time_rate",
            _("Đồng bộ kịp thời lên Cổng DVCQG"),
            _("đồng bộ kịp thời / lượt đồng bộ"),
        ),
    ]


_RATE_PARTS = {
    "online_rate": ("received_online", "received"),
    "digitisation_rate": ("digitised", "received"),
    "reuse_rate": ("reused", "received"),
    "e_result_rate": ("e_result", "resolved"),
    "paid_online_rate": ("paid_online", "with_fee"),
    "synced_on_time_rate": ("sync_on_time", "sync_events"),
}


def period_label(period: Period) -> str:
    if period.kind == "day":
        return _("Ngày %(day)s") % {"day": period.start.strftime("%d/%m/%Y")}
    if period.kind == "month":
        return _("Tháng %(month)s") % {"month": period.start.strftime("%m/%Y")}
    if period.kind == "quarter":
        return _("Quý %(quarter)d/%(year)d") % {
            "quarter": (period.start.month - 1) // 3 + 1,
            "year": period.start.year,
        }
    return _("Năm %(year)d") % {"year": period.start.year}


def period_choices() -> list[tuple[str, str]]:
    return [
        ("day", _("Ngày")),
        ("month", _("Tháng")),
        ("quarter", _("Quý")),
        ("year", _("Năm")),
    ]


def agency_options(user) -> list[dict]:
    """The agencies the user may pick, depth-first with their depth (a leader: their subtree;
    an administrator: every agency of the province)."""
    tree = scope.tree()
    if getattr(user, "role", None) == Role.ADMINISTRATOR:
        roots = sorted(
            (i for i, r in tree.by_id.items() if not r["parent_id"]),
            key=lambda i: tree.by_id[i]["name"],
        )
    elif getattr(user, "agency_id", None) in tree.by_id:
        roots = [user.agency_id]
    else:
        roots = []
    out: list[dict] = []
    stack = [(i, 0) for i in reversed(roots)]
    seen: set[int] = set()
    while stack:
        agency_id, depth = stack.pop()
        if agency_id in seen:
            continue
        seen.add(agency_id)
        row = tree.by_id[agency_id]
        out.append(
            {
                "code": row["code"],
                "name": row["name"],
                "depth": depth,
                "indent": "\u00a0" * 3 * depth,
            }
        )
        children = sorted(tree.children.get(agency_id, ()), key=lambda i: tree.by_id[i]["name"])
        stack.extend((c, depth + 1) for c in reversed(children))
    return out


def _cards(fig: dict) -> list[dict]:
    counts, rates, targets = fig["counts"], fig["rates"], fig["targets"]
    cards = []
    for key, label, base in _rate_cards():
        value, target = rates.get(key), targets.get(key)
        if key == "on_time_rate":
            numerator = counts["finished_early"] + counts["finished_on_time"]
            denominator = counts["finished"]
        else:
            num_key, den_key = _RATE_PARTS[key]
            numerator, denominator = counts[num_key], counts[den_key]
        cards.append(
            {
                "key": key,
                "label": label,
                "value": value,
                "display": charts.percent(value),
                "target": target,
                "target_display": charts.target_percent(target) if target is not None else "",
                "numerator": numerator,
                "denominator": denominator,
                "base": base,
                "met": None if value is None or target is None else value >= target,
                "bar": charts.progress_bar(value, target, title=label),
            }
        )
    days = fig["average_processing_days"]
    cards.append(
        {
            "key": "average_processing_days",
            "label": _("Thời gian giải quyết bình quân"),
            "value": days,
            "display": "—" if days is None else charts.number(days, 1),
            "unit": _("ngày làm việc"),
            "target": None,
            "target_display": "",
            "numerator": None,
            "denominator": counts["finished"],
            "base": _("trên %(n)s hồ sơ đã giải quyết") % {"n": counts["finished"]},
            "met": None,
            "bar": None,
        }
    )
    return cards


def _span(period: Period) -> tuple[Period, str]:
    """The charts' span and step: the year by month for a year or quarter, the month by day
    for a month or a day."""
    if period.kind in ("year", "quarter"):
        return Period.of("year", period.start), "month"
    return Period.of("month", period.start), "day"


def _steps(span: Period, step: str) -> list[date]:
    if step == "day":
        return [span.start + timedelta(days=i) for i in range((span.end - span.start).days + 1)]
    return [date(span.start.year, m, 1) for m in range(span.start.month, span.end.month + 1)]


def _series_charts(query: Query) -> dict:
    span, step = _span(query.period)
    points = {p["period"]: p for p in figures.series(query.filters, span, step)}
    steps = _steps(span, step)
    if step == "month":
        labels = [_("T%(month)d") % {"month": d.month} for d in steps]
    else:
        labels = [d.strftime("%d/%m") for d in steps]
    rows = [points.get(d.isoformat()) for d in steps]
    received = [r["received"] if r else 0 for r in rows]
    finished = [r["finished"] if r else 0 for r in rows]
    online = [r["rates"]["online_rate"] if r else None for r in rows]
    on_time = [r["rates"]["on_time_rate"] if r else None for r in rows]
    targets = figures.TARGETS
    if step == "month":
        caption = _("Theo tháng, năm %(year)d") % {"year": span.start.year}
    else:
        caption = _("Theo ngày, tháng %(month)s") % {"month": span.start.strftime("%m/%Y")}
    flow_title = _("Hồ sơ tiếp nhận và đã giải quyết")
    rate_title = _("Tỷ lệ trực tuyến và đúng hạn")
    return {
        "caption": caption,
        "step": step,
        "labels": labels,
        "received": received,
        "finished": finished,
        "online": online,
        "on_time": on_time,
        "flow_title": flow_title,
        "rate_title": rate_title,
        "flow_chart": charts.column_chart(
            labels,
            [
                charts.Series(_("Tiếp nhận"), received, BLUE),
                charts.Series(_("Đã giải quyết"), finished, TEAL),
            ],
            title=f"{flow_title} — {caption}",
            y_label=_("Số hồ sơ"),
        ),
        "rate_chart": charts.line_chart(
            labels,
            [
                charts.Series(_("Trực tuyến"), online, BLUE),
                charts.Series(_("Đúng hạn"), on_time, ORANGE),
            ],
            title=f"{rate_title} — {caption}",
            targets=[
                charts.Target(_("Chỉ tiêu trực tuyến"), targets["online_rate"], BLUE),
                charts.Target(_("Chỉ tiêu đúng hạn"), targets["on_time_rate"], ORANGE),
            ],
        ),
    }


def _dossier_rows(dossiers, user, now) -> list[dict]:
    rows = []
    staff = bool(getattr(user, "is_staff", False))
    for d in dossiers:
        due = timezone.localtime(d.due_at, LOCAL_TZ)
        late = now - d.due_at
        rows.append(
            {
                "code": d.code,
                "procedure": d.procedure.name,
                "procedure_code": d.procedure.code,
                "agency": d.handling_agency.name if d.handling_agency_id else "",
                "due": due.strftime("%d/%m/%Y %H:%M"),
                "late_days": max(late.days, 0),
                "late_hours": max(int(late.total_seconds() // 3600), 0),
                "admin_url": (
                    reverse("admin:dossiers_dossier_change", args=[d.pk]) if staff else None
                ),
            }
        )
    return rows


RATING_LEVELS = (
    ("very_satisfied", gettext_lazy("Rất hài lòng")),
    ("satisfied", gettext_lazy("Hài lòng")),
    ("not_satisfied", gettext_lazy("Không hài lòng")),
)


def _ratings(fig: dict) -> list[dict]:
    """The ratings' distribution: each level with its count, share and a bar."""
    ratings = fig["ratings"]
    rows = []
    for key, label in RATING_LEVELS:
        share = ratio(ratings[key], ratings["total"])
        rows.append(
            {
                "key": key,
                "label": label,
                "count": ratings[key],
                "share": charts.percent(share),
                "bar": charts.progress_bar(share, None, title=str(label)),
            }
        )
    return rows


def dashboard(query: Query, user) -> dict:
    """Everything the page shows for a parsed query."""
    now = timezone.now()
    f, period = query.filters, query.period
    fig = figures.indicators(f, period, now=now)
    index = index766.index766(f, period, now=now)
    ranking_by = query.group_by or "agency"
    ranking = index766.ranking(f, period, by=ranking_by, now=now)
    for group in index["groups"]:
        for item in group["items"]:
            item["rate_display"] = charts.percent(item.get("rate"))
            item["target_display"] = charts.target_percent(item.get("target"))
            split = group["key"] == "satisfaction" and item["key"] == "feedback_satisfied"
            if split and item["max"] == 0:
                item["note"] = _(
                    "Không có phản ánh, kiến nghị: 6 điểm chia đều cho chỉ tiêu xử lý "
                    "phản ánh đúng hạn và chỉ tiêu hồ sơ không bị đánh giá không hài lòng"
                )
    ranking_groups = [g for g in index["groups"] if g["computable"]]
    for row in ranking:
        row["group_points"] = [row["groups"].get(g["key"]) for g in ranking_groups]
    top = ranking[:RANKING_CHART_ROWS]
    ranking_title = (
        _("Điểm Bộ chỉ số 766 theo cơ quan")
        if ranking_by == "agency"
        else _("Điểm Bộ chỉ số 766 theo xã, phường")
    )
    overdue = _dossier_rows(lists.overdue_dossiers(f, now=now, limit=LIST_LIMIT), user, now)
    due_today = _dossier_rows(lists.due_today_dossiers(f, now=now, limit=LIST_LIMIT), user, now)
    return {
        "period": period,
        "period_label": period_label(period),
        "figures": fig,
        "cards": _cards(fig),
        "ratings": _ratings(fig),
        "ratings_total": fig["ratings"]["total"],
        "counts": fig["counts"],
        "backlog": fig["backlog"],
        "index": index,
        "ranking": ranking,
        "ranking_by": ranking_by,
        "ranking_groups": ranking_groups,
        "ranking_title": ranking_title,
        "ranking_chart": charts.ranking_chart(
            [(r["name"] or r["code"], r["total"]) for r in top],
            title=ranking_title,
            maximum=float(index["max"]),
            reference=float(index["computable_max"]),
            reference_name=_("Tối đa tính được: %(n)s") % {"n": index["computable_max"]},
        )
        if top
        else None,
        "ranking_shown": len(top),
        "series": _series_charts(query),
        "overdue": overdue,
        "due_today": due_today,
        "list_limit": LIST_LIMIT,
        "now": timezone.localtime(now, LOCAL_TZ),
        # Outbox messages (portal sync) that failed for good: the whole province's, since a
        # dead message stops its dossier's sync (docs/portal-sync.md).
        "dead_letters": dead_letters_summary(latest=1),
        # The apps' own panels (extensions.py): the watchdog's under "watchdog".
        "panels": extensions.panels(f, period, now),
    }
