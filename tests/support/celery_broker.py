"""Pointing this process's Celery app at another broker, as the tests with real workers
(tests/integrations/test_worker_postgres.py) and the delivery benchmark (bench/bench_delivery.py)
do: after a change of `broker_url`, the connections pooled for the old one must go."""

from __future__ import annotations

import contextlib

from kombu import pools as kombu_pools


def forget_broker_connections(app) -> None:
    """Close `app`'s pooled broker connections and forget its producer pools.

    Kombu keeps producer pools per broker address, process-wide: a pooled producer may hold a
    connection closed earlier."""
    kombu_pools.reset()
    pool, app._pool = app._pool, None
    if pool is not None:
        with contextlib.suppress(Exception):  # a dead broker's connections may not close
            pool.force_close_all()
    amqp = app.__dict__.get("amqp")
    if amqp is not None:
        amqp._producer_pool = None
