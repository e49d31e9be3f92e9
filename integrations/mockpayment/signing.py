"""The check values of docs/payment-platform.md: the lowercase hex SHA-256 of the listed fields,
each as text (integers in decimal, `fee_lines` as canonical JSON), joined by `|`, followed by
`|` and the partner's secret; compared in constant time. Times are `yyyyMMddHHmmss` local time.

Nothing here imports onecua's payment code: the mock is the other side of the protocol.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import datetime
from zoneinfo import ZoneInfo

LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")
TIME_FORMAT = "%Y%m%d%H%M%S"

INIT_FIELDS = (
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
NOTIFY_FIELDS = (
    "partner_code",
    "transaction_ref",
    "platform_txn_id",
    "amount",
    "currency",
    "status",
    "paid_at",
    "bank_code",
)
QUERY_FIELDS = ("partner_code", "transaction_ref")
REPORT_FIELDS = ("partner_code", "date")
RETURN_FIELDS = ("transaction_ref", "status")


def as_text(value) -> str:
    """A field as the check value sees it: missing or null is "", integers in decimal, lists
    and objects (fee_lines) as canonical JSON (keys sorted, no spaces, not ASCII-escaped)."""
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


def verify(data: dict, fields: tuple[str, ...], secret: str) -> bool:
    given = data.get("checksum")
    if not isinstance(given, str):
        return False
    expected = checksum(data, fields, secret)
    return hmac.compare_digest(given.lower().encode(), expected.encode())


def signed(data: dict, fields: tuple[str, ...], secret: str) -> dict:
    return {**data, "checksum": checksum(data, fields, secret)}


def format_time(moment: datetime | None) -> str:
    return moment.astimezone(LOCAL).strftime(TIME_FORMAT) if moment else ""


def parse_time(text: str) -> datetime:
    """`yyyyMMddHHmmss` local time → an aware datetime; ValueError when it is not one."""
    if not (isinstance(text, str) and len(text) == 14 and text.isdigit()):
        raise ValueError("not yyyyMMddHHmmss")
    return datetime.strptime(text, TIME_FORMAT).replace(tzinfo=LOCAL)
