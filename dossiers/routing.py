"""Which centre receives and which agency handles a dossier, when the caller does not say."""

from __future__ import annotations

import copy
import time
from functools import lru_cache

from core.errors import DomainError
from core.text import fold
from organisations.models import Agency, AgencyKind
from procedures.models import Level

# Names fold the same every time: the departments' names and the procedures' implementing
# agencies were folded again for every dossier (a pure function, so remembered).
_folded = lru_cache(maxsize=8192)(fold)


def default_receiving_centre(procedure, applicant_unit=None) -> Agency:
    """Commune-level procedures: the applicant's commune centre; otherwise the provincial one.
    (Any centre in the province may receive any procedure: callers may name another.)"""
    if procedure.level == Level.COMMUNE and applicant_unit is not None:
        centre = Agency.objects.filter(
            kind=AgencyKind.COMMUNE_SERVICE_CENTRE, unit=applicant_unit, is_active=True
        ).first()
        if centre:
            return centre
    centre = (
        Agency.objects.filter(kind=AgencyKind.PROVINCIAL_SERVICE_CENTRE, is_active=True)
        .order_by("parent_id", "code")  # the centre itself (no service-centre parent) first
        .first()
    )
    if centre is None:
        raise DomainError("Chưa có Trung tâm Phục vụ hành chính công nào.", code="no_centre")
    return centre


# The handling agency found for one (procedure, centre, unit), kept per process for a minute (as
# the indicators keep the agency tree, indicators/scope.py): the same for every dossier of a
# procedure at one centre, and a query (plus folding every department's name) each time. A
# change of an agency in this process forgets them at once (`clear`, connected to Agency's
# signals in DossiersConfig.ready); another process's change is seen within CACHE_SECONDS.
CACHE_SECONDS = 60
_MAX_ENTRIES = 8192
_handling: dict[tuple, tuple[float, Agency]] = {}


def clear(**_kwargs) -> None:
    _handling.clear()


def default_handling_agency(procedure, receiving_centre: Agency, applicant_unit=None) -> Agency:
    """Commune level: the People's Committee of the commune (of the centre, else of the
    applicant). Province level: the department named in the procedure's implementing agency,
    else the Office of the provincial People's Committee."""
    key = (
        procedure.pk,
        procedure.level,
        procedure.agency_name,
        receiving_centre.pk,
        receiving_centre.kind,
        receiving_centre.unit_id,
        getattr(applicant_unit, "pk", None),
    )
    now = time.monotonic()
    found = _handling.get(key)
    if found is None or now - found[0] >= CACHE_SECONDS:
        found = (now, _handling_agency(procedure, receiving_centre, applicant_unit))
        if len(_handling) >= _MAX_ENTRIES:
            _handling.clear()
        _handling[key] = found
    return copy.copy(found[1])  # each dossier its own instance


def _handling_agency(procedure, receiving_centre: Agency, applicant_unit=None) -> Agency:
    """Commune level: the People's Committee of the commune (of the centre, else of the
    applicant). Province level: the department named in the procedure's implementing agency,
    else the Office of the provincial People's Committee."""
    if procedure.level == Level.COMMUNE:
        # By the unit's id: the centre's unit row itself is not needed (one query fewer).
        unit_id = (
            receiving_centre.unit_id
            if receiving_centre.kind == AgencyKind.COMMUNE_SERVICE_CENTRE
            else getattr(applicant_unit, "pk", None)
        )
        if unit_id is not None:
            committee = Agency.objects.filter(
                kind=AgencyKind.COMMUNE_COMMITTEE, unit_id=unit_id, is_active=True
            ).first()
            if committee:
                return committee
    text = _folded(procedure.agency_name)
    departments = Agency.objects.filter(
        kind__in=[AgencyKind.PROVINCIAL_DEPARTMENT, AgencyKind.VERTICAL_CENTRAL], is_active=True
    ).order_by("code")
    best = None
    for agency in departments:
        name = _folded(agency.name)
        if name and name in text and (best is None or len(name) > len(_folded(best.name))):
            best = agency
    if best:
        return best
    fallback = departments.first()
    if fallback is None:
        raise DomainError("Chưa có cơ quan giải quyết nào.", code="no_handling_agency")
    return fallback
