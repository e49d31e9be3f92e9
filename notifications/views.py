"""The gateways' delivery-receipt callbacks: POST /notifications/receipts/<sms|zalo>/ with a
signed JSON body `{"id": "<gateway id>", "reference": "<our notification id>", "status":
"delivered"|"failed", "detail": "..."}` (notifications/signing.py). Not part of the API for
people (no account, no session): the signature is the authentication."""

from __future__ import annotations

import json

from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from core import parsers

from . import services, signing
from .models import Channel, Notification, NotificationStatus

STATUSES = {"delivered": NotificationStatus.DELIVERED, "failed": NotificationStatus.FAILED}


@csrf_exempt
@require_POST
def receipt(request, gateway: str):
    if gateway not in ("sms", "zalo"):
        return JsonResponse({"detail": "Không tìm thấy."}, status=404)
    if not signing.verify(
        signing.secret_of(gateway), request.body, request.headers.get(signing.HEADER, "")
    ):
        return JsonResponse({"detail": "Chữ ký không hợp lệ."}, status=403)
    try:
        data = parsers.loads(request.body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, json.JSONDecodeError):
        return JsonResponse({"detail": "Nội dung không phải JSON hợp lệ."}, status=400)
    if not isinstance(data, dict) or data.get("status") not in STATUSES:
        return JsonResponse({"detail": "Thiếu hoặc sai trạng thái."}, status=400)
    gateway_id, reference = str(data.get("id") or ""), str(data.get("reference") or "")
    channel = Channel.SMS if gateway == "sms" else Channel.ZALO
    rows = Notification.objects.filter(channel=channel)
    notification = None
    if reference.isdigit():
        notification = rows.filter(pk=int(reference)).first()
    if notification is None and gateway_id:
        notification = rows.filter(gateway_id=gateway_id).first()
    if notification is None:
        return JsonResponse({"detail": "Không tìm thấy thông báo."}, status=404)
    services.record_receipt(
        notification,
        STATUSES[data["status"]],
        gateway_id=gateway_id,
        detail=str(data.get("detail") or "")[:500],
    )
    return JsonResponse({"ok": True})
