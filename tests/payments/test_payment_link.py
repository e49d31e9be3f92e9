"""The "fee requested" notice and its signed payment link, end to end against the mock national
payment platform (issue 14 §1: "fee requested with the amount and the payment link", "payment
received"): the applicant is told the amount and a link that opens the platform's page without a
login; paying through it moves the dossier on and tells them the payment was received. A
forged or expired link opens nothing. The fee request is a legal notice (the financial obligation,
Law on Fees and Charges 2015; Decree 118/2025/NĐ-CP): an opt-out does not stop it."""

from datetime import timedelta
from urllib.parse import urlsplit

import pytest

from dossiers import services
from dossiers.models import Dossier, Event
from integrations.mockpayment import notify
from notifications.models import Notification, Preference
from payments import services as payments
from payments.models import Payment
from tests.support.dossiers import DossierFactory

pytestmark = [pytest.mark.django_db, pytest.mark.payment_mock]


def requested(cast, amount=50000):
    dossier = DossierFactory(cast=cast, status="processing")
    services.request_payment(
        dossier=dossier.code, actor=cast.leader, amount=amount, note="Lệ phí cấp giấy phép"
    )
    return Dossier.objects.get(pk=dossier.pk)


def link_path(notification) -> str:
    url = next(w for w in notification.body.split() if "/thanh-toan/" in w)
    return urlsplit(url).path


def test_the_fee_request_tells_the_amount_and_the_link_on_every_channel(cast):
    dossier = requested(cast)
    notices = Notification.objects.filter(dossier=dossier, kind="fee_requested")
    assert {n.channel for n in notices} == {"inbox", "email", "sms"}
    for n in notices:
        assert "50.000 đ" in n.body and "/thanh-toan/" in n.body, n.channel
        assert n.required
    email = notices.get(channel="email")
    assert "Lệ phí cấp giấy phép" in email.body and dossier.code in email.subject


def test_the_link_opens_the_platform_and_paying_moves_the_dossier_on(cast, client):
    dossier = requested(cast)
    path = link_path(Notification.objects.get(dossier=dossier, kind="fee_requested", channel="sms"))
    page = client.get(path)
    assert page.status_code == 200
    text = page.content.decode()
    assert dossier.code in text and "50.000 đ" in text  # the Vietnamese way
    # The applicant's own personal data are not on the page a link opens.
    assert dossier.applicant.personal_id not in text
    answer = client.post(path)
    assert answer.status_code == 302 and "/mock-payment/pay/" in answer["Location"]
    payment = Payment.objects.get(dossier=dossier)
    assert (payment.amount, payment.status, payment.created_by) == (50000, "pending", None)
    # The same link again: the pending order, not a second one.
    assert client.post(path)["Location"] == answer["Location"]
    assert Payment.objects.filter(dossier=dossier).count() == 1
    hosted = urlsplit(answer["Location"]).path
    assert client.post(hosted, {"bank_code": "VCB", "action": "confirm"}).status_code == 302
    notify.run_once()
    d = Dossier.objects.get(pk=dossier.pk)
    assert d.status == "processing" and d.paid_online and not d.fees_owed
    assert Event.objects.filter(dossier=d, action="pay_online").count() == 1
    received = Notification.objects.get(dossier=d, kind="payment_received", channel="email")
    assert "50.000 đ" in received.body
    # Paid: the link now says there is nothing left to pay.
    assert "không còn khoản phí" in client.get(path).content.decode()
    assert client.post(path).status_code == 409


def test_a_forged_or_altered_link_opens_nothing(cast, client):
    dossier = requested(cast)
    token = payments.link_token(dossier)
    for bad in ("not-a-token", token[:-2] + "xx", token.replace(token[2], "A", 1)):
        response = client.get(f"/thanh-toan/{bad}/")
        assert response.status_code == 404, bad
        assert dossier.code not in response.content.decode()
        assert client.post(f"/thanh-toan/{bad}/").status_code == 404
    assert not Payment.objects.exists()


def test_an_expired_link_opens_nothing(cast, client, clock, settings):
    dossier = requested(cast)
    path = f"/thanh-toan/{payments.link_token(dossier)}/"
    clock.advance(seconds=settings.ONECUA_PAYMENT_LINK_MAX_AGE + timedelta(minutes=1).seconds)
    response = client.get(path)
    assert response.status_code == 404 and "hết hạn" in response.content.decode()


def test_the_fee_request_is_sent_whatever_the_opt_out(cast):
    Preference.objects.create(user=cast.citizen, only_required=True, sms=False)
    dossier = requested(cast)
    assert {
        n.channel for n in Notification.objects.filter(dossier=dossier, kind="fee_requested")
    } == {"inbox", "email"}


def test_paying_at_the_counter_tells_the_applicant(cast):
    dossier = requested(cast, amount=30000)
    services.collect_fee(
        dossier=dossier.code, actor=cast.clerk, method="cash", receipt_number="BL-7"
    )
    n = Notification.objects.get(dossier=dossier, kind="payment_received", channel="inbox")
    assert "30.000 đ" in n.body
