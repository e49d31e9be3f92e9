"""Signal receivers that keep the counters in the transaction of each change.

Why model signals and not only `dossiers.signals.event_recorded`: a counter change is
`contribution(after) − contribution(before)`, and by the time the event is recorded the row is
already saved, so the "before" is gone. `pre_save` reads the row as it is in the database (the
services hold its lock: `select_for_update` in `core.perform`), `post_save` applies the
difference — inside the same transaction, just before the Event and the outbox row. A save
touching none of the columns the counters read costs nothing. Writes that bypass `save()`
(`QuerySet.update`, bulk loads) are not seen: `manage.py rebuild_stats` recomputes after them
and `manage.py verify_stats` finds any drift.

Sync on time: each outbox message of the portal topic counts one sync event on its creation
day; when the outbox marks it sent (`save(update_fields=[…, "sent_at", …])` in
`onecua.outbox.deliver_key`, inside the delivery transaction) it counts on time if it went out
within `INDICATORS_SYNC_ON_TIME_SECONDS`.
"""

from __future__ import annotations

from django.conf import settings
from django.db.models import F

from dossiers.models import Dossier

from . import tally

STASH = "_indicators_before"


def sync_topic() -> str:
    return settings.INDICATORS_SYNC_TOPIC


def sync_on_time_seconds() -> float:
    return float(settings.INDICATORS_SYNC_ON_TIME_SECONDS)


def _relevant(update_fields) -> bool:
    return update_fields is None or bool(set(update_fields) & tally.RELEVANT_UPDATE_FIELDS)


def dossier_pre_save(sender, instance: Dossier, raw=False, update_fields=None, **kwargs) -> None:
    if raw or not _relevant(update_fields):
        return
    if instance._state.adding or instance.pk is None:
        setattr(instance, STASH, None)
        return
    row = Dossier.objects.filter(pk=instance.pk).values(*tally.FACT_FIELDS).first()
    setattr(instance, STASH, tally.facts_of(instance, row) if row else None)


def dossier_post_save(sender, instance: Dossier, raw=False, update_fields=None, **kwargs):
    if raw or not _relevant(update_fields) or not hasattr(instance, STASH):
        return
    before = getattr(instance, STASH)
    after = tally.facts_of(instance)
    delattr(instance, STASH)  # a later save reads its own "before" again
    tally.apply_change(before, after, instance.pk)


def dossier_post_delete(sender, instance: Dossier, **kwargs) -> None:
    tally.apply_change(tally.facts_of(instance), None, instance.pk)


def _dims_of_dossier(dossier_id) -> tally.Dims | None:
    row = (
        Dossier.objects.filter(pk=dossier_id)
        .values("handling_agency_id", "procedure_id", "channel", "procedure__field_id")
        .annotate(level_name=F("procedure__level"))
        .first()
    )
    if row is None:
        return None
    return tally.Dims(
        agency_id=row["handling_agency_id"],
        procedure_id=row["procedure_id"],
        field_id=row["procedure__field_id"],
        level=tally.LEVELS.get(row["level_name"], 0),
        channel=row["channel"],
    )


def outbox_post_save(sender, instance, created=False, raw=False, update_fields=None, **kwargs):
    if raw or instance.topic != sync_topic():
        return
    dossier_id = (instance.reference or {}).get("dossier")
    if dossier_id is None:
        return
    if created:
        dims = _dims_of_dossier(dossier_id)
        if dims is not None:
            tally.apply_sync(dims, instance.created_at, events=1)
        return
    if (
        update_fields is not None
        and "sent_at" in update_fields
        and instance.status == "sent"
        and instance.sent_at is not None
        and (instance.sent_at - instance.created_at).total_seconds() <= sync_on_time_seconds()
    ):
        dims = _dims_of_dossier(dossier_id)
        if dims is not None:
            tally.apply_sync(dims, instance.created_at, on_time=1)
