"""The mock payment platform under concurrency (PostgreSQL: row locks, unique constraints): the
same init at once makes one transaction; confirmations at once make one outcome and one
notification; delivery rounds at once send each attempt once."""

import json
import threading
from urllib.parse import urlsplit

import pytest
from django.db import connection
from django.test import Client

from integrations.mockpayment import notify, signing
from integrations.mockpayment.models import DeliveryAttempt, Notification, Transaction
from tests.support.ipn_receiver import Receiver

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

SECRET = "onecua-mock-payment-secret"
THREADS = 8


@pytest.fixture(autouse=True)
def _pg(settings):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: concurrent transactions and row locks")
    settings.MOCK_PAYMENT_AUTODELIVER = False


def together(job):
    """Run job() in THREADS threads started at once, each with its own connection."""
    barrier = threading.Barrier(THREADS, timeout=30)
    results, errors = [], []

    def run():
        try:
            barrier.wait()
            results.append(job())
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    return results


def init_body(notify_url):
    from datetime import UTC, datetime, timedelta

    return signing.signed(
        {
            "partner_code": "onecua",
            "transaction_ref": "TT-CUNG-LUC",
            "amount": 40_000,
            "currency": "VND",
            "dossier_code": "H43.12-260302-0077",
            "fee_lines": [{"name": "Lệ phí", "kind": "le_phi", "amount": 40_000}],
            "return_url": "https://onecua.example.vn/ket-qua",
            "notify_url": notify_url,
            "expires_at": signing.format_time(datetime.now(UTC) + timedelta(minutes=15)),
        },
        signing.INIT_FIELDS,
        SECRET,
    )


def test_twins_at_once_make_one_transaction_one_outcome_one_attempt_each():
    with Receiver(["00"]) as partner:
        body = json.dumps(init_body(partner.url), ensure_ascii=False)
        answers = together(
            lambda: (
                Client()
                .post("/mock-payment/api/v1/payments/init", body, content_type="application/json")
                .json()
            )
        )
        assert {a["code"] for a in answers} == {"00"}
        assert len({a["payment_url"] for a in answers}) == 1
        assert Transaction.objects.count() == 1

        page = urlsplit(answers[0]["payment_url"]).path
        redirects = together(
            lambda: Client().post(page, {"action": "confirm", "bank_code": "VCB"}).status_code
        )
        assert redirects == [302] * THREADS
        assert Transaction.objects.get().status == "paid"
        assert Notification.objects.count() == 1

        sent = together(notify.deliver_due)
        assert sum(sent) == 1
    assert partner.statuses == ["paid"]
    assert DeliveryAttempt.objects.count() == 1
