"""Celery task of the feedback watchdog (scheduled in settings.CELERY_BEAT_SCHEDULE)."""

from celery import shared_task

from . import watch


@shared_task(name="feedback.watch_pass", ignore_result=True)
def watch_pass_task() -> dict:
    return watch.run_pass().as_dict()
