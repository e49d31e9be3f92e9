"""Two notifications of one payment at the same moment (issue 13 §5), on PostgreSQL: the row
lock on the payment makes exactly one of them pay — one payment paid, one event, the other
answered "already confirmed"."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from dossiers.models import Event
from payments import client as payment_client
from payments.models import Payment
from tests.support.cast import file_online
from tests.support.payments import FakePlatform, notify

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
TIMEOUT = 60.0


@pytest.fixture
def pg():
    if connection.vendor != "postgresql":
        pytest.skip(
            f"needs PostgreSQL: concurrent transactions (this run uses {connection.vendor})"
        )


@pytest.mark.parametrize("copies", [2, 8])
def test_concurrent_notifications_make_one_payment(pg, cast, fee_procedure, monkeypatch, copies):
    platform = FakePlatform()
    monkeypatch.setattr(payment_client, "_transport_override", platform)
    dossier = file_online(cast, fee_procedure)
    started = cast.client(cast.citizen).post(
        f"/api/v1/dossiers/{dossier.code}/payments/", {}, format="json"
    )
    reference = started.json()["reference"]
    body = platform.notification(reference)

    barrier = threading.Barrier(copies, timeout=TIMEOUT)
    answers: list = []
    errors: list = []

    def post():
        try:
            with connection.cursor() as cursor:
                cursor.execute("SET lock_timeout = '15s'")
            barrier.wait()
            answers.append(notify(body).json()["code"])
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=post, daemon=True) for _ in range(copies)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=TIMEOUT)
    assert not errors, errors
    assert sorted(answers) == ["00"] + ["02"] * (copies - 1)
    assert Payment.objects.get(reference=reference).status == "paid"
    assert Event.objects.filter(dossier=dossier, action="pay_online").count() == 1
