"""The transactional outbox: written with the change, delivered in order per key, retried with
backoff, dead after too many attempts, swept when a wake-up was lost, requeued by hand."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from outbox import delivery
from outbox.models import OutboxMessage, OutboxStatus

pytestmark = [pytest.mark.django_db, pytest.mark.outbox]


class Receiver:
    """A test receiver: records what it got, fails on demand."""

    def __init__(self):
        self.got: list[tuple[str, int]] = []
        self.fail_next: list[Exception] = []

    def __call__(self, message):
        if self.fail_next:
            raise self.fail_next.pop(0)
        self.got.append((message.key, message.reference["n"]))


@pytest.fixture
def receiver(monkeypatch):
    r = Receiver()
    monkeypatch.setitem(delivery._HANDLERS, "test.topic", r)
    return r


def put(key: str, n: int) -> OutboxMessage:
    return delivery.enqueue(
        topic="test.topic", key=key, reference={"n": n}, idempotency_key=f"{key}:{n}"
    )


def test_a_message_is_delivered_after_its_transaction_commits(
    receiver, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        message = put("dossier:1", 1)
        assert receiver.got == []  # nothing leaves before the commit
    message.refresh_from_db()
    assert receiver.got == [("dossier:1", 1)]
    assert message.status == OutboxStatus.SENT
    assert message.attempts == 1
    assert message.lag_seconds is not None and message.lag_seconds >= 0


def test_a_rolled_back_change_sends_nothing(receiver, django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        put("dossier:1", 1)
        raise RuntimeError("the change failed")
    assert receiver.got == []
    assert not OutboxMessage.objects.exists()


def test_messages_of_one_key_go_in_order_and_a_failure_holds_the_rest(receiver):
    for n in (1, 2, 3):
        put("dossier:7", n)
    receiver.fail_next = [delivery.TransientError("portal down")]
    assert delivery.deliver_key("dossier:7") == 0
    first = OutboxMessage.objects.get(reference__n=1)
    assert first.status == OutboxStatus.PENDING
    assert first.attempts == 1
    assert first.next_attempt_at > timezone.now()
    assert "portal down" in first.last_error
    # Not due yet: nothing moves, and the later messages never overtake the first.
    assert delivery.deliver_key("dossier:7") == 0
    assert receiver.got == []
    OutboxMessage.objects.filter(pk=first.pk).update(next_attempt_at=timezone.now())
    assert delivery.deliver_key("dossier:7") == 3
    assert receiver.got == [("dossier:7", 1), ("dossier:7", 2), ("dossier:7", 3)]


def test_other_keys_are_not_held_up(receiver):
    put("dossier:1", 1)
    put("dossier:2", 1)
    receiver.fail_next = [delivery.TransientError("x")]
    delivery.deliver_key("dossier:1")
    delivery.deliver_key("dossier:2")
    assert receiver.got == [("dossier:2", 1)]


def test_backoff_grows_exponentially_with_jitter_and_a_cap(settings):
    settings.OUTBOX_BACKOFF_BASE = 2
    settings.OUTBOX_BACKOFF_MAX = 60
    for attempts, ceiling in [(1, 2), (2, 4), (3, 8), (6, 60), (20, 60)]:
        delays = [delivery.backoff(attempts) for _ in range(50)]
        assert all(ceiling / 2 <= d <= ceiling for d in delays)
        assert len(set(delays)) > 1  # jitter


def test_after_too_many_attempts_the_message_is_dead_and_blocks_its_key(receiver, settings):
    settings.OUTBOX_MAX_ATTEMPTS = 3
    put("dossier:9", 1)
    put("dossier:9", 2)
    for _ in range(3):
        receiver.fail_next = [delivery.TransientError("still down")]
        OutboxMessage.objects.update(next_attempt_at=timezone.now())
        delivery.deliver_key("dossier:9")
    dead = OutboxMessage.objects.get(reference__n=1)
    assert dead.status == OutboxStatus.DEAD
    assert dead.attempts == 3
    assert delivery.deliver_key("dossier:9") == 0  # the second waits behind the dead one
    assert receiver.got == []
    # An administrator requeues: both go, in order.
    call_command("outbox_requeue")
    delivery.deliver_key("dossier:9")
    assert receiver.got == [("dossier:9", 1), ("dossier:9", 2)]


def test_a_permanent_refusal_is_dead_at_once(receiver):
    put("dossier:3", 1)
    receiver.fail_next = [delivery.PermanentError("invalid record")]
    delivery.deliver_key("dossier:3")
    message = OutboxMessage.objects.get()
    assert message.status == OutboxStatus.DEAD
    assert message.attempts == 1


def test_a_message_without_a_handler_is_dead():
    delivery.enqueue(topic="nobody.listens", key="k", reference={}, idempotency_key="k:1")
    delivery.deliver_key("k")
    assert OutboxMessage.objects.get().status == OutboxStatus.DEAD


def test_the_sweeper_delivers_what_lost_its_wake_up(receiver, settings):
    settings.OUTBOX_AUTODELIVER = False  # the broker was down at commit: no wake-up
    put("dossier:5", 1)
    OutboxMessage.objects.update(created_at=timezone.now() - timedelta(minutes=5))
    assert receiver.got == []
    settings.OUTBOX_AUTODELIVER = True
    assert delivery.sweep() == 1
    assert receiver.got == [("dossier:5", 1)]
    assert delivery.sweep() == 0


def test_the_same_idempotency_key_cannot_be_written_twice(receiver):
    from django.db import IntegrityError

    put("dossier:1", 1)
    with pytest.raises(IntegrityError), transaction.atomic():
        put("dossier:1", 1)


def test_a_broker_that_is_down_at_commit_loses_nothing(
    receiver, monkeypatch, django_capture_on_commit_callbacks
):
    def broker_down(*args, **kwargs):
        raise ConnectionError("redis unreachable")

    monkeypatch.setattr(delivery.deliver_key_task, "apply_async", broker_down)
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        put("dossier:8", 1)
    assert OutboxMessage.objects.get().status == OutboxStatus.PENDING
    monkeypatch.undo()
    monkeypatch.setitem(delivery._HANDLERS, "test.topic", receiver)
    OutboxMessage.objects.update(created_at=timezone.now() - timedelta(minutes=5))
    delivery.sweep()
    assert receiver.got == [("dossier:8", 1)]


# --- a dead message is loud, and a newer full-state message supersedes it ----------------------
def put_full(key: str, n: int, topic: str = "test.topic") -> OutboxMessage:
    """A message whose handler sends the whole current state (it supersedes older ones)."""
    return delivery.enqueue(
        topic=topic, key=key, reference={"n": n}, idempotency_key=f"{key}:{n}", supersedes=True
    )


def test_a_newer_full_state_message_supersedes_a_dead_one_and_delivery_goes_on(receiver):
    put_full("dossier:4", 1)
    receiver.fail_next = [delivery.PermanentError("invalid record")]
    delivery.deliver_key("dossier:4")
    dead = OutboxMessage.objects.get(reference__n=1)
    assert dead.status == OutboxStatus.DEAD
    # A message that is only a change (not the whole state) cannot stand in for it: still held.
    put("dossier:4", 2)
    assert delivery.deliver_key("dossier:4") == 0
    assert receiver.got == []
    # A later full-state message: the dead one is superseded (kept, visible), the change that
    # was waiting goes first, then the full state.
    newer = put_full("dossier:4", 3)
    assert delivery.deliver_key("dossier:4") == 2
    assert receiver.got == [("dossier:4", 2), ("dossier:4", 3)]
    dead.refresh_from_db()
    assert dead.status == OutboxStatus.SUPERSEDED
    assert dead.superseded_by == newer
    assert "invalid record" in dead.last_error
    assert list(newer.superseded.all()) == [dead]
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {
        OutboxStatus.SENT,
        OutboxStatus.SUPERSEDED,
    }
    # Superseded is not dead: nothing to requeue, nothing counted as a dead letter.
    assert delivery.requeue() == 0
    assert delivery.dead_letters_summary()["count"] == 0


def test_superseding_follows_a_chain_of_dead_messages(receiver):
    put_full("dossier:6", 1)
    receiver.fail_next = [delivery.PermanentError("refused 1")]
    delivery.deliver_key("dossier:6")
    second = put_full("dossier:6", 2)
    receiver.fail_next = [delivery.PermanentError("refused 2")]
    delivery.deliver_key("dossier:6")  # 1 superseded by 2, which dies in its turn
    assert OutboxMessage.objects.get(reference__n=1).superseded_by == second
    assert OutboxMessage.objects.get(reference__n=2).status == OutboxStatus.DEAD
    third = put_full("dossier:6", 3)
    delivery.deliver_key("dossier:6")
    assert receiver.got == [("dossier:6", 3)]
    # The third carries everything the two dead ones carried.
    assert sorted(m.reference["n"] for m in third.superseded.all()) == [1, 2]


def test_only_the_same_topic_supersedes(receiver, monkeypatch):
    monkeypatch.setitem(delivery._HANDLERS, "other.topic", receiver)
    put_full("dossier:2", 1)
    receiver.fail_next = [delivery.PermanentError("invalid")]
    delivery.deliver_key("dossier:2")
    put_full("dossier:2", 2, topic="other.topic")  # another receiver's full state
    assert delivery.deliver_key("dossier:2") == 0
    assert OutboxMessage.objects.get(reference__n=1).status == OutboxStatus.DEAD
    assert receiver.got == []


def test_dead_letters_are_counted_with_their_latest_reasons(receiver):
    assert delivery.dead_letters_summary() == {"count": 0, "latest": []}
    for key, reason in (("dossier:21", "refused A"), ("dossier:22", "refused B")):
        put(key, 1)
        receiver.fail_next = [delivery.PermanentError(reason)]
        delivery.deliver_key(key)
    put("dossier:23", 1)
    delivery.deliver_key("dossier:23")
    summary = delivery.dead_letters_summary()
    assert summary["count"] == 2
    assert [(d["key"], d["last_error"]) for d in summary["latest"]] == [
        ("dossier:22", "PermanentError: refused B"),
        ("dossier:21", "PermanentError: refused A"),
    ]
