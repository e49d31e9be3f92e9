"""What a generated province-year is made of: the published catalogue and the agencies, read
once into plain tuples (procedures with their frozen terms and handling agencies, centres with
their People's Committees, administrative units). The terms are frozen by the services' own
`snapshot_terms`, the handling agency is `routing`'s, and what the lifecycle needs of the terms
is read from them the way the rules and services read it."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

from dossiers import routing, rules
from dossiers.services.intake import snapshot_terms
from organisations.models import AdministrativeUnit, Agency, AgencyKind
from procedures.models import (
    FeeMode,
    Level,
    Procedure,
    ProcedureStatus,
    ServiceLevel,
    SupplementRule,
)


class NotSeeded(ValueError):
    """The database lacks the agencies or the catalogue the generator draws from."""


def stable_order(text: str) -> str:
    """A fixed pseudo-random order (popularity ranks) that does not depend on database ids."""
    return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()


@dataclass(frozen=True)
class ProcedureInfo:
    id: int
    code: str
    commune: bool
    online: bool  # offered online (toàn trình or một phần)
    value: float  # the processing time, as rules.terms_time reads it from the terms
    unit: str
    steps: tuple  # ((order, name, role, share), ...) of the terms
    has_fee: bool
    fee_amount: int
    supplement_shift: bool  # the terms' supplement rule is "shift" (else restart)
    supplement_window: int  # the terms' supplement_window_days
    terms_json: str  # the frozen terms, as the services store them
    terms: dict
    summary: str
    province_handler: int | None  # the department routing picks (province level)


@dataclass
class World:
    procedures_commune: list[ProcedureInfo]
    procedures_province: list[ProcedureInfo]
    provincial_centres: list[int]  # the provincial centre first, then its branches
    # Commune centres in a stable popularity order: (centre id, committee id, unit id, code).
    commune_centres: list[tuple[int, int, int]]
    agency_codes: dict[int, str]
    unit_ids: list[int]
    centre_handler: dict = field(default_factory=dict)  # (procedure id, centre id) → agency id


def load_world() -> World:
    centres = list(
        Agency.objects.filter(kind=AgencyKind.PROVINCIAL_SERVICE_CENTRE, is_active=True).order_by(
            "parent_id", "code"
        )
    )
    if not centres:
        raise NotSeeded("No provincial service centre: run seed_all --no-demo first.")
    main_centre = centres[0]
    committees = {
        a.unit_id: a.id
        for a in Agency.objects.filter(kind=AgencyKind.COMMUNE_COMMITTEE, is_active=True)
    }
    commune_centres = sorted(
        (
            (a.id, committees[a.unit_id], a.unit_id, a.code)
            for a in Agency.objects.filter(kind=AgencyKind.COMMUNE_SERVICE_CENTRE, is_active=True)
            if a.unit_id in committees
        ),
        key=lambda c: stable_order(c[3]),
    )
    if not commune_centres:
        raise NotSeeded("No commune service centre: run seed_all --no-demo first.")
    procedures = (
        Procedure.objects.filter(status=ProcedureStatus.PUBLISHED)
        .select_related("field")
        .prefetch_related("steps", "fee_lines")
        .order_by("code")
    )
    commune, province = [], []
    for procedure in procedures:
        terms = snapshot_terms(procedure)
        fees = terms["fees"]
        value, unit = rules.terms_time(terms)
        info = ProcedureInfo(
            id=procedure.id,
            code=procedure.code,
            commune=procedure.level == Level.COMMUNE,
            online=procedure.service_level != ServiceLevel.OFFLINE,
            value=value,
            unit=unit,
            steps=tuple((s["order"], s["name"], s["role"], s["share"]) for s in terms["steps"]),
            has_fee=bool(fees) or terms["fee_mode"] in (FeeMode.FIXED, FeeMode.REGULATION),
            fee_amount=sum(int(f["amount"] or 0) for f in fees) or 50_000,
            supplement_shift=terms["supplement_rule"] == SupplementRule.SHIFT,
            supplement_window=terms["supplement_window_days"],
            terms_json=json.dumps(terms, ensure_ascii=False),
            terms=terms,
            summary=f"Hồ sơ {procedure.name}"[:1000],
            province_handler=None
            if procedure.level == Level.COMMUNE
            else routing.default_handling_agency(procedure, main_centre).id,
        )
        (commune if info.commune else province).append(info)
    if not commune or not province:
        raise NotSeeded(
            "The catalogue needs published commune and province procedures: "
            "run seed_all --no-demo first."
        )
    commune.sort(key=lambda p: stable_order(p.code))
    province.sort(key=lambda p: stable_order(p.code))
    agency_codes = dict(Agency.objects.values_list("id", "code"))
    unit_ids = list(
        AdministrativeUnit.objects.filter(parent__isnull=False)
        .order_by("code")
        .values_list("id", flat=True)
    )
    return World(
        procedures_commune=commune,
        procedures_province=province,
        provincial_centres=[c.id for c in centres],
        commune_centres=[c[:3] for c in commune_centres],
        agency_codes=agency_codes,
        unit_ids=unit_ids,
    )
