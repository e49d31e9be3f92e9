"""Mẫu 06 — Phiếu kiểm soát quá trình giải quyết hồ sơ (process-control slip): one row per
internal step actually run (StepRun), with its unit, handler, times and timing."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib.units import mm

from documents import pdf

from ..models import Dossier, StepRun, StepTiming
from . import common as c
from .titles import FORMS

MARGINS = (12.0, 12.0, 15.0, 15.0)
# Column widths in millimetres; the note takes what is left of the landscape page.
_WIDTHS = [9, 44, 46, 32, 25, 25, 25, 20]


def _timing(run: StepRun) -> str:
    if run.finished_at is None:
        return _("Đang xử lý")
    return str(StepTiming(run.timing).label) if run.timing in StepTiming.values else ""


def rows(dossier: Dossier, *, citizen_view: bool = False) -> list[list]:
    """The table's rows. A citizen sees the units, not which official handled the step nor
    the officials' working notes (as in the dossier API)."""
    runs = dossier.step_runs.select_related("agency", "assignee").order_by("started_at", "id")
    out = []
    for index, run in enumerate(runs, start=1):
        out.append(
            [
                index,
                run.name,
                run.agency.name if run.agency_id else "",
                "" if citizen_view else c.person_name(run.assignee),
                c.fmt_datetime(run.started_at),
                c.fmt_datetime(run.due_at),
                c.fmt_datetime(run.finished_at),
                _timing(run),
                "" if citizen_view else run.note,
            ]
        )
    return out


def render(dossier: Dossier, *, citizen_view: bool = False) -> bytes:
    width = pdf.content_width(pdf.LANDSCAPE, MARGINS)
    centre = dossier.receiving_agency
    title = str(FORMS["06"])
    story = [
        pdf.national_header(
            centre.name,
            parent=centre.parent.name if centre.parent_id else "",
            place_date=f"{c.place_name(centre)}, {c.written_date(timezone.now())}",
            width=width,
        )
    ]
    story += pdf.title_block(title, c.code_line(dossier))
    applicant = dossier.applicant
    label, identifier = c.applicant_identifier(applicant)
    story.append(
        pdf.labelled(
            _("Chủ hồ sơ:"),
            f"{applicant.full_name}" + (f" — {label} {identifier}" if identifier else ""),
        )
    )
    story.append(pdf.labelled(_("Thủ tục hành chính:"), c.procedure_name(dossier)))
    story.append(pdf.labelled(_("Cơ quan giải quyết:"), dossier.handling_agency.name))
    story.append(
        pdf.labelled(
            _("Thời gian nhận hồ sơ:"),
            c.fmt_clock(dossier.received_at),
        )
    )
    story.append(pdf.labelled(_("Thời gian hẹn trả kết quả:"), c.fmt_clock(dossier.due_at)))
    story.append(pdf.labelled(_("Tình trạng hồ sơ:"), dossier.get_status_display()))
    story.append(pdf.spacer(2))
    widths = [w * mm for w in _WIDTHS]
    widths.append(width - sum(widths))
    story.append(
        pdf.table(
            [
                _("TT"),
                _("Bước xử lý"),
                _("Cơ quan, đơn vị"),
                _("Người xử lý"),
                _("Nhận hồ sơ lúc"),
                _("Hạn xử lý"),
                _("Giao hồ sơ lúc"),
                _("Kết quả"),
                _("Ghi chú"),
            ],
            rows(dossier, citizen_view=citizen_view),
            widths,
            centered=(0, 4, 5, 6, 7),
        )
    )
    pauses = list(dossier.pauses.order_by("opened_at"))
    if pauses:
        story.append(pdf.spacer(2))
        story.append(pdf.labelled(_("Thời gian tạm dừng tính thời hạn:"), ""))
        for pause in pauses:
            story.append(
                pdf.para(
                    _("– %(kind)s: từ %(start)s đến %(end)s")
                    % {
                        "kind": pause.get_kind_display(),
                        "start": c.fmt_datetime(pause.opened_at),
                        "end": c.fmt_datetime(pause.closed_at) or _("nay"),
                    }
                )
            )
    story.append(pdf.spacer(3))
    story.append(
        pdf.para(
            _("Phiếu được lập từ dữ liệu của hệ thống một cửa điện tử lúc %(at)s.")
            % {"at": c.fmt_datetime(timezone.now())},
            "small",
        )
    )
    return pdf.render(
        story,
        title=title,
        subject=dossier.code,
        author=centre.name,
        pagesize=pdf.LANDSCAPE,
        margins_mm=MARGINS,
    )
