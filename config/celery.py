"""The Celery application. With no CELERY_BROKER_URL set, tasks run eagerly in-process."""

import logging
import math
import os

from celery import Celery, signals

from config import queues

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


class OnecuaCelery(Celery):
    """Celery, with a delayed task's countdown rounded up to whole seconds on RabbitMQ: its native
    delayed delivery (quorum queues, config/queues.py) counts whole seconds and refuses a
    countdown under one (kombu's `calculate_routing_key`), which the outbox's retries may ask for
    (a due time a fraction of a second away). Rounded up, a task is never early."""

    def send_task(self, *args, countdown=None, **kwargs):
        if countdown and countdown > 0 and queues.is_amqp(self.conf.broker_url or ""):
            countdown = math.ceil(countdown)
        return super().send_task(*args, countdown=countdown, **kwargs)


app = OnecuaCelery("config")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.worker_init.connect(dispatch_uid="onecua-checks-worker")
@signals.beat_init.connect(dispatch_uid="onecua-checks-beat")
def refuse_to_start_on_errors(**kwargs) -> None:
    """A worker or beat with a configuration error (the system checks, config/startup.py) does
    not start. Celery logs and swallows a signal handler's exception: SystemExit gets through.
    (Imports here: this module is imported while the settings load, config/__init__.py.)"""
    import django
    from django.apps import apps
    from django.core.management.base import SystemCheckError

    from config import startup

    if not apps.ready:
        django.setup()
    try:
        startup.refuse_to_start_on_errors()
    except SystemCheckError as exc:
        logging.getLogger(__name__).critical("%s", exc)
        raise SystemExit(1) from exc


@signals.task_prerun.connect(dispatch_uid="onecua-db-prerun")
@signals.task_postrun.connect(dispatch_uid="onecua-db-postrun")
def close_old_connections(task=None, **kwargs) -> None:
    """Around a task, what Django does around a request: drop a connection that is broken or
    older than CONN_MAX_AGE, keep the others (settings CELERY_DB_REUSE_MAX stops the fixup from
    closing every connection at every task). Not for eager tasks: they run inside the caller's
    request or transaction."""
    if task is not None and getattr(task.request, "is_eager", False):
        return
    from django.db import close_old_connections as close

    close()
