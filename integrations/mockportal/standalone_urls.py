"""URLconf of the mock portal served alone (manage.py run_mock_portal): only /mock-dvcqg/."""

from django.http import JsonResponse
from django.urls import include, path

urlpatterns = [path("mock-dvcqg/", include("integrations.mockportal.urls"))]


def _json_error(status: int, message: str):
    def view(request, exception=None):
        return JsonResponse(
            {"error_code": str(status), "message": message},
            status=status,
            json_dumps_params={"ensure_ascii": False},
        )

    return view


handler400 = _json_error(400, "Yêu cầu không hợp lệ.")
handler403 = _json_error(403, "Không được phép.")
handler404 = _json_error(404, "Không tìm thấy.")
handler500 = _json_error(500, "Lỗi máy chủ.")
