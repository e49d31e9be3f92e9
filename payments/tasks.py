from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from .reconcile import daily_report, reconcile


@shared_task(name="payments.reconcile", ignore_result=True)
def payments_reconcile() -> dict:
    return dict(reconcile())


@shared_task(name="payments.daily_report", ignore_result=True)
def payments_daily_report() -> int:
    """Yesterday's report (local day): the differences are logged for the accountant."""
    import logging

    day = timezone.localdate() - timedelta(days=1)
    differences = daily_report(day)
    for d in differences:
        logging.getLogger(__name__).warning(
            "payment daily report %s: %s %s (ours %r, platform %r)",
            day,
            d.kind,
            d.reference,
            d.ours,
            d.platform,
        )
    return len(differences)
