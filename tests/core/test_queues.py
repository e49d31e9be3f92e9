"""Celery queues by kind (config/queues.py, docs/operations.md "Queues"): each task goes to the
queue of its kind, so that a slow kind (the portal down, a gateway slow) never starves another."""

import pytest
from kombu import Queue

from config import queues
from config.celery import app


def routed(name: str, args=None) -> str:
    """Where Celery's own router sends task `name` (what apply_async publishes to)."""
    options = app.amqp.router.route({}, name, args or [], {})
    queue = options["queue"]
    return queue.name if isinstance(queue, Queue) else queue


@pytest.mark.parametrize(
    ("name", "args", "queue"),
    [
        # The outbox's deliveries by their key's topic.
        ("outbox.deliver_key", ["dossier:42"], "portal"),
        ("outbox.deliver_key", ["feedback:7"], "portal"),
        ("outbox.deliver_key", ["notify.email:dossier:42"], "notifications"),
        ("outbox.deliver_key", ["notify.sms:user:3"], "notifications"),
        ("outbox.deliver_key", ["notify.zalo:dossier:1"], "notifications"),
        ("outbox.deliver_key", ["something-else:1"], "celery"),
        # The batched deliveries of a topic (the notices) go by the topic's kind.
        ("outbox.deliver_topic", ["notify.sms"], "notifications"),
        ("outbox.deliver_topic", ["notify.email"], "notifications"),
        ("outbox.deliver_topic", ["dvcqg.dossier"], "portal"),
        ("outbox.deliver_topic", ["feedback.portal"], "portal"),
        ("outbox.deliver_topic", ["something.else"], "celery"),
        ("integrations.portal_reconcile", None, "portal"),
        ("integrations.portal_catalogue_diff", None, "portal"),
        ("payments.reconcile", None, "payments"),
        ("mockpayment.deliver_notifications", None, "payments"),
        ("payments.daily_report", None, "reports"),
        ("outbox.sweep", None, "periodic"),
        ("watchdog.run_pass", None, "periodic"),
        ("feedback.watch_pass", None, "periodic"),
        ("accounts.purge_expired_tokens", None, "periodic"),
        ("an.unknown.task", None, "celery"),
    ],
)
def test_each_task_goes_to_the_queue_of_its_kind(name, args, queue):
    assert routed(name, args) == queue


def test_every_task_and_beat_entry_has_a_declared_queue(settings):
    # A task routed to a queue no worker command names would wait forever.
    names = {q.name for q in app.conf.task_queues}
    assert names == set(queues.QUEUES)
    registered = {n for n in app.tasks if not n.startswith("celery.")}
    assert registered  # autodiscovery found the apps' tasks
    for name in registered:
        if name in {"outbox.deliver_key", "outbox.deliver_topic"}:
            continue  # routed by key or topic, above
        assert name in queues.TASK_QUEUES, f"{name} has no queue of its kind"
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert entry["task"] in queues.TASK_QUEUES


def test_rabbitmq_gets_quorum_queues_and_redis_plain_ones():
    amqp = queues.celery_queues("amqp://guest:guest@rabbitmq:5672/onecua")
    assert {q.queue_arguments["x-queue-type"] for q in amqp} == {"quorum"}
    # Topic exchanges: what Celery's native delayed delivery (the outbox's countdown retries on
    # quorum queues) needs.
    assert {q.exchange.type for q in amqp} == {"topic"}
    redis = queues.celery_queues("redis://redis:6379/0")
    assert all(not q.queue_arguments for q in redis)


def test_settings_with_a_rabbitmq_broker(monkeypatch):
    """CELERY_BROKER_URL=amqp://… gives quorum queues, publisher confirms and late acks."""
    import importlib

    import config.settings as live

    monkeypatch.setenv("CELERY_BROKER_URL", "amqp://guest:guest@127.0.0.1:5672/onecua")
    try:
        fresh = importlib.reload(live)
        assert fresh.CELERY_BROKER_TRANSPORT_OPTIONS == {"confirm_publish": True}
        assert fresh.CELERY_TASK_ACKS_LATE is True
        assert fresh.CELERY_TASK_REJECT_ON_WORKER_LOST is True
        assert fresh.CELERY_TASK_DEFAULT_QUEUE_TYPE == "quorum"
        assert fresh.CELERY_TASK_ALWAYS_EAGER is False
        assert all(
            q.queue_arguments == {"x-queue-type": "quorum"} for q in fresh.CELERY_TASK_QUEUES
        )
    finally:
        monkeypatch.delenv("CELERY_BROKER_URL")
        importlib.reload(live)


@pytest.mark.parametrize(
    ("broker", "asked", "sent"),
    [
        ("amqp://guest:guest@127.0.0.1:5672/onecua", 0.4, 1),
        ("amqp://guest:guest@127.0.0.1:5672/onecua", 2.01, 3),
        ("amqp://guest:guest@127.0.0.1:5672/onecua", None, None),
        ("redis://127.0.0.1:6379/0", 0.4, 0.4),
    ],
)
def test_a_fractional_countdown_is_rounded_up_on_rabbitmq(monkeypatch, broker, asked, sent):
    # RabbitMQ's native delayed delivery refuses a countdown under one second (the outbox's
    # retry of a message due in 0.4 s would be lost to the sweeper): whole seconds, never early.
    from celery import Celery

    seen = {}
    monkeypatch.setattr(
        Celery, "send_task", lambda self, *a, countdown=None, **k: seen.update(c=countdown)
    )
    monkeypatch.setattr(app.conf, "broker_url", broker)
    app.send_task("outbox.deliver_key", args=["dossier:1"], countdown=asked)
    assert seen["c"] == sent
