"""The official forms of Circular 03/2025/TT-VPCP, by number, and the other document titles."""

from django.utils.translation import gettext_lazy as _

FORMS = {
    "01": _("Giấy tiếp nhận hồ sơ và hẹn trả kết quả"),
    "02": _("Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ"),
    "03": _("Phiếu từ chối tiếp nhận giải quyết hồ sơ"),
    "04": _("Phiếu xin lỗi và hẹn lại ngày trả kết quả"),
    "05": _("Thông báo dừng xử lý hồ sơ"),
    "06": _("Phiếu kiểm soát quá trình giải quyết hồ sơ"),
}
LOGBOOK_TITLE = _("Sổ theo dõi hồ sơ")
RESULT_TITLE = _("Kết quả giải quyết thủ tục hành chính")
