"""Every dossier event goes to the national portal through the outbox.

`on_dossier_changed` listens to `dossiers.signals.dossier_changed`, which the one door sends
inside the dossier service's transaction, so the outbox row commits or rolls back with the
change itself. `deliver` is the outbox handler: it builds the record for that event at delivery
time and sends it.
"""

from __future__ import annotations

from dossiers.models import Dossier, Event
from dossiers.services import DossierChange
from outbox import delivery

from . import mapping
from .client import get_client

TOPIC = "dvcqg.dossier"


def key_for(dossier_id: int) -> str:
    return f"dossier:{dossier_id}"


def on_dossier_changed(sender, change: DossierChange, **kwargs) -> None:
    event, dossier = change.event, change.dossier
    delivery.enqueue(
        topic=TOPIC,
        key=key_for(dossier.pk),
        reference={"dossier": dossier.pk, "event": event.pk, "action": event.action},
        idempotency_key=f"{TOPIC}:event:{event.pk}",
    )


@delivery.register(TOPIC)
def deliver(message) -> None:
    dossier = (
        Dossier.objects.select_related("applicant", "procedure", "handling_agency")
        .prefetch_related("components", "pauses")
        .get(pk=message.reference["dossier"])
    )
    event = Event.objects.select_related("actor__agency").get(pk=message.reference["event"])
    record = mapping.dossier_record(dossier, event)
    client = get_client()
    client.upsert(record, first=record["PhienBan"] == 1, idempotency_key=message.idempotency_key)
    client.push_progress(
        dossier.code,
        [mapping.progress_step(dossier, event)],
        idempotency_key=message.idempotency_key + ":tiendo",
    )
