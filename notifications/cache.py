"""The current template versions, kept per process (rendering looked them up on every event: a
query per notice, a fifth of rendering's time).

One query loads the newest version of every (kind, channel, language); the versions are
immutable rows (a change is a new version), so what is kept is only which one is current. It is
dropped at once in this process when a version is saved or deleted (the post_save/post_delete
signals, and again when that transaction commits), and reloaded by every process at most
NOTIFY_TEMPLATE_CACHE_SECONDS after it was loaded: a version saved in the admin reaches the
other processes (the other web workers, the Celery workers) within that time. While this
process has saved a version whose transaction is still open (or was rolled back), the cache is
bypassed, so that it never keeps a version another transaction cannot see.
"""

from __future__ import annotations

import threading
import time

from django.conf import settings
from django.db import transaction

_lock = threading.Lock()
_state: dict = {"loaded_at": None, "current": None, "dirty_since": None}


def invalidate() -> None:
    """Forget everything (a new start: the tests, between two of them)."""
    with _lock:
        _state["loaded_at"] = _state["current"] = _state["dirty_since"] = None


def _committed() -> None:
    invalidate()


def on_template_written(sender, **kwargs) -> None:
    """post_save / post_delete of NotificationTemplate."""
    with _lock:
        _state["loaded_at"] = _state["current"] = None
        _state["dirty_since"] = time.monotonic()
    transaction.on_commit(_committed)


def _load() -> dict:
    from .models import NotificationTemplate

    current: dict[tuple[str, str, str], NotificationTemplate] = {}
    for row in NotificationTemplate.objects.order_by("version"):
        current[(row.kind, row.channel, row.language)] = row  # the newest wins
    return current


def current_templates() -> dict:
    """{(kind, channel, language): the newest version}, from the cache when it is fresh."""
    ttl = settings.NOTIFY_TEMPLATE_CACHE_SECONDS
    now = time.monotonic()
    with _lock:
        dirty = _state["dirty_since"]
        if dirty is not None and now - dirty > max(ttl, 60):
            _state["dirty_since"] = dirty = None  # a rolled-back save, long over
        loaded_at, current = _state["loaded_at"], _state["current"]
    if dirty is not None or ttl <= 0:
        return _load()
    if current is not None and loaded_at is not None and now - loaded_at < ttl:
        return current
    current = _load()
    with _lock:
        if _state["dirty_since"] is None:
            _state["loaded_at"], _state["current"] = now, current
    return current
