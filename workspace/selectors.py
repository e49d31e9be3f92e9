"""Reads of the workspace's pages: the "My work" queues (on top of the dossiers' scopes,
`dossiers.selectors.visible_to`, the same as the API's work queue), how late each dossier is,
and the workload of an agency's officials.

The queues (docs/workspace.md):
- `waiting` (Chờ tôi xử lý): what waits for this official's own hand — at the counter, the
  centre's dossiers waiting for receipt (new, or asked to supplement before receipt) and the
  results to return; for a leader, the agency's received dossiers to assign and what is
  assigned to them; for a specialist, what is assigned to them.
- `open` (Tất cả hồ sơ đang mở): every open dossier of the counter's centre or of the agency.
Both sorted by due date (`queue_at`, never null), then id.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from accounts.roles import Role
from dossiers import rules
from dossiers import selectors as dossier_selectors
from dossiers.models import RUNNING, Dossier, DossierStatus
from dossiers.models.status import OPEN_STATES

S = DossierStatus

QUEUES = {
    "waiting": gettext_lazy("Chờ tôi xử lý"),
    "open": gettext_lazy("Tất cả hồ sơ đang mở"),
}
PAGE_SIZE = 20


def _waiting_filter(user) -> Q:
    if user.role == Role.RECEIVING_OFFICER:
        return (
            Q(status=S.NEW)
            | Q(status=S.SUPPLEMENT_REQUESTED, received_at__isnull=True)
            | Q(status=S.RESULT_READY)
        )
    if user.role == Role.LEADER:
        return Q(status=S.RECEIVED) | Q(status__in=OPEN_STATES, assignee=user)
    return Q(status__in=OPEN_STATES, assignee=user)


def queue(user, kind: str) -> QuerySet[Dossier]:
    """The dossiers of queue `kind` for `user`, in their work order."""
    scoped = dossier_selectors.visible_to(user).filter(status__in=OPEN_STATES)
    if kind == "waiting":
        scoped = scoped.filter(_waiting_filter(user))
    return dossier_selectors.with_related(scoped).defer("terms").order_by("queue_at", "id")


@dataclass(frozen=True)
class Filters:
    procedure: str = ""
    status: str = ""
    channel: int | None = None
    received_today: bool = False
    timing: str = ""  # late | due_soon | silent


TIMINGS = {
    "late": gettext_lazy("Quá hạn"),
    "due_soon": gettext_lazy("Sắp đến hạn"),
    "silent": gettext_lazy("Im lặng"),
}


def filtered(queryset: QuerySet[Dossier], filters: Filters, now: datetime) -> QuerySet[Dossier]:
    if filters.procedure:
        queryset = queryset.filter(procedure__code=filters.procedure)
    if filters.status:
        queryset = queryset.filter(status=filters.status)
    if filters.channel:
        queryset = queryset.filter(channel=filters.channel)
    if filters.received_today:
        start = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
        queryset = queryset.filter(received_at__gte=start, received_at__lt=start + timedelta(1))
    if filters.timing == "late":
        queryset = dossier_selectors.overdue(queryset, now)
    elif filters.timing == "due_soon":
        queryset = dossier_selectors.due_within_one_working_day(queryset, now)
    elif filters.timing == "silent":
        queryset = queryset.filter(silent_since__isnull=False)
    return queryset


def page_of(queryset: QuerySet[Dossier], page: int) -> tuple[list[Dossier], bool]:
    """One page (offset; one row more than shown tells whether another follows: no COUNT)."""
    start = (page - 1) * PAGE_SIZE
    rows = list(queryset[start : start + PAGE_SIZE + 1])
    return rows[:PAGE_SIZE], len(rows) > PAGE_SIZE


@dataclass(frozen=True)
class Urgency:
    """How a dossier stands against its due date, as a class for the colour and words for
    the text (never the colour alone)."""

    key: str  # late | due_soon | on_time | paused | none
    label: str
    silent: bool = False


def urgency(dossier: Dossier, now: datetime, soon_until: datetime) -> Urgency:
    if dossier.status in RUNNING and dossier.due_at is not None:
        if dossier.due_at < now:
            key, label = "late", _("Quá hạn")
        elif dossier.due_at <= soon_until:
            key, label = "due_soon", _("Sắp đến hạn")
        else:
            key, label = "on_time", _("Trong hạn")
    elif dossier.status in (S.SUPPLEMENT_REQUESTED, S.AWAITING_PAYMENT):
        key, label = "paused", _("Tạm dừng, chờ công dân")
    elif dossier.status == S.NEW:
        key, label = "none", _("Chờ tiếp nhận")
    else:
        key, label = "none", _("Chờ trả kết quả") if dossier.status == S.RESULT_READY else ""
    return Urgency(key, label, silent=dossier.silent_since is not None)


def soon_until(now: datetime) -> datetime:
    return rules.due_within_one_working_day(now)


def procedures_in(queryset: QuerySet[Dossier], limit: int = 200) -> list[tuple[str, str]]:
    """The procedures of the queue's dossiers, for the filter's select (code, name)."""
    rows = queryset.order_by().values_list("procedure__code", "procedure__name").distinct()[:limit]
    return sorted(rows, key=lambda row: row[1])


# --- the agency's officials and their workload --------------------------------------------------
def workload(agency_id: int, roles=(Role.PROCESSING_OFFICER, Role.LEADER), now=None) -> list[User]:
    """The active officials of the agency in `roles`, each with `open_count` (open dossiers
    assigned to them) and `late_count` (of those, running past their due date): what the
    leader sees before assigning."""
    now = now or timezone.now()
    assigned_open = Q(assigned_dossiers__status__in=OPEN_STATES)
    late = Q(
        assigned_dossiers__status__in=[s.value for s in RUNNING],
        assigned_dossiers__due_at__lt=now,
    )
    return list(
        User.objects.filter(agency_id=agency_id, role__in=roles, is_active=True)
        .annotate(
            open_count=Count("assigned_dossiers", filter=assigned_open),
            late_count=Count("assigned_dossiers", filter=late),
        )
        .order_by("full_name", "username")
    )
