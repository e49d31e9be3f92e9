"""What the forms share: local dates and times as printed, the issuing agency, the applicant."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.utils import timezone
from django.utils.translation import gettext as _

from documents import pdf
from procedures.models import TimeUnitChoices

from ..models import ApplicantKind, Dossier, ReturnMethod

# The type prefixes of unit names, dropped in the place line ("Việt Trì, ngày …").
_UNIT_PREFIXES = ("Thành phố ", "Tỉnh ", "Phường ", "Xã ", "Đặc khu ")


# --- dates and times (stored UTC, printed in Asia/Ho_Chi_Minh) --------------------------------
def local(moment: datetime | None) -> datetime | None:
    return timezone.localtime(moment) if moment is not None else None


def fmt_date(moment: datetime | date | None) -> str:
    """dd/mm/yyyy in local time; "" when unknown."""
    if moment is None:
        return ""
    if isinstance(moment, datetime):
        moment = local(moment)
    return moment.strftime("%d/%m/%Y")


def fmt_datetime(moment: datetime | None) -> str:
    """dd/mm/yyyy HH:MM in local time; "" when unknown."""
    if moment is None:
        return ""
    return local(moment).strftime("%d/%m/%Y %H:%M")


def fmt_clock(moment: datetime | None) -> str:
    """ "09 giờ 30 phút, ngày 02/03/2026" (the receipt slip's wording)."""
    if moment is None:
        return ""
    moment = local(moment)
    return _("%(hour)s giờ %(minute)s phút, ngày %(date)s") % {
        "hour": f"{moment.hour:02d}",
        "minute": f"{moment.minute:02d}",
        "date": moment.strftime("%d/%m/%Y"),
    }


def written_date(moment: datetime | date) -> str:
    """ "ngày 02 tháng 3 năm 2026": days below 10 and the months 1 and 2 take a leading zero
    (Decree 30/2020/NĐ-CP, on the layout of administrative documents)."""
    if isinstance(moment, datetime):
        moment = local(moment)
    month = f"{moment.month:02d}" if moment.month < 3 else str(moment.month)
    return _("ngày %(day)s tháng %(month)s năm %(year)s") % {
        "day": f"{moment.day:02d}",
        "month": month,
        "year": moment.year,
    }


def statutory_time(terms: dict) -> str:
    """ "3 ngày làm việc", "0,5 ngày làm việc" from the frozen terms."""
    raw = terms.get("processing_time_value")
    try:
        value = Decimal(str(raw)).normalize()
    except (InvalidOperation, TypeError):
        return ""
    number = f"{value:f}".replace(".", ",")
    unit = terms.get("processing_time_unit") or ""
    label = TimeUnitChoices(unit).label if unit in TimeUnitChoices.values else unit
    return f"{number} {label}"


def return_method_label(value: str) -> str:
    return str(ReturnMethod(value).label) if value in ReturnMethod.values else value


# --- the agency that issues a form -------------------------------------------------------------
def place_name(agency) -> str:
    """The place of the date line: the agency's unit without its type ("Việt Trì")."""
    name = agency.unit.name
    for prefix in _UNIT_PREFIXES:
        if name.startswith(prefix):
            return name[len(prefix) :]
    return name


def header(agency, *, moment: datetime | date | None = None, number: str = ""):
    """The national header for a form issued by `agency` on `moment` (today by default)."""
    moment = moment or timezone.now()
    return pdf.national_header(
        agency.name,
        parent=agency.parent.name if agency.parent_id else "",
        number=number,
        place_date=f"{place_name(agency)}, {written_date(moment)}",
    )


def person_name(user) -> str:
    if user is None:
        return ""
    return user.full_name or user.username


def applicant_identifier(applicant) -> tuple[str, str]:
    """(label, value) of the applicant's identifier: personal ID for people, tax code else."""
    if applicant.kind == ApplicantKind.CITIZEN or (
        applicant.personal_id and not applicant.tax_code
    ):
        return _("Số định danh cá nhân:"), applicant.personal_id
    return _("Mã số thuế/mã số doanh nghiệp:"), applicant.tax_code


def applicant_lines(dossier: Dossier, *, opening: str | None = None) -> list:
    """The applicant's name, identifier, address and phone as labelled paragraphs."""
    applicant = dossier.applicant
    label, identifier = applicant_identifier(applicant)
    lines = [pdf.labelled(opening or _("Chủ hồ sơ:"), applicant.full_name)]
    if identifier:
        lines.append(pdf.labelled(label, identifier))
    if applicant.submitter_name:
        lines.append(pdf.labelled(_("Người nộp thay:"), applicant.submitter_name))
    lines.append(pdf.labelled(_("Địa chỉ:"), applicant.address or "…"))
    lines.append(pdf.labelled(_("Số điện thoại:"), applicant.phone or "…"))
    if applicant.email:
        lines.append(pdf.labelled(_("Thư điện tử:"), applicant.email))
    return lines


def request_lines(dossier: Dossier) -> list:
    """The procedure, the request and the dossier code."""
    return [
        pdf.labelled(_("Thủ tục hành chính:"), procedure_name(dossier)),
        pdf.labelled(_("Nội dung yêu cầu giải quyết:"), dossier.summary),
    ]


def procedure_name(dossier: Dossier) -> str:
    return dossier.terms.get("procedure_name") or dossier.procedure.name


def code_line(dossier: Dossier) -> str:
    return _("Mã hồ sơ: %(code)s") % {"code": dossier.code}


def last_event(dossier: Dossier, *actions: str):
    """The latest event of one of `actions` (with its actor and the actor's agency)."""
    return (
        dossier.events.filter(action__in=actions)
        .select_related("actor__agency__parent", "actor__agency__unit")
        .order_by("-at", "-id")
        .first()
    )


def acting_agency(event, fallback):
    """The agency of the official who acted, else `fallback`."""
    actor = getattr(event, "actor", None)
    if actor is not None and actor.agency_id:
        return actor.agency
    return fallback
