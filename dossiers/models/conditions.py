"""The conditions of the state machine's transitions, each with the code and message of the 409
answered when it fails (`@refuses`)."""

from collections.abc import Callable
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from procedures.models import StepRole

from .. import rules
from .status import S


# --- conditions of the transitions ------------------------------------------------------------
@dataclass(frozen=True)
class Refusal:
    """Why a condition stops an action: the problem+json code and the message."""

    code: str
    message: str


def refuses(code: str, message) -> Callable:
    """Give an FSM condition the code and message of the 409 answered when it fails."""

    def mark(condition: Callable) -> Callable:
        condition.refusal = Refusal(code, message)
        return condition

    return mark


def refusal_of(condition: Callable) -> Refusal:
    return getattr(
        condition, "refusal", Refusal("condition_failed", _("Chưa đủ điều kiện thực hiện."))
    )


@refuses(
    "already_rescheduled",
    _("Hồ sơ đã được hẹn lại một lần; ngày hẹn chỉ được điều chỉnh một lần."),
)
def never_rescheduled(dossier) -> bool:
    """The promised date may be reset only once (Mẫu 04)."""
    return dossier.reschedule_count == 0


@refuses("past_due", _("Đã quá hạn giải quyết: phải xin lỗi và hẹn lại trước hạn."))
def not_yet_due(dossier) -> bool:
    return dossier.due_at is not None and timezone.now() < dossier.due_at


@refuses(
    "apology_too_late",
    _(
        "Đã quá thời điểm xin lỗi và hẹn lại: phiếu xin lỗi và hẹn lại ngày trả kết quả "
        "phải gửi chậm nhất 01 ngày làm việc trước ngày hết hạn."
    ),
)
def apology_in_time(dossier) -> bool:
    """The apology and new date (Mẫu 04) go out no later than one working day before the due
    date (Decree 61/2018 art. 19, carried over by Decree 118/2025; docs/domain.md §3.4): until
    the end of office hours of the working day before the due date's day
    (rules.apology_deadline). No query: the calendar is cached per process."""
    if dossier.due_at is None:
        return False
    return timezone.now() <= rules.apology_deadline(dossier.due_at)


@refuses(
    "supplement_already_requested",
    _("Đã yêu cầu bổ sung ở bước này: yêu cầu bổ sung phải nêu một lần, đầy đủ các giấy tờ."),
)
def supplement_not_yet_requested(dossier) -> bool:
    """Told once and completely (docs/domain.md §3): one request at receipt, one in processing."""
    if dossier.status == S.NEW:
        return not dossier.supplement_asked_at_receipt
    return not dossier.supplement_asked_in_processing


@refuses(
    "supplement_window_closed",
    _("Đã quá 3 ngày làm việc kể từ ngày tiếp nhận: không thể yêu cầu bổ sung."),
)
def supplement_request_in_time(dossier) -> bool:
    """At receipt any time; after receipt within 3 working days of the counting start."""
    if dossier.status == S.NEW:
        return True
    if dossier.received_at is None:
        return False
    return timezone.now() <= rules.supplement_request_window_ends(dossier.received_at)


@refuses(
    "assurance_level_too_low",
    _(
        "Thủ tục này yêu cầu đăng nhập bằng tài khoản định danh điện tử VNeID mức 2; "
        "vui lòng đăng nhập lại bằng tài khoản mức 2."
    ),
)
def assurance_sufficient(procedure, assurance_level: int | None) -> bool:
    """An online submission needs the procedure's identification level (Decree 69/2024/ND-CP,
    replacing Decree 59/2022; procedures.AssuranceLevel): level 2 only from a VNeID level-2
    login; level 1 from any citizen's login (a password login counts as level 1 where it is
    allowed at all, settings ONECUA_CITIZEN_PASSWORD_LOGIN). Checked by the submission service,
    which creates the dossier (no transition to hang it on)."""
    return (assurance_level or 1) >= procedure.min_assurance_level


@refuses("no_next_step", _("Không còn bước xử lý nội bộ nào: hãy phê duyệt hoặc từ chối."))
def internal_step_left(dossier) -> bool:
    """hand_over needs a next internal step (not the return of the result)."""
    return dossier.next_step_role not in ("", StepRole.RETURN)


@refuses(
    "supplement_deadline_passed",
    _("Đã hết thời hạn bổ sung hồ sơ; cơ quan sẽ dừng xử lý hồ sơ."),
)
def supplement_in_time(dossier) -> bool:
    """The applicant supplements within the window they were given; after it, the agency
    stops the dossier."""
    return dossier.supplement_deadline is None or timezone.now() <= dossier.supplement_deadline


@refuses("no_fee_owed", _("Hồ sơ không còn khoản phí, lệ phí nào chưa nộp."))
def fee_owed(dossier) -> bool:
    """Exempting, reducing or collecting needs a line still owed (a flag the fee services keep
    on the row, so `available_actions` needs no query)."""
    return dossier.fees_owed


@refuses("no_refund_pending", _("Hồ sơ không có khoản phí, lệ phí nào chờ hoàn trả."))
def refund_to_record(dossier) -> bool:
    return dossier.refund_pending
