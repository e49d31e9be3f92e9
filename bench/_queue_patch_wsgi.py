"""WSGI entry point for `bench_queue.py --try-patches`: the application with the changes that
the benchmark proposes (docs/performance.md) applied in memory — no production file changes.
`patch()` is also applied in process by bench_queue.py for the EXPLAINs of that phase.

1. The work queue's `status` filter (django-filter MultipleChoiceFilter) defaults to
   distinct=True, so `?status=…` makes the list query SELECT DISTINCT … ORDER BY … LIMIT 21:
   PostgreSQL reads and de-duplicates every matching row before returning the first page. The
   filter crosses no to-many relation: DISTINCT is useless there. -> distinct=False.
2. `overdue` / `due_within_one_working_day` filter on `due_at`; the queue is sorted on
   `queue_at` = COALESCE(due_at, submitted_at), which equals `due_at` whenever due_at is set.
   Adding the same bounds on `queue_at` (same rows: the due_at conditions stay) lets an index
   on (agency, queue_at) range-scan them in order instead of skipping the earlier rows.
   MEASURED AND REJECTED (docs/performance.md §4): the planner multiplies the two ranges'
   selectivities and picks a worse plan for due_soon; kept so the published figures reproduce.
3. The list query selects whole rows of six tables (procedure with its long texts, user with
   its password hash, …) for 20 lines: `.only()` the columns the list serializer, the cursor
   and the state-machine checks read.
"""

from onecua.wsgi import application  # noqa: F401 - sets Django up; re-exported for gunicorn

LIST_COLUMNS = (
    "id",
    "code",
    "procedure__code",
    "terms",
    "applicant__full_name",
    "applicant__account_id",
    "channel",
    "receiving_agency__code",
    "handling_agency__code",
    "summary",
    "status",
    "assignee__username",
    "submitted_at",
    "received_at",
    "due_at",
    "finished_at",
    "reschedule_count",
    "queue_at",
)


def patch() -> dict:
    """Apply the three changes; returns what to restore (see unpatch)."""
    from django.utils import timezone

    from dossiers import rules, selectors
    from dossiers.api import views
    from dossiers.api.filters import DossierFilter
    from dossiers.models.dossier import CLOCK_RUNNING

    saved = {
        "distinct": DossierFilter.base_filters["status"].distinct,
        "overdue": selectors.overdue,
        "due_within_one_working_day": selectors.due_within_one_working_day,
        "get_queryset": views.DossierViewSet.get_queryset,
    }
    DossierFilter.base_filters["status"].distinct = False

    def overdue(queryset, now=None):
        now = now or timezone.now()
        return queryset.filter(status__in=CLOCK_RUNNING, due_at__lt=now, queue_at__lt=now)

    def due_within_one_working_day(queryset, now=None):
        now = now or timezone.now()
        horizon = rules.due_within_one_working_day(now)
        return queryset.filter(
            status__in=CLOCK_RUNNING,
            due_at__gte=now,
            due_at__lte=horizon,
            queue_at__gte=now,
            queue_at__lte=horizon,
        )

    selectors.overdue = overdue
    selectors.due_within_one_working_day = due_within_one_working_day
    original = saved["get_queryset"]

    def get_queryset(self):
        queryset = original(self)
        if self.action == "list":
            queryset = queryset.only(*LIST_COLUMNS)
        return queryset

    views.DossierViewSet.get_queryset = get_queryset
    return saved


def unpatch(saved: dict) -> None:
    from dossiers import selectors
    from dossiers.api import views
    from dossiers.api.filters import DossierFilter

    DossierFilter.base_filters["status"].distinct = saved["distinct"]
    selectors.overdue = saved["overdue"]
    selectors.due_within_one_working_day = saved["due_within_one_working_day"]
    views.DossierViewSet.get_queryset = saved["get_queryset"]


patch()
