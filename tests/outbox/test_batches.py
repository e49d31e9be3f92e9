"""Batched delivery of a topic (`outbox.delivery.deliver_topic`, used by the notices): one
transaction claims the due heads of several keys, the handler takes them together, and the
outbox's guarantees hold as with `deliver_key` — the order per key, at-least-once with backoff,
deferral without an attempt, dead letters visible, one failure holding back only its own key."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from outbox import delivery
from outbox.models import OutboxMessage, OutboxStatus

pytestmark = [pytest.mark.django_db, pytest.mark.outbox]

TOPIC = "test.batch"


class BatchReceiver:
    """A batch receiver: records each batch it got; fails the messages named in `fail`."""

    def __init__(self):
        self.batches: list[list[tuple[str, int]]] = []
        self.fail: dict[tuple[str, int], Exception] = {}
        self.explode = False

    def __call__(self, messages):
        if self.explode and len(messages) > 1:
            raise RuntimeError("the batch broke as a whole")
        self.batches.append([(m.key, m.reference["n"]) for m in messages])
        failures = {}
        for m in messages:
            exc = self.fail.pop((m.key, m.reference["n"]), None)
            if exc is not None:
                failures[m.pk] = exc
        return failures

    @property
    def got(self) -> list[tuple[str, int]]:
        return [item for batch in self.batches for item in batch]


@pytest.fixture
def receiver(monkeypatch):
    r = BatchReceiver()
    monkeypatch.setattr(delivery, "_BATCH_HANDLERS", {**delivery._BATCH_HANDLERS})
    monkeypatch.setattr(delivery, "_HANDLERS", {**delivery._HANDLERS})
    delivery.register_batch(TOPIC)(r)
    return r


def put(key: str, n: int, topic: str = TOPIC) -> OutboxMessage:
    return delivery.enqueue(
        topic=topic, key=key, reference={"n": n}, idempotency_key=f"{topic}:{key}:{n}"
    )


def sent_of(key: str) -> list[int]:
    return list(
        OutboxMessage.objects.filter(key=key, status=OutboxStatus.SENT)
        .order_by("id")
        .values_list("reference__n", flat=True)
    )


def test_a_batch_takes_one_message_per_key_and_each_key_keeps_its_order(receiver, settings):
    settings.OUTBOX_AUTODELIVER = False
    for n in (1, 2, 3):
        put("k:a", n)
        put("k:b", n)
    assert delivery.deliver_topic(TOPIC) == 6
    # Heads only: each batch holds at most one message of a key, in the key's order.
    assert receiver.batches == [
        [("k:a", 1), ("k:b", 1)],
        [("k:a", 2), ("k:b", 2)],
        [("k:a", 3), ("k:b", 3)],
    ]
    assert sent_of("k:a") == [1, 2, 3] and sent_of("k:b") == [1, 2, 3]
    message = OutboxMessage.objects.get(key="k:a", reference__n=1)
    assert message.attempts == 1 and message.sent_at is not None and message.last_error == ""


def test_a_failing_message_holds_back_only_its_own_key(receiver, settings):
    settings.OUTBOX_AUTODELIVER = False
    for n in (1, 2):
        put("k:a", n)
        put("k:b", n)
    receiver.fail[("k:a", 1)] = delivery.TransientError("gateway down")
    assert delivery.deliver_topic(TOPIC) == 2  # k:b's two; k:a waits for its retry
    assert sent_of("k:b") == [1, 2]
    failed = OutboxMessage.objects.get(key="k:a", reference__n=1)
    assert failed.status == OutboxStatus.PENDING and failed.attempts == 1
    assert failed.next_attempt_at > timezone.now() and "gateway down" in failed.last_error
    # Its successor never overtakes it, by the topic's path or the key's.
    assert delivery.deliver_topic(TOPIC) == 0
    assert delivery.deliver_key("k:a") == 0
    assert sent_of("k:a") == []
    # Due again (the retry goes through deliver_key, a batch of one): both go, in order.
    OutboxMessage.objects.filter(pk=failed.pk).update(next_attempt_at=timezone.now())
    assert delivery.deliver_key("k:a") == 2
    assert sent_of("k:a") == [1, 2]
    assert receiver.got[-2:] == [("k:a", 1), ("k:a", 2)]


def test_a_permanent_failure_is_a_visible_dead_letter_and_blocks_only_its_key(receiver, settings):
    settings.OUTBOX_AUTODELIVER = False
    put("k:a", 1)
    put("k:a", 2)
    put("k:b", 1)
    receiver.fail[("k:a", 1)] = delivery.PermanentError("refused for good")
    delivery.deliver_topic(TOPIC)
    dead = OutboxMessage.objects.get(key="k:a", reference__n=1)
    assert dead.status == OutboxStatus.DEAD and dead.attempts == 1
    assert sent_of("k:b") == [1] and sent_of("k:a") == []
    summary = delivery.dead_letters_summary()
    assert summary["count"] == 1 and "refused for good" in summary["latest"][0]["last_error"]


def test_a_deferred_message_waits_without_an_attempt(receiver, settings):
    settings.OUTBOX_AUTODELIVER = False
    put("k:a", 1)
    until = timezone.now() + timezone.timedelta(hours=2)
    receiver.fail[("k:a", 1)] = delivery.Deferred(until, "quiet hours")
    assert delivery.deliver_topic(TOPIC) == 0
    message = OutboxMessage.objects.get()
    assert message.status == OutboxStatus.PENDING and message.attempts == 0
    assert message.next_attempt_at == until


def test_a_batch_that_breaks_as_a_whole_is_tried_message_by_message(receiver, settings):
    settings.OUTBOX_AUTODELIVER = False
    for key in ("k:a", "k:b", "k:c"):
        put(key, 1)
    receiver.explode = True  # only batches of more than one break
    receiver.fail[("k:b", 1)] = delivery.TransientError("this one is bad")
    assert delivery.deliver_topic(TOPIC) == 2
    assert sent_of("k:a") == [1] and sent_of("k:c") == [1]
    assert OutboxMessage.objects.get(key="k:b").attempts == 1  # retried later, not lost


def test_an_older_message_of_another_topic_on_the_same_key_goes_first(receiver, settings):
    settings.OUTBOX_AUTODELIVER = False
    put("k:a", 1, topic="other.topic")  # no handler registered: it will be dead
    put("k:a", 2)
    put("k:b", 1)
    assert delivery.deliver_topic(TOPIC) == 1
    assert sent_of("k:b") == [1] and sent_of("k:a") == []


def test_the_batch_size_bounds_a_transaction(receiver, settings):
    settings.OUTBOX_AUTODELIVER = False
    for i in range(5):
        put(f"k:{i}", 1)
    assert delivery.deliver_topic(TOPIC, size=2) == 5
    assert [len(batch) for batch in receiver.batches] == [2, 2, 1]


def test_the_outbox_statements_of_a_batch_do_not_grow_with_its_size(receiver, settings):
    settings.OUTBOX_AUTODELIVER = False
    counts = []
    for size, prefix in ((2, "s"), (8, "l")):
        for i in range(size):
            put(f"{prefix}:{i}", 1)
        with CaptureQueriesContext(connection) as queries:
            assert delivery.deliver_topic(TOPIC) == size
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_a_commit_wakes_the_topic_once_with_a_broker(
    receiver, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.CELERY_TASK_ALWAYS_EAGER = False  # a broker: a worker takes the task
    asked = []
    monkeypatch.setattr(
        delivery.deliver_topic_task, "apply_async", lambda args, **kw: asked.append(args)
    )
    monkeypatch.setattr(
        delivery.deliver_key_task, "apply_async", lambda args, **kw: asked.append(args)
    )
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        delivery.enqueue_many(
            [
                {
                    "topic": TOPIC,
                    "key": f"k:{i}",
                    "reference": {"n": 1},
                    "idempotency_key": f"wake:{i}",
                }
                for i in range(3)
            ]
        )
        assert asked == []  # nothing before the commit
    assert asked == [[TOPIC]]


def test_under_eager_celery_a_commit_delivers_its_own_keys(
    receiver, django_capture_on_commit_callbacks
):
    put("k:old", 1)  # already waiting (its wake-up lost): not this request's to send
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        put("k:a", 1)
        put("k:b", 1)
        assert ("k:a", 1) not in receiver.got  # nothing leaves before the commit
    assert sorted(receiver.got) == [("k:a", 1), ("k:b", 1)]


def test_enqueue_many_writes_in_one_statement_and_wakes_once_per_topic(
    receiver, settings, django_capture_on_commit_callbacks
):
    settings.CELERY_TASK_ALWAYS_EAGER = False  # a broker (the callbacks are not run here)
    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        with CaptureQueriesContext(connection) as queries:
            delivery.enqueue_many(
                [
                    {
                        "topic": TOPIC,
                        "key": f"k:{i}",
                        "reference": {"n": 1},
                        "idempotency_key": f"many:{i}",
                    }
                    for i in range(4)
                ]
            )
        inserts = [q for q in queries if q["sql"].lstrip().upper().startswith("INSERT")]
        assert len(inserts) == 1
    assert len(callbacks) == 1
    assert OutboxMessage.objects.filter(topic=TOPIC).count() == 4


@pytest.mark.django_db(transaction=True)
def test_a_head_another_worker_holds_is_not_overtaken(receiver, settings):
    """Two workers: while one holds the head of a key (its row locked, being sent), the other
    delivers the other keys and neither that head nor its successor (PostgreSQL's SKIP LOCKED)."""
    if not connection.features.has_select_for_update_skip_locked:
        pytest.skip("row locks: PostgreSQL")
    settings.OUTBOX_AUTODELIVER = False
    put("k:a", 1)
    put("k:a", 2)
    put("k:b", 1)
    held, release = threading.Event(), threading.Event()

    def other_worker():
        from django.db import connection as own

        try:
            with transaction.atomic():
                OutboxMessage.objects.select_for_update().get(key="k:a", reference__n=1)
                held.set()
                release.wait(10)
        finally:
            own.close()

    thread = threading.Thread(target=other_worker)
    thread.start()
    try:
        assert held.wait(10)
        assert delivery.deliver_topic(TOPIC) == 1
        assert receiver.got == [("k:b", 1)]
    finally:
        release.set()
        thread.join(10)
    assert delivery.deliver_topic(TOPIC) == 2
    assert sent_of("k:a") == [1, 2]
