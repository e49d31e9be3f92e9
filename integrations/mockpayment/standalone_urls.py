"""URLconf of the mock payment platform served alone (manage.py run_mock_payment):
only /mock-payment/."""

import json

from django.http import HttpResponse
from django.urls import include, path

urlpatterns = [path("mock-payment/", include("integrations.mockpayment.urls"))]


def _json_error(status: int, message: str):
    def view(request, exception=None):
        return HttpResponse(
            json.dumps({"code": "99", "message": message}, ensure_ascii=False),
            status=status,
            content_type="application/json; charset=utf-8",
        )

    return view


handler400 = _json_error(400, "Yêu cầu không hợp lệ.")
handler403 = _json_error(403, "Không được phép.")
handler404 = _json_error(404, "Không tìm thấy.")
handler500 = _json_error(500, "Lỗi máy chủ.")
