"""The actions on a dossier: the vocabulary of `Event.action`, of the API routes and of the
admin's buttons. What each one does is one row of `dossiers.action_table`.

A context ("action") keeps an action's label apart from the status it leads to, which is the
same Vietnamese phrase but not the same English one ("Refuse receipt" / "Receipt refused").
"""

from django.db import models
from django.utils.translation import pgettext_lazy


class DossierAction(models.TextChoices):
    # Creating a dossier.
    SUBMIT = "submit", pgettext_lazy("action", "Nộp hồ sơ trực tuyến")
    INTAKE = "intake", pgettext_lazy("action", "Tiếp nhận tại quầy")
    # The transitions of the state machine (Dossier.status).
    RECEIVE = "receive", pgettext_lazy("action", "Tiếp nhận")
    REFUSE_RECEIPT = "refuse_receipt", pgettext_lazy("action", "Từ chối tiếp nhận")
    REQUEST_SUPPLEMENT = "request_supplement", pgettext_lazy("action", "Yêu cầu bổ sung hồ sơ")
    SUPPLEMENT = "supplement", pgettext_lazy("action", "Đã bổ sung hồ sơ")
    ASSIGN = "assign", pgettext_lazy("action", "Phân công xử lý")
    HAND_OVER = "hand_over", pgettext_lazy("action", "Chuyển bước xử lý")
    REQUEST_PAYMENT = (
        "request_payment",
        pgettext_lazy("action", "Yêu cầu thực hiện nghĩa vụ tài chính"),
    )
    CONFIRM_PAYMENT = (
        "confirm_payment",
        pgettext_lazy("action", "Xác nhận đã thực hiện nghĩa vụ tài chính"),
    )
    ADJUST_FEE = "adjust_fee", pgettext_lazy("action", "Miễn, giảm phí, lệ phí")
    COLLECT_FEE = "collect_fee", pgettext_lazy("action", "Thu phí, lệ phí tại quầy")
    RECORD_REFUND = "record_refund", pgettext_lazy("action", "Xác nhận đã hoàn trả phí, lệ phí")
    APPROVE = "approve", pgettext_lazy("action", "Phê duyệt kết quả")
    REFUSE = "refuse", pgettext_lazy("action", "Từ chối giải quyết")
    RETURN_RESULT = "return_result", pgettext_lazy("action", "Trả kết quả")
    WITHDRAW = "withdraw", pgettext_lazy("action", "Rút hồ sơ")
    STOP = "stop", pgettext_lazy("action", "Dừng xử lý")
    RESCHEDULE = "reschedule", pgettext_lazy("action", "Xin lỗi và hẹn lại ngày trả kết quả")
    # Writes that keep the status.
    ATTACH_FILE = "attach_file", pgettext_lazy("action", "Đính kèm tệp")
    DIGITISE = "digitise", pgettext_lazy("action", "Số hóa thành phần hồ sơ")
    # Written by the payment platform's verified notification (payments/), not by a user.
    PAY_ONLINE = "pay_online", pgettext_lazy("action", "Thanh toán trực tuyến")
    # The watchdog's own writes (docs/watchdog.md): they keep the status and are not activity.
    ESCALATE = "escalate", pgettext_lazy("action", "Nhắc việc, báo cáo hồ sơ sắp quá hạn")
    STATUS_NOTICE = "status_notice", pgettext_lazy("action", "Thông báo tình trạng hồ sơ")
    REMIND_PAYMENT = "remind_payment", pgettext_lazy("action", "Nhắc nộp phí, lệ phí")

    @property
    def url_path(self) -> str:
        """The route's last segment: POST /api/v1/dossiers/{code}/{url_path}/."""
        return self.value.replace("_", "-")


# Written by the watchdog: they neither count as activity on the dossier nor clear its flag.
WATCHDOG_ACTIONS = frozenset(
    {
        DossierAction.ESCALATE.value,
        DossierAction.STATUS_NOTICE.value,
        DossierAction.REMIND_PAYMENT.value,
    }
)


def action_label(name: str) -> str:
    """The label of an action by its name (an unknown name is shown as it is)."""
    try:
        return str(DossierAction(name).label)
    except ValueError:
        return name
