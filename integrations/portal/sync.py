"""Every dossier event goes to the national portal through the outbox.

`on_dossier_changed` listens to `dossiers.signals.dossier_changed`, which the one door sends
inside the dossier service's transaction, so the outbox row commits or rolls back with the
change itself. `deliver` is the outbox handler: it builds the record for that event at delivery
time and sends it.

Each message sends the whole record (not a change), so it `supersedes` older messages: a dead
message no longer holds back its dossier once a later event is recorded; the later message
also resends the progress steps (TienDo) of the messages it superseded (docs/portal-sync.md).

With a broker, a worker delivers the topic in batches (`deliver_batch`, `outbox.deliver_topic`
with runs): the due messages of many dossiers at once, several consecutive ones per dossier;
one item per dossier — the record as of its last message, with the progress steps of every
message of the run (and of the dead messages they superseded), in order — all in one call
(`hoso/dongbo`), built with a fixed number of queries whatever the batch's size. `deliver`,
one message and two calls (`hoso/create|update`, `hoso/tiendo`), serves `deliver_key`: the
embedded default, the supersession of a dead message, the sweeper without a broker.
"""

from __future__ import annotations

import hashlib
import logging

from dossiers.models import Dossier, Event
from dossiers.services import DossierChange
from outbox import delivery
from outbox.models import OutboxMessage

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


@delivery.register_batch(TOPIC, runs=True)
def deliver_batch(messages: list[OutboxMessage]) -> dict[int, Exception]:
    """Deliver runs of messages of many dossiers in one call (module docstring); the failures
    by message id: every message of a dossier the portal refused, or all of them when the call
    failed. Queries: the dossiers (and their components, pauses, fees), their events, the
    superseded messages — six, whatever the number of messages."""
    items, owners, earlier, failures = build_items(messages)
    if not items:
        return failures
    client = get_client()
    keys = ",".join(m.idempotency_key for run in owners for m in run)
    batch_key = f"{TOPIC}:batch:" + hashlib.sha256(keys.encode()).hexdigest()[:32]
    try:
        results = client.sync_batch(items, idempotency_key=batch_key)
    except Exception as exc:
        for run in owners:
            for m in run:
                failures[m.pk] = exc
        return failures
    again = []
    for index, result in enumerate(results):
        if str(result.get("error_code")) == "0":
            continue
        if earlier[index]:
            again.append(index)  # perhaps the resent steps it refuses: retry without them
            continue
        refusal = delivery.PermanentError(f"portal refused: 400 {result}")
        for m in owners[index]:
            failures[m.pk] = refusal
    if again:
        return _again_without_resent(client, items, owners, earlier, again, batch_key, failures)
    return failures


def build_items(messages: list[OutboxMessage]):
    """The batch call's items (one per dossier: its record as of its last message, with the
    steps of the run and of the dead messages they superseded), the messages behind each item,
    the resent steps of each, and the messages that cannot be sent at all."""
    runs: dict[int, list[OutboxMessage]] = {}
    for message in sorted(messages, key=lambda m: m.id):
        runs.setdefault(message.reference["dossier"], []).append(message)
    dossiers = {
        d.pk: d
        for d in Dossier.objects.select_related("applicant", "procedure", "handling_agency")
        .prefetch_related("components", "pauses", "fees")
        .filter(pk__in=list(runs))
    }
    histories: dict[int, list[Event]] = {}
    for event in (
        Event.objects.select_related("actor__agency")
        .filter(dossier_id__in=list(runs))
        .order_by("id")
    ):
        histories.setdefault(event.dossier_id, []).append(event)
    replaced: dict[int, list[int]] = {}  # message id → events of the dead messages it replaced
    for by, reference in (
        OutboxMessage.objects.filter(superseded_by_id__in=[m.pk for m in messages])
        .order_by("id")
        .values_list("superseded_by_id", "reference")
    ):
        if isinstance(reference, dict) and reference.get("event"):
            replaced.setdefault(by, []).append(reference["event"])

    failures: dict[int, Exception] = {}
    items: list[dict] = []
    owners: list[list[OutboxMessage]] = []
    earlier: list[list[dict]] = []  # per item, the resent steps of superseded messages
    for dossier_id, run in runs.items():
        dossier = dossiers.get(dossier_id)
        history = histories.get(dossier_id, [])
        events = {e.id: e for e in history}
        last = events.get(run[-1].reference.get("event"))
        if (
            dossier is None
            or last is None
            or any(m.reference.get("event") not in events for m in run)
        ):
            for m in run:
                failures[m.pk] = delivery.PermanentError("dossier or event no longer exists")
            continue
        own = [mapping.progress_step(dossier, events[m.reference["event"]], history) for m in run]
        resent = [
            mapping.progress_step(dossier, events[event_id], history)
            for m in run
            for event_id in replaced.get(m.pk, [])
            if event_id in events
        ]
        item = mapping.dossier_record(dossier, last, history)
        item["TienDo"] = _once([*resent, *own])
        items.append(item)
        owners.append(run)
        earlier.append(resent)
    return items, owners, earlier, failures


def _once(steps: list[dict]) -> list[dict]:
    """Steps in the order of their events (a resent step is older than the run's own), once."""
    seen: set[str] = set()
    unique = []
    for step in steps:
        fingerprint = repr(sorted(step.items()))
        if fingerprint not in seen:
            seen.add(fingerprint)
            unique.append(step)
    return unique


def _again_without_resent(client, items, owners, earlier, indexes, batch_key, failures):
    """As `deliver`: the portal refused items carrying resent steps; send them once more with
    only the run's own steps (the earlier ones are given up, their messages stay superseded)."""
    logger.warning("Portal refused %d items with resent progress; sending their own", len(indexes))
    retry = []
    for index in indexes:
        resent = earlier[index]
        item = dict(items[index])
        item["TienDo"] = [s for s in item["TienDo"] if s not in resent]
        retry.append(item)
    try:
        results = client.sync_batch(retry, idempotency_key=batch_key + ":own")
    except Exception as exc:
        results = [{"error_code": "exc", "exception": exc}] * len(retry)
    for index, result in zip(indexes, results, strict=True):
        if str(result.get("error_code")) == "0":
            continue
        exc = result.get("exception") or delivery.PermanentError(f"portal refused: 400 {result}")
        for m in owners[index]:
            failures[m.pk] = exc
    return failures


# `deliver_key` (one message): registered after the batch handler, so it is the topic's single
# handler.
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
