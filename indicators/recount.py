"""The generic recount: every counter recomputed from the raw rows in Python, on any database.

It walks the dossiers (with their satisfaction ratings, and the portal-sync outbox messages)
through `tally.contribution`, `tally.rating_contribution` and `tally.sync_contribution` —
exactly what the handlers apply — so the handlers and the recount cannot disagree on a formula.
Fine for tests and small data; `recount_sql` recounts the same with set-based SQL on PostgreSQL
(a test checks they agree).

- `recount_python(agency_ids)` — the cells (`models.KEY` -> counters);
- `recount_extras_python()` — the flag rows, the distinct counts and the running set;
- `stored_extras()` — the same three as stored, in the same shape (for `verify`).
"""

from __future__ import annotations

from collections.abc import Iterable

from core.calendar import get_calendar
from dossiers.models import Dossier
from feedback.models import Feedback
from feedback.services import facts as feedback_facts
from outbox.models import OutboxMessage
from satisfaction.models import Rating

from . import feedback as feedback_rules
from . import handlers, scope, tally
from .models import (
    COUNT_FIELDS,
    COUNT_KEY,
    RUNNING_FIELDS,
    USE_COUNTERS,
    USE_KEY,
    ProcedureCount,
    ProcedureUse,
    RunningDossier,
)

Cells = dict[tuple, dict[str, int]]  # models.KEY -> counters


def _dossiers():
    """Dossiers with what `tally.facts_of` reads, and nothing more."""
    return Dossier.objects.select_related("procedure").only(
        *(name.removesuffix("_id") for name in tally.FACT_FIELDS),
        "terms",
        "procedure__field",
        "procedure__level",
    )


def recount_python(agency_ids: Iterable[int] | None = None, batch: int = 2000) -> Cells:
    return tally.expand(recount_python_base(agency_ids, batch))


def recount_python_base(agency_ids: Iterable[int] | None = None, batch: int = 2000) -> tally.Base:
    """Every dossier's (and portal message's) contribution by anchor day and dimensions."""
    calendar = get_calendar()
    base: tally.Base = {}
    dossiers = _dossiers()
    if agency_ids is not None:
        dossiers = dossiers.filter(handling_agency_id__in=list(agency_ids))
    dims_of: dict[int, tally.Dims] = {}  # dossier id -> its dimensions, for its messages
    levels = dict(Rating.objects.values_list("dossier_id", "level"))  # satisfaction ratings
    # Feedback (indicators/feedback.py): when each dossier's feedback was received.
    feedback_times: dict[int, list] = {}
    for dossier_id, received_at in Feedback.objects.filter(dossier__isnull=False).values_list(
        "dossier_id", "received_at"
    ):
        feedback_times.setdefault(dossier_id, []).append(received_at)
    for dossier in dossiers.order_by("pk").iterator(chunk_size=batch):
        facts = tally.facts_of(dossier)
        tally.contribution(facts, base, calendar=calendar)
        if dossier.pk in levels:
            tally.rating_contribution(facts, levels[dossier.pk], base)
        if (
            dossier.pk in feedback_times
            and feedback_rules.finished_in_time(facts)
            and levels.get(dossier.pk) != feedback_rules.NOT_SATISFIED
            and any(t >= facts.finished_at for t in feedback_times[dossier.pk])
        ):
            feedback_rules.dossier_contribution(facts, base)
        dims_of[dossier.pk] = facts.dims
    rows = Feedback.objects.select_related("procedure").order_by("pk")
    if agency_ids is not None:
        rows = rows.filter(agency_id__in=list(agency_ids))
    units = agency_units()
    for row in rows.iterator(chunk_size=batch):
        feedback_rules.contribution(row, feedback_facts(row), base, units=units)
    messages = (
        OutboxMessage.objects.filter(topic=handlers.sync_topic())
        .values("reference", "created_at", "sent_at", "status")
        .order_by("pk")
    )
    for message in messages.iterator(chunk_size=batch):
        if not handlers.is_status_change(message["reference"]):
            continue
        # None: a dossier gone, or one outside `agency_ids`.
        dims = dims_of.get(message["reference"]["dossier"])
        if dims is None:
            continue
        on_time = handlers.synced_on_time(
            message["status"], message["created_at"], message["sent_at"]
        )
        tally.sync_contribution(message["created_at"], dims, base, on_time=on_time)
    return base


def agency_units() -> dict[int, int | None]:
    """Each agency's commune unit (None for a provincial agency), read fresh."""
    tree = scope.tree(fresh=True)
    return {agency_id: tree.unit_of(agency_id) for agency_id in tree.by_id}


def counts_of(uses: tally.Uses) -> dict[tuple, tuple]:
    """The distinct counts (COUNT_KEY -> COUNT_FIELDS) behind a set of flag rows."""
    full, offered = tally.procedure_kinds(key[4] for key in uses)
    out: dict[tuple, list[int]] = {}
    for key, values in uses.items():
        row = out.setdefault(key[:4], [0] * len(COUNT_FIELDS))
        for i, value in enumerate(tally.flags(values, key[4] in full, key[4] in offered)):
            row[i] += value
    return {k: tuple(v) for k, v in out.items() if any(v)}


def recount_extras_python() -> dict[str, dict]:
    """The flag rows, the distinct counts and the running set, recounted from the raw rows:
    {"uses": {USE_KEY: counters}, "counts": {COUNT_KEY: counts}, "running": {id: values}}."""
    uses = tally.uses_of(recount_python_base(), agency_units())
    running = {}
    dossiers = _dossiers().filter(status__in=tally.RUNNING)
    for dossier in dossiers.iterator(chunk_size=2000):
        running[dossier.pk] = tally.running_row(tally.facts_of(dossier))
    return {
        "uses": {k: tuple(v) for k, v in uses.items()},
        "counts": counts_of(uses),
        "running": running,
    }


def stored_extras() -> dict[str, dict]:
    """The flag rows, distinct counts (rows of zeros left out) and running set as stored."""

    def nonzero(values):
        return any(values)

    uses = {
        tuple(row[:5]): tuple(row[5:])
        for row in ProcedureUse.objects.values_list(*USE_KEY, *USE_COUNTERS).iterator()
        if nonzero(row[5:])
    }
    counts = {
        tuple(row[:4]): tuple(row[4:])
        for row in ProcedureCount.objects.values_list(*COUNT_KEY, *COUNT_FIELDS).iterator()
        if nonzero(row[4:])
    }
    running = {
        row[0]: tuple(row[1:])
        for row in RunningDossier.objects.values_list("dossier_id", *RUNNING_FIELDS).iterator()
    }
    return {"uses": uses, "counts": counts, "running": running}


__all__ = [
    "Cells",
    "agency_units",
    "counts_of",
    "recount_extras_python",
    "recount_python",
    "recount_python_base",
    "stored_extras",
]
