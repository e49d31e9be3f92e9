"""Which dossier event tells whom what: the one table of notices (docs/notifications.md).

Each row is a `Notice`: its kind (the templates' key), the dossier actions that raise it, who is
told (the applicant, or the official the action names), whether the law requires the notice
(then an applicant's opt-out does not stop it), and the variables its templates may name. Adding
a notice is one row here plus its default templates (notifications/defaults.py); the variables
themselves are computed once for every kind in `notifications.context`.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

APPLICANT = "applicant"
OFFICIAL = "official"

# Every template may name these.
COMMON = (
    "dossier_code",
    "procedure_name",
    "applicant_name",
    "agency_name",
    "status",
    "tracking_url",
)


# The variables of an appointment's reminder (servicecentre: no dossier).
APPOINTMENT_VARIABLES = ("centre_name", "group_name", "appointment_at")

# The variables of a feedback's notices (no dossier: the common ones are empty but the agency's).
FEEDBACK_VARIABLES = ("feedback_code", "feedback_title", "due_at", "answer", "reason")


@dataclass(frozen=True)
class Notice:
    kind: str
    label: object  # lazy text
    actions: tuple[str, ...]
    audience: str
    required: bool  # legally required: sent whatever the applicant's opt-out
    variables: tuple[str, ...] = ()
    basis: str = ""  # the legal source of the notice, when there is one

    @property
    def allowed(self) -> tuple[str, ...]:
        return COMMON + self.variables


NOTICES: tuple[Notice, ...] = (
    Notice(
        "submitted",
        _("Đã nhận hồ sơ nộp trực tuyến"),
        ("submit",),
        APPLICANT,
        required=False,
        variables=("submitted_at",),
    ),
    Notice(
        "received",
        _("Tiếp nhận hồ sơ và hẹn trả kết quả (Mẫu 01)"),
        ("receive", "intake"),
        APPLICANT,
        required=True,
        variables=("received_at", "due_at"),
        basis="Thông tư 03/2025/TT-VPCP, Mẫu 01",
    ),
    Notice(
        "supplement_requested",
        _("Yêu cầu bổ sung, hoàn thiện hồ sơ (Mẫu 02)"),
        ("request_supplement",),
        APPLICANT,
        required=True,
        variables=("items", "supplement_deadline", "reason"),
        basis="Thông tư 03/2025/TT-VPCP, Mẫu 02",
    ),
    Notice(
        "receipt_refused",
        _("Từ chối tiếp nhận hồ sơ (Mẫu 03)"),
        ("refuse_receipt",),
        APPLICANT,
        required=True,
        variables=("reason", "rating_url"),
        basis="Thông tư 03/2025/TT-VPCP, Mẫu 03",
    ),
    Notice(
        "rescheduled",
        _("Xin lỗi và hẹn lại ngày trả kết quả (Mẫu 04)"),
        ("reschedule",),
        APPLICANT,
        required=True,
        variables=("reason", "old_due_at", "due_at"),
        basis="Thông tư 03/2025/TT-VPCP, Mẫu 04",
    ),
    Notice(
        "result_ready",
        _("Đã có kết quả giải quyết"),
        ("approve",),
        APPLICANT,
        required=False,
        variables=("how_to_get", "due_at"),
    ),
    Notice(
        "returned",
        _("Đã trả kết quả"),
        ("return_result",),
        APPLICANT,
        required=False,
        variables=("returned_at", "rating_url"),
    ),
    Notice(
        "refused",
        _("Từ chối giải quyết hồ sơ (nêu rõ lý do)"),
        ("refuse",),
        APPLICANT,
        required=True,
        variables=("reason", "rating_url"),
        basis="Nghị định 118/2025/NĐ-CP: văn bản từ chối nêu rõ lý do",
    ),
    Notice(
        "stopped",
        _("Dừng xử lý hồ sơ (Mẫu 05)"),
        ("stop",),
        APPLICANT,
        required=True,
        variables=("reason",),
        basis="Thông tư 03/2025/TT-VPCP, Mẫu 05",
    ),
    Notice(
        "fee_requested",
        _("Yêu cầu nộp phí, lệ phí"),
        ("request_payment",),
        APPLICANT,
        required=True,
        variables=("amount", "payment_url", "reason"),
        basis="Luật Phí và lệ phí 2015; Nghị định 118/2025/NĐ-CP (nghĩa vụ tài chính)",
    ),
    Notice(
        "payment_reminder",
        _("Nhắc nộp phí, lệ phí (đã yêu cầu mà chưa nộp)"),
        ("remind_payment",),
        APPLICANT,
        required=False,
        variables=("amount", "payment_url"),
    ),
    Notice(
        "payment_received",
        _("Đã nhận phí, lệ phí"),
        ("pay_online", "collect_fee", "confirm_payment"),
        APPLICANT,
        required=False,
        variables=("amount",),
    ),
    Notice(
        "assigned",
        _("Cán bộ được phân công xử lý hồ sơ"),
        ("assign",),
        OFFICIAL,
        required=True,
        variables=("official_name", "actor_name", "due_at", "note"),
    ),
    Notice(
        "handed_over",
        _("Cán bộ nhận hồ sơ được chuyển bước"),
        ("hand_over",),
        OFFICIAL,
        required=True,
        variables=("official_name", "actor_name", "due_at", "note"),
    ),
    Notice(
        "status_notice",
        _("Thông báo tình trạng hồ sơ (hồ sơ chưa có tiến triển)"),
        ("status_notice",),
        APPLICANT,
        required=False,
        variables=("due_at",),
    ),
    Notice(
        "escalated",
        _("Nhắc việc, báo cáo hồ sơ sắp quá hạn hoặc quá hạn"),
        ("escalate",),
        OFFICIAL,
        required=True,
        variables=("official_name", "percent", "step_name", "step_due_at", "due_at"),
    ),
    # Feedback (phản ánh, kiến nghị — docs/feedback.md): not about a dossier; raised by the
    # feedback app's signals (notifications/feedback.py), their actions named "feedback:<action>".
    Notice(
        "feedback_received",
        _("Đã tiếp nhận phản ánh, kiến nghị"),
        ("feedback:submit",),
        APPLICANT,
        required=True,
        variables=FEEDBACK_VARIABLES,
    ),
    Notice(
        "feedback_answered",
        _("Đã trả lời phản ánh, kiến nghị"),
        ("feedback:answer",),
        APPLICANT,
        required=True,
        variables=FEEDBACK_VARIABLES,
    ),
    Notice(
        "feedback_rejected",
        _("Từ chối xử lý phản ánh, kiến nghị (nêu rõ lý do)"),
        ("feedback:reject",),
        APPLICANT,
        required=True,
        variables=FEEDBACK_VARIABLES,
    ),
    Notice(
        "feedback_escalated",
        _("Nhắc việc: phản ánh, kiến nghị sắp quá hạn hoặc quá hạn"),
        ("feedback:escalate",),
        OFFICIAL,
        required=True,
        variables=(*FEEDBACK_VARIABLES, "official_name", "percent"),
    ),
    # The service centre's appointments (docs/service-centre.md): the reminder the day before,
    # raised by servicecentre's `appointment_reminder` signal (notifications/appointments.py).
    Notice(
        "appointment_reminder",
        _("Nhắc lịch hẹn tại Trung tâm Phục vụ hành chính công"),
        ("appointment:remind",),
        APPLICANT,
        required=False,
        variables=APPOINTMENT_VARIABLES,
    ),
)

BY_KIND: dict[str, Notice] = {n.kind: n for n in NOTICES}
BY_ACTION: dict[str, list[Notice]] = {}
for _notice in NOTICES:
    for _action in _notice.actions:
        BY_ACTION.setdefault(_action, []).append(_notice)


def kind_choices() -> list[tuple[str, object]]:
    return [(n.kind, n.label) for n in NOTICES]
