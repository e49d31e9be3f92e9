"""Mẫu 07 — Sổ theo dõi hồ sơ (dossier logbook) of one receiving agency over a range of local
dates: who may read it, the query, its rows, and the logbook as PDF or CSV."""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from itertools import islice

from django.db.models import QuerySet
from django.db.models.fields.json import KT
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from reportlab.lib.units import mm

from accounts.roles import OFFICIAL_ROLES, Role
from core.calendar import LOCAL_TZ
from core.errors import DomainError, Forbidden
from documents import pdf
from organisations.models import Agency

from ..models import Dossier, DossierStatus
from ..models.status import CLOCK_RUNNING
from . import common as c
from .titles import LOGBOOK_TITLE

# The longest range one request may cover (a leap year).
MAX_RANGE_DAYS = 366
# A PDF of more rows than this is refused: the CSV has no limit.
PDF_MAX_ROWS = 1500
# The CSV is read, recorded in the access log and sent this many rows at a time.
CSV_CHUNK_ROWS = 1000
FORMATS = ("pdf", "csv")
MARGINS = (12.0, 10.0, 15.0, 12.0)
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


# --- who may read a logbook ---------------------------------------------------------------------
def _is_administrator(user) -> bool:
    return bool(user.is_superuser or getattr(user, "role", None) == Role.ADMINISTRATOR)


def may_use_logbook(user) -> bool:
    """Administrators, and officials who belong to an agency (for their own agency)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if _is_administrator(user):
        return True
    return getattr(user, "role", None) in OFFICIAL_ROLES and user.agency_id is not None


def logbook_agencies(user) -> QuerySet[Agency]:
    """The agencies whose logbook `user` may read."""
    if not may_use_logbook(user):
        return Agency.objects.none()
    if _is_administrator(user):
        return Agency.objects.order_by("name")
    return Agency.objects.filter(pk=user.agency_id)


def check_logbook_access(user, agency: Agency) -> None:
    """Administrators read every agency's logbook; receiving officers, processing officers
    and leaders read their own agency's. Anyone else: 403."""
    if not may_use_logbook(user):
        raise Forbidden(_("Bạn không có quyền xem sổ theo dõi hồ sơ."))
    if not _is_administrator(user) and user.agency_id != agency.pk:
        raise Forbidden(_("Bạn chỉ được xem sổ theo dõi hồ sơ của cơ quan mình."))


# --- the query -------------------------------------------------------------------------------
@dataclass(frozen=True)
class LogbookQuery:
    agency: Agency
    date_from: date
    date_to: date
    format: str = "pdf"


def _date(value: str | None, field: str, errors: dict) -> date | None:
    value = (value or "").strip()
    if not value:
        errors[field] = [_("Trường này là bắt buộc.")]
        return None
    try:
        if not _ISO_DATE.fullmatch(value):
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError:
        errors[field] = [_("Ngày không hợp lệ: dùng định dạng YYYY-MM-DD.")]
        return None


def parse_logbook_query(params: Mapping[str, str]) -> LogbookQuery:
    """agency (code), date_from, date_to (YYYY-MM-DD, local dates, inclusive), format
    (pdf|csv). Every error at once, by field: DomainError (400)."""
    errors: dict[str, list[str]] = {}
    code = (params.get("agency") or "").strip()
    agency = None
    if not code:
        errors["agency"] = [_("Trường này là bắt buộc.")]
    else:
        agency = Agency.objects.select_related("parent", "unit").filter(code=code).first()
        if agency is None:
            errors["agency"] = [_("Không có cơ quan với mã này.")]
    date_from = _date(params.get("date_from"), "date_from", errors)
    date_to = _date(params.get("date_to"), "date_to", errors)
    if date_from and date_to:
        if date_to < date_from:
            errors["date_to"] = [_("Ngày kết thúc phải bằng hoặc sau ngày bắt đầu.")]
        elif (date_to - date_from).days + 1 > MAX_RANGE_DAYS:
            errors["date_to"] = [
                _("Khoảng thời gian không được quá %(days)s ngày.") % {"days": MAX_RANGE_DAYS}
            ]
    fmt = (params.get("format") or "pdf").strip().lower()
    if fmt not in FORMATS:
        errors["format"] = [_("Định dạng phải là pdf hoặc csv.")]
    if errors:
        raise DomainError(_("Tham số sổ theo dõi hồ sơ không hợp lệ."), errors=errors)
    return LogbookQuery(agency=agency, date_from=date_from, date_to=date_to, format=fmt)


# --- the rows --------------------------------------------------------------------------------
HEADER = [
    gettext_lazy("STT"),
    gettext_lazy("Mã hồ sơ"),
    gettext_lazy("Tên thủ tục hành chính"),
    gettext_lazy("Chủ hồ sơ"),
    gettext_lazy("Ngày nhận hồ sơ"),
    gettext_lazy("Hẹn trả kết quả"),
    gettext_lazy("Ngày trả kết quả"),
    gettext_lazy("Hình thức nhận kết quả"),
    gettext_lazy("Tình trạng, ghi chú"),
]


@dataclass(frozen=True)
class LogbookRow:
    number: int
    code: str
    procedure: str
    applicant: str
    received_at: datetime | None
    due_at: datetime | None
    returned_at: datetime | None
    return_method: str
    notes: str
    # Not printed: whose row it is, for the access log (docs/access-log.md).
    dossier_id: int | None = None
    applicant_identifier: str = ""
    applicant_account_id: int | None = None

    def as_text(self) -> list[str]:
        """The row as printed (local times, dd/mm/yyyy HH:MM)."""
        return [
            str(self.number),
            self.code,
            self.procedure,
            self.applicant,
            c.fmt_datetime(self.received_at),
            c.fmt_datetime(self.due_at),
            c.fmt_datetime(self.returned_at),
            self.return_method,
            self.notes,
        ]


def _bounds(date_from: date, date_to: date) -> tuple[datetime, datetime]:
    start = datetime.combine(date_from, time.min, tzinfo=LOCAL_TZ)
    end = datetime.combine(date_to + timedelta(days=1), time.min, tzinfo=LOCAL_TZ)
    return start, end


def logbook_queryset(agency: Agency, date_from: date, date_to: date) -> QuerySet:
    """The dossiers received by `agency` with received_at on a local date in the range."""
    start, end = _bounds(date_from, date_to)
    return (
        Dossier.objects.filter(receiving_agency=agency, received_at__gte=start, received_at__lt=end)
        .order_by("received_at", "id")
        .values_list(
            "code",
            KT("terms__procedure_name"),
            "procedure__name",
            "applicant__full_name",
            "received_at",
            "due_at",
            "returned_at",
            "return_method",
            "status",
            "finished_at",
            "reschedule_count",
            "id",
            "applicant__personal_id",
            "applicant__tax_code",
            "applicant__account_id",
        )
    )


def _notes(status: str, due_at, finished_at, reschedule_count: int, now) -> str:
    parts = [str(DossierStatus(status).label) if status in DossierStatus.values else status]
    if due_at is not None:
        if status in (DossierStatus.RESULT_READY, DossierStatus.RETURNED) and finished_at:
            parts.append(_("quá hạn") if finished_at > due_at else _("đúng hạn"))
        elif status in CLOCK_RUNNING and now > due_at:
            parts.append(_("đang quá hạn"))
    if reschedule_count:
        parts.append(_("đã hẹn lại ngày trả"))
    return "; ".join(parts)


def logbook_rows(
    agency: Agency, date_from: date, date_to: date, *, limit: int | None = None
) -> Iterator[LogbookRow]:
    """The logbook's rows in order of receipt, read in chunks (safe for a year of dossiers)."""
    queryset = logbook_queryset(agency, date_from, date_to)
    if limit is not None:
        queryset = queryset[:limit]
    now = timezone.now()
    for number, values in enumerate(queryset.iterator(chunk_size=1000), start=1):
        (
            code,
            procedure_name,
            procedure_fallback,
            applicant,
            received_at,
            due_at,
            returned_at,
            return_method,
            status,
            finished_at,
            reschedule_count,
            dossier_id,
            personal_id,
            tax_code,
            account_id,
        ) = values
        yield LogbookRow(
            number=number,
            code=code,
            procedure=procedure_name or procedure_fallback,
            applicant=applicant,
            received_at=received_at,
            due_at=due_at,
            returned_at=returned_at,
            return_method=c.return_method_label(return_method),
            notes=_notes(status, due_at, finished_at, reschedule_count, now),
            dossier_id=dossier_id,
            applicant_identifier=personal_id or tax_code,
            applicant_account_id=account_id,
        )


def _header() -> list[str]:
    return [str(h) for h in HEADER]


def filename(agency: Agency, date_from: date, date_to: date, extension: str) -> str:
    return f"so-theo-doi-{agency.code}-{date_from:%Y%m%d}-{date_to:%Y%m%d}.{extension}"


# --- PDF ---------------------------------------------------------------------------------------
_WIDTHS = [10, 52, 52, 34, 22, 22, 22, 26]


def _split(moment: datetime | None) -> list[str]:
    """Date over time, to keep the date columns narrow."""
    if moment is None:
        return [""]
    text = c.fmt_datetime(moment)
    return text.split(" ", 1)


# Told of the rows a logbook shows, before they are sent (the access log).
RowsCallback = Callable[[list[LogbookRow]], object]


def render_logbook_pdf(
    agency: Agency, date_from: date, date_to: date, *, on_rows: RowsCallback | None = None
) -> bytes:
    """The logbook as a landscape PDF; more than PDF_MAX_ROWS rows is a 400 (use the CSV).
    `on_rows` is called once with every row, after the PDF is made."""
    rows = list(logbook_rows(agency, date_from, date_to, limit=PDF_MAX_ROWS + 1))
    if len(rows) > PDF_MAX_ROWS:
        message = _(
            "Sổ theo dõi có hơn %(max)s hồ sơ: hãy tải tệp CSV hoặc chọn khoảng thời gian ngắn hơn."
        ) % {"max": PDF_MAX_ROWS}
        raise DomainError(message, code="too_many_rows", errors={"format": [message]})
    width = pdf.content_width(pdf.LANDSCAPE, MARGINS)
    widths = [w * mm for w in _WIDTHS]
    widths.append(width - sum(widths))
    title = str(LOGBOOK_TITLE)
    story = [
        pdf.national_header(
            agency.name,
            parent=agency.parent.name if agency.parent_id else "",
            place_date=f"{c.place_name(agency)}, {c.written_date(timezone.now())}",
            width=width,
        )
    ]
    story += pdf.title_block(
        title,
        _("Từ ngày %(start)s đến ngày %(end)s")
        % {"start": c.fmt_date(date_from), "end": c.fmt_date(date_to)},
    )
    story.append(
        pdf.table(
            _header(),
            [
                [
                    row.number,
                    row.code,
                    row.procedure,
                    row.applicant,
                    _split(row.received_at),
                    _split(row.due_at),
                    _split(row.returned_at),
                    row.return_method,
                    row.notes,
                ]
                for row in rows
            ],
            widths,
            centered=(0, 4, 5, 6),
            plain=True,
        )
    )
    story.append(pdf.spacer(2))
    story.append(pdf.labelled(_("Tổng số hồ sơ:"), str(len(rows))))
    content = pdf.render(
        story,
        title=title,
        subject=f"{agency.code} {date_from:%d/%m/%Y}–{date_to:%d/%m/%Y}",
        author=agency.name,
        pagesize=pdf.LANDSCAPE,
        margins_mm=MARGINS,
    )
    if on_rows is not None and rows:
        on_rows(rows)
    return content


# --- CSV ---------------------------------------------------------------------------------------
class _Line:
    """A file-like object whose write() hands the line back (for streaming with csv)."""

    def write(self, value: str) -> str:
        return value


def logbook_csv(
    agency: Agency, date_from: date, date_to: date, *, on_rows: RowsCallback | None = None
) -> Iterator[str]:
    """The logbook as CSV text, line by line, for a streaming response. It starts with a
    UTF-8 byte-order mark so that Excel reads the Vietnamese text correctly. `on_rows` is
    called with each chunk of CSV_CHUNK_ROWS rows before the chunk is sent."""
    writer = csv.writer(_Line())
    yield "\ufeff" + writer.writerow(_header())
    rows = logbook_rows(agency, date_from, date_to)
    while chunk := list(islice(rows, CSV_CHUNK_ROWS)):
        if on_rows is not None:
            on_rows(chunk)
        for row in chunk:
            yield writer.writerow(row.as_text())
