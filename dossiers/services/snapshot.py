"""The part of a new dossier that depends on its procedure only: the terms frozen into it
(`snapshot_terms`) and the components the procedure requires, read once per published version
and kept in this process (issue 16 §1: per receipt they were 3 queries and ≈ 20 % of a counter
intake, the same for every dossier of one procedure version).

The key is what the procedure's own row says of its version: (id, version, `updated_at`, the
field's code), read by the intake's one query of the procedure. Every change of the catalogue
moves it: the importer writes `updated_at` on each procedure it changes (and replaces its
components, steps and fees in the same transaction), the admin saves the procedure with its
inlines (auto_now), a new version has a new id and publishing it makes it the one found. In the
process that makes a change, the models' save and delete signals also empty the cache at once
(`clear`, connected in `DossiersConfig.ready`), for writes that touch a component, step or fee
line without saving its procedure.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from procedures.models import Procedure

# Procedure versions kept per process (the catalogue has ≈ 2,000 published ones).
MAX_ENTRIES = 4096


@dataclass(frozen=True)
class ComponentSpec:
    """One component the procedure requires (procedures.ProcedureComponent, as read)."""

    order: int
    name: str
    mandatory: bool
    originals: int
    copies: int
    reusable: bool


@dataclass(frozen=True)
class ProcedureSnapshot:
    key: tuple
    terms_json: str
    components: tuple[ComponentSpec, ...]

    def terms(self) -> dict:
        """A fresh copy of the terms (each dossier owns its own JSON)."""
        return json.loads(self.terms_json)


_cache: dict[tuple, ProcedureSnapshot] = {}


def key_of(procedure: Procedure) -> tuple:
    return (procedure.pk, procedure.version, procedure.updated_at, procedure.field.code)


def _terms(procedure: Procedure) -> dict:
    return {
        "procedure_code": procedure.code,
        "procedure_version": procedure.version,
        "procedure_name": procedure.name,
        "field_code": procedure.field.code,
        "service_level": procedure.service_level,
        "processing_time_value": str(procedure.processing_time_value),
        "processing_time_unit": procedure.processing_time_unit,
        "supplement_rule": procedure.supplement_rule,
        "supplement_window_days": procedure.supplement_window_days,
        "steps": [
            {"order": s.order, "name": s.name, "role": s.role, "share": s.share}
            for s in procedure.steps.order_by("order")
        ],
        "fees": [
            {"name": f.name, "amount": f.amount, "kind": f.kind}
            for f in procedure.fee_lines.order_by("order")
        ],
        "fee_mode": procedure.fee_mode,
        "result_name": procedure.result_name,
    }


def _build(procedure: Procedure, key: tuple) -> ProcedureSnapshot:
    components = tuple(
        ComponentSpec(c.order, c.name, c.mandatory, c.originals, c.copies, c.reusable)
        for c in procedure.components.order_by("order")
    )
    return ProcedureSnapshot(
        key=key, terms_json=json.dumps(_terms(procedure)), components=components
    )


def snapshot_of(procedure: Procedure) -> ProcedureSnapshot:
    """The procedure's snapshot, read from the database the first time this process meets
    this version of it."""
    key = key_of(procedure)
    found = _cache.get(key)
    if found is None:
        found = _build(procedure, key)
        if len(_cache) >= MAX_ENTRIES:
            _cache.clear()
        _cache[key] = found
    return found


def clear(**_kwargs) -> None:
    """Forget every snapshot of this process (a receiver of the catalogue models' signals)."""
    _cache.clear()


__all__ = ["ComponentSpec", "ProcedureSnapshot", "clear", "snapshot_of"]
