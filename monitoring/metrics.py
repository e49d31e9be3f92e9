"""What /metrics exposes (docs/operations.md "Metrics"), with the official client library
(prometheus-client):

- `onecua_http_request_duration_seconds{view,method,status}`: a histogram of each request's
  latency by view name (monitoring/middleware.py);
- collected at scrape time (`StateCollector`), from the database and the broker:
  - `onecua_outbox_pending_messages{topic}` and `onecua_outbox_oldest_pending_age_seconds{topic}`:
    the outbox's depth and the age of its oldest pending message, per topic;
  - `onecua_outbox_dead_messages{topic}`: the dead letters (their keys are blocked);
  - `onecua_portal_sync_lag_seconds`: the age of the oldest portal message not delivered yet
    (0 when all are);
  - `onecua_celery_queue_depth{queue}`: tasks waiting in each Celery queue (Redis only: LLEN;
    RabbitMQ's own Prometheus plugin reports its queues);
  - `onecua_database_replica_lag_seconds{alias}`: only when a read replica is configured
    (settings DATABASES has `replica`), measured on the replica itself (core/replica.py: 0 when
    it has replayed all it received; absent when it cannot be reached), and
    `onecua_database_replica_usable{alias}`: 1 when the router reads it, 0 when it falls back to
    the primary (lag above REPLICA_MAX_LAG_SECONDS, or down).

Two small queries per scrape over the outbox's partial indexes (pending: `outbox_pending_due`,
dead: `outbox_dead`), grouped by topic; the sent rows are never read.

With gunicorn's several worker processes, set PROMETHEUS_MULTIPROC_DIR (an empty folder, cleared
at each start) so that the histogram adds up all of them (the client library's multiprocess mode).
"""

from __future__ import annotations

import logging
import os

from django.conf import settings
from django.db import connections
from django.db.models import Count, Min
from django.utils import timezone
from prometheus_client import CollectorRegistry, Histogram, generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily

from config import queues
from core import replica
from outbox.models import OutboxMessage, OutboxStatus

logger = logging.getLogger(__name__)

# Our own registry: the library's default one also holds its process and platform collectors,
# which multiprocess mode cannot use.
REGISTRY = CollectorRegistry(auto_describe=True)

REQUEST_LATENCY = Histogram(
    "onecua_http_request_duration_seconds",
    "Latency of HTTP requests, by view name, method and status code.",
    ["view", "method", "status"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
    registry=REGISTRY,
)

# kombu's Redis transport keeps a queue's prioritised messages in sibling lists.
_PRIORITY_SEPARATOR = "\x06\x16"
_PRIORITY_STEPS = (3, 6, 9)


class StateCollector:
    """The outbox, the portal sync, the Celery queues and the replica, read at scrape time."""

    def describe(self):
        return []

    def collect(self):
        now = timezone.now()
        pending = GaugeMetricFamily(
            "onecua_outbox_pending_messages",
            "Outbox messages waiting to be delivered, per topic.",
            labels=["topic"],
        )
        oldest = GaugeMetricFamily(
            "onecua_outbox_oldest_pending_age_seconds",
            "Age of the oldest pending outbox message, per topic.",
            labels=["topic"],
        )
        dead = GaugeMetricFamily(
            "onecua_outbox_dead_messages",
            "Dead outbox messages (delivery stopped, their keys blocked), per topic.",
            labels=["topic"],
        )
        rows = (
            OutboxMessage.objects.filter(status=OutboxStatus.PENDING)
            .order_by()
            .values("topic")
            .annotate(n=Count("id"), first=Min("created_at"))
        )
        ages = {}
        for row in rows:
            ages[row["topic"]] = max(0.0, (now - row["first"]).total_seconds())
            pending.add_metric([row["topic"]], row["n"])
            oldest.add_metric([row["topic"]], ages[row["topic"]])
        dead_rows = (
            OutboxMessage.objects.filter(status=OutboxStatus.DEAD)
            .order_by()
            .values("topic")
            .annotate(n=Count("id"))
        )
        for row in dead_rows:
            dead.add_metric([row["topic"]], row["n"])
        yield pending
        yield oldest
        yield dead

        lag = GaugeMetricFamily(
            "onecua_portal_sync_lag_seconds",
            "Age of the oldest portal (DVCQG) message not delivered yet; 0 when all are.",
        )
        lag.add_metric([], ages.get(settings.INDICATORS_SYNC_TOPIC, 0.0))
        yield lag

        depth = self._queue_depth()
        if depth is not None:
            yield depth
        lag = self._replica_lag()
        if lag is not None:
            yield from lag

    def _queue_depth(self):
        url = settings.CELERY_BROKER_URL
        if not url.startswith(("redis://", "rediss://")) or settings.CELERY_TASK_ALWAYS_EAGER:
            return None  # RabbitMQ reports its own queues; eager Celery has none
        import redis

        metric = GaugeMetricFamily(
            "onecua_celery_queue_depth",
            "Celery tasks waiting in each queue (Redis broker).",
            labels=["queue"],
        )
        try:
            client = redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)
            with client.pipeline(transaction=False) as pipe:
                for name in queues.QUEUES:
                    pipe.llen(name)
                    for step in _PRIORITY_STEPS:
                        pipe.llen(f"{name}{_PRIORITY_SEPARATOR}{step}")
                lengths = pipe.execute()
            client.close()
        except redis.RedisError:
            logger.warning("Could not read the Celery queues' depth from Redis", exc_info=True)
            return None
        per_queue = 1 + len(_PRIORITY_STEPS)
        for index, name in enumerate(queues.QUEUES):
            metric.add_metric([name], sum(lengths[index * per_queue : (index + 1) * per_queue]))
        return metric

    def _replica_lag(self):
        if not replica.configured() or connections[replica.ALIAS].vendor != "postgresql":
            return None
        lag = replica.measure_lag()  # measured at each scrape, not the router's cached value
        metric = GaugeMetricFamily(
            "onecua_database_replica_lag_seconds",
            "Seconds the read replica is behind the primary (0 when it has replayed all it "
            "received; +Inf when unknown).",
            labels=["alias"],
        )
        usable = GaugeMetricFamily(
            "onecua_database_replica_usable",
            "1 when the router sends reads to the replica (reachable, lag within "
            "REPLICA_MAX_LAG_SECONDS), 0 when it falls back to the primary.",
            labels=["alias"],
        )
        if lag is not None:
            metric.add_metric([replica.ALIAS], lag)
        usable.add_metric(
            [replica.ALIAS],
            float(lag is not None and lag <= settings.REPLICA_MAX_LAG_SECONDS),
        )
        return [metric, usable] if lag is not None else [usable]


def exposition() -> bytes:
    """The text exposition format of every metric."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = CollectorRegistry()
        registry.register(_LocalMetrics())
    registry.register(StateCollector())
    return generate_latest(registry)


class _LocalMetrics:
    """This process's own metrics (the histogram), as one collector."""

    def collect(self):
        return REGISTRY.collect()
