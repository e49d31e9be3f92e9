"""URLconf of the mock VNeID served alone (manage.py run_mock_vneid): only /mock-vneid/."""

from django.http import JsonResponse
from django.urls import include, path

urlpatterns = [path("mock-vneid/", include("integrations.mockvneid.urls"))]


def _json_error(status: int, error: str):
    def view(request, exception=None):
        return JsonResponse({"error": error}, status=status)

    return view


handler400 = _json_error(400, "invalid_request")
handler403 = _json_error(403, "forbidden")
handler404 = _json_error(404, "not_found")
handler500 = _json_error(500, "server_error")
