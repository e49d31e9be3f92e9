"""Reads of dossiers: what a user may see, the work queues, deadlines, slips."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils import timezone

from procedures.models import StepRole

from . import permissions, rules
from .models import RUNNING, Dossier


def visible_to(user) -> QuerySet[Dossier]:
    """The dossiers `user` may see at all (everything else is a 404 to them)."""
    scope = permissions.visibility(user)
    return Dossier.objects.all() if scope is None else Dossier.objects.filter(scope)


# The overdue and due-soon lists state their bounds on `queue_at` too. A dossier with a due date
# has `queue_at` = `due_at` (the generated column: Coalesce(due_at, submitted_at)), so the
# results are the same; but the bounds on `queue_at` let PostgreSQL walk only the range of the
# running-queue indexes (`dossier_recv_running_q`, `dossier_handle_running_q`: agency, queue_at)
# in the list's own order, instead of reading every running dossier of the centre to keep the few
# overdue ones (issue 16 §1).
def overdue(queryset: QuerySet[Dossier], now=None) -> QuerySet[Dossier]:
    """Open dossiers whose clock runs and whose due date has passed."""
    now = now or timezone.now()
    return queryset.filter(status__in=RUNNING, due_at__lt=now, queue_at__lt=now)


def due_within_one_working_day(queryset: QuerySet[Dossier], now=None) -> QuerySet[Dossier]:
    """Open dossiers due before the end of the next working day: the apology list (Mẫu 04)."""
    now = now or timezone.now()
    until = rules.due_within_one_working_day(now)
    return queryset.filter(
        status__in=RUNNING,
        due_at__gte=now,
        due_at__lte=until,
        queue_at__gte=now,
        queue_at__lte=until,
    )


def not_overdue(queryset: QuerySet[Dossier], now=None) -> QuerySet[Dossier]:
    now = now or timezone.now()
    return queryset.exclude(Q(status__in=RUNNING) & Q(due_at__lt=now))


def with_related(queryset: QuerySet[Dossier]) -> QuerySet[Dossier]:
    return queryset.select_related(
        "procedure", "applicant", "receiving_agency", "handling_agency", "assignee"
    )


def receipt_slip(dossier: Dossier) -> dict:
    """The data of the receipt and appointment slip (Giấy tiếp nhận hồ sơ và hẹn trả kết
    quả, Mẫu 01)."""
    return _slip(dossier, _receiving_officer(dossier))


def counter_receipt_slip(dossier: Dossier, officer) -> dict:
    """The slip of a dossier `officer` has just taken at the counter, from the rows the service
    holds (dossiers.services.counter_intake: its agencies, applicant and components as
    inserted), without reading it back: the receipt step, when the process has one, was
    recorded as done by that officer."""
    receipt = any(step["role"] == StepRole.RECEIVE for step in dossier.terms.get("steps", []))
    return _slip(dossier, _officer_name(officer) if receipt else "")


def _slip(dossier: Dossier, received_by: str) -> dict:
    terms = dossier.terms
    return {
        "form": "Mẫu 01",
        "code": dossier.code,
        "procedure_code": terms["procedure_code"],
        "procedure_name": terms["procedure_name"],
        "applicant_name": dossier.applicant.full_name,
        "applicant_identifier": dossier.applicant.identifier,
        "applicant_phone": dossier.applicant.phone,
        "applicant_address": dossier.applicant.address,
        "receiving_agency": dossier.receiving_agency.name,
        "handling_agency": dossier.handling_agency.name,
        "received_at": dossier.received_at,
        "due_at": dossier.due_at,
        "processing_time_value": terms["processing_time_value"],
        "processing_time_unit": terms["processing_time_unit"],
        "components": [
            {"name": c.name, "originals": c.originals, "copies": c.copies}
            for c in dossier.components.all()
            if c.provided
        ],
        "fees": terms.get("fees", []),
        "return_method": dossier.return_method,
        "received_by": received_by,
    }


def _receiving_officer(dossier: Dossier) -> str:
    """Who received the dossier: the officer of the receipt step (not the citizen who filed
    an online dossier)."""
    run = dossier.step_runs.filter(role=StepRole.RECEIVE).select_related("assignee").first()
    return _officer_name(run.assignee if run and run.assignee_id else None)


def _officer_name(officer) -> str:
    if officer is None:
        return ""
    return officer.full_name or officer.username


def track_public(code: str, id_last4: str) -> Dossier | None:
    """A dossier by its code and the last 4 digits of the applicant's ID (or tax code)."""
    dossier = Dossier.objects.select_related("applicant", "procedure").filter(code=code).first()
    if dossier is None:
        return None
    identifier = dossier.applicant.identifier.replace("-", "")
    if len(id_last4) != 4 or not identifier.endswith(id_last4):
        return None
    return dossier
