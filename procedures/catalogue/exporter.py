"""Export the catalogue in the importer's own format (JSON or CSV), so a round trip is exact."""

from __future__ import annotations

from django.db.models import Prefetch

from ..models import FeeLine, Field, Procedure, ProcedureComponent, ProcedureStatus, ProcessStep
from .files import dump_csv, dump_json
from .importer import SCALAR_KEYS, as_number


def procedure_row(proc: Procedure) -> dict:
    row = {"code": proc.code, "field_code": proc.field.code}
    for key in SCALAR_KEYS:
        row[key] = getattr(proc, key)
    row["processing_time_value"] = as_number(proc.processing_time_value)
    row["status"] = proc.status
    row["components"] = [
        {
            "name": c.name,
            "originals": c.originals,
            "copies": c.copies,
            "form_template": c.form_template,
            "mandatory": c.mandatory,
            "reusable": c.reusable,
        }
        for c in proc.components.all()
    ]
    row["steps"] = [
        {"order": s.order, "name": s.name, "role": s.role, "share": s.share}
        for s in proc.steps.all()
    ]
    row["fees"] = [
        {"name": f.name, "amount": f.amount, "kind": f.kind} for f in proc.fee_lines.all()
    ]
    return row


def catalogue_rows(include_drafts: bool = False) -> tuple[list[dict], list[dict]]:
    """(fields, procedure rows) of the catalogue in force, sorted by code."""
    statuses = [ProcedureStatus.PUBLISHED] + ([ProcedureStatus.DRAFT] if include_drafts else [])
    queryset = (
        Procedure.objects.filter(status__in=statuses)
        .select_related("field")
        .prefetch_related(
            Prefetch("components", queryset=ProcedureComponent.objects.order_by("order")),
            Prefetch("steps", queryset=ProcessStep.objects.order_by("order")),
            Prefetch("fee_lines", queryset=FeeLine.objects.order_by("order")),
        )
        .order_by("code", "version")
    )
    rows = [procedure_row(p) for p in queryset]
    used = {row["field_code"] for row in rows}
    fields = [
        {"code": f.code, "name": f.name}
        for f in Field.objects.filter(code__in=used).order_by("code")
    ]
    return fields, rows


def export_catalogue(fmt: str = "json") -> str:
    fields, rows = catalogue_rows()
    if fmt == "csv":
        return dump_csv(rows, {f["code"]: f["name"] for f in fields})
    return dump_json(fields, rows, generated_by="manage.py export_catalogue")
