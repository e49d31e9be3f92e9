"""The read replica (docs/deployment.md "Read replica"; the router is config/routers.py).

When DATABASE_REPLICA_URL is set, settings DATABASES has a `replica` alias (a PostgreSQL streaming
standby of `default`) and config.routers.ReplicaRouter decides, read by read, where to go:

- writes always go to the primary (`default`);
- a read goes to the replica only inside `reading_from_replica()` (a context manager and a
  decorator), which the read-only, heavy paths use: the indicators and 766 API, the leaders'
  dashboard and the logbook exports. Everything else reads the primary;
- never for a reader who has just written: the first write of a request pins the rest of the
  request to the primary (`pinned`), and `ReplicaPinMiddleware` then sets a short-lived signed
  cookie (REPLICA_PIN_SECONDS) so that the same browser's next requests read the primary too;
  inside a transaction on the primary every read stays there as well;
- never when the replica is behind: its lag (`replica_lag()`, measured on the replica, cached
  REPLICA_LAG_CACHE_SECONDS) above REPLICA_MAX_LAG_SECONDS, or the replica unreachable, sends the
  reads back to the primary.

The lag: 0 when everything the standby received is replayed (`pg_last_wal_receive_lsn() =
pg_last_wal_replay_lsn()`) while its WAL receiver is streaming: an idle primary writes nothing, so
the age of the last replayed transaction says nothing then; otherwise `now() -
pg_last_xact_replay_timestamp()` (unknown, so infinite, when nothing was replayed yet). A server
that is not in recovery (a primary given as the replica) counts as 0.
"""

from __future__ import annotations

import contextvars
import logging
import math
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import ContextDecorator, contextmanager, suppress

from django.conf import settings
from django.core.signing import BadSignature
from django.db import connections

logger = logging.getLogger(__name__)

ALIAS = "replica"
PRIMARY = "default"
PIN_COOKIE = "onecua_primary"

_scope: contextvars.ContextVar[bool] = contextvars.ContextVar("replica_scope", default=False)
_pinned: contextvars.ContextVar[bool] = contextvars.ContextVar("replica_pinned", default=False)

LAG_SQL = (
    "SELECT pg_is_in_recovery(), "
    "pg_last_wal_receive_lsn() IS NOT NULL "
    "AND pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() "
    "AND EXISTS (SELECT 1 FROM pg_stat_wal_receiver WHERE status = 'streaming'), "
    "EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp())"
)

_lock = threading.Lock()
_cached: tuple[float, float | None] | None = None  # (monotonic time measured, lag or None)


def configured() -> bool:
    return ALIAS in settings.DATABASES


class reading_from_replica(ContextDecorator):
    """Reads in this block (or decorated function) may go to the replica."""

    def _recreate_cm(self):
        return type(self)()  # a fresh one per call: the token is per entry

    def __enter__(self):
        self._token = _scope.set(True)
        return self

    def __exit__(self, *exc):
        _scope.reset(self._token)
        return False


def iterate_from_replica(items: Iterable) -> Iterator:
    """A streamed export: each step of `items` reads inside the replica scope, with the pin of the
    request that made it (the steps run after the view and its middleware have returned) and any
    write of an earlier step (which pins the rest of the stream, not the server's thread)."""
    return _steps(iter(items), _pinned.get())


def _steps(iterator: Iterator, pinned: bool) -> Iterator:
    while True:
        with request_scope(pinned=pinned), reading_from_replica():
            try:
                item = next(iterator)
            except StopIteration:
                return
            pinned = _pinned.get()
        yield item


def pin_to_primary() -> None:
    """The rest of this request (or task) reads the primary: it wrote."""
    _pinned.set(True)


def is_pinned() -> bool:
    return _pinned.get()


@contextmanager
def request_scope(*, pinned: bool = False) -> Iterator[None]:
    """A unit of work (a request) that starts pinned or not and forgets its pin at the end."""
    token = _pinned.set(pinned)
    try:
        yield
    finally:
        _pinned.reset(token)


def measure_lag() -> float | None:
    """The replica's lag in seconds, measured now; None when it cannot be read."""
    connection = connections[ALIAS]
    try:
        with connection.cursor() as cursor:
            cursor.execute(LAG_SQL)
            in_recovery, caught_up, seconds = cursor.fetchone()
    except Exception:
        logger.warning("Could not read the replica's lag", exc_info=True)
        with suppress(Exception):
            connection.close()  # the next read opens a new one
        return None
    if not in_recovery or caught_up:
        return 0.0
    if seconds is None:
        return math.inf
    return max(float(seconds), 0.0)


def replica_lag() -> float | None:
    """`measure_lag()`, cached REPLICA_LAG_CACHE_SECONDS in this process."""
    global _cached
    now = time.monotonic()
    with _lock:
        if _cached is not None and now - _cached[0] < settings.REPLICA_LAG_CACHE_SECONDS:
            return _cached[1]
    lag = measure_lag()
    with _lock:
        _cached = (time.monotonic(), lag)
    return lag


def forget_lag() -> None:
    """Drop the cached lag (tests; after a failover)."""
    global _cached
    with _lock:
        _cached = None


def replica_usable() -> bool:
    lag = replica_lag()
    return lag is not None and lag <= settings.REPLICA_MAX_LAG_SECONDS


def db_for_read() -> str:
    """Where a read goes now (config.routers.ReplicaRouter)."""
    if not (_scope.get() and configured()) or _pinned.get():
        return PRIMARY
    if connections[PRIMARY].in_atomic_block:
        return PRIMARY  # a transaction on the primary reads its own writes
    return ALIAS if replica_usable() else PRIMARY


class ReplicaPinMiddleware:
    """Reads of a request that wrote, and of the same browser for REPLICA_PIN_SECONDS after, go to
    the primary (a signed cookie carries the pin from one request to the next)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not configured():
            return self.get_response(request)
        try:
            pinned = bool(
                request.get_signed_cookie(
                    PIN_COOKIE, default=None, max_age=settings.REPLICA_PIN_SECONDS
                )
            )
        except BadSignature:
            pinned = False
        with request_scope(pinned=pinned):
            response = self.get_response(request)
            if _pinned.get() and not pinned:
                response.set_signed_cookie(
                    PIN_COOKIE,
                    "1",
                    max_age=settings.REPLICA_PIN_SECONDS,
                    httponly=True,
                    samesite="Lax",
                    secure=request.is_secure(),
                )
        return response
