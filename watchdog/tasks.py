"""Celery tasks of the watchdog (scheduled in settings.CELERY_BEAT_SCHEDULE)."""

from celery import shared_task

from . import services


@shared_task(name="watchdog.run_pass", ignore_result=True)
def run_pass_task() -> dict:
    return services.run_pass().as_dict()
