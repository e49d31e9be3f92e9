"""A fake national payment platform for the tests of onecua's side of online payment (a pytest
plugin, registered in tests/conftest.py). It speaks docs/payment-platform.md with its own check
values (tests/support builds them from the document, not from `payments.checksum`), so a test
of a forged or altered message is a test of the protocol.

Every test's payment client talks to a fresh `FakePlatform` (autouse; a test marked
`payment_mock` talks to the mock platform instead); the fixture `platform` gives it. It answers
init (a hosted page URL), status queries and daily reports from what it was told, can be `down`,
and builds signed notifications: `platform.notification(reference, status="paid", **changes)`.
`notify(body)` posts one to /api/v1/payments/ipn/ as the platform would (no login).
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from rest_framework.test import APIClient

LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")
INIT = (
    "partner_code|transaction_ref|amount|currency|dossier_code|fee_lines|return_url|notify_url|"
    "expires_at"
)
NOTIFY = "partner_code|transaction_ref|platform_txn_id|amount|currency|status|paid_at|bank_code"
QUERY = "partner_code|transaction_ref"
REPORT = "partner_code|date"


def text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, dict)):
        return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return str(value)


def check_value(data: dict, fields: str, secret: str | None = None) -> str:
    secret = settings.ONECUA_PAYMENT_SECRET if secret is None else secret
    joined = "|".join(text(data.get(name)) for name in fields.split("|")) + "|" + secret
    return hashlib.sha256(joined.encode()).hexdigest()


def signed(data: dict, fields: str, secret: str | None = None) -> dict:
    return {**data, "checksum": check_value(data, fields, secret)}


def local_time(moment: datetime) -> str:
    return moment.astimezone(LOCAL).strftime("%Y%m%d%H%M%S")


class FakePlatform:
    def __init__(self):
        self.orders: dict[str, dict] = {}
        self.outcomes: dict[str, dict] = {}
        self.received: list[tuple[str, dict]] = []
        self.down = False
        # The secret the platform shares with its partner (fixed when it is set up).
        self.secret = settings.ONECUA_PAYMENT_SECRET

    # --- what the platform answers --------------------------------------------------------
    def post(self, path: str, body: dict) -> dict:
        from payments.client import PlatformUnavailable

        self.received.append((path, body))
        if self.down:
            raise PlatformUnavailable("connection refused")
        fields = {"init": INIT, "query": QUERY, "daily": REPORT}[path.rsplit("/", 1)[-1]]
        if body.get("checksum") != check_value(body, fields, self.secret):
            return {"code": "97", "message": "Invalid checksum"}
        if path.endswith("init"):
            ref = body["transaction_ref"]
            self.orders[ref] = body
            return {
                "code": "00",
                "message": "OK",
                "transaction_ref": ref,
                "platform_txn_id": f"PT{len(self.orders):08d}",
                "payment_url": f"https://thanhtoan.example/pay/{ref}/",
            }
        if path.endswith("query"):
            ref = body["transaction_ref"]
            if ref not in self.orders:
                return {"code": "01", "message": "Transaction not found"}
            return {
                "code": "00",
                **self.notification(
                    ref,
                    self.outcomes.get(ref, {}).get("status", "pending"),
                    **{k: v for k, v in self.outcomes.get(ref, {}).items() if k != "status"},
                ),
            }
        return {
            "code": "00",
            "date": body["date"],
            "transactions": [
                {
                    "code": "00",
                    **self.notification(ref, self.outcomes.get(ref, {}).get("status", "pending")),
                }
                for ref in self.orders
            ],
        }

    # --- what it sends ------------------------------------------------------------------------
    def notification(self, reference: str, status: str = "paid", *, secret=None, **changes) -> dict:
        order = self.orders.get(reference, {})
        data = {
            "partner_code": settings.ONECUA_PAYMENT_PARTNER_CODE,
            "transaction_ref": reference,
            "platform_txn_id": f"PT-{reference}",
            "amount": order.get("amount", 0),
            "currency": "VND",
            "status": status,
            "paid_at": "20260302091500" if status == "paid" else "",
            "bank_code": "VCB" if status == "paid" else "",
        }
        data.update(changes)
        return signed(data, NOTIFY, self.secret if secret is None else secret)


@pytest.fixture(autouse=True)
def _fake_payment_platform(request, monkeypatch):
    """Every test's payment client talks to a fresh fake platform, unless the test is marked
    `payment_mock` (then the mock platform of integrations/mockpayment answers, in-process)."""
    if request.node.get_closest_marker("payment_mock"):
        yield None
        return
    from payments import client

    fake = FakePlatform()
    monkeypatch.setattr(client, "_transport_override", fake)
    yield fake


@pytest.fixture
def platform(_fake_payment_platform) -> FakePlatform:
    """The fake platform the test's payment client talks to."""
    assert _fake_payment_platform is not None, "a payment_mock test has no fake platform"
    return _fake_payment_platform


def notify(body) -> object:
    """POST a notification to onecua's IPN endpoint, as the platform does (no login)."""
    return APIClient().post("/api/v1/payments/ipn/", body, format="json")
