"""Celery tasks of core (scheduled in settings.CELERY_BEAT_SCHEDULE)."""

import logging

from celery import shared_task

from .partitions import maintain

log = logging.getLogger(__name__)


@shared_task(name="core.partitions", ignore_result=True)
def partitions_task() -> list[str]:
    """The monthly run of `manage.py partitions` (docs/partitions.md)."""
    lines = maintain()
    for line in lines:
        log.info("partitions: %s", line)
    return lines
