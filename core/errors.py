"""Domain errors and the one REST exception handler: RFC 9457 problem+json for every 4xx/5xx.

A problem carries `type`, `title`, `status`, `detail`, a stable machine `code`, and `errors`
(field → list of messages) when the input was invalid.
"""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.utils.translation import gettext_lazy as _
from django.views import defaults
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

logger = logging.getLogger(__name__)

PROBLEM_CONTENT_TYPE = "application/problem+json"
TYPE_BASE = "https://onecua.example/problems/"


class DomainError(Exception):
    """A business rule said no. Services raise these; the handler maps them to a problem."""

    status_code = status.HTTP_400_BAD_REQUEST
    code = "invalid"
    title = _("Yêu cầu không hợp lệ")

    def __init__(self, detail=None, *, code: str | None = None, errors=None, extra=None):
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        if code:
            self.code = code
        self.errors = errors or {}
        self.extra = extra or {}


class NotFound(DomainError):
    status_code = status.HTTP_404_NOT_FOUND
    code = "not_found"
    title = _("Không tìm thấy")


class Forbidden(DomainError):
    status_code = status.HTTP_403_FORBIDDEN
    code = "permission_denied"
    title = _("Không có quyền")


class Conflict(DomainError):
    status_code = status.HTTP_409_CONFLICT
    code = "conflict"
    title = _("Xung đột trạng thái")


class ProblemSerializer(serializers.Serializer):
    """The shape of every error answer (RFC 9457 problem+json), for the OpenAPI schema. Some
    problems carry more members (e.g. `allowed_actions`, `dossier_status`)."""

    type = serializers.CharField()
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField()
    code = serializers.CharField(help_text=_("Mã lỗi ổn định, dùng cho máy"))
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text=_("Lỗi theo từng trường dữ liệu"),
    )


_TITLES = {
    400: _("Yêu cầu không hợp lệ"),
    401: _("Chưa xác thực"),
    403: _("Không có quyền"),
    404: _("Không tìm thấy"),
    405: _("Phương thức không được hỗ trợ"),
    406: _("Định dạng không được hỗ trợ"),
    409: _("Xung đột trạng thái"),
    413: _("Tệp quá lớn"),
    415: _("Kiểu dữ liệu không được hỗ trợ"),
    429: _("Quá nhiều yêu cầu"),
    500: _("Lỗi hệ thống"),
}


# Our own wording for DRF's generic errors (its Vietnamese catalogue is incomplete).
_DETAILS = {
    "not_authenticated": _("Chưa đăng nhập hoặc thiếu thông tin xác thực."),
    "authentication_failed": _("Thông tin xác thực không hợp lệ."),
    "permission_denied": _("Bạn không có quyền thực hiện thao tác này."),
    "not_found": _("Không tìm thấy."),
    "method_not_allowed": _("Phương thức không được hỗ trợ cho địa chỉ này."),
    "not_acceptable": _("Không thể trả về định dạng được yêu cầu."),
    "unsupported_media_type": _("Kiểu dữ liệu gửi lên không được hỗ trợ."),
    "parse_error": _("Dữ liệu gửi lên không đúng định dạng."),
    "throttled": _("Quá nhiều yêu cầu; vui lòng thử lại sau."),
}


def problem(status_code: int, code: str, detail, *, errors=None, title=None, **extra) -> dict:
    body = {
        "type": TYPE_BASE + code,
        "title": str(title or _TITLES.get(status_code, _("Lỗi"))),
        "status": status_code,
        "detail": str(detail),
        "code": code,
    }
    if errors:
        body["errors"] = errors
    # Extra members never override the standard ones (a `status` extra would break the reply).
    return {**extra, **body}


def _flatten(detail) -> dict[str, list[str]]:
    """DRF's nested error detail → {"field" or "field.sub" or "non_field_errors": [messages]}."""
    out: dict[str, list[str]] = {}

    def walk(value, prefix: str) -> None:
        if isinstance(value, dict):
            for key, sub in value.items():
                walk(sub, f"{prefix}.{key}" if prefix else str(key))
        elif isinstance(value, list) and value and not all(isinstance(v, str) for v in value):
            for index, sub in enumerate(value):
                if sub:
                    walk(sub, f"{prefix}.{index}" if prefix else str(index))
        else:
            items = value if isinstance(value, list) else [value]
            out.setdefault(prefix or "non_field_errors", []).extend(str(v) for v in items)

    walk(detail, "")
    return out


def problem_response(body: dict, headers=None) -> Response:
    response = Response(body, status=body["status"], headers=headers)
    response.content_type = PROBLEM_CONTENT_TYPE
    return response


def problem_exception_handler(exc, context):
    if isinstance(exc, DomainError):
        body = problem(
            exc.status_code,
            exc.code,
            exc.detail,
            errors=exc.errors,
            title=exc.title,
            **exc.extra,
        )
        return problem_response(body)
    if isinstance(exc, DjangoValidationError):
        errors = (
            {k: [str(m) for m in v] for k, v in exc.message_dict.items()}
            if hasattr(exc, "error_dict")
            else {"non_field_errors": [str(m) for m in exc.messages]}
        )
        return problem_response(problem(400, "invalid", _("Dữ liệu không hợp lệ."), errors=errors))
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()

    response = exception_handler(exc, context)
    if response is None:
        return None  # an unexpected error: logged by Django, answered by problem_server_error
    if isinstance(exc, exceptions.ValidationError):
        code = "invalid"
        detail = _("Dữ liệu không hợp lệ.")
        errors = _flatten(exc.detail)
    else:
        codes = exc.get_codes() if isinstance(exc, exceptions.APIException) else None
        code = codes if isinstance(codes, str) else getattr(exc, "default_code", "error")
        if code in _DETAILS:
            detail = _DETAILS[code]
        elif isinstance(exc.detail, str):
            detail = exc.detail
        else:
            detail = _TITLES.get(response.status_code)
        errors = None
    body = problem(response.status_code, code, detail, errors=errors)
    headers = {k: v for k, v in response.items() if k in {"WWW-Authenticate", "Retry-After"}}
    return problem_response(body, headers=headers)


def _json_problem(status_code: int, code: str, detail) -> JsonResponse:
    return JsonResponse(
        problem(status_code, code, detail),
        status=status_code,
        content_type=PROBLEM_CONTENT_TYPE,
        json_dumps_params={"ensure_ascii": False},
    )


# Django-level handlers: /api/ never answers with an HTML error page; other paths (the admin)
# keep Django's own pages.
def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def not_found(request, exception=None):
    if _is_api(request):
        return _json_problem(404, "not_found", _("Không tìm thấy tài nguyên."))
    return defaults.page_not_found(request, exception)


def server_error(request, *args, **kwargs):
    if _is_api(request):
        return _json_problem(500, "server_error", _("Đã xảy ra lỗi hệ thống."))
    return defaults.server_error(request)


def bad_request(request, exception=None):
    if _is_api(request):
        return _json_problem(400, "bad_request", _("Yêu cầu không hợp lệ."))
    return defaults.bad_request(request, exception)


def permission_denied(request, exception=None):
    if _is_api(request):
        return _json_problem(403, "permission_denied", _("Không có quyền."))
    return defaults.permission_denied(request, exception)


def lockout_response(request, original_response=None, credentials=None):
    """django-axes' answer to a locked-out login (AXES_LOCKOUT_CALLABLE): a problem under
    /api/, a short page elsewhere (the admin's login)."""
    detail = _("Đăng nhập sai quá nhiều lần; tài khoản tạm khóa, vui lòng thử lại sau.")
    if _is_api(request):
        response = _json_problem(429, "account_locked", detail)
    else:
        response = HttpResponse(str(detail), status=429, content_type="text/plain; charset=utf-8")
    return response
