"""Celery tasks of the outbox. The rows are the truth; these only wake delivery up."""

from celery import shared_task

from . import outbox


@shared_task(
    name="onecua.deliver_outbox_key",
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
)
def deliver_outbox_key(key: str) -> int:
    return outbox.deliver_key(key)


@shared_task(name="onecua.sweep_outbox", ignore_result=True)
def sweep_outbox() -> int:
    return outbox.sweep()
