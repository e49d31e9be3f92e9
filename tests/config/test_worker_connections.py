"""A Celery worker keeps its database connection across tasks (issue 16 §3): Celery's Django
fixup closes every connection before and after each task unless CELERY_DB_REUSE_MAX is set
(settings); config/celery.py then applies Django's own rules around a task, as around a
request (CONN_MAX_AGE, health checks)."""

import pytest
from celery import signals
from celery.fixups.django import DjangoWorkerFixup
from django.db import connection

from config.celery import app


def require_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite's in-memory test database is never really closed")


class FakeTask:
    class request:  # mimics celery's Task.request
        is_eager = False


def run_as_worker_task(fixup) -> int:
    """What the worker does around a task: the fixup's and our own pre/post-run signals."""
    fixup.on_task_prerun(sender=FakeTask)
    signals.task_prerun.send(sender=FakeTask, task=FakeTask, task_id="t", args=(), kwargs={})
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    identity = id(connection.connection)
    signals.task_postrun.send(sender=FakeTask, task=FakeTask, task_id="t", args=(), kwargs={})
    fixup.on_task_postrun(sender=FakeTask)
    return identity


@pytest.mark.django_db(transaction=True)
def test_a_worker_does_not_reconnect_per_task(settings):
    require_postgresql()
    settings.DATABASES["default"]["CONN_MAX_AGE"] = 60
    connection.settings_dict["CONN_MAX_AGE"] = 60
    connection.close()
    fixup = DjangoWorkerFixup(app)
    assert fixup.db_reuse_max == settings.CELERY_DB_REUSE_MAX >= 100
    identities = {run_as_worker_task(fixup) for _ in range(5)}
    assert len(identities) == 1  # one connection for five tasks
    assert connection.connection is not None


@pytest.mark.django_db(transaction=True)
def test_without_the_setting_the_fixup_would_reconnect_per_task():
    """The reference: Celery's default (no CELERY_DB_REUSE_MAX) closes at every task."""
    require_postgresql()
    connection.settings_dict["CONN_MAX_AGE"] = 60
    connection.close()
    fixup = DjangoWorkerFixup(app)
    fixup.db_reuse_max = None
    fixup.on_task_prerun(sender=FakeTask)
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    fixup.on_task_postrun(sender=FakeTask)
    assert connection.connection is None
