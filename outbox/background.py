"""The embedded run's delivery: the outbox delivered after the response, without a broker.

In the embedded default (no CELERY_BROKER_URL) Celery runs its tasks eagerly, in the process that
sends them, so `delivery.schedule()` would deliver a dossier's messages to the (mock) national
portal inside the request that wrote them. `OUTBOX_DELIVERY` (`ONECUA_OUTBOX_DELIVERY`) moves
that work out of the request:

- "thread" (what `bash scripts/dev.sh run` sets): the loop runs as a daemon thread of
  runserver's serving process; `schedule(key)` hands it the key (`accept`) and returns at once;
  it sweeps every `OUTBOX_THREAD_SWEEP_SECONDS` (and once at start, with no grace) for lost
  wake-ups;
- "worker": `schedule()` in the server only leaves the row pending; the separate process
  `manage.py outbox_worker` runs the loop below and finds due messages by polling every
  `OUTBOX_WORKER_POLL_SECONDS` with `delivery.sweep(grace_seconds=0)`. (Measured slower on
  SQLite: two writing processes contend for the file's lock; docs/portal-sync.md.)

Either way the loop calls `delivery.deliver_key(key)` — the very function the Celery task
`outbox.deliver_key` runs — or, for a batched topic (the portal sync), `delivery.deliver_topic` as
the `outbox.deliver_topic` task does: while the loop runs in the process, a commit wakes the topic
(`accept_topic`), not the key, so that the dossiers written meanwhile reach the portal in one call
instead of one call each (issue 16 §2: the delivery's cost per intake, which shares the server's
core, falls with the batch). So ordering per key, retries with backoff (a retry's countdown waits
in the loop's own timetable), dead letters and supersession are the Celery tasks' code, and so is
`delivery.sweep`, the beat task's function. Delivery stays at least once: a message is marked sent
only after its handler returned, in the same transaction; a loop that dies leaves the rest pending
in the database, and the next start (a dead thread is restarted by the next `accept`; the worker
command restarts its loop) sweeps them up first. With "inline", or where no loop runs and the mode
is not "worker" (tests, management commands), `accept` says no and `schedule` does what it always
did.
docs/portal-sync.md, "Embedded run".
"""

from __future__ import annotations

import heapq
import logging
import os
import sys
import threading
import time

from django.conf import settings
from django.db import close_old_connections, connection

logger = logging.getLogger(__name__)

_lock = threading.Condition()
_thread: threading.Thread | None = None
_stop = threading.Event()
# (due monotonic time, sequence, key): the keys to deliver, soonest first.
# A job is ("key", key) or ("topic", topic).
_heap: list[tuple[float, int, tuple[str, str]]] = []
# The earliest due time of each job waiting in the heap: a wake-up due no earlier adds nothing.
_due: dict[tuple[str, str], float] = {}
_sequence = 0
_wanted = False  # start() was called and stop() was not: a dead thread is restarted
_poll: float | None = None  # the worker process: sweep this often, with no grace


def running() -> bool:
    return _thread is not None and _thread.is_alive()


def accept(key: str, countdown: float | None = None) -> bool:
    """Take `key` for delivery in `countdown` seconds (now if None) if the thread runs here;
    False otherwise (the caller schedules it as before). Never blocks on the database."""
    return _accept(("key", key), countdown)


def accept_topic(topic: str, countdown: float | None = None) -> bool:
    """`accept` for a batched topic: its due heads are delivered in batches (`deliver_topic`).
    A commit's wake-up (no countdown) waits `OUTBOX_LOOP_BATCH_SECONDS`, so that the messages
    written meanwhile go in the same batch; the wake-ups of that second add nothing."""
    if not countdown:
        countdown = settings.OUTBOX_LOOP_BATCH_SECONDS
    return _accept(("topic", topic), countdown)


def takes_topics() -> bool:
    """Whether commits here should wake batched topics rather than keys: the loop runs in this
    process (the "thread" mode's server, the "worker" mode's worker process)."""
    return running()


def _accept(job: tuple[str, str], countdown: float | None) -> bool:
    global _sequence
    if not running():
        if not _wanted:
            # "worker": the outbox_worker process polls for the pending row; else as before.
            return settings.OUTBOX_DELIVERY == "worker" and settings.CELERY_TASK_ALWAYS_EAGER
        # The thread died (a bug, a BaseException): a new one sweeps what it left pending.
        logger.error("The outbox delivery thread had stopped: restarting it")
        start()
    due = time.monotonic() + max(0.0, countdown or 0.0)
    with _lock:
        if job in _due and _due[job] <= due:
            return True  # it runs no later than asked (and reads the database then)
        _due[job] = due
        _sequence += 1
        heapq.heappush(_heap, (due, _sequence, job))
        _lock.notify()
    return True


def pending() -> int:
    """Keys waiting in the thread's timetable (for tests and the benchmark)."""
    with _lock:
        return len(_heap)


def start(poll: float | None = None) -> bool:
    """Start the loop's thread in this process (idempotent). `poll`: the worker process's
    polling interval (seconds; every sweep without grace). Returns whether it (now) runs."""
    global _thread, _wanted, _poll
    with _lock:
        _wanted = True
        if poll is not None:
            _poll = poll
        if running():
            return True
        _stop.clear()
        _write_gate(True)
        _thread = threading.Thread(target=_loop, name="outbox-delivery", daemon=True)
        _thread.start()
    logger.info("Outbox delivery thread started (embedded run: delivery after the response)")
    return True


def stop(timeout: float = 10.0) -> None:
    """Stop the thread (tests): what it has not delivered stays pending for the sweeper."""
    global _thread, _wanted, _poll
    _wanted = False
    _poll = None
    thread = _thread
    _stop.set()
    with _lock:
        _lock.notify_all()
    if thread is not None:
        thread.join(timeout)
    with _lock:
        _heap.clear()
        _due.clear()
        _thread = None
    _write_gate(False)


def _write_gate(on: bool) -> None:
    """On SQLite, the threads of this process take turns for writing on a Python lock instead of
    sleeping in SQLite's busy handler (core/sqlite_backend): the thread writes beside requests."""
    wrapper = type(connection)
    if hasattr(wrapper, "write_gate_on"):
        wrapper.write_gate_on = on


def _next_job(sweep_at: float) -> tuple[str, str] | None:
    """Wait for the next due job (None when it is time to sweep or to stop)."""
    with _lock:
        while not _stop.is_set():
            now = time.monotonic()
            if now >= sweep_at:
                return None
            if _heap and _heap[0][0] <= now:
                due, _, job = heapq.heappop(_heap)
                if _due.get(job) == due:
                    del _due[job]
                return job
            wait = sweep_at - now
            if _heap:
                wait = min(wait, _heap[0][0] - now)
            _lock.wait(timeout=wait)
    return None


def _loop() -> None:
    from . import delivery

    interval = _poll or settings.OUTBOX_THREAD_SWEEP_SECONDS
    grace = 0.0  # at start: whatever an earlier run left pending
    sweep_at = time.monotonic()
    try:
        while not _stop.is_set():
            job = _next_job(sweep_at)
            if _stop.is_set():
                break
            close_old_connections()
            if job is None:
                try:
                    delivery.sweep(grace_seconds=grace)
                except Exception:  # the database may be busy: the next sweep tries again
                    logger.warning("Outbox sweep failed in the delivery thread", exc_info=True)
                grace = 0.0 if _poll else max(float(interval), 1.0)
                sweep_at = time.monotonic() + interval
                continue
            kind, name = job
            try:
                if kind == "topic":
                    delivery.deliver_topic(name)
                else:
                    delivery.deliver_key(name)
            except Exception:  # a database error: the messages stay pending for the sweep
                logger.warning("Outbox delivery of %s failed in the thread", name, exc_info=True)
    finally:
        connection.close()


def serving_process() -> bool:
    """Whether this process serves requests and should run the thread: the runserver child
    (RUN_MAIN under the autoreloader, or --noreload) — not the reloader's watcher, not other
    management commands."""
    argv = sys.argv[1:]
    if not argv or argv[0] != "runserver":
        return False
    return os.environ.get("RUN_MAIN") == "true" or "--noreload" in argv


def start_if_embedded() -> bool:
    """Called from OutboxConfig.ready(): start the thread where it belongs ("thread", no
    broker, the serving process)."""
    if not (settings.OUTBOX_DELIVERY == "thread" and settings.CELERY_TASK_ALWAYS_EAGER):
        return False
    if not serving_process():
        return False
    return start()
