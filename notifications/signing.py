"""Signed delivery-receipt callbacks: the gateway signs `<timestamp>.<raw body>` with HMAC-SHA256
under the secret it shares with onecua (NOTIFY_SMS_CALLBACK_SECRET, NOTIFY_ZALO_CALLBACK_SECRET)
and sends `X-Signature: t=<unix seconds>,v1=<hex>`; a signature that does not match, or a
timestamp more than NOTIFY_CALLBACK_TOLERANCE seconds away, is refused."""

from __future__ import annotations

import hashlib
import hmac
import time

from django.conf import settings

HEADER = "X-Signature"


def secret_of(gateway: str) -> str:
    return {
        "sms": settings.NOTIFY_SMS_CALLBACK_SECRET,
        "zalo": settings.NOTIFY_ZALO_CALLBACK_SECRET,
    }.get(gateway, "")


def sign(secret: str, body: bytes, timestamp: int | None = None) -> str:
    timestamp = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def verify(secret: str, body: bytes, header: str, *, now: float | None = None) -> bool:
    if not secret or not header:
        return False
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    try:
        timestamp = int(parts.get("t", ""))
    except ValueError:
        return False
    now = time.time() if now is None else now
    if abs(now - timestamp) > settings.NOTIFY_CALLBACK_TOLERANCE:
        return False
    expected = sign(secret, body, timestamp).split("v1=", 1)[1]
    return hmac.compare_digest(expected, parts.get("v1", ""))
