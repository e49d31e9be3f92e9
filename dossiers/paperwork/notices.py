"""The notices to the applicant: Mẫu 02 (request for supplement), 03 (refusal of receipt),
04 (apology and new return date) and 05 (stop notice). Each reads what the service recorded:
the Event of the action (its actor, time, note and payload) and the dossier's own fields."""

from __future__ import annotations

from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from accounts.roles import Role
from core.errors import Conflict
from documents import pdf

from ..models import Dossier, DossierStatus, Pause, PauseKind
from . import common as c
from .titles import FORMS


def _document(number: str, dossier: Dossier, agency, story: list) -> bytes:
    return pdf.render(story, title=str(FORMS[number]), subject=dossier.code, author=agency.name)


def _opening(number: str, dossier: Dossier, agency, moment) -> list:
    story = [c.header(agency, moment=moment)]
    story += pdf.title_block(str(FORMS[number]), c.code_line(dossier))
    return story


def _dear(dossier: Dossier):
    return pdf.labelled(
        _("Kính gửi:"), _("Ông/Bà %(name)s") % {"name": dossier.applicant.full_name}
    )


# --- Mẫu 02 ----------------------------------------------------------------------------------
def supplement_request(dossier: Dossier) -> dict | None:
    """The latest request for supplement: items, reason, when, by whom, answer-by date."""
    event = c.last_event(dossier, "request_supplement")
    pauses = dossier.pauses.filter(kind=PauseKind.SUPPLEMENT)
    if event is not None:
        pause = pauses.filter(opened_at__lte=event.at).order_by("-opened_at").first()
        return {
            "items": [str(i) for i in event.payload.get("items", [])],
            "reason": event.note,
            "at": event.at,
            "at_receipt": event.from_status == DossierStatus.NEW,
            "actor": event.actor,
            "respond_by": pause.respond_by if pause else None,
        }
    pause: Pause | None = pauses.select_related("opened_by__agency").order_by("-opened_at").first()
    if pause is None:
        return None
    return {
        "items": [line for line in pause.reason.splitlines() if line.strip()],
        "reason": "",
        "at": pause.opened_at,
        "at_receipt": pause.resume_to == DossierStatus.NEW,
        "actor": pause.opened_by,
        "respond_by": pause.respond_by,
    }


def render_supplement_request(dossier: Dossier) -> bytes:
    request = supplement_request(dossier)
    if request is None:
        raise Conflict(_("Hồ sơ không có yêu cầu bổ sung nào."), code="form_not_applicable")
    fallback = dossier.receiving_agency if request["at_receipt"] else dossier.handling_agency
    actor = request["actor"]
    agency = actor.agency if actor is not None and actor.agency_id else fallback
    story = _opening("02", dossier, agency, request["at"])
    story += c.applicant_lines(dossier, opening=_("Hồ sơ của:"))
    story += c.request_lines(dossier)
    story.append(pdf.spacer(2))
    story.append(
        pdf.para(
            _(
                "Sau khi xem xét, đối chiếu thành phần hồ sơ, %(agency)s đề nghị Ông/Bà bổ sung, "
                "hoàn thiện hồ sơ gồm những nội dung sau:"
            )
            % {"agency": agency.name}
        )
    )
    for index, item in enumerate(request["items"], start=1):
        story.append(pdf.para(f"{index}. {item}", "item"))
    if request["reason"]:
        story.append(pdf.labelled(_("Lý do:"), request["reason"]))
    if request["respond_by"]:
        story.append(pdf.labelled(_("Thời hạn bổ sung hồ sơ:"), c.fmt_clock(request["respond_by"])))
    story.append(
        pdf.para(
            _(
                "Trong quá trình hoàn thiện hồ sơ, nếu có vướng mắc, Ông/Bà liên hệ với "
                "%(agency)s để được hướng dẫn."
            )
            % {"agency": agency.name}
        )
    )
    story.append(pdf.signature_block(None, pdf.Signer(_("Người hướng dẫn"), c.person_name(actor))))
    return _document("02", dossier, agency, story)


# --- Mẫu 03 ----------------------------------------------------------------------------------
def render_refusal_of_receipt(dossier: Dossier) -> bytes:
    event = c.last_event(dossier, "refuse_receipt")
    actor = event.actor if event else None
    agency = c.acting_agency(event, dossier.receiving_agency)
    moment = event.at if event else dossier.finished_at
    reason = dossier.outcome_reason or (event.note if event else "")
    story = _opening("03", dossier, agency, moment)
    story.append(pdf.labelled(_("%(agency)s tiếp nhận hồ sơ của:") % {"agency": agency.name}, ""))
    story += c.applicant_lines(dossier, opening=_("Ông/Bà (tổ chức):"))
    story += c.request_lines(dossier)
    story.append(pdf.labelled(_("Thời điểm nộp hồ sơ:"), c.fmt_clock(dossier.submitted_at)))
    story.append(pdf.spacer(2))
    story.append(
        pdf.para(
            _(
                "Sau khi kiểm tra, đối chiếu hồ sơ, %(agency)s thông báo không tiếp nhận, giải "
                "quyết hồ sơ này với lý do cụ thể như sau:"
            )
            % {"agency": agency.name}
        )
    )
    story.append(pdf.para(reason))
    story.append(pdf.para(_("Xin thông báo để Ông/Bà được biết và thực hiện./.")))
    story.append(
        pdf.signature_block(None, pdf.Signer(_("Người tiếp nhận hồ sơ"), c.person_name(actor)))
    )
    return _document("03", dossier, agency, story)


# --- Mẫu 04 ----------------------------------------------------------------------------------
def reschedule_details(dossier: Dossier) -> dict:
    """The apology: reason, the date promised before and the new one, who signed, when."""
    event = c.last_event(dossier, "reschedule")
    new_due = parse_datetime(event.payload.get("due_at") or "") if event else None
    old_due = None
    if event is not None:
        # The promise in force before the apology: the last earlier event that set a date
        # (receipt, supplement, payment…), else the first promise.
        for earlier in (
            dossier.events.filter(at__lte=event.at).exclude(pk=event.pk).order_by("-at", "-id")
        ):
            value = (earlier.payload or {}).get("due_at")
            if value:
                old_due = parse_datetime(value)
                break
    return {
        "event": event,
        "reason": event.note if event else "",
        "old_due": old_due or dossier.original_due_at,
        "new_due": new_due or dossier.due_at,
    }


def render_apology(dossier: Dossier) -> bytes:
    details = reschedule_details(dossier)
    event = details["event"]
    agency = c.acting_agency(event, dossier.handling_agency)
    story = _opening("04", dossier, agency, event.at if event else None)
    story.append(_dear(dossier))
    story.append(pdf.spacer(2))
    story.append(
        pdf.para(
            _(
                "Ngày %(date)s, %(centre)s tiếp nhận hồ sơ của Ông/Bà (mã hồ sơ %(code)s), đề "
                "nghị giải quyết thủ tục: %(procedure)s."
            )
            % {
                "date": c.fmt_date(dossier.received_at),
                "centre": dossier.receiving_agency.name,
                "code": dossier.code,
                "procedure": c.procedure_name(dossier),
            }
        )
    )
    story.append(
        pdf.labelled(
            _("Thời gian hẹn trả kết quả giải quyết hồ sơ:"), c.fmt_clock(details["old_due"])
        )
    )
    story.append(
        pdf.para(
            _(
                "Tuy nhiên đến nay, %(agency)s chưa trả kết quả giải quyết hồ sơ của Ông/Bà đúng "
                "hạn ghi trên Giấy tiếp nhận hồ sơ và hẹn trả kết quả."
            )
            % {"agency": agency.name}
        )
    )
    story.append(pdf.labelled(_("Lý do:"), details["reason"]))
    story.append(
        pdf.para(
            _(
                "Sự chậm trễ này đã gây phiền hà cho Ông/Bà. %(agency)s xin lỗi Ông/Bà và sẽ trả "
                "kết quả giải quyết hồ sơ cho Ông/Bà vào lúc %(new)s."
            )
            % {"agency": agency.name, "new": c.fmt_clock(details["new_due"])}
        )
    )
    story.append(pdf.para(_("Xin trân trọng cảm ơn./.")))
    story.append(
        pdf.signature_block(
            None,
            pdf.Signer(
                _("Thủ trưởng cơ quan"),
                c.person_name(event.actor if event else None),
                hint=_("(Ký, ghi rõ họ tên và đóng dấu)"),
            ),
        )
    )
    return _document("04", dossier, agency, story)


# --- Mẫu 05 ----------------------------------------------------------------------------------
def render_stop_notice(dossier: Dossier) -> bytes:
    withdrawn = dossier.status == DossierStatus.WITHDRAWN
    event = c.last_event(dossier, "withdraw" if withdrawn else "stop")
    fallback = dossier.handling_agency if dossier.received_at else dossier.receiving_agency
    agency = c.acting_agency(event, fallback)
    moment = event.at if event else dossier.finished_at
    reason = dossier.outcome_reason or (event.note if event else "")
    actor = event.actor if event else None
    story = _opening("05", dossier, agency, moment)
    story.append(_dear(dossier))
    story.append(pdf.spacer(2))
    facts = {
        "agency": agency.name,
        "code": dossier.code,
        "procedure": c.procedure_name(dossier),
    }
    if withdrawn:
        text = _(
            "Theo đề nghị rút hồ sơ của Ông/Bà, %(agency)s thông báo dừng xử lý hồ sơ mã số "
            "%(code)s, thủ tục: %(procedure)s."
        )
    else:
        text = _("%(agency)s thông báo dừng xử lý hồ sơ mã số %(code)s, thủ tục: %(procedure)s.")
    story.append(pdf.para(text % facts))
    if dossier.received_at:
        story.append(pdf.labelled(_("Thời gian nhận hồ sơ:"), c.fmt_clock(dossier.received_at)))
    story.append(pdf.labelled(_("Thời điểm dừng xử lý:"), c.fmt_clock(moment)))
    story.append(pdf.labelled(_("Lý do:"), reason))
    story.append(pdf.para(_("Xin thông báo để Ông/Bà được biết./.")))
    official = actor is not None and actor.role != Role.CITIZEN
    if official and actor.role == Role.LEADER:
        signer = pdf.Signer(
            _("Thủ trưởng cơ quan"), c.person_name(actor), hint=_("(Ký, ghi rõ họ tên và đóng dấu)")
        )
    else:
        signer = pdf.Signer(_("Đại diện cơ quan"), c.person_name(actor) if official else "")
    story.append(pdf.signature_block(None, signer))
    return _document("05", dossier, agency, story)
