"""A client of the national payment platform (docs/payment-platform.md): init, status query,
daily report. A real platform's differences from that protocol go here only.

Two transports, as for the national portal (integrations/portal/client.py): HTTP (requests)
when ONECUA_PAYMENT_URL is set; otherwise, with the mocks on, the mock platform of this project
(integrations/mockpayment, under /mock-payment/) called in-process. Every message sent and
every answer is written to the payment's message log (`PaymentMessage`)."""

from __future__ import annotations

import requests
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from core import inprocess

from . import checksum
from .models import Direction, MessageKind, Payment, PaymentMessage

MOCK_PREFIX = "/mock-payment/"
OK = "00"


class PlatformUnavailable(Exception):
    """The platform did not answer (refused, timed out, not JSON)."""


class HttpTransport:
    def __init__(self, base_url: str, timeout: float):
        self.base_url = base_url.rstrip("/") + "/"
        self.timeout = timeout
        self.session = requests.Session()

    def post(self, path: str, body: dict) -> dict:
        try:
            response = self.session.post(self.base_url + path, json=body, timeout=self.timeout)
            data = response.json()
        except (requests.RequestException, ValueError) as exc:
            raise PlatformUnavailable(str(exc)) from exc
        if not isinstance(data, dict):
            raise PlatformUnavailable("the answer is not a JSON object")
        return data


class InProcessTransport:
    """The mock platform served by this very process (the embedded default)."""

    def post(self, path: str, body: dict) -> dict:
        response = inprocess.client().post(
            MOCK_PREFIX + path, body, content_type="application/json"
        )
        try:
            data = response.json()
        except ValueError as exc:
            raise PlatformUnavailable(f"HTTP {response.status_code}") from exc
        if not isinstance(data, dict):
            raise PlatformUnavailable("the answer is not a JSON object")
        return data


# Tests put a fake platform here (tests/support/payments.py).
_transport_override = None


def transport():
    if _transport_override is not None:
        return _transport_override
    if settings.ONECUA_PAYMENT_URL:
        return HttpTransport(settings.ONECUA_PAYMENT_URL, settings.ONECUA_PAYMENT_TIMEOUT)
    if settings.ONECUA_MOCKS:
        return InProcessTransport()
    raise ImproperlyConfigured("ONECUA_PAYMENT_URL is not set (core/checks.py)")


def log_message(payment, reference, direction, kind, body, *, verified=None, code="") -> None:
    """Append one message to the payment's log (`PaymentMessage`, append-only)."""
    PaymentMessage.objects.create(
        payment=payment,
        reference=str(reference or "")[:64],
        direction=direction,
        kind=kind,
        body=body,
        verified=verified,
        code=str(code or "")[:4],
    )


class PaymentClient:
    def __init__(self, transport_, partner_code: str, secret: str):
        self.transport = transport_
        self.partner_code = partner_code
        self.secret = secret

    def _call(self, payment, reference, path, body, fields, kind, answer_kind) -> dict:
        body = checksum.sign({"partner_code": self.partner_code, **body}, fields, self.secret)
        log_message(payment, reference, Direction.SENT, kind, body)
        try:
            answer = self.transport.post(path, body)
        except PlatformUnavailable as exc:
            log_message(
                payment, reference, Direction.RECEIVED, answer_kind, {"error": str(exc)[:500]}
            )
            raise
        log_message(
            payment, reference, Direction.RECEIVED, answer_kind, answer, code=answer.get("code")
        )
        return answer

    def init(self, payment: Payment, *, return_url: str, notify_url: str) -> dict:
        body = {
            "transaction_ref": payment.reference,
            "amount": payment.amount,
            "currency": payment.currency,
            "dossier_code": payment.dossier.code,
            "fee_lines": [
                {"name": line["name"], "kind": line["kind"], "amount": line["amount"]}
                for line in payment.lines
            ],
            "description": f"Phí, lệ phí hồ sơ {payment.dossier.code}",
            "return_url": return_url,
            "notify_url": notify_url,
            "expires_at": checksum.format_time(payment.expires_at),
        }
        return self._call(
            payment,
            payment.reference,
            "api/v1/payments/init",
            body,
            checksum.INIT,
            MessageKind.INIT,
            MessageKind.INIT_ANSWER,
        )

    def query(self, payment: Payment) -> dict:
        """The platform's view of one payment; its answer is verified by the caller."""
        return self._call(
            payment,
            payment.reference,
            "api/v1/payments/query",
            {"transaction_ref": payment.reference},
            checksum.QUERY,
            MessageKind.QUERY,
            MessageKind.QUERY_ANSWER,
        )

    def daily_report(self, date: str) -> dict:
        body = checksum.sign(
            {"partner_code": self.partner_code, "date": date}, checksum.REPORT, self.secret
        )
        return self.transport.post("api/v1/reports/daily", body)


def get_client() -> PaymentClient:
    return PaymentClient(
        transport(), settings.ONECUA_PAYMENT_PARTNER_CODE, settings.ONECUA_PAYMENT_SECRET
    )
