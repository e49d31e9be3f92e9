"""The official forms of Circular 03/2025/TT-VPCP as PDFs, made from a dossier's data.

01 receipt and appointment slip · 02 request for supplement · 03 refusal of receipt · 04 apology
and new return date · 05 stop notice · 06 process-control slip · 07 dossier logbook (per agency
and date range, PDF or CSV) — and the e-result document of an approved dossier (unsigned).

A form applies only when the dossier's data holds what it reports (`available_forms`); asking
for another is a 409 `form_not_applicable`. Who may download is decided by the callers (the
dossier's visibility for 01–06, `check_logbook_access` for 07).
"""

from __future__ import annotations

from collections.abc import Callable

from django.utils.translation import gettext as _

from core.errors import Conflict, NotFound

from ..models import Dossier, DossierStatus, PauseKind
from . import control, notices, receipt
from .logbook import (
    LogbookQuery,
    LogbookRow,
    check_logbook_access,
    logbook_agencies,
    logbook_csv,
    logbook_rows,
    may_use_logbook,
    parse_logbook_query,
    render_logbook_pdf,
)
from .result import SIGNATURE_BOX, render_result_document
from .titles import FORMS, LOGBOOK_TITLE, RESULT_TITLE


def _supplement_requested(dossier: Dossier) -> bool:
    return (
        dossier.supplement_asked_at_receipt
        or dossier.supplement_asked_in_processing
        or dossier.events.filter(action="request_supplement").exists()
        or dossier.pauses.filter(kind=PauseKind.SUPPLEMENT).exists()
    )


_APPLIES: dict[str, Callable[[Dossier], bool]] = {
    "01": lambda d: d.received_at is not None,
    "02": _supplement_requested,
    "03": lambda d: d.status == DossierStatus.NOT_RECEIVED,
    "04": lambda d: d.reschedule_count > 0,
    "05": lambda d: d.status in (DossierStatus.STOPPED, DossierStatus.WITHDRAWN),
    "06": lambda d: d.received_at is not None,
}

_RENDER: dict[str, Callable[..., bytes]] = {
    "01": receipt.render,
    "02": notices.render_supplement_request,
    "03": notices.render_refusal_of_receipt,
    "04": notices.render_apology,
    "05": notices.render_stop_notice,
    "06": control.render,
}


def available_forms(dossier: Dossier) -> list[str]:
    """The numbers of the forms that apply to the dossier's current data, in order."""
    return [number for number, applies in _APPLIES.items() if applies(dossier)]


def render_form(number: str, dossier: Dossier, *, citizen_view: bool = False) -> bytes:
    """Form `number` ("01".."06") of `dossier` as PDF bytes.

    404 `form_not_found` for an unknown number, 409 `form_not_applicable` when the dossier's
    data does not call for it. `citizen_view` leaves out what only officials see (the handlers'
    names and working notes on the process-control slip).
    """
    if number not in FORMS:
        raise NotFound(
            _("Không có biểu mẫu số %(number)s.") % {"number": number}, code="form_not_found"
        )
    if not _APPLIES[number](dossier):
        raise Conflict(
            _("Biểu mẫu %(number)s (%(title)s) không áp dụng cho hồ sơ ở tình trạng hiện tại.")
            % {"number": number, "title": FORMS[number]},
            code="form_not_applicable",
            extra={"available_forms": available_forms(dossier)},
        )
    if number == "06":
        return control.render(dossier, citizen_view=citizen_view)
    return _RENDER[number](dossier)


def form_filename(number: str, dossier: Dossier) -> str:
    return f"mau-{number}-{dossier.code}.pdf"


__all__ = [
    "FORMS",
    "LOGBOOK_TITLE",
    "RESULT_TITLE",
    "SIGNATURE_BOX",
    "LogbookQuery",
    "LogbookRow",
    "available_forms",
    "check_logbook_access",
    "form_filename",
    "logbook_agencies",
    "logbook_csv",
    "logbook_rows",
    "may_use_logbook",
    "parse_logbook_query",
    "render_form",
    "render_logbook_pdf",
    "render_result_document",
]
