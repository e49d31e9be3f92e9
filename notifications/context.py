"""The variables of a notice, computed from the dossier change (notifications/events.py declares
which of them each kind's templates may name). `sample()` is the same for a made-up dossier:
the admin's preview and the SMS length check."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.text import vnd
from payments import services as payments
from satisfaction import services as satisfaction

from .events import Notice


def when(value: datetime | str | None, language: str = "vi") -> str:
    if not value:
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    local = timezone.localtime(value)
    if language == "vi":
        return local.strftime("%H:%M ngày %d/%m/%Y")
    return local.strftime("%H:%M, %d/%m/%Y")


def tracking_url(code: str) -> str:
    return f"{settings.ONECUA_PUBLIC_BASE_URL}/tra-cuu/?code={code}"


def _how_to_get(dossier) -> str:
    if dossier.has_e_result:
        return _(
            "Kết quả điện tử đã có trong kho dữ liệu của bạn; bản giấy nhận tại bộ phận một cửa."
        )
    if dossier.return_method == "post":
        return _("Kết quả sẽ được gửi qua dịch vụ bưu chính công ích.")
    if dossier.return_method == "online":
        return _("Tải kết quả trên Cổng dịch vụ công.")
    return _("Mời bạn đến bộ phận một cửa để nhận kết quả, mang theo giấy tiếp nhận hồ sơ.")


def _amount(change) -> str:
    """What the event asked for or took (its payload), else what the dossier still owes."""
    amount = (change.event.payload or {}).get("amount")
    if not amount:
        from dossiers.services import fees

        amount = sum(line.amount_due for line in fees.owed_lines(change.dossier))
    return vnd(amount) if amount else ""


def build(change, notice: Notice, language: str, official=None) -> dict[str, str]:
    """Every variable of `notice` for this change, as text in `language`."""
    dossier, event = change.dossier, change.event
    with translation.override(language):
        values = {
            "dossier_code": dossier.code,
            "procedure_name": dossier.procedure.name,
            "applicant_name": dossier.applicant.full_name,
            "agency_name": dossier.handling_agency.name,
            "status": str(dossier.get_status_display()),
            "tracking_url": tracking_url(dossier.code),
            "submitted_at": when(dossier.submitted_at, language),
            "received_at": when(dossier.received_at, language),
            "due_at": when(dossier.due_at, language),
            "old_due_at": when(change.before.due_at if change.before else None, language),
            "returned_at": when(dossier.returned_at, language),
            "supplement_deadline": when(dossier.supplement_deadline, language),
            "items": "; ".join((event.payload or {}).get("items", [])),
            "reason": event.note,
            "note": event.note,
            "actor_name": (event.actor.full_name or event.actor.username) if event.actor else "",
            "official_name": (official.full_name or official.username) if official else "",
            "percent": str((event.payload or {}).get("percent", "")),
            "step_name": (event.payload or {}).get("step_name", ""),
            "step_due_at": when((event.payload or {}).get("step_due_at"), language),
        }
        if "how_to_get" in notice.variables:
            values["how_to_get"] = _how_to_get(dossier)
        if "amount" in notice.variables:
            values["amount"] = _amount(change)
        if "payment_url" in notice.variables:
            # The signed payment link (docs/payments.md, "The payment link").
            values["payment_url"] = payments.link_url(dossier)
        if "rating_url" in notice.variables:
            # The signed one-time link of the satisfaction rating (docs/satisfaction.md).
            values["rating_url"] = satisfaction.link_url(dossier)
    return {name: values.get(name, "") for name in notice.allowed}


def build_feedback(feedback, event, notice: Notice, language: str, official=None, percent=None):
    """Every variable of a feedback's `notice` (docs/feedback.md), as text in `language`."""
    with translation.override(language):
        values = {
            "agency_name": feedback.agency.name,
            "applicant_name": feedback.contact_name,
            "status": str(feedback.get_status_display()),
            "feedback_code": feedback.code,
            "feedback_title": feedback.title,
            "due_at": when(feedback.due_at, language),
            "answer": feedback.answer,
            "reason": feedback.reject_reason or (event.note if event is not None else ""),
            "official_name": (official.full_name or official.username) if official else "",
            "percent": str(percent or ""),
        }
    return {name: values.get(name, "") for name in notice.allowed}


def build_appointment(appointment, notice: Notice, language: str) -> dict[str, str]:
    """Every variable of an appointment's `notice` (servicecentre, docs/service-centre.md)."""
    citizen = appointment.citizen
    slot = appointment.slot
    with translation.override(language):
        values = {
            "applicant_name": citizen.full_name or citizen.username,
            "agency_name": slot.group.centre.agency.name,
            "centre_name": slot.group.centre.agency.name,
            "group_name": slot.group.name,
            "appointment_at": when(slot.starts_at, language),
        }
    return {name: values.get(name, "") for name in notice.allowed}


def sample(notice: Notice, language: str = "vi") -> dict[str, str]:
    """Plausible values of every variable of `notice`, for the preview and the SMS length."""
    now = timezone.now()
    with translation.override(language):
        values = {
            "dossier_code": "000.00.06.H25-261205-0001",
            "procedure_name": "Đăng ký khai sinh",
            "applicant_name": "Nguyễn Văn An",
            "agency_name": "UBND phường Việt Trì",
            "status": _("Đang xử lý"),
            "tracking_url": tracking_url("000.00.06.H25-261205-0001"),
            "submitted_at": when(now, language),
            "received_at": when(now, language),
            "due_at": when(now, language),
            "old_due_at": when(now, language),
            "returned_at": when(now, language),
            "supplement_deadline": when(now, language),
            "items": "Giấy chứng sinh (bản chính); Giấy xác nhận cư trú",
            "reason": "Hồ sơ cần thẩm định thêm tại thực địa",
            "note": "Ưu tiên xử lý",
            "actor_name": "Trần Thị Bình",
            "official_name": "Lê Văn Cường",
            "rating_url": f"{settings.ONECUA_PUBLIC_BASE_URL}/danh-gia/eyJkIjoiMDAwIn0:1abc:sig/",
            "payment_url": f"{settings.ONECUA_PUBLIC_BASE_URL}/thanh-toan/eyJkIjoiMDAwIn0:1abc:x/",
            "amount": vnd(1250000),
            "percent": "80",
            "feedback_code": "PAKN-2026-000123",
            "feedback_title": "Phản ánh về thời gian giải quyết",
            "answer": "Cơ quan đã kiểm tra và chấn chỉnh việc tiếp nhận hồ sơ.",
            "step_name": "Thẩm định hồ sơ",
            "step_due_at": when(now, language),
            "centre_name": "Trung tâm Phục vụ hành chính công phường Việt Trì",
            "group_name": "Hộ tịch",
            "appointment_at": when(now, language),
            "how_to_get": _(
                "Mời bạn đến bộ phận một cửa để nhận kết quả, mang theo giấy tiếp nhận hồ sơ."
            ),
        }
    return {name: values.get(name, "") for name in notice.allowed}
