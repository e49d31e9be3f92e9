"""onecua's side of online payment (issue 13 §3, docs/payments.md, docs/payment-platform.md),
through HTTP against a fake platform (tests/support/payments.py): starting a payment, the
notification verified before anything changes and handled once, forged and altered messages,
an amount that differs, and the payment pause ended by paying."""

import pytest
from django.test import override_settings

from dossiers.models import Dossier, DossierFee, Event
from payments.models import Payment, PaymentMessage
from tests.support.cast import at_counter, file_online
from tests.support.dossiers import DossierFactory
from tests.support.fees import TOTAL
from tests.support.payments import INIT, check_value, notify

pytestmark = pytest.mark.django_db


def start(cast, user, code, body=None):
    return cast.client(user).post(f"/api/v1/dossiers/{code}/payments/", body or {}, format="json")


@pytest.fixture
def started(cast, fee_procedure, platform):
    dossier = file_online(cast, fee_procedure)
    response = start(cast, cast.citizen, dossier.code)
    assert response.status_code == 201, response.json()
    return dossier, response.json()["reference"]


# --- starting a payment -----------------------------------------------------------------------
def test_the_applicant_starts_a_payment_and_gets_the_hosted_page(cast, fee_procedure, platform):
    dossier = file_online(cast, fee_procedure)
    response = start(cast, cast.citizen, dossier.code, {"return_url": "https://app.example/x"})
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["amount"] == TOTAL and data["status"] == "pending"
    assert data["payment_url"] == f"https://thanhtoan.example/pay/{data['reference']}/"
    # The init the platform received: signed as the protocol says, lines summing to the amount.
    path, body = platform.received[-1]
    assert path == "api/v1/payments/init"
    assert body["checksum"] == check_value(body, INIT)
    assert body["dossier_code"] == dossier.code and body["currency"] == "VND"
    assert sum(line["amount"] for line in body["fee_lines"]) == body["amount"] == TOTAL
    assert body["return_url"] == "https://app.example/x"
    assert body["notify_url"] == "http://testserver/api/v1/payments/ipn/"
    assert len(body["expires_at"]) == 14
    kinds = list(
        PaymentMessage.objects.filter(reference=data["reference"]).values_list("kind", flat=True)
    )
    assert kinds == ["init", "init_answer"]
    # Asked again while it is pending: the same payment, no second order.
    again = start(cast, cast.citizen, dossier.code)
    assert again.status_code == 200 and again.json()["reference"] == data["reference"]
    assert Payment.objects.count() == 1


def test_only_the_applicant_pays_and_strangers_see_nothing(cast, fee_procedure, platform):
    dossier = file_online(cast, fee_procedure)
    assert start(cast, cast.other_citizen, dossier.code).status_code == 404
    assert start(cast, cast.other_clerk, dossier.code).status_code == 404
    response = start(cast, cast.clerk, dossier.code)
    assert (response.status_code, response.json()["code"]) == (403, "permission_denied")
    assert not Payment.objects.exists()
    # Those who see the dossier see its payments.
    start(cast, cast.citizen, dossier.code)
    for user in (cast.citizen, cast.clerk, cast.specialist):
        listed = cast.client(user).get(f"/api/v1/dossiers/{dossier.code}/payments/")
        assert listed.status_code == 200 and len(listed.json()) == 1
    other = cast.client(cast.other_citizen).get(f"/api/v1/dossiers/{dossier.code}/payments/")
    assert other.status_code == 404


def test_nothing_to_pay_or_not_yet_time_to_pay(cast, fee_procedure, platform):
    free = file_online(cast, "1.000656")
    response = start(cast, cast.citizen, free.code)
    assert (response.status_code, response.json()["code"]) == (409, "no_fee_owed")
    # At the counter a fixed fee is paid at receipt: fine once received.
    counter = at_counter(cast, fee_procedure)
    assert counter.received_at is not None
    # (its applicant is the citizen of the account with that personal id).
    response = start(cast, cast.citizen, counter.code)
    assert response.status_code == 201, response.json()
    response = start(cast, cast.citizen, "NO-SUCH-CODE")
    assert response.status_code == 404


def test_a_partial_procedure_is_paid_after_receipt(cast, platform):
    from tests.support.fees import with_fees

    with_fees("1.000110")  # một phần: a fixed fee is due at receipt
    dossier = file_online(cast, "1.000110")
    response = start(cast, cast.citizen, dossier.code)
    assert (response.status_code, response.json()["code"]) == (409, "fee_not_requested")
    cast.client(cast.clerk).post(f"/api/v1/dossiers/{dossier.code}/receive/", {}, format="json")
    assert start(cast, cast.citizen, dossier.code).status_code == 201


def test_bad_input_is_refused(cast, fee_procedure, platform):
    dossier = file_online(cast, fee_procedure)
    for body in ({"return_url": "not a url"}, {"amount": 1}, {"return_url": 5}):
        response = start(cast, cast.citizen, dossier.code, body)
        assert response.status_code == 400, (body, response.json())
    assert not Payment.objects.exists()


def test_the_platform_down_is_a_503_and_the_attempt_is_failed(cast, fee_procedure, platform):
    dossier = file_online(cast, fee_procedure)
    platform.down = True
    response = start(cast, cast.citizen, dossier.code)
    assert (response.status_code, response.json()["code"]) == (
        503,
        "payment_platform_unavailable",
    )
    assert Payment.objects.get().status == "failed"
    platform.down = False
    assert start(cast, cast.citizen, dossier.code).status_code == 201
    assert Payment.objects.filter(status="pending").count() == 1


@override_settings(ONECUA_PAYMENT_SECRET="another-secret")
def test_init_refused_by_the_platform_is_a_503(cast, fee_procedure, platform):
    # We sign with a secret the platform does not share: it answers 97.
    dossier = file_online(cast, fee_procedure)
    response = start(cast, cast.citizen, dossier.code)
    assert response.status_code == 503
    assert Payment.objects.get().status == "failed"


# --- the notification ---------------------------------------------------------------------------
def test_a_verified_notification_pays_the_dossier_once(cast, started, platform):
    dossier, reference = started
    body = platform.notification(reference)
    response = notify(body)
    assert response.status_code == 200
    assert response.json() == {"code": "00", "message": "Confirm success"}
    payment = Payment.objects.get(reference=reference)
    assert (payment.status, payment.bank_code, payment.platform_txn_id) == (
        "paid",
        "VCB",
        f"PT-{reference}",
    )
    assert payment.paid_at is not None
    d = Dossier.objects.get(pk=dossier.pk)
    assert d.paid_online is True and d.fees_owed is False
    assert set(
        DossierFee.objects.filter(dossier=d).values_list("status", "method", "reference")
    ) == {("paid", "online", reference)}
    event = Event.objects.get(dossier=d, action="pay_online")
    assert event.actor is None and event.payload["amount"] == TOTAL
    assert event.payload["lines"] == [1, 2]
    # The same notification again (the platform retries): already taken, nothing more.
    again = notify(body)
    assert again.json()["code"] == "02"
    assert Event.objects.filter(dossier=d, action="pay_online").count() == 1
    # A later, reordered "failed" changes nothing either.
    assert notify(platform.notification(reference, "failed")).json()["code"] == "02"
    assert Payment.objects.get(reference=reference).status == "paid"
    # The dossier shows it to its applicant; no payment is offered any more.
    detail = cast.client(cast.citizen).get(f"/api/v1/dossiers/{dossier.code}/").json()
    assert detail["paid_online"] is True
    response = start(cast, cast.citizen, dossier.code)
    assert response.json()["code"] == "no_fee_owed"


@pytest.mark.parametrize(
    "forge",
    [
        lambda p, ref: p.notification(ref, secret="guessed"),
        lambda p, ref: {**p.notification(ref), "amount": 1},
        lambda p, ref: {**p.notification(ref, "failed"), "status": "paid"},
        lambda p, ref: {**p.notification(ref), "checksum": ""},
        lambda p, ref: {k: v for k, v in p.notification(ref).items() if k != "checksum"},
        lambda p, ref: p.notification(ref, partner_code="someone-else"),
        lambda p, ref: {**p.notification(ref), "checksum": p.notification(ref)["checksum"][:-1]},
    ],
    ids=["other-secret", "altered-amount", "altered-status", "empty", "none", "partner", "short"],
)
def test_a_forged_or_altered_notification_changes_nothing(cast, started, platform, forge):
    dossier, reference = started
    response = notify(forge(platform, reference))
    assert response.status_code == 200
    assert response.json()["code"] == "97"
    assert Payment.objects.get(reference=reference).status == "pending"
    assert Dossier.objects.get(pk=dossier.pk).paid_online is False
    assert not Event.objects.filter(action="pay_online").exists()
    logged = PaymentMessage.objects.filter(reference=reference, kind="notify").get()
    assert logged.verified is False


@pytest.mark.parametrize("body", [[], "x", {"transaction_ref": ["x"]}, {}, None])
def test_a_notification_that_is_no_message_is_answered_not_crashed_on(body, platform):
    response = notify(body)
    assert response.status_code == 200
    assert response.json()["code"] in ("97", "99")


def test_not_json_at_all(client):
    response = client.post("/api/v1/payments/ipn/", "<xml/>", content_type="text/xml")
    assert response.status_code == 200 and response.json()["code"] == "99"


def test_an_unknown_reference_is_01(platform):
    response = notify(platform.notification("OC000000NOSUCHREF", amount=1000))
    assert response.json()["code"] == "01"
    assert PaymentMessage.objects.filter(reference="OC000000NOSUCHREF").count() == 2


def test_an_amount_that_differs_is_held_for_an_official(cast, started, platform, client):
    dossier, reference = started
    response = notify(platform.notification(reference, amount=TOTAL - 1000))
    assert response.json()["code"] == "04"
    payment = Payment.objects.get(reference=reference)
    assert payment.status == "held" and str(TOTAL - 1000) in payment.held_reason
    assert Dossier.objects.get(pk=dossier.pk).paid_online is False
    assert set(DossierFee.objects.filter(dossier=dossier).values_list("status", flat=True)) == {
        "owed"
    }
    # The right amount afterwards does not unhold it: an official decides.
    assert notify(platform.notification(reference)).json()["code"] == "02"
    # The admin shows the held payment to the dossier's officials.
    cast.clerk.is_staff = True
    cast.clerk.save(update_fields=["is_staff"])
    client.force_login(cast.clerk)
    page = client.get("/admin/payments/payment/?status__exact=held")
    assert page.status_code == 200 and reference in page.content.decode()
    cast.other_clerk.is_staff = True
    cast.other_clerk.save(update_fields=["is_staff"])
    client.force_login(cast.other_clerk)
    page = client.get("/admin/payments/payment/")
    assert reference not in page.content.decode()


def test_another_currency_is_held(cast, started, platform):
    _, reference = started
    assert notify(platform.notification(reference, currency="USD")).json()["code"] == "04"
    assert Payment.objects.get(reference=reference).status == "held"


def test_failed_then_paid(cast, started, platform):
    dossier, reference = started
    assert notify(platform.notification(reference, "cancelled")).json()["code"] == "00"
    assert Payment.objects.get(reference=reference).status == "cancelled"
    assert Dossier.objects.get(pk=dossier.pk).fees_owed is True
    assert notify(platform.notification(reference, "cancelled")).json()["code"] == "02"
    # Money taken wins over an earlier failure.
    assert notify(platform.notification(reference, "paid")).json()["code"] == "00"
    assert Payment.objects.get(reference=reference).status == "paid"


def test_paying_ends_the_payment_pause(cast, platform, clock):
    dossier = DossierFactory(cast=cast, status="awaiting_payment")  # asked for 50,000 đ
    due = dossier.due_at
    response = start(cast, cast.citizen, dossier.code)
    assert response.status_code == 201, response.json()
    assert response.json()["amount"] == 50000
    clock.advance(hours=3)
    assert notify(platform.notification(response.json()["reference"])).json()["code"] == "00"
    d = Dossier.objects.get(pk=dossier.pk)
    assert d.status == "processing" and d.paid_online and d.due_at > due
    event = Event.objects.get(dossier=d, action="pay_online")
    assert (event.from_status, event.to_status) == ("awaiting_payment", "processing")
    assert d.pauses.get().closed_at is not None


def test_the_portal_record_says_paid_online(cast, started, platform):
    from integrations.portal.mapping import dossier_record

    dossier, reference = started
    notify(platform.notification(reference))
    d = Dossier.objects.get(pk=dossier.pk)
    event = Event.objects.get(dossier=d, action="pay_online")
    assert dossier_record(d, event)["DuocThanhToanTrucTuyen"] == 1


def test_a_payment_arriving_after_withdrawal_is_to_be_refunded(cast, started, platform):
    dossier, reference = started
    cast.client(cast.citizen).post(
        f"/api/v1/dossiers/{dossier.code}/withdraw/", {"reason": "Rút"}, format="json"
    )
    assert notify(platform.notification(reference)).json()["code"] == "00"
    d = Dossier.objects.get(pk=dossier.pk)
    assert d.status == "withdrawn" and d.refund_pending and d.paid_online
    assert set(DossierFee.objects.filter(dossier=d).values_list("status", flat=True)) == {
        "refund_requested"
    }
    # Recorded refunded: the payment says so too.
    response = cast.client(cast.clerk).post(
        f"/api/v1/dossiers/{dossier.code}/record-refund/", {"voucher": "PC-1"}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert Payment.objects.get(reference=reference).status == "refunded"
