from celery import shared_task

from .portal.reconcile import compare_catalogue, reconcile


@shared_task(name="integrations.portal_reconcile", ignore_result=True)
def portal_reconcile() -> int:
    return len(reconcile())


@shared_task(name="integrations.portal_catalogue_diff", ignore_result=True)
def portal_catalogue_diff() -> dict:
    diff = compare_catalogue()
    return {"only_ours": len(diff.only_ours), "only_portal": len(diff.only_portal)}
