"""Celery tasks of accounts (scheduled in settings.CELERY_BEAT_SCHEDULE)."""

from celery import shared_task

from .services import purge_expired_tokens


@shared_task(name="accounts.purge_expired_tokens", ignore_result=True)
def purge_expired_tokens_task() -> int:
    return purge_expired_tokens()
