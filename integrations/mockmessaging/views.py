"""The mock SMS and Zalo ZNS gateways (README.md next to this file).

`POST <gateway>/send` (bearer key) accepts a message and answers `{"id": ..., "status":
"accepted"}`; then, unless its faults say otherwise, it calls the message's `callback_url`
with a signed delivery receipt (`delivered`, or `failed` with fail_delivery). In-process (no
NOTIFY_*_URL: the embedded default, tests) the callback goes through Django's request machinery;
standalone, over HTTP. `_faults`, `_reset` and `_messages` take an onecua administrator's API
token (like the mock portal's).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import random
import secrets
import time
from functools import wraps
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.db import transaction
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions as drf_exceptions
from rest_framework.request import Request
from rest_framework.settings import api_settings

from accounts.roles import Role
from core import inprocess, parsers

from .models import FaultConfig, IdempotencyKey, Message
from .standalone import STANDALONE_URLCONF

GATEWAYS = ("sms", "zalo")
SIGNATURE_HEADER = "X-Signature"


def _secret(gateway: str) -> str:
    if gateway == "sms":
        return settings.NOTIFY_SMS_CALLBACK_SECRET
    return settings.NOTIFY_ZALO_CALLBACK_SECRET


def sign(secret: str, body: bytes) -> str:
    """The gateway's side of the receipts' signature (docs/notifications.md): HMAC-SHA256 of
    "<unix time>.<raw body>". Written here again, as a gateway would: the mock imports nothing
    of onecua's notifications."""
    timestamp = int(time.time())
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def _sleep(seconds: float) -> None:
    time.sleep(seconds)


def answer(http_status: int, **body) -> JsonResponse:
    return JsonResponse(body, status=http_status, json_dumps_params={"ensure_ascii": False})


def _keys(gateway: str) -> str:
    return settings.NOTIFY_SMS_API_KEY if gateway == "sms" else settings.NOTIFY_ZALO_ACCESS_TOKEN


def _body(request) -> dict | None:
    try:
        data = parsers.loads(request.body.decode("utf-8") or "null")
    except (UnicodeDecodeError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def send_receipt(message: Message, callback_url: str, status: str, detail: str = "") -> int:
    """POST the signed receipt to onecua; returns its HTTP status (0: unreachable)."""
    body = json.dumps(
        {
            "id": message.gateway_id,
            "reference": message.reference,
            "status": status,
            "detail": detail,
        },
        ensure_ascii=False,
    ).encode()
    headers = {SIGNATURE_HEADER: sign(_secret(message.gateway), body)}
    parts = urlsplit(callback_url)
    own = settings.ONECUA_PUBLIC_BASE_URL
    if callback_url.startswith(own) and settings.ROOT_URLCONF != STANDALONE_URLCONF:
        # Served by onecua's own process (the embedded default, the tests): call it in-process.
        response = inprocess.callback_client().post(
            parts.path,
            body,
            content_type="application/json",
            HTTP_X_SIGNATURE=headers[SIGNATURE_HEADER],
        )
        return response.status_code
    try:
        return requests.post(
            callback_url,
            data=body,
            headers={**headers, "Content-Type": "application/json"},
            timeout=10,
        ).status_code
    except requests.RequestException:
        return 0


def send_view(gateway: str):
    @csrf_exempt
    def view(request):
        if request.method != "POST":
            return answer(405, message="Chỉ POST.")
        faults = FaultConfig.current(gateway)
        if faults.down:
            return answer(503, message="Cổng gửi tin đang bảo trì (giả lập).")
        if faults.latency_ms:
            _sleep(faults.latency_ms / 1000)
        if faults.error_rate and random.random() < faults.error_rate:
            return answer(500, message="Lỗi máy chủ (giả lập).")
        scheme, _, key = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not secrets.compare_digest(key.strip(), _keys(gateway)):
            return answer(401, message="Sai khóa truy cập.")
        data = _body(request)
        if data is None:
            return answer(400, message="Nội dung không phải đối tượng JSON.")
        to = str(data.get("to" if gateway == "sms" else "phone") or "")
        text = str(data.get("text") or "")
        digits = to.lstrip("+")
        if not digits.isdigit() or not digits.startswith("84") or not 10 <= len(digits) <= 12:
            return answer(400, message="Số điện thoại không hợp lệ.", field="to")
        if not text:
            return answer(400, message="Thiếu nội dung.", field="text")
        reference = str(data.get("reference") or data.get("tracking_id") or "")
        idem = request.headers.get("Idempotency-Key", "")
        with transaction.atomic():
            if idem:
                seen = IdempotencyKey.objects.filter(gateway=gateway, key=idem).first()
                if seen:
                    return answer(200, id=seen.message.gateway_id, status="accepted", replayed=True)
            message = Message.objects.create(
                gateway=gateway,
                gateway_id=f"{gateway}-{secrets.token_hex(8)}",
                to=to,
                text=text,
                reference=reference,
                data=data,
            )
            if idem:
                IdempotencyKey.objects.create(gateway=gateway, key=idem, message=message)
        callback = str(data.get("callback_url") or "")
        if faults.receipts and callback:
            status = "failed" if faults.fail_delivery else "delivered"
            detail = "Thuê bao không liên lạc được (giả lập)." if faults.fail_delivery else ""
            message.status = status
            message.callback_status = send_receipt(message, callback, status, detail)
            message.save(update_fields=["status", "callback_status"])
        return answer(200, id=message.gateway_id, status="accepted")

    return view


sms_send = send_view("sms")
zalo_send = send_view("zalo")


def _api_user(request):
    drf_request = Request(
        request, authenticators=[auth() for auth in api_settings.DEFAULT_AUTHENTICATION_CLASSES]
    )
    try:
        user = drf_request.user
    except drf_exceptions.APIException:
        return None
    if user is None or not user.is_authenticated:
        return None
    return user


def admin_endpoint(methods):
    def decorate(view):
        @csrf_exempt
        @wraps(view)
        def wrapper(request, gateway):
            if gateway not in GATEWAYS:
                return answer(404, message="Không tìm thấy.")
            user = _api_user(request)
            if user is None:
                response = answer(401, message="Cần token API của một quản trị hệ thống onecua.")
                response["WWW-Authenticate"] = "Token"
                return response
            if user.role != Role.ADMINISTRATOR:
                return answer(403, message="Chỉ quản trị hệ thống được điều khiển cổng giả lập.")
            if request.method not in methods:
                return answer(405, message=f"Phương thức {request.method} không được hỗ trợ.")
            return view(request, gateway)

        return wrapper

    return decorate


@admin_endpoint(("GET", "POST"))
def faults(request, gateway):
    config = FaultConfig.current(gateway)
    if request.method == "POST":
        data = _body(request)
        if data is None:
            return answer(400, message="Nội dung không phải đối tượng JSON.")
        errors = {}
        for name, value in data.items():
            if name not in FaultConfig.FIELDS:
                errors[name] = "Tham số lỗi không tồn tại."
            elif name == "latency_ms" and not (
                isinstance(value, int) and not isinstance(value, bool) and value >= 0
            ):
                errors[name] = "Phải là số nguyên ≥ 0."
            elif name == "error_rate" and not (
                isinstance(value, int | float) and not isinstance(value, bool) and 0 <= value <= 1
            ):
                errors[name] = "Phải là số từ 0 đến 1."
            elif name in ("down", "fail_delivery", "receipts") and not isinstance(value, bool):
                errors[name] = "Phải là true hoặc false."
        if errors:
            return answer(400, message="Dữ liệu không hợp lệ.", errors=errors)
        for name, value in data.items():
            setattr(config, name, value)
        config.save()
    return answer(200, faults=config.as_dict())


@admin_endpoint(("POST",))
def reset(request, gateway):
    with transaction.atomic():
        Message.objects.filter(gateway=gateway).delete()
        FaultConfig.objects.filter(gateway=gateway).delete()
    return answer(200, message="Đã đặt lại.")


@admin_endpoint(("GET",))
def messages(request, gateway):
    rows = Message.objects.filter(gateway=gateway).order_by("-id")[:100]
    return answer(
        200,
        messages=[
            {
                "id": m.gateway_id,
                "to": m.to,
                "text": m.text,
                "reference": m.reference,
                "status": m.status,
                "callback_status": m.callback_status,
            }
            for m in rows
        ],
    )
