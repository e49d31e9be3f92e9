"""Every dossier event goes to the national portal through the outbox.

`on_dossier_changed` listens to `dossiers.signals.dossier_changed`, which the one door sends
inside the dossier service's transaction, so the outbox row commits or rolls back with the
change itself. `deliver` is the outbox handler: it builds the record for that event at delivery
time and sends it.

Each message sends the whole record (not a change), so it `supersedes` older messages: a dead
message no longer holds back its dossier once a later event is recorded; the later message
also resends the progress steps (TienDo) of the messages it superseded (docs/portal-sync.md).
"""

from __future__ import annotations

import logging

from dossiers.models import Dossier, Event
from dossiers.services import DossierChange
from outbox import delivery

from . import mapping
from .client import get_client

TOPIC = "dvcqg.dossier"
logger = logging.getLogger(__name__)


def key_for(dossier_id: int) -> str:
    return f"dossier:{dossier_id}"


def on_dossier_changed(sender, change: DossierChange, **kwargs) -> None:
    event, dossier = change.event, change.dossier
    delivery.enqueue(
        topic=TOPIC,
        key=key_for(dossier.pk),
        reference={"dossier": dossier.pk, "event": event.pk, "action": event.action},
        idempotency_key=f"{TOPIC}:event:{event.pk}",
        supersedes=True,
    )


@delivery.register(TOPIC)
def deliver(message) -> None:
    dossier = (
        Dossier.objects.select_related("applicant", "procedure", "handling_agency")
        .prefetch_related("components", "pauses", "fees")
        .get(pk=message.reference["dossier"])
    )
    event = Event.objects.select_related("actor__agency").get(pk=message.reference["event"])
    record = mapping.dossier_record(dossier, event)
    client = get_client()
    client.upsert(record, first=record["PhienBan"] == 1, idempotency_key=message.idempotency_key)
    own = mapping.progress_step(dossier, event)
    earlier = _superseded_steps(dossier, message)
    try:
        client.push_progress(
            dossier.code, [*earlier, own], idempotency_key=message.idempotency_key + ":tiendo"
        )
    except delivery.PermanentError:
        if not earlier:
            raise
        # One of the earlier steps is what the portal refuses: they are lost (their messages
        # stay visible as superseded), this event's step still goes.
        logger.warning("Portal refused the resent progress of %s; sending only its own", message)
        client.push_progress(
            dossier.code, [own], idempotency_key=message.idempotency_key + ":tiendo:own"
        )


def _superseded_steps(dossier: Dossier, message) -> list[dict]:
    """The progress steps of the dead messages this one superseded, oldest first: the record
    this message sends replaces theirs, but a TienDo item is history and is sent only once.
    The portal keeps identical steps once, so a step it already has costs nothing."""
    event_ids = [
        m.reference.get("event")
        for m in message.superseded.all()
        if isinstance(m.reference, dict) and m.reference.get("event")
    ]
    if not event_ids:
        return []
    events = (
        Event.objects.select_related("actor__agency")
        .filter(pk__in=event_ids, dossier=dossier)
        .order_by("id")
    )
    return [mapping.progress_step(dossier, e) for e in events]
