"""Celery queues by kind, so that a slow kind never starves another (docs/operations.md
"Queues"). Each kind has its own workers (`celery -A config worker -Q portal`, README "Workers").

- `portal`: the national portal's sync (the outbox's `dvcqg.dossier` and `feedback.portal`
  deliveries) and its periodic reconciliation and catalogue diff;
- `notifications`: the e-mail, SMS and Zalo notices (the outbox's `notify.*` deliveries);
- `payments`: the payment platform's reconciliation (and the mock platform's notifications);
- `reports`: the daily reports;
- `periodic`: the short housekeeping passes beat starts (the outbox sweeper, the watchdog, the
  feedback watch, expired tokens);
- `celery`: the default, for any task not named here.

The outbox enqueues one `outbox.deliver_key` task per key, or one `outbox.deliver_topic` per topic
for the batched topics (outbox/delivery.py); a topic names its kind, and a key tells
its topic (`dossier:<id>` is the portal sync, `notify.<channel>:…` a notice, `feedback:<id>` the
portal's feedback): `route_task` routes a delivery by its key's prefix, without the outbox knowing
about queues.

With RabbitMQ (CELERY_BROKER_URL=amqp://…) the queues are quorum queues (replicated, durable) on
topic exchanges, which also lets Celery use RabbitMQ's native delayed delivery for the outbox's
retries (countdown tasks) instead of holding them in a worker.
"""

from __future__ import annotations

from kombu import Exchange, Queue

DEFAULT_QUEUE = "celery"
QUEUES = ("portal", "notifications", "payments", "reports", "periodic", DEFAULT_QUEUE)

# Task name → queue.
TASK_QUEUES = {
    "integrations.portal_reconcile": "portal",
    "integrations.portal_catalogue_diff": "portal",
    "payments.reconcile": "payments",
    "mockpayment.deliver_notifications": "payments",
    "payments.daily_report": "reports",
    "outbox.sweep": "periodic",
    "watchdog.run_pass": "periodic",
    "feedback.watch_pass": "periodic",
    "accounts.purge_expired_tokens": "periodic",
    "servicecentre.appointments_tick": "periodic",
    "core.partitions": "periodic",
}

# The outbox's deliveries: key prefix → queue (the keys of integrations/portal/sync.py,
# feedback/services.py and notifications/services.py). Other keys go to the default queue.
OUTBOX_KEY_QUEUES = (
    ("dossier:", "portal"),
    ("feedback:", "portal"),
    ("notify.", "notifications"),
)


# The outbox's batched deliveries of one topic (outbox.deliver_topic, notifications): topic
# prefix → queue.
OUTBOX_TOPIC_QUEUES = (
    ("dvcqg.", "portal"),
    ("feedback.", "portal"),
    ("notify.", "notifications"),
)


def queue_for(name: str, args=None) -> str | None:
    """The queue of task `name` called with `args` (None: the default queue)."""
    if name == "outbox.deliver_topic" and args:
        topic = str(args[0])
        for prefix, queue in OUTBOX_TOPIC_QUEUES:
            if topic.startswith(prefix):
                return queue
        return None
    if name == "outbox.deliver_key" and args:
        key = str(args[0])
        for prefix, queue in OUTBOX_KEY_QUEUES:
            if key.startswith(prefix):
                return queue
        return None
    return TASK_QUEUES.get(name)


def route_task(name, args, kwargs, options, task=None, **kw):
    """The Celery router (settings CELERY_TASK_ROUTES)."""
    queue = queue_for(name, args)
    return {"queue": queue} if queue else None


def is_amqp(broker_url: str) -> bool:
    return broker_url.split("://", 1)[0] in {"amqp", "amqps", "pyamqp"}


def celery_queues(broker_url: str) -> tuple[Queue, ...]:
    """The declared queues: quorum queues on RabbitMQ, plain lists on Redis."""
    amqp = is_amqp(broker_url)
    arguments = {"x-queue-type": "quorum"} if amqp else None
    kind = "topic" if amqp else "direct"
    return tuple(
        Queue(name, Exchange(name, type=kind), routing_key=name, queue_arguments=arguments)
        for name in QUEUES
    )
