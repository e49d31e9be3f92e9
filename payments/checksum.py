"""The check values of docs/payment-platform.md: the lowercase hex SHA-256 of the listed
fields, each as text (integers in decimal, `fee_lines` as canonical JSON: keys sorted, no
spaces, not ASCII-escaped; a missing field is ""), joined by `|`, then `|` and the partner's
secret. Compared in constant time. Times are `yyyyMMddHHmmss`, local time."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import datetime
from zoneinfo import ZoneInfo

LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")
TIME_FORMAT = "%Y%m%d%H%M%S"

INIT = (
    "partner_code",
    "transaction_ref",
    "amount",
    "currency",
    "dossier_code",
    "fee_lines",
    "return_url",
    "notify_url",
    "expires_at",
)
NOTIFY = (
    "partner_code",
    "transaction_ref",
    "platform_txn_id",
    "amount",
    "currency",
    "status",
    "paid_at",
    "bank_code",
)
QUERY = ("partner_code", "transaction_ref")
REPORT = ("partner_code", "date")
RETURN = ("transaction_ref", "status")


def as_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | str):
        return str(value)
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def checksum(data: dict, fields: tuple[str, ...], secret: str) -> str:
    text = "|".join(as_text(data.get(name)) for name in fields) + "|" + secret
    return hashlib.sha256(text.encode()).hexdigest()


def sign(data: dict, fields: tuple[str, ...], secret: str) -> dict:
    return {**data, "checksum": checksum(data, fields, secret)}


def verify(data: dict, fields: tuple[str, ...], secret: str) -> bool:
    given = data.get("checksum")
    if not isinstance(given, str) or not secret:
        return False
    return hmac.compare_digest(given.lower().encode(), checksum(data, fields, secret).encode())


def format_time(moment: datetime | None) -> str:
    return moment.astimezone(LOCAL).strftime(TIME_FORMAT) if moment else ""


def parse_time(text) -> datetime | None:
    """`yyyyMMddHHmmss` local → aware datetime; None when empty or not such a time."""
    if not (isinstance(text, str) and len(text) == 14 and text.isdigit()):
        return None
    try:
        return datetime.strptime(text, TIME_FORMAT).replace(tzinfo=LOCAL)
    except ValueError:
        return None
