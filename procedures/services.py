"""Every write to the catalogue other than the bulk import: saving a procedure or a field (the
search text follows), versions and publication."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from core.errors import Conflict
from core.text import fold

from .models import FeeLine, Field, Procedure, ProcedureComponent, ProcedureStatus, ProcessStep


def search_text_for(code: str, name: str, field_name: str) -> str:
    """What search matches: the folded name first (without the generic "Thủ tục" prefix), then
    the code and the field."""
    name = fold(name).removeprefix("thu tuc ")
    return f"{name} {code} {fold(field_name)}".strip()


def refresh_search_text(procedure: Procedure) -> None:
    procedure.search_text = search_text_for(procedure.code, procedure.name, procedure.field.name)


@transaction.atomic
def save_procedure(*, procedure: Procedure) -> Procedure:
    """Save a procedure edited outside the importer (the admin): its search text follows its
    name, code and field."""
    refresh_search_text(procedure)
    procedure.save()
    return procedure


@transaction.atomic
def save_field(*, field: Field) -> Field:
    """Save a field; the search text of its procedures follows a new name."""
    field.save()
    procedures = list(Procedure.objects.filter(field=field).only("id", "code", "name", "field"))
    for procedure in procedures:
        procedure.field = field
        refresh_search_text(procedure)
    Procedure.objects.bulk_update(procedures, ["search_text"], batch_size=500)
    return field


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
    refresh_search_text(draft)
    draft.save(update_fields=["status", "valid_from", "search_text", "updated_at"])
    return draft
