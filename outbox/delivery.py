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
- A topic whose handler can take several messages at once (`register_batch`) is delivered by
  `deliver_topic()`: one transaction claims up to `OUTBOX_BATCH_SIZE` due messages of the topic
  that are each the head of their key (no older unsent message of the same key, whatever its
  topic or state), with `SELECT … FOR UPDATE SKIP LOCKED` so that workers share them; the
  handler takes them together and answers per message; the sent ones are marked in one UPDATE,
  each failure is retried, deferred or dead exactly as `deliver_key` would (and its retry goes
  through `deliver_key`). One message per key per batch: the order per key holds, and a failing
  message holds back its own key only. With a broker, a commit of such a topic's messages wakes
  `deliver_topic` up (once per topic); under eager Celery it wakes their keys, as the sweeper
  and the retries always do.
- A batched topic may also take *runs* (`register_batch(topic, runs=True)`, the portal's sync):
  after claiming the heads, `deliver_topic` locks, for each of their keys, the due pending
  messages of the same topic that directly follow the head (up to `OUTBOX_RUN_MAX`), and hands
  them over with it, so that the handler can send one record per key for the whole run (the
  messages `supersedes`: the last one carries the whole state; the handler still sends what
  each one adds, e.g. its progress step). The messages of a run are settled in order: those
  before the first failure are sent, the first failure is retried, deferred or dead as usual,
  and the ones after it stay pending, untouched. With a broker, the retries of such a topic
  wake the topic (once per batch, at the earliest retry) instead of each key, and the sweeper
  wakes the topic too (and the keys blocked by a dead message, for their supersession, which
  `deliver_key` does); under eager Celery everything goes key by key as before.
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
from django.db.models import Exists, F, OuterRef
from django.utils import timezone

from . import background
from .models import OutboxMessage, OutboxStatus
from .signals import message_delivered, message_enqueued, messages_delivered

logger = logging.getLogger(__name__)

Handler = Callable[[OutboxMessage], None]
# Takes messages of one topic, each the head of its own key; returns the failures by message id
# (the exception a single handler would have raised); the others are sent.
BatchHandler = Callable[[list[OutboxMessage]], dict[int, Exception]]
_HANDLERS: dict[str, Handler] = {}
_BATCH_HANDLERS: dict[str, BatchHandler] = {}
# Batched topics whose handler takes runs of consecutive messages of a key (see above).
_RUN_TOPICS: set[str] = set()


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


def register_batch(topic: str, *, runs: bool = False) -> Callable[[BatchHandler], BatchHandler]:
    """Register a handler of several messages of `topic` at once (`deliver_topic`). It writes,
    in the caller's transaction, only what concerns the messages it reports sent; a message it
    reports failed must have left no trace. It also serves `deliver_key` (a batch of one),
    unless a single handler is registered for the topic after it. `runs`: the batch may hold
    several consecutive messages of a key, in order (module docstring)."""

    def decorator(batch: BatchHandler) -> BatchHandler:
        if runs:
            _RUN_TOPICS.add(topic)
        else:
            _RUN_TOPICS.discard(topic)

        def single(message: OutboxMessage) -> None:
            failure = (batch([message]) or {}).get(message.pk)
            if failure is not None:
                raise failure

        _BATCH_HANDLERS[topic] = batch
        _HANDLERS[topic] = single
        return batch

    return decorator


def handler_for(topic: str) -> Handler | None:
    return _HANDLERS.get(topic)


def batch_handler_for(topic: str) -> BatchHandler | None:
    return _BATCH_HANDLERS.get(topic)


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
    if _batched(topic):
        transaction.on_commit(lambda: schedule_topic(topic))
    else:
        transaction.on_commit(lambda: schedule(key))
    return message


def _topics_woken() -> bool:
    """Whether batched topics are woken as topics (their due heads delivered in batches): with
    a broker (Celery workers), or where the embedded run's delivery loop runs in this process
    (background.py). Under eager Celery otherwise (the tests, management commands) the key: the
    committing request delivers its own messages, never a backlog of others."""
    return not settings.CELERY_TASK_ALWAYS_EAGER or background.takes_topics()


def _batched(topic: str) -> bool:
    """Whether a commit wakes the topic rather than the key (`_topics_woken`)."""
    return topic in _BATCH_HANDLERS and _topics_woken()


def enqueue_many(messages: list[dict]) -> list[OutboxMessage]:
    """`enqueue()` for several messages at once (one INSERT): each a dict of enqueue's keyword
    arguments. The same guarantees: written in the caller's transaction, delivery asked for
    after commit (once per batched topic, once per key otherwise)."""
    now = timezone.now()
    rows = OutboxMessage.objects.bulk_create(
        OutboxMessage(
            topic=m["topic"],
            key=m["key"],
            reference=m["reference"],
            idempotency_key=m["idempotency_key"],
            created_at=now,
            next_attempt_at=max(now, m["not_before"]) if m.get("not_before") else now,
            supersedes=m.get("supersedes", False),
        )
        for m in messages
    )
    wake: dict[tuple[str, str], None] = {}
    for message in rows:
        message_enqueued.send(sender=OutboxMessage, message=message)
        if _batched(message.topic):
            wake[("topic", message.topic)] = None
        else:
            wake[("key", message.key)] = None
    for kind, name in wake:
        if kind == "topic":
            transaction.on_commit(lambda name=name: schedule_topic(name))
        else:
            transaction.on_commit(lambda name=name: schedule(name))
    return rows


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


def schedule_topic(topic: str, countdown: float | None = None) -> None:
    """Ask a worker to deliver the due messages of a batched topic (best effort, as `schedule`:
    the sweeper wakes them again if the request is lost)."""
    if not settings.OUTBOX_AUTODELIVER:
        return
    if background.accept_topic(topic, countdown):
        return  # the embedded run's delivery loop takes it (background.py)
    try:
        deliver_topic_task.apply_async(args=[topic], countdown=countdown)
    except Exception:  # the broker may be down: the rows stay pending for the sweeper
        logger.warning("Could not schedule outbox delivery of topic %s", topic, exc_info=True)


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


def _claim(topic: str, size: int) -> list[OutboxMessage]:
    """Lock up to `size` due pending messages of `topic`, each the head of its key: no older
    message of the same key is unsent (of any topic, pending, dead, or locked by another
    worker). Rows another worker holds are skipped, and the next message of their key is not
    a head, so nothing overtakes."""
    older = OutboxMessage.objects.filter(key=OuterRef("key"), id__lt=OuterRef("id")).exclude(
        status__in=DONE
    )
    queryset = OutboxMessage.objects.filter(
        topic=topic, status=OutboxStatus.PENDING, next_attempt_at__lte=timezone.now()
    ).filter(~Exists(older))
    if connection.features.has_select_for_update_skip_locked:
        queryset = queryset.select_for_update(skip_locked=True, of=("self",))
    return list(queryset.order_by("id")[:size])


def _with_runs(topic: str, heads: list[OutboxMessage]) -> list[OutboxMessage]:
    """The claimed heads and, for each, the due pending messages of `topic` that directly
    follow it on its key (up to OUTBOX_RUN_MAX per key), locked; in id order. One query: all
    the unsent messages after the heads of these keys (waiting for a lock, never skipping one,
    so that a run has no gap)."""
    if not heads:
        return heads
    head_of = {m.key: m for m in heads}
    queryset = OutboxMessage.objects.filter(
        key__in=list(head_of), id__gt=min(m.id for m in heads)
    ).exclude(status__in=DONE)
    if connection.features.has_select_for_update:
        queryset = queryset.select_for_update(of=("self",))
    now, cap = timezone.now(), settings.OUTBOX_RUN_MAX
    runs = {key: [head] for key, head in head_of.items()}
    stopped: set[str] = set()
    for message in queryset.order_by("key", "id"):
        key = message.key
        if key in stopped or message.id <= head_of[key].id:
            continue
        run = runs[key]
        if (
            message.topic == topic
            and message.status == OutboxStatus.PENDING
            and message.next_attempt_at <= now
            and len(run) < cap
        ):
            run.append(message)
        else:
            stopped.add(key)
    return sorted((m for run in runs.values() for m in run), key=lambda m: m.id)


def _hand_over(topic: str, messages: list[OutboxMessage]) -> dict[int, Exception]:
    """Run the topic's handler on the claimed messages; the failures by message id. The batch
    handler runs in one savepoint; if it breaks as a whole, each message is tried alone in its
    own savepoint, so that one bad message neither loses nor holds back the others."""
    batch = _BATCH_HANDLERS.get(topic)
    if batch is not None:
        try:
            with transaction.atomic():
                return dict(batch(messages) or {})
        except Exception:
            logger.warning("Outbox batch of %s failed as a whole: one by one", topic, exc_info=True)
    handler = handler_for(topic)
    failures: dict[int, Exception] = {}
    failed_keys: dict[str, Exception] = {}
    for message in sorted(messages, key=lambda m: m.id):
        if message.key in failed_keys:  # a run stops at its first failure: never overtake it
            failures[message.pk] = failed_keys[message.key]
            continue
        if handler is None:
            failures[message.pk] = failed_keys[message.key] = PermanentError(
                f"No handler for topic {message.topic!r}"
            )
            continue
        try:
            with transaction.atomic():
                handler(message)
        except Exception as exc:
            failures[message.pk] = failed_keys[message.key] = exc
    return failures


def deliver_topic(topic: str, *, size: int | None = None, limit: int = 2000) -> int:
    """Deliver the due head messages of a topic in batches of `size` (OUTBOX_BATCH_SIZE), one
    transaction per batch with a fixed number of statements for the outbox (claim, one UPDATE
    of the sent ones, the failures one by one); returns how many were sent. After `limit`
    messages it asks for a fresh task."""
    size = size or settings.OUTBOX_BATCH_SIZE
    runs = topic in _RUN_TOPICS
    # With a broker or the embedded loop, the retries of a topic of runs wake the topic, once
    # per batch.
    wake_topic = runs and _topics_woken()
    sent = handled = 0
    while handled < limit:
        with transaction.atomic():
            messages = _claim(topic, min(size, limit - handled))
            if not messages:
                return sent
            if runs:
                messages = _with_runs(topic, messages)
            handled += len(messages)
            failures = _hand_over(topic, messages)
            now = timezone.now()
            # In id order, so in each key's order: after a key's first failure, its later
            # messages stay as they were.
            done, failed, stopped = [], [], set()
            for message in messages:
                if message.key in stopped:
                    continue
                if message.pk in failures:
                    stopped.add(message.key)
                    failed.append(message)
                else:
                    done.append(message)
            if done:
                OutboxMessage.objects.filter(pk__in=[m.pk for m in done]).update(
                    status=OutboxStatus.SENT, sent_at=now, attempts=F("attempts") + 1, last_error=""
                )
            for message in done:
                message.status, message.sent_at, message.last_error = OutboxStatus.SENT, now, ""
                message.attempts += 1
            if done:
                messages_delivered.send(sender=OutboxMessage, messages=done)
            retry_in = None
            for message in failed:
                exc = failures[message.pk]
                if isinstance(exc, Deferred):
                    _defer(message, exc)
                    continue
                delay = _fail(
                    message, exc, permanent=isinstance(exc, PermanentError), wake=not wake_topic
                )
                if delay is not None:
                    retry_in = delay if retry_in is None else min(retry_in, delay)
            if retry_in is not None and wake_topic:
                transaction.on_commit(lambda d=retry_in: schedule_topic(topic, countdown=d))
            sent += len(done)
    schedule_topic(topic)  # more than `limit` waiting: continue in a fresh task
    return sent


def _defer(message: OutboxMessage, exc: Deferred) -> None:
    message.next_attempt_at = exc.until
    message.last_error = f"Deferred: {exc}"[:2000]
    message.save(update_fields=["next_attempt_at", "last_error"])
    delay = max(0.0, (exc.until - timezone.now()).total_seconds())
    transaction.on_commit(lambda: schedule(message.key, countdown=delay))


def _fail(
    message: OutboxMessage, exc: Exception, *, permanent: bool = False, wake: bool = True
) -> float | None:
    """Count a failed attempt: dead, or a retry after a backoff (returned, in seconds), whose
    key is woken then unless `wake` is false (the caller wakes the topic)."""
    message.attempts += 1
    message.last_error = f"{type(exc).__name__}: {exc}"[:2000]
    delay = None
    if permanent or message.attempts >= settings.OUTBOX_MAX_ATTEMPTS:
        message.status = OutboxStatus.DEAD
        logger.error("Outbox message %s is dead: %s", message.pk, message.last_error)
    else:
        delay = backoff(message.attempts)
        message.next_attempt_at = timezone.now() + timedelta(seconds=delay)
        if wake:
            transaction.on_commit(lambda: schedule(message.key, countdown=delay))
    message.save(update_fields=["attempts", "last_error", "status", "next_attempt_at"])
    return delay


def sweep(*, grace_seconds: float = 30, limit: int = 1000) -> int:
    """Schedule every key with a due pending message older than `grace_seconds` (its wake-up
    may have been lost: broker down at commit, worker killed). With a broker, a topic of runs
    is woken as a topic instead (its workers take its keys in batches), plus those of its keys
    that a dead message blocks (their supersession is `deliver_key`'s). Returns how many keys
    and topics it woke."""
    now = timezone.now()
    rows = (
        OutboxMessage.objects.filter(
            status=OutboxStatus.PENDING,
            next_attempt_at__lte=now,
            created_at__lte=now - timedelta(seconds=grace_seconds),
        )
        .order_by()
        .values_list("topic", "key")
        .distinct()[:limit]
    )
    keys: dict[str, None] = {}
    topics: dict[str, None] = {}
    batched_keys: list[str] = []
    for topic, key in rows:
        if topic in _RUN_TOPICS and _topics_woken():
            topics[topic] = None
            batched_keys.append(key)
        else:
            keys[key] = None
    if batched_keys:
        blocked = OutboxMessage.objects.filter(key__in=batched_keys, status=OutboxStatus.DEAD)
        keys.update(dict.fromkeys(blocked.order_by().values_list("key", flat=True).distinct()))
    for topic in topics:
        schedule_topic(topic)
    for key in keys:
        schedule(key)
    return len(keys) + len(topics)


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


@shared_task(
    name="outbox.deliver_topic", acks_late=True, reject_on_worker_lost=True, ignore_result=True
)
def deliver_topic_task(topic: str) -> int:
    return deliver_topic(topic)


@shared_task(name="outbox.sweep", ignore_result=True)
def sweep_task() -> int:
    return sweep()
