"""Receivers that keep the counters in the transaction of each change.

- `dossiers.signals.dossier_changed` (sent by the one door, once per write of a dossier, with
  the row's state before and after): the counters move by `contribution(after) −
  contribution(before)`, computed from what the door already holds (no re-read). Each change is
  also one event the national portal must receive (integrations writes one outbox message per
  change): it counts in `sync_events` on its day.
- `satisfaction.signals.rating_recorded`: the rating's counters (`tally.rating_contribution`),
  on the day its dossier finished.
- `feedback.signals.feedback_changed`: a feedback's counters (`indicators.feedback`) on the
  day it was received, by the difference of its counted values before and after; the first
  feedback about a finished, in-time, not-unsatisfied dossier once it finished adds
  `feedback_dossiers_in_time` on the dossier's finishing day (a later "not satisfied" rating
  takes it back: `unsatisfied_in_time` counts that dossier then).
- `outbox.signals.message_delivered` (and `messages_delivered`, a batch at once): a portal
  message that went out within `INDICATORS_SYNC_ON_TIME_SECONDS` of its creation counts in
  `sync_on_time` on its creation day.

Writes that bypass the door (`dossiers.models.bulk_writes()`: bulk loads, the generator) are
not seen: `manage.py rebuild_stats` recomputes after them and `manage.py verify_stats` finds
any drift.
"""

from __future__ import annotations

from django.conf import settings
from django.db.models import F

from dossiers.models import Dossier
from dossiers.services import DossierChange
from outbox.models import OutboxStatus

from . import feedback as feedback_rules
from . import tally


def sync_topic() -> str:
    return settings.INDICATORS_SYNC_TOPIC


def sync_on_time_seconds() -> float:
    return float(settings.INDICATORS_SYNC_ON_TIME_SECONDS)


def on_dossier_changed(sender, change: DossierChange, **kwargs) -> None:
    dossier = change.dossier
    before = tally.facts_of(dossier, change.before) if change.before is not None else None
    after = tally.facts_of(dossier, change.after)
    tally.apply_change(
        before,
        after,
        dossier.pk,
        sync_day=change.event.at,
        full=dossier.procedure.service_level == tally.FULL_SERVICE,
        offered=dossier.procedure.online_payment,
    )


def on_rating_recorded(sender, rating, dossier, **kwargs) -> None:
    """A satisfaction rating moves the counters in the transaction that records it."""
    facts = tally.facts_of(dossier)
    tally.apply_rating(facts, rating.level)
    if (
        rating.level == feedback_rules.NOT_SATISFIED
        and feedback_rules.finished_in_time(facts)
        and _feedback_after_finish(dossier).exists()
    ):
        # Counted as unsatisfied now: no longer as "drew feedback" (never both).
        tally.apply(tally.expand(feedback_rules.dossier_contribution(facts, sign=-1)))


def _feedback_after_finish(dossier):
    from feedback.models import Feedback

    return Feedback.objects.filter(dossier_id=dossier.pk, received_at__gte=dossier.finished_at)


def on_feedback_changed(sender, feedback, event, before, before_facts=None, **kwargs) -> None:
    """A feedback's change moves its counters in the transaction of the change."""
    from feedback.services import facts

    base: tally.Base = {}
    if before is not None and before_facts is not None:
        feedback_rules.contribution(feedback, before_facts, base, sign=-1)
    feedback_rules.contribution(feedback, facts(feedback), base)
    if before is None and feedback.dossier_id is not None:
        _count_dossier(feedback)
    base = {k: v for k, v in base.items() if any(v.values())}
    if base:
        tally.apply(tally.expand(base))


def _count_dossier(feedback) -> None:
    """The first feedback about a dossier once it finished in time (not rated unsatisfied)."""
    from satisfaction.models import Rating

    dossier = Dossier.objects.select_related("procedure").get(pk=feedback.dossier_id)
    facts = tally.facts_of(dossier)
    if not feedback_rules.finished_in_time(facts) or feedback.received_at < dossier.finished_at:
        return
    if Rating.objects.filter(dossier_id=dossier.pk, level=feedback_rules.NOT_SATISFIED).exists():
        return
    if _feedback_after_finish(dossier).exclude(pk=feedback.pk).exists():
        return
    tally.apply(tally.expand(feedback_rules.dossier_contribution(facts)))


def _dims_of_dossier(dossier_id) -> tally.Dims | None:
    return _dims_of_dossiers([dossier_id]).get(dossier_id)


def _dims_of_dossiers(dossier_ids) -> dict[int, tally.Dims]:
    rows = (
        Dossier.objects.filter(pk__in=list(dossier_ids))
        .values("pk", "handling_agency_id", "procedure_id", "channel", "procedure__field_id")
        .annotate(level_name=F("procedure__level"))
    )
    return {row["pk"]: _dims(row) for row in rows}


def _dims(row) -> tally.Dims:
    return tally.Dims(
        agency_id=row["handling_agency_id"],
        procedure_id=row["procedure_id"],
        field_id=row["procedure__field_id"],
        level=tally.LEVELS.get(row["level_name"], 0),
        channel=row["channel"],
    )


def synced_on_time(status: str, created_at, sent_at) -> bool:
    """A portal message counts as synced on time when it went out within the limit of its
    creation (the one rule, for the listener and the recount)."""
    return (
        status == OutboxStatus.SENT
        and sent_at is not None
        and (sent_at - created_at).total_seconds() <= sync_on_time_seconds()
    )


# A message the portal reconciliation writes to repair a drifted record: it carries no status
# change of its own, so it is neither a sync event nor synced on time.
REPAIR = "repair"


def is_status_change(reference: dict | None) -> bool:
    """Whether a portal message tells a dossier's change (not a repair) — what the index counts."""
    reference = reference or {}
    return reference.get("dossier") is not None and reference.get("action") != REPAIR


def on_message_delivered(sender, message, **kwargs) -> None:
    if message.topic != sync_topic() or not is_status_change(message.reference):
        return
    if not synced_on_time(message.status, message.created_at, message.sent_at):
        return
    dossier_id = (message.reference or {}).get("dossier")
    dims = _dims_of_dossier(dossier_id) if dossier_id is not None else None
    if dims is not None:
        tally.apply_sync(dims, message.created_at, on_time=1)


def on_messages_delivered(sender, messages, **kwargs) -> None:
    """`on_message_delivered` for a batch (`outbox.deliver_topic`): two statements."""
    counted = [
        m
        for m in messages
        if m.topic == sync_topic()
        and is_status_change(m.reference)
        and synced_on_time(m.status, m.created_at, m.sent_at)
    ]
    if not counted:
        return
    dims = _dims_of_dossiers({m.reference["dossier"] for m in counted})
    tally.apply_syncs_on_time(
        [
            (dims[m.reference["dossier"]], m.created_at)
            for m in counted
            if m.reference["dossier"] in dims
        ]
    )
