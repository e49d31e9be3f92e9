"""The Celery task delivering the mock platform's notifications (notify.py)."""

from celery import shared_task


@shared_task(name="mockpayment.deliver_notifications", ignore_result=True)
def deliver_notifications() -> dict:
    from .notify import run_once

    return run_once()
