"""A dossier's timeline in words a person reads: who did what, when (local time), and what the
dossier's status became — no action codes, no user ids (docs/workspace.md)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from dossiers.models import DossierAction, DossierStatus, Event

A = DossierAction

# What each action did, as the rest of a sentence whose subject is the one who acted.
VERBS = {
    A.SUBMIT: gettext_lazy("đã nộp hồ sơ trực tuyến"),
    A.INTAKE: gettext_lazy("đã tiếp nhận hồ sơ tại quầy"),
    A.RECEIVE: gettext_lazy("đã tiếp nhận hồ sơ"),
    A.REFUSE_RECEIPT: gettext_lazy("đã từ chối tiếp nhận hồ sơ"),
    A.REQUEST_SUPPLEMENT: gettext_lazy("đã yêu cầu bổ sung, hoàn thiện hồ sơ"),
    A.SUPPLEMENT: gettext_lazy("đã ghi nhận hồ sơ được bổ sung"),
    A.ASSIGN: gettext_lazy("đã phân công %(person)s xử lý hồ sơ"),
    A.HAND_OVER: gettext_lazy("đã chuyển hồ sơ cho %(person)s"),
    A.REQUEST_PAYMENT: gettext_lazy("đã yêu cầu thực hiện nghĩa vụ tài chính"),
    A.CONFIRM_PAYMENT: gettext_lazy("đã xác nhận nghĩa vụ tài chính được thực hiện"),
    A.ADJUST_FEE: gettext_lazy("đã miễn, giảm phí, lệ phí"),
    A.COLLECT_FEE: gettext_lazy("đã thu phí, lệ phí tại quầy"),
    A.RECORD_REFUND: gettext_lazy("đã xác nhận hoàn trả phí, lệ phí"),
    A.APPROVE: gettext_lazy("đã phê duyệt kết quả giải quyết"),
    A.REFUSE: gettext_lazy("đã từ chối giải quyết hồ sơ"),
    A.RETURN_RESULT: gettext_lazy("đã trả kết quả"),
    A.WITHDRAW: gettext_lazy("đã rút hồ sơ"),
    A.STOP: gettext_lazy("đã dừng xử lý hồ sơ"),
    A.RESCHEDULE: gettext_lazy("đã xin lỗi và hẹn lại ngày trả kết quả"),
    A.ATTACH_FILE: gettext_lazy("đã đính kèm tệp"),
    A.DIGITISE: gettext_lazy("đã số hóa thành phần hồ sơ"),
    A.PAY_ONLINE: gettext_lazy("đã thanh toán trực tuyến"),
    A.ESCALATE: gettext_lazy("đã nhắc việc vì hồ sơ sắp đến hạn hoặc chưa có người xử lý"),
    A.STATUS_NOTICE: gettext_lazy("đã thông báo tình trạng hồ sơ cho người nộp"),
}


@dataclass(frozen=True)
class Entry:
    at: datetime
    when: str
    who: str
    sentence: str
    status_change: str
    note: str


def local_time(moment: datetime | None) -> str:
    if moment is None:
        return ""
    return date_format(timezone.localtime(moment), "H:i d/m/Y")


def person(user) -> str:
    if user is None:
        return ""
    name = user.full_name or user.username
    role = user.get_role_display() if user.role else ""
    agency = user.agency.name if getattr(user, "agency_id", None) else ""
    details = ", ".join(part for part in (role, agency) if part)
    return f"{name} ({details})" if details else name


def _who(event: Event) -> str:
    if event.actor_id is None:
        if event.action == A.PAY_ONLINE:
            return _("Người nộp hồ sơ (qua nền tảng thanh toán)")
        return _("Hệ thống")
    return person(event.actor)


def _status(value: str) -> str:
    try:
        return str(DossierStatus(value).label)
    except ValueError:
        return ""


def entries(dossier) -> list[Entry]:
    """The dossier's events, oldest first, as sentences."""
    events = list(dossier.events.select_related("actor__agency").order_by("at", "id"))
    assignee_ids = {
        e.payload.get("assignee")
        for e in events
        if isinstance(e.payload, dict) and isinstance(e.payload.get("assignee"), int)
    }
    names = {u.pk: u.full_name or u.username for u in User.objects.filter(pk__in=assignee_ids)}
    out = []
    for event in events:
        try:
            verb = VERBS[DossierAction(event.action)]
        except (ValueError, KeyError):
            verb = _("đã thực hiện một thao tác")
        payload = event.payload if isinstance(event.payload, dict) else {}
        sentence = (
            str(verb) % {"person": names.get(payload.get("assignee"), _("cán bộ khác"))}
            if "%(person)s" in str(verb)
            else str(verb)
        )
        if event.action == A.RESCHEDULE and payload.get("due_at"):
            moment = datetime.fromisoformat(payload["due_at"])
            sentence += _(" (hẹn mới: %(when)s)") % {"when": local_time(moment)}
        change = ""
        if event.from_status and event.from_status != event.to_status:
            change = _("Trạng thái: %(before)s → %(after)s") % {
                "before": _status(event.from_status),
                "after": _status(event.to_status),
            }
        elif not event.from_status and event.to_status:
            change = _("Trạng thái: %(after)s") % {"after": _status(event.to_status)}
        out.append(
            Entry(
                at=event.at,
                when=local_time(event.at),
                who=_who(event),
                sentence=sentence,
                status_change=change,
                note=event.note,
            )
        )
    return out
