"""Which centre receives and which agency handles a dossier, when the caller does not say."""

from __future__ import annotations

from core.errors import DomainError
from core.text import fold
from organisations.models import Agency, AgencyKind
from procedures.models import Level


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


def default_handling_agency(procedure, receiving_centre: Agency, applicant_unit=None) -> Agency:
    """Commune level: the People's Committee of the commune (of the centre, else of the
    applicant). Province level: the department named in the procedure's implementing agency,
    else the Office of the provincial People's Committee."""
    if procedure.level == Level.COMMUNE:
        unit = (
            receiving_centre.unit
            if receiving_centre.kind == AgencyKind.COMMUNE_SERVICE_CENTRE
            else applicant_unit
        )
        if unit is not None:
            committee = Agency.objects.filter(
                kind=AgencyKind.COMMUNE_COMMITTEE, unit=unit, is_active=True
            ).first()
            if committee:
                return committee
    text = fold(procedure.agency_name)
    departments = Agency.objects.filter(
        kind__in=[AgencyKind.PROVINCIAL_DEPARTMENT, AgencyKind.VERTICAL_CENTRAL], is_active=True
    ).order_by("code")
    best = None
    for agency in departments:
        name = fold(agency.name)
        if name and name in text and (best is None or len(name) > len(fold(best.name))):
            best = agency
    if best:
        return best
    fallback = departments.first()
    if fallback is None:
        raise DomainError("Chưa có cơ quan giải quyết nào.", code="no_handling_agency")
    return fallback
