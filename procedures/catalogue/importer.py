"""Import a catalogue file: validate every row first, then upsert by code in one transaction.

Nothing is written when any row is invalid. Re-importing the same file writes nothing (each
procedure keeps a hash of the row it was imported from).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from ..models import (
    FeeLine,
    FeeMode,
    Field,
    Procedure,
    ProcedureComponent,
    ProcedureStatus,
    ProcessStep,
)
from ..services import search_text_for
from .files import CatalogueFile, read_catalogue
from .schema import RowError, validate_fields, validate_rows

SCALAR_KEYS = (
    "local_code",
    "name",
    "level",
    "level_raw",
    "agency_kind",
    "agency_name",
    "service_level",
    "service_level_assigned",
    "processing_time_value",
    "processing_time_unit",
    "processing_time_raw",
    "processing_time_inferred",
    "fee_mode",
    "fee_raw",
    "result_name",
    "legal_basis",
    "supplement_rule",
    "supplement_window_days",
    "components_inferred",
    "steps_inferred",
    "origin",
    "field_raw",
    "field_inferred",
)
BATCH = 500
# Part of every row's hash: bump it when what the importer derives from a row (search text,
# local code) changes, so that the next import rewrites every procedure.
DERIVATION_REVISION = "2"


class CatalogueInvalid(Exception):
    def __init__(self, errors: list[RowError]):
        super().__init__(f"{len(errors)} error(s) in the catalogue file")
        self.errors = errors


@dataclass
class ImportReport:
    total: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    fields_created: int = 0
    codes: list[str] = field(default_factory=list)


def _hash(row: dict) -> str:
    # The field's name belongs to the field (upserted on its own), not to the procedure: a CSV
    # row carries it, a JSON row does not, and both must hash alike.
    content = {key: value for key, value in row.items() if key != "field_name"}
    canonical = DERIVATION_REVISION + json.dumps(
        content, sort_keys=True, ensure_ascii=False, default=str
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def local_code_for(code: str) -> str:
    return f"{code}.000.00.00.{settings.ONECUA_PROVINCE_AGENCY_CODE}"


def _chunks(items: list, size: int = BATCH) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def import_catalogue(
    source: Path | str | CatalogueFile,
    *,
    fmt: str | None = None,
    progress: Callable[[Iterable, int, str], Iterable] | None = None,
) -> ImportReport:
    """Validate and import a catalogue. Raises CatalogueInvalid listing every problem."""
    document = source if isinstance(source, CatalogueFile) else read_catalogue(Path(source), fmt)
    progress = progress or (lambda items, total, label: items)

    file_fields, field_errors = validate_fields(document.fields)
    db_fields = set(Field.objects.values_list("code", flat=True))
    rows, row_errors = validate_rows(document.procedures, file_fields, db_fields)
    errors = document.errors + field_errors + row_errors
    if errors:
        errors.sort(key=lambda e: (e.row, e.field))
        raise CatalogueInvalid(errors)

    field_names = dict(file_fields)
    for row in rows:
        if row["field_name"]:
            field_names.setdefault(row["field_code"], row["field_name"])
    report = ImportReport(total=len(rows))
    with transaction.atomic():
        report.fields_created = _upsert_fields(field_names)
        fields = dict(Field.objects.values_list("code", "id"))
        names = dict(Field.objects.values_list("code", "name"))
        _upsert_procedures(rows, fields, names, report, progress)
    return report


def _upsert_fields(field_names: dict[str, str]) -> int:
    existing = dict(Field.objects.values_list("code", "name"))
    new = [Field(code=c, name=n) for c, n in field_names.items() if c not in existing]
    changed = [
        Field(code=c, name=n) for c, n in field_names.items() if c in existing and existing[c] != n
    ]
    Field.objects.bulk_create(new, batch_size=BATCH)
    for item in changed:
        Field.objects.filter(code=item.code).update(name=item.name)
    return len(new)


def _current_versions() -> dict[str, tuple]:
    """code → (id, content_hash, valid_from) of the version an import writes to: the published
    one, else the newest."""
    current: dict[str, tuple] = {}
    rows = Procedure.objects.order_by("code", "-version").values_list(
        "code", "id", "content_hash", "status", "valid_from"
    )
    for code, pk, content_hash, status, valid_from in rows:
        if code not in current or status == ProcedureStatus.PUBLISHED:
            current[code] = (pk, content_hash, valid_from)
    return current


def _upsert_procedures(rows, fields, field_names, report, progress) -> None:
    now = timezone.now()
    current = _current_versions()
    to_create: list[tuple[Procedure, dict]] = []
    to_update: list[tuple[Procedure, dict]] = []
    for row in progress(rows, len(rows), "Kiểm tra thay đổi"):
        # Derived defaults first, so that a row and its own export hash alike.
        row["local_code"] = row["local_code"] or local_code_for(row["code"])
        digest = _hash(row)
        values = {key: row[key] for key in SCALAR_KEYS}
        values["field_id"] = fields[row["field_code"]]
        values["search_text"] = search_text_for(
            row["code"], row["name"], field_names.get(row["field_code"], "")
        )
        values["content_hash"] = digest
        values["status"] = row["status"]
        report.codes.append(row["code"])
        if row["code"] not in current:
            proc = Procedure(code=row["code"], version=1, **values)
            # Not a column of the catalogue file: a new procedure with a fixed fee starts as
            # payable online; the province changes it in the admin, and re-imports keep it.
            proc.online_payment = row["fee_mode"] == FeeMode.FIXED
            if row["status"] == ProcedureStatus.PUBLISHED:
                proc.valid_from = now
            to_create.append((proc, row))
        elif current[row["code"]][1] != digest:
            pk, _digest, valid_from = current[row["code"]]
            proc = Procedure(id=pk, code=row["code"], **values)
            proc.updated_at = now
            # A row published by this import comes into force now; a draft has no start yet.
            if row["status"] == ProcedureStatus.PUBLISHED:
                proc.valid_from = valid_from or now
            else:
                proc.valid_from = None
            to_update.append((proc, row))
        else:
            report.unchanged += 1

    for batch in _chunks(to_create):
        Procedure.objects.bulk_create([p for p, _ in batch])
    update_fields = [
        *SCALAR_KEYS,
        "field_id",
        "search_text",
        "content_hash",
        "status",
        "valid_from",
        "updated_at",
    ]
    for batch in _chunks(to_update):
        Procedure.objects.bulk_update([p for p, _ in batch], update_fields)
    changed_ids = [p.id for p, _ in to_update]
    for batch in _chunks(changed_ids):
        ProcedureComponent.objects.filter(procedure_id__in=batch).delete()
        ProcessStep.objects.filter(procedure_id__in=batch).delete()
        FeeLine.objects.filter(procedure_id__in=batch).delete()
    _create_children(to_create + to_update, progress)
    report.created = len(to_create)
    report.updated = len(to_update)


def _create_children(pairs: list[tuple[Procedure, dict]], progress) -> None:
    components, steps, fees = [], [], []
    for proc, row in progress(pairs, len(pairs), "Ghi thủ tục"):
        for order, comp in enumerate(row["components"], start=1):
            components.append(ProcedureComponent(procedure_id=proc.id, order=order, **comp))
        for step in row["steps"]:
            steps.append(ProcessStep(procedure_id=proc.id, **step))
        for order, fee in enumerate(row["fees"], start=1):
            fees.append(FeeLine(procedure_id=proc.id, order=order, **fee))
    ProcedureComponent.objects.bulk_create(components, batch_size=2000)
    ProcessStep.objects.bulk_create(steps, batch_size=2000)
    FeeLine.objects.bulk_create(fees, batch_size=2000)


def as_number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)
