"""Labels of the dossier actions, for people (admin buttons, timelines, error messages).

A context ("action") keeps an action's label apart from the status it leads to, which is the
same Vietnamese phrase but not the same English one ("Refuse receipt" / "Receipt refused").
"""

from django.utils.translation import pgettext_lazy

ACTION_LABELS = {
    "submit": pgettext_lazy("action", "Nộp hồ sơ trực tuyến"),
    "intake": pgettext_lazy("action", "Tiếp nhận tại quầy"),
    "receive": pgettext_lazy("action", "Tiếp nhận"),
    "refuse_receipt": pgettext_lazy("action", "Từ chối tiếp nhận"),
    "request_supplement": pgettext_lazy("action", "Yêu cầu bổ sung hồ sơ"),
    "supplement": pgettext_lazy("action", "Đã bổ sung hồ sơ"),
    "assign": pgettext_lazy("action", "Phân công xử lý"),
    "hand_over": pgettext_lazy("action", "Chuyển bước xử lý"),
    "request_payment": pgettext_lazy("action", "Yêu cầu thực hiện nghĩa vụ tài chính"),
    "confirm_payment": pgettext_lazy("action", "Xác nhận đã thực hiện nghĩa vụ tài chính"),
    "approve": pgettext_lazy("action", "Phê duyệt kết quả"),
    "refuse": pgettext_lazy("action", "Từ chối giải quyết"),
    "return_result": pgettext_lazy("action", "Trả kết quả"),
    "withdraw": pgettext_lazy("action", "Rút hồ sơ"),
    "stop": pgettext_lazy("action", "Dừng xử lý"),
    "reschedule": pgettext_lazy("action", "Xin lỗi và hẹn lại ngày trả kết quả"),
    "attach_file": pgettext_lazy("action", "Đính kèm tệp"),
    "digitise": pgettext_lazy("action", "Số hóa thành phần hồ sơ"),
}


def action_label(name: str) -> str:
    return str(ACTION_LABELS.get(name, name))
