"""The dossiers' problem codes as the workspace says them: a clear Vietnamese sentence for the
official, with what to do next where there is something to do. The service's own message
(already Vietnamese, e.g. a condition's refusal) is kept when it says more."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from core.errors import DomainError

# What to do next, by code; the service's message comes first.
ADVICE = {
    "concurrent_update": _("Tải lại trang để xem thay đổi mới nhất rồi thử lại."),
    "transition_not_allowed": _("Tải lại trang: các thao tác hiện có đã thay đổi."),
    "permission_denied": _("Thao tác này thuộc thẩm quyền của người khác."),
    "signing_unavailable": _("Có thể phê duyệt với kết quả giấy (bỏ chọn kết quả điện tử)."),
    "incomplete": _("Đánh dấu đủ các thành phần bắt buộc hoặc yêu cầu công dân bổ sung."),
    "files_locked": _("Hồ sơ đã qua bước tiếp nhận: không thêm tệp được nữa."),
    "file_too_large": _("Quét lại với độ phân giải thấp hơn hoặc tách tệp."),
    "unsupported_file_type": _("Chỉ nhận tệp PDF, JPEG hoặc PNG."),
}


def describe(error: DomainError) -> dict:
    """{"message", "advice", "fields": [(field, text)], "code"} of a refusal."""
    code = getattr(error, "code", "") or ""
    fields = []
    for name, items in (getattr(error, "errors", None) or {}).items():
        texts = items if isinstance(items, list | tuple) else [items]
        fields.append((name, "; ".join(str(t) for t in texts)))
    return {
        "message": str(error.detail),
        "advice": str(ADVICE.get(code, "")),
        "fields": fields,
        "code": code,
    }
