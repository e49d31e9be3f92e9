"""The transactional outbox: generic infrastructure (docs/architecture.md, principle 4).

- `enqueue()` writes an OutboxMessage inside the caller's transaction and asks Celery, once the
  transaction commits, to deliver the messages of that key. If the broker is unreachable then,
  nothing is lost: the row is there and the sweeper (a beat task) picks it up.
- `deliver_key()` delivers the messages of one key (one dossier) strictly in order: only the
  oldest unsent message may go; a failure schedules a retry with exponential backoff and jitter
  and stops the key until then; after `OUTBOX_MAX_ATTEMPTS` the message is dead and the key is
  blocked until an administrator requeues it (admin action or `manage.py outbox_requeue`).
- A message may declare that it `supersedes` older ones: its handler sends the receiver the
  whole current state, not a change. When the head of a key is dead and a newer pending
  message of the same key and topic supersedes, the dead messages older than it are marked
  `superseded` (kept for audit, `superseded_by` that message) and delivery goes on, so the
  receiver converges on the current state instead of waiting forever. The superseding message's
  handler finds what it replaced in `message.superseded` (e.g. to resend the progress steps
  the dead ones carried). Without such a message a dead head still blocks its key.
- `dead_letters_summary()` counts the dead messages with their latest reasons, for the admin
  index and the leaders' dashboard: a dead message must be loud.
- Handlers are registered per topic by the app that knows the receiver (integrations), so the
  writer (dossiers) never imports it. A handler raises `TransientError` to retry, `PermanentError`
  to give up at once; it must be idempotent (the receiver deduplicates by idempotency key):
  delivery is at least once.
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from . import background
from .models import OutboxMessage, OutboxStatus
from .signals import message_delivered, message_enqueued

logger = logging.getLogger(__name__)

Handler = Callable[[OutboxMessage], None]
_HANDLERS: dict[str, Handler] = {}


class TransientError(Exception):
    """The receiver could not take the message now (down, timeout, 5xx): try again later."""


class PermanentError(Exception):
    """The receiver refused the message for good (invalid): retrying will not help."""


class Deferred(Exception):
    """Not now, without an attempt counted: the message waits until `until` (e.g. an SMS in the
    quiet hours, a recipient over their rate limit). Its key waits with it."""

    def __init__(self, until, reason: str = ""):
        super().__init__(reason or f"deferred until {until.isoformat()}")
        self.until = until


def register(topic: str) -> Callable[[Handler], Handler]:
    def decorator(handler: Handler) -> Handler:
        _HANDLERS[topic] = handler
        return handler

    return decorator


def handler_for(topic: str) -> Handler | None:
    return _HANDLERS.get(topic)


def enqueue(
    *,
    topic: str,
    key: str,
    reference: dict,
    idempotency_key: str,
    supersedes: bool = False,
    not_before=None,
) -> OutboxMessage:
    """Record a message in the current transaction; delivery is asked for after commit.
    `supersedes`: the handler sends the whole current state, so this message makes any dead
    older message of the same key and topic obsolete. `not_before`: a time before which it is
    not to be delivered (the messages of its key after it wait too)."""
    now = timezone.now()
    message = OutboxMessage.objects.create(
        topic=topic,
        key=key,
        reference=reference,
        idempotency_key=idempotency_key,
        created_at=now,
        next_attempt_at=max(now, not_before) if not_before else now,
        supersedes=supersedes,
    )
    message_enqueued.send(sender=OutboxMessage, message=message)
    transaction.on_commit(lambda: schedule(key))
    return message


def schedule(key: str, countdown: float | None = None) -> None:
    """Ask a worker to deliver `key` (best effort: the sweeper covers a lost request)."""
    if not settings.OUTBOX_AUTODELIVER:
        return  # tests that are not about delivery keep their messages pending
    if background.accept(key, countdown):
        return  # the embedded run's delivery thread takes it, after the response (background.py)
    if countdown and countdown > 0 and settings.CELERY_TASK_ALWAYS_EAGER:
        # An eager task cannot wait: run it later on a timer thread (embedded default), or
        # leave it to the sweeper when timers are off.
        if settings.OUTBOX_EAGER_RETRY_TIMERS:
            timer = threading.Timer(countdown, schedule, args=[key])
            timer.daemon = True
            timer.start()
        return
    try:
        deliver_key_task.apply_async(args=[key], countdown=countdown)
    except Exception:  # the broker may be down: the row stays pending for the sweeper
        logger.warning("Could not schedule outbox delivery for %s", key, exc_info=True)


def backoff(attempts: int) -> float:
    """Seconds before attempt `attempts + 1`: exponential, capped, with full jitter."""
    base = settings.OUTBOX_BACKOFF_BASE
    cap = settings.OUTBOX_BACKOFF_MAX
    ceiling = min(cap, base * (2 ** max(0, attempts - 1)))
    return random.uniform(ceiling / 2, ceiling)


# Done with: nothing more will be sent for these.
DONE = (OutboxStatus.SENT, OutboxStatus.SUPERSEDED)


def _head(key: str) -> OutboxMessage | None:
    """Lock the oldest unsent message of `key` (None if another worker holds it)."""
    queryset = OutboxMessage.objects.filter(key=key).exclude(status__in=DONE)
    if connection.features.has_select_for_update_skip_locked:
        queryset = queryset.select_for_update(skip_locked=True)
    head = queryset.order_by("id").first()
    if head is None:
        return None
    # skip_locked may have skipped a locked older message: never overtake it.
    older = OutboxMessage.objects.filter(key=key, id__lt=head.id).exclude(status__in=DONE)
    if older.exists():
        return None
    return head


def _supersede(dead: OutboxMessage) -> bool:
    """Unblock a key whose head is dead when a newer pending message of the same key and topic
    supersedes it: every dead message of that key and topic older than the first such message
    becomes `superseded` by it (as do those they had superseded). Returns whether it did."""
    newer = (
        OutboxMessage.objects.filter(
            key=dead.key,
            topic=dead.topic,
            supersedes=True,
            status=OutboxStatus.PENDING,
            id__gt=dead.id,
        )
        .order_by("id")
        .first()
    )
    if newer is None:
        return False
    stale = list(
        OutboxMessage.objects.filter(
            key=dead.key, topic=dead.topic, status=OutboxStatus.DEAD, id__lt=newer.id
        ).values_list("id", flat=True)
    )
    OutboxMessage.objects.filter(superseded_by_id__in=stale).update(superseded_by=newer)
    OutboxMessage.objects.filter(id__in=stale).update(
        status=OutboxStatus.SUPERSEDED, superseded_by=newer
    )
    logger.warning(
        "Outbox messages %s of %s are superseded by #%s (it carries the whole current state)",
        stale,
        dead.key,
        newer.pk,
    )
    return True


def deliver_key(key: str, *, limit: int = 200) -> int:
    """Deliver the due messages of one key in order; returns how many were sent."""
    sent = 0
    for _ in range(limit):
        with transaction.atomic():
            message = _head(key)
            if message is None:
                return sent
            if message.status == OutboxStatus.DEAD:
                if _supersede(message):
                    continue  # the newer message is now the head
                return sent
            now = timezone.now()
            if message.next_attempt_at > now:
                schedule(key, countdown=(message.next_attempt_at - now).total_seconds())
                return sent
            handler = handler_for(message.topic)
            if handler is None:
                _fail(
                    message,
                    PermanentError(f"No handler for topic {message.topic!r}"),
                    permanent=True,
                )
                return sent
            try:
                # A savepoint: whatever the handler writes is undone if it fails.
                with transaction.atomic():
                    handler(message)
            except Deferred as exc:
                _defer(message, exc)
                return sent
            except PermanentError as exc:
                _fail(message, exc, permanent=True)
                return sent
            except Exception as exc:  # transient by default: network, 5xx, timeouts, bugs
                _fail(message, exc)
                return sent
            message.status = OutboxStatus.SENT
            message.sent_at = timezone.now()
            message.attempts += 1
            message.last_error = ""
            message.save(update_fields=["status", "sent_at", "attempts", "last_error"])
            message_delivered.send(sender=OutboxMessage, message=message)
            sent += 1
    schedule(key)  # more than `limit` waiting: continue in a fresh task
    return sent


def _defer(message: OutboxMessage, exc: Deferred) -> None:
    message.next_attempt_at = exc.until
    message.last_error = f"Deferred: {exc}"[:2000]
    message.save(update_fields=["next_attempt_at", "last_error"])
    delay = max(0.0, (exc.until - timezone.now()).total_seconds())
    transaction.on_commit(lambda: schedule(message.key, countdown=delay))


def _fail(message: OutboxMessage, exc: Exception, *, permanent: bool = False) -> None:
    message.attempts += 1
    message.last_error = f"{type(exc).__name__}: {exc}"[:2000]
    if permanent or message.attempts >= settings.OUTBOX_MAX_ATTEMPTS:
        message.status = OutboxStatus.DEAD
        logger.error("Outbox message %s is dead: %s", message.pk, message.last_error)
    else:
        delay = backoff(message.attempts)
        message.next_attempt_at = timezone.now() + timedelta(seconds=delay)
        transaction.on_commit(lambda: schedule(message.key, countdown=delay))
    message.save(update_fields=["attempts", "last_error", "status", "next_attempt_at"])


def sweep(*, grace_seconds: float = 30, limit: int = 1000) -> int:
    """Schedule every key with a due pending message older than `grace_seconds` (its wake-up
    may have been lost: broker down at commit, worker killed). Returns how many keys."""
    now = timezone.now()
    keys = (
        OutboxMessage.objects.filter(
            status=OutboxStatus.PENDING,
            next_attempt_at__lte=now,
            created_at__lte=now - timedelta(seconds=grace_seconds),
        )
        .order_by()
        .values_list("key", flat=True)
        .distinct()[:limit]
    )
    keys = list(keys)
    for key in keys:
        schedule(key)
    return len(keys)


def dead_letters_summary(*, latest: int = 5) -> dict:
    """How many messages are dead (delivery stopped, their keys blocked), and the latest ones
    with their reasons: for the admin index and the leaders' dashboard. Two small queries."""
    dead = OutboxMessage.objects.filter(status=OutboxStatus.DEAD)
    rows = dead.order_by("-id").values("id", "topic", "key", "attempts", "last_error", "created_at")
    return {"count": dead.count(), "latest": list(rows[:latest])}


def requeue(queryset=None) -> int:
    """Give dead messages another chance (from the first attempt)."""
    queryset = queryset if queryset is not None else OutboxMessage.objects.all()
    dead = list(queryset.filter(status=OutboxStatus.DEAD).values_list("id", "key"))
    OutboxMessage.objects.filter(id__in=[pk for pk, _ in dead]).update(
        status=OutboxStatus.PENDING, attempts=0, next_attempt_at=timezone.now(), last_error=""
    )
    for key in {key for _, key in dead}:
        transaction.on_commit(lambda key=key: schedule(key))
    return len(dead)


# --- Celery tasks (outbox/tasks.py exposes them to autodiscovery) ----------------------------
# Defined here, beside what they call, so that scheduling needs no import of the tasks module.
@shared_task(
    name="outbox.deliver_key", acks_late=True, reject_on_worker_lost=True, ignore_result=True
)
def deliver_key_task(key: str) -> int:
    return deliver_key(key)


@shared_task(name="outbox.sweep", ignore_result=True)
def sweep_task() -> int:
    return sweep()
