"""onecua's side against the mock national payment platform (integrations/mockpayment), in
process: the citizen pays on the hosted page, the mock's signed notification comes back to the
IPN endpoint; the mock's faults (lost, duplicated, wrong check value, another amount, down)
never make a payment lost, doubled or wrongly marked paid (issue 13, "Done when")."""

from urllib.parse import urlsplit

import pytest
from django.core.management import call_command

from dossiers.models import Dossier, Event
from integrations.mockpayment import notify
from integrations.mockpayment.models import FaultConfig
from payments.models import Payment
from tests.support.cast import file_online

pytestmark = [pytest.mark.django_db, pytest.mark.payment_mock]


def faults(**switches):
    config = FaultConfig.current()
    for name, value in switches.items():
        setattr(config, name, value)
    config.save()


def start(cast, dossier):
    return cast.client(cast.citizen).post(
        f"/api/v1/dossiers/{dossier.code}/payments/", {}, format="json"
    )


def pay(client, payment_url, action="confirm"):
    """The payer on the hosted page: picks a bank and confirms (or cancels); then the mock's
    driver sends what is due (the tests' transactions never commit, so nothing is sent on
    commit)."""
    page = urlsplit(payment_url).path
    assert client.get(page).status_code == 200
    response = client.post(page, {"bank_code": "VCB", "action": action})
    notify.run_once()
    return response


def test_a_citizen_pays_through_the_mock_and_the_dossier_moves_on(cast, fee_procedure, client):
    dossier = file_online(cast, fee_procedure)
    response = start(cast, dossier)
    assert response.status_code == 201, response.json()
    data = response.json()
    assert "/mock-payment/pay/" in data["payment_url"]
    answer = pay(client, data["payment_url"])
    assert answer.status_code == 302  # back to onecua's tracking page
    payment = Payment.objects.get(reference=data["reference"])
    assert payment.status == "paid" and payment.bank_code == "VCB"
    d = Dossier.objects.get(pk=dossier.pk)
    assert d.paid_online and not d.fees_owed
    assert Event.objects.filter(dossier=d, action="pay_online").count() == 1
    kinds = set(payment.messages.values_list("kind", "code"))
    assert ("notify_answer", "00") in kinds


def test_cancelled_on_the_page(cast, fee_procedure, client):
    dossier = file_online(cast, fee_procedure)
    data = start(cast, dossier).json()
    pay(client, data["payment_url"], action="cancel")
    assert Payment.objects.get(reference=data["reference"]).status == "cancelled"
    assert Dossier.objects.get(pk=dossier.pk).fees_owed


def test_a_lost_notification_is_settled_by_reconciliation(cast, fee_procedure, client, clock):
    faults(ipn_lost=True)
    dossier = file_online(cast, fee_procedure)
    data = start(cast, dossier).json()
    pay(client, data["payment_url"])
    assert Payment.objects.get(reference=data["reference"]).status == "pending"
    clock.advance(minutes=31)
    call_command("payments_reconcile")
    assert Payment.objects.get(reference=data["reference"]).status == "paid"
    assert Dossier.objects.get(pk=dossier.pk).paid_online


def test_duplicated_notifications_make_one_payment(cast, fee_procedure, client):
    faults(ipn_duplicate=True)
    dossier = file_online(cast, fee_procedure)
    data = start(cast, dossier).json()
    pay(client, data["payment_url"])
    assert Payment.objects.get(reference=data["reference"]).status == "paid"
    assert Event.objects.filter(dossier=dossier, action="pay_online").count() == 1
    codes = list(
        Payment.objects.get(reference=data["reference"])
        .messages.filter(kind="notify_answer")
        .values_list("code", flat=True)
    )
    assert sorted(codes) == ["00", "02"]


def test_a_wrong_check_value_never_pays(cast, fee_procedure, client):
    faults(wrong_checksum=True)
    dossier = file_online(cast, fee_procedure)
    data = start(cast, dossier).json()
    pay(client, data["payment_url"])
    payment = Payment.objects.get(reference=data["reference"])
    assert payment.status == "pending"
    assert set(payment.messages.filter(kind="notify_answer").values_list("code", flat=True)) == {
        "97"
    }
    assert not Dossier.objects.get(pk=dossier.pk).paid_online


def test_another_amount_is_held(cast, fee_procedure, client):
    faults(amount_delta=-1000)
    dossier = file_online(cast, fee_procedure)
    data = start(cast, dossier).json()
    pay(client, data["payment_url"])
    assert Payment.objects.get(reference=data["reference"]).status == "held"
    assert not Dossier.objects.get(pk=dossier.pk).paid_online


def test_the_platform_down(cast, fee_procedure):
    faults(down=True)
    dossier = file_online(cast, fee_procedure)
    response = start(cast, dossier)
    assert (response.status_code, response.json()["code"]) == (
        503,
        "payment_platform_unavailable",
    )
