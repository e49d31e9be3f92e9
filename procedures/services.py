"""Writes to the catalogue other than the bulk import: versions and publication."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from core.errors import Conflict

from .models import FeeLine, Procedure, ProcedureComponent, ProcedureStatus, ProcessStep


@transaction.atomic
def draft_new_version(*, procedure: Procedure) -> Procedure:
    """Copy a procedure version (with components, steps, fees) into a new draft version."""
    source = Procedure.objects.select_for_update().get(pk=procedure.pk)
    if Procedure.objects.filter(code=source.code, status=ProcedureStatus.DRAFT).exists():
        raise Conflict(f"Thủ tục {source.code} đã có một phiên bản dự thảo.", code="draft_exists")
    latest = Procedure.objects.filter(code=source.code).order_by("-version").first()
    components = list(source.components.all())
    steps = list(source.steps.all())
    fees = list(source.fee_lines.all())
    draft = source
    draft.pk = None
    draft.id = None
    draft._state.adding = True
    draft.version = latest.version + 1
    draft.status = ProcedureStatus.DRAFT
    draft.valid_from = None
    draft.valid_to = None
    draft.content_hash = ""
    draft.save()
    for items, model in ((components, ProcedureComponent), (steps, ProcessStep), (fees, FeeLine)):
        copies = []
        for item in items:
            item.pk = None
            item.procedure = draft
            copies.append(item)
        model.objects.bulk_create(copies)
    return draft


@transaction.atomic
def publish_version(*, procedure: Procedure) -> Procedure:
    """Put a draft in force: the version in force until now is retired at the same instant."""
    draft = Procedure.objects.select_for_update().get(pk=procedure.pk)
    if draft.status != ProcedureStatus.DRAFT:
        raise Conflict(
            f"Chỉ phiên bản dự thảo mới được công bố (phiên bản {draft.version} đang ở trạng "
            f"thái {draft.get_status_display()}).",
            code="not_a_draft",
        )
    now = timezone.now()
    current = (
        Procedure.objects.select_for_update()
        .filter(code=draft.code, status=ProcedureStatus.PUBLISHED)
        .first()
    )
    if current:
        current.status = ProcedureStatus.RETIRED
        current.valid_to = now
        current.save(update_fields=["status", "valid_to", "updated_at"])
    draft.status = ProcedureStatus.PUBLISHED
    draft.valid_from = now
    draft.save(update_fields=["status", "valid_from", "updated_at"])
    return draft
