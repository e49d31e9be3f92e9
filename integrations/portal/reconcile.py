"""Keeping both sides honest: the portal's procedure list against our catalogue, and the
portal's view of recent dossiers against ours (repairing drift through the outbox)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone

from dossiers.models import Dossier
from outbox import delivery
from outbox.models import OutboxMessage, OutboxStatus
from procedures.models import Procedure, ProcedureStatus

from .client import get_client
from .mapping import PORTAL_STATUS
from .sync import TOPIC, key_for


@dataclass
class CatalogueDiff:
    only_ours: list[str]
    only_portal: list[str]


def compare_catalogue() -> CatalogueDiff:
    """National codes in our catalogue unknown to the portal, and the other way round."""
    portal = {str(item.get("MaTTHC")) for item in get_client().procedures()}
    ours = set(
        Procedure.objects.filter(status=ProcedureStatus.PUBLISHED).values_list("code", flat=True)
    )
    return CatalogueDiff(sorted(ours - portal), sorted(portal - ours))


def reconcile(*, hours: int = 24, limit: int = 5000) -> list[str]:
    """For dossiers changed in the last `hours` whose messages are all delivered, compare the
    portal's status with ours; where they differ, send the latest state again. Returns the codes
    repaired."""
    since = timezone.now() - timedelta(hours=hours)
    repaired = []
    client = get_client()
    dossiers = Dossier.objects.filter(updated_at__gte=since).order_by("id")[:limit]
    for dossier in dossiers:
        if (
            OutboxMessage.objects.filter(key=key_for(dossier.pk))
            .exclude(status__in=(OutboxStatus.SENT, OutboxStatus.SUPERSEDED))
            .exists()
        ):
            continue  # still on its way (or dead, and loud): not drift
        remote = client.lookup(dossier.code)
        data = (remote or {}).get("data") or {}
        if data.get("TrangThaiHoSo") == PORTAL_STATUS[dossier.status]:
            continue
        event = dossier.events.order_by("-id").first()
        if event is None:
            continue
        delivery.enqueue(
            topic=TOPIC,
            key=key_for(dossier.pk),
            reference={"dossier": dossier.pk, "event": event.pk, "action": "repair"},
            idempotency_key=f"{TOPIC}:repair:{event.pk}:{timezone.now().timestamp():.0f}",
            supersedes=True,
        )
        repaired.append(dossier.code)
    return repaired
