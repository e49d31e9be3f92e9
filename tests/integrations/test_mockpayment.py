"""The mock national payment platform: a real HTTP service under /mock-payment/ speaking
docs/payment-platform.md — every endpoint and refusal, the hosted page, the notifications (IPN)
retried until acknowledged, and every fault."""

from __future__ import annotations

import json
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client

from accounts.roles import Role
from integrations.mockpayment import notify, signing
from integrations.mockpayment.models import Notification, Transaction
from tests.factories import UserFactory
from tests.support.ipn_receiver import Receiver
from tests.support.tokens import administrator_token, api_token

BASE = "/mock-payment/"
PARTNER, SECRET = "onecua", "onecua-mock-payment-secret"

pytestmark = [pytest.mark.django_db, pytest.mark.clock(2026, 3, 2, 9, 0)]


@pytest.fixture(autouse=True)
def _deliver_only_when_told(settings):
    # The tests drive the delivery of notifications themselves (notify.run_once).
    settings.MOCK_PAYMENT_AUTODELIVER = False


def sign(data, fields, secret=SECRET):
    return signing.signed(data, fields, secret)


def init_request(ref="TT-0001", amount=150_000, notify_url="http://testserver/ipn", **extra):
    data = {
        "partner_code": PARTNER,
        "transaction_ref": ref,
        "amount": amount,
        "currency": "VND",
        "dossier_code": "H43.12-260302-0001",
        "fee_lines": [
            {"name": "Lệ phí đăng ký hộ kinh doanh", "kind": "le_phi", "amount": amount - 50_000},
            {"name": "Phí cung cấp thông tin", "kind": "phi", "amount": 50_000},
        ],
        "description": "Nộp lệ phí hồ sơ H43.12-260302-0001",
        "return_url": "https://onecua.example.vn/thanh-toan/ket-qua?ho_so=1",
        "notify_url": notify_url,
        "expires_at": "20260302100000",
    }
    data.update(extra)
    return data


class Platform:
    """A JSON client of the mock; the control endpoints get an administrator's API token."""

    def __init__(self, admin_token=None):
        self.client = Client()
        self.admin_token = admin_token

    def post(self, url, data, sign_with=(), secret=SECRET, **headers):
        if sign_with:
            data = sign(data, sign_with, secret)
        if url.startswith("_") and self.admin_token:
            headers.setdefault("HTTP_AUTHORIZATION", f"Token {self.admin_token}")
        body = data if isinstance(data, bytes) else json.dumps(data, ensure_ascii=False).encode()
        return self.client.post(BASE + url, body, content_type="application/json", **headers)

    def get(self, url, **headers):
        if url.startswith("_") and self.admin_token:
            headers.setdefault("HTTP_AUTHORIZATION", f"Token {self.admin_token}")
        return self.client.get(BASE + url, **headers)

    def init(self, data=None, **kwargs):
        return self.post(
            "api/v1/payments/init", data or init_request(**kwargs), signing.INIT_FIELDS
        )

    def query(self, ref="TT-0001", partner=PARTNER, secret=SECRET):
        data = {"partner_code": partner, "transaction_ref": ref}
        return self.post("api/v1/payments/query", data, signing.QUERY_FIELDS, secret)

    def report(self, date="20260302", secret=SECRET):
        data = {"partner_code": PARTNER, "date": date}
        return self.post("api/v1/reports/daily", data, signing.REPORT_FIELDS, secret)

    def page_path(self, response):
        return urlsplit(response.json()["payment_url"]).path

    def pay(self, response, bank="VCB", action="confirm"):
        return self.client.post(self.page_path(response), {"action": action, "bank_code": bank})

    def faults(self, **switches):
        response = self.post("_faults", switches)
        assert response.status_code == 200, response.content
        return response

    def stats(self):
        return self.get("_stats").json()


@pytest.fixture
def platform():
    return Platform(admin_token=administrator_token())


def verified(body, fields=signing.NOTIFY_FIELDS):
    return signing.verify(body, fields, SECRET)


# --- init ---------------------------------------------------------------------------------------


def test_init_answers_a_payment_url_on_the_hosted_page(platform):
    response = platform.init()
    body = response.json()
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert body["code"] == "00"
    assert body["transaction_ref"] == "TT-0001"
    assert body["platform_txn_id"].startswith("MP20260302")
    # Called in-process (the test client's host): the page is on the return URL's origin.
    assert body["payment_url"].startswith("https://onecua.example.vn/mock-payment/pay/")
    txn = Transaction.objects.get()
    assert (txn.amount, txn.status, txn.dossier_code) == (150_000, "pending", "H43.12-260302-0001")
    assert signing.format_time(txn.expires_at) == "20260302100000"


def test_the_same_init_again_is_idempotent(platform):
    first = platform.init().json()
    again = platform.init().json()
    assert again == first
    assert Transaction.objects.count() == 1
    assert platform.stats()["init_repeated"] == 1


@pytest.mark.parametrize(
    "change",
    [
        {"amount": 200_000},
        {"dossier_code": "H43.12-260302-0002"},
        {"return_url": "https://elsewhere.example.vn/"},
        {"description": "Nội dung khác"},
    ],
)
def test_the_same_reference_with_other_fields_is_94(platform, change):
    platform.init()
    response = platform.init(**change)
    assert (response.status_code, response.json()["code"]) == (200, "94")
    assert Transaction.objects.count() == 1
    assert platform.stats()["refused"] == {"payments/init:94": 1}


def test_a_wrong_check_value_is_97(platform):
    data = sign(init_request(), signing.INIT_FIELDS, "not-the-secret")
    response = platform.post("api/v1/payments/init", data)
    assert response.json()["code"] == "97"
    unsigned = platform.post("api/v1/payments/init", init_request())
    assert unsigned.json()["code"] == "97"
    # Signed, then a field changed: the order and every field count.
    tampered = {**sign(init_request(), signing.INIT_FIELDS), "amount": 1_000}
    tampered["fee_lines"] = [{"name": "x", "kind": "phi", "amount": 1_000}]
    assert platform.post("api/v1/payments/init", tampered).json()["code"] == "97"
    assert not Transaction.objects.exists()


def test_the_check_value_is_the_documented_text():
    """docs/payment-platform.md: fields as text joined by |, then | and the secret; fee_lines as
    canonical JSON (keys sorted, no spaces, not ASCII-escaped)."""
    data = init_request(amount=60_000)
    data["fee_lines"] = [{"name": "Lệ phí", "kind": "le_phi", "amount": 60_000}]
    text = (
        "onecua|TT-0001|60000|VND|H43.12-260302-0001|"
        '[{"amount":60000,"kind":"le_phi","name":"Lệ phí"}]|'
        "https://onecua.example.vn/thanh-toan/ket-qua?ho_so=1|http://testserver/ipn|"
        "20260302100000|" + SECRET
    )
    import hashlib

    assert signing.checksum(data, signing.INIT_FIELDS, SECRET) == (
        hashlib.sha256(text.encode()).hexdigest()
    )


def test_an_expired_request_is_11(platform, clock):
    response = platform.init(expires_at="20260302090000")  # now, exactly
    assert response.json()["code"] == "11"
    assert not Transaction.objects.exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"amount": "150000"}, "amount"),
        ({"amount": 0}, "amount"),
        ({"amount": True}, "amount"),
        ({"currency": "USD"}, "currency"),
        ({"transaction_ref": ""}, "transaction_ref"),
        ({"transaction_ref": "a|b"}, "transaction_ref"),
        ({"transaction_ref": "x" * 65}, "transaction_ref"),
        ({"dossier_code": None}, "dossier_code"),
        ({"fee_lines": []}, "fee_lines"),
        ({"fee_lines": [{"name": "x", "kind": "thue", "amount": 150_000}]}, "fee_lines[0].kind"),
        ({"fee_lines": [{"name": "x", "kind": "phi", "amount": 1}]}, "fee_lines"),
        ({"fee_lines": ["x"]}, "fee_lines[0]"),
        ({"return_url": "javascript:alert(1)"}, "return_url"),
        ({"notify_url": "/relative"}, "notify_url"),
        ({"expires_at": "2026-03-02 10:00"}, "expires_at"),
        ({"expires_at": "20260231100000"}, "expires_at"),
        ({"partner_code": "someone-else"}, "partner_code"),
    ],
)
def test_bad_input_is_99_with_a_message(platform, change, field):
    response = platform.init({**init_request(), **change})
    body = response.json()
    assert (response.status_code, body["code"]) == (200, "99")
    assert field in body["message"]
    assert not Transaction.objects.exists()


@pytest.mark.parametrize(
    "raw", [b"not json", b"[1, 2]", b"\xff\xfe", b"[" * 5000, b"", json.dumps("x").encode()]
)
def test_a_body_that_is_not_a_json_object_is_99(platform, raw):
    for url in ("api/v1/payments/init", "api/v1/payments/query", "api/v1/reports/daily"):
        response = platform.post(url, raw)
        assert (response.status_code, response.json()["code"]) == (200, "99")


def test_wrong_methods_are_405(platform):
    for url in ("api/v1/payments/init", "api/v1/payments/query", "api/v1/reports/daily"):
        response = platform.get(url)
        assert (response.status_code, response.json()["code"]) == (405, "99")
        assert response["Allow"] == "POST"
    assert platform.client.put(BASE + "pay/nothing/").status_code == 405


def test_partners_and_their_secrets_come_from_the_settings(platform, settings):
    settings.MOCK_PAYMENT_PARTNERS = {"tinh-b": "khoa-b"}
    assert platform.init().json()["code"] == "99"  # onecua is no partner any more
    data = init_request(partner_code="tinh-b")
    response = platform.post("api/v1/payments/init", data, signing.INIT_FIELDS, "khoa-b")
    assert response.json()["code"] == "00"


def test_the_public_url_setting_names_the_hosted_page(platform, settings):
    settings.MOCK_PAYMENT_PUBLIC_URL = "https://thanhtoan.example.vn/mock-payment/"
    url = platform.init().json()["payment_url"]
    assert url.startswith("https://thanhtoan.example.vn/mock-payment/pay/")


def test_over_http_the_hosted_page_is_on_the_host_called(platform, settings):
    response = platform.post(
        "api/v1/payments/init",
        init_request(),
        signing.INIT_FIELDS,
        HTTP_HOST="127.0.0.1:8000",
    )
    assert response.json()["payment_url"].startswith("http://127.0.0.1:8000/mock-payment/pay/")


# --- the hosted page ----------------------------------------------------------------------------


def test_the_hosted_page_shows_the_dossier_the_fee_lines_and_the_total(platform):
    response = platform.client.get(platform.page_path(platform.init()))
    html = response.content.decode()
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert '<html lang="vi">' in html
    for text in (
        "H43.12-260302-0001",
        "Lệ phí đăng ký hộ kinh doanh",
        "100.000 ₫",
        "50.000 ₫",
        "150.000 ₫",
        "Xác nhận thanh toán",
        "Huỷ thanh toán",
        "Vietcombank",
        "Ví MoMo",
    ):
        assert text in html
    # No script, nothing from another host: the style sheet is the mock's own.
    assert "<script" not in html
    assert 'href="/mock-payment/static/page.css"' in html
    css = platform.client.get(BASE + "static/page.css")
    assert css["Content-Type"].startswith("text/css")
    # The project's Content-Security-Policy, with the return URL's origin as a form target (the
    # form's answer redirects there).
    policy = response["Content-Security-Policy"]
    assert "form-action 'self' https://onecua.example.vn" in policy
    assert "script-src 'self'" in policy


def test_confirming_pays_and_sends_the_browser_back_with_signed_parameters(platform):
    started = platform.init()
    response = platform.pay(started, bank="BIDV")
    assert response.status_code == 302
    target = urlsplit(response["Location"])
    assert (target.scheme, target.netloc, target.path) == (
        "https",
        "onecua.example.vn",
        "/thanh-toan/ket-qua",
    )
    query = {k: v[0] for k, v in parse_qs(target.query).items()}
    assert query["ho_so"] == "1"  # the return URL's own query is kept
    assert (query["transaction_ref"], query["status"]) == ("TT-0001", "paid")
    assert signing.verify(query, signing.RETURN_FIELDS, SECRET)
    txn = Transaction.objects.get()
    assert (txn.status, txn.bank_code, txn.paid_amount) == ("paid", "BIDV", 150_000)
    # Seen again, the page tells the outcome and links back; a second submission changes nothing.
    again = platform.client.get(platform.page_path(started)).content.decode()
    assert "Thanh toán thành công." in again
    assert "Xác nhận thanh toán" not in again
    twice = platform.pay(started, action="cancel")
    assert twice.status_code == 302
    assert "status=paid" in twice["Location"]
    assert Notification.objects.count() == 1


def test_cancelling_is_cancelled(platform):
    response = platform.pay(platform.init(), bank="", action="cancel")
    assert "status=cancelled" in response["Location"]
    assert Transaction.objects.get().status == "cancelled"
    assert Notification.objects.get().body["status"] == "cancelled"


def test_confirming_without_a_bank_or_with_another_action_asks_again(platform):
    started = platform.init()
    for form in ({"action": "confirm"}, {"action": "confirm", "bank_code": "NOPE"}, {}):
        response = platform.client.post(platform.page_path(started), form)
        assert response.status_code == 400
        assert Transaction.objects.get().status == "pending"
    assert "Xin chọn một ngân hàng" in platform.client.post(
        platform.page_path(started), {"action": "confirm"}
    ).content.decode("utf-8")


def test_an_unknown_page_is_404(platform):
    response = platform.client.get(BASE + "pay/not-a-token/")
    assert response.status_code == 404
    assert "Không tìm thấy giao dịch" in response.content.decode()


def test_after_expiry_the_page_says_so_and_the_transaction_expires(platform, clock):
    started = platform.init()
    clock.set(2026, 3, 2, 10, 0)
    response = platform.pay(started)
    assert "status=expired" in response["Location"]
    assert Transaction.objects.get().status == "expired"
    assert Notification.objects.get().body["status"] == "expired"


# --- status query and daily report --------------------------------------------------------------


def test_the_status_query_follows_the_transaction(platform):
    platform.init()
    body = platform.query().json()
    assert body["code"] == "00"
    assert {k: body[k] for k in ("status", "amount", "currency", "paid_at", "bank_code")} == {
        "status": "pending",
        "amount": 150_000,
        "currency": "VND",
        "paid_at": "",
        "bank_code": "",
    }
    assert verified(body)
    platform.pay(platform.init(), bank="MOMO")
    body = platform.query().json()
    assert (body["status"], body["paid_at"], body["bank_code"]) == (
        "paid",
        "20260302090000",
        "MOMO",
    )
    assert verified(body)


def test_the_status_query_refusals(platform):
    platform.init()
    assert platform.query(ref="TT-9999").json()["code"] == "01"
    assert platform.query(secret="wrong").json()["code"] == "97"
    assert platform.query(partner="nobody").json()["code"] == "99"
    bad_ref = {"partner_code": PARTNER, "transaction_ref": ["TT-0001"]}
    response = platform.post("api/v1/payments/query", bad_ref, signing.QUERY_FIELDS)
    assert response.json()["code"] == "01"


def test_a_pending_transaction_past_its_expiry_is_reported_expired(platform, clock):
    platform.init()
    clock.set(2026, 3, 2, 10, 0, 1)
    assert platform.query().json()["status"] == "expired"
    assert Notification.objects.get().body["status"] == "expired"  # its IPN is owed too


def test_the_daily_report_lists_the_local_days_transactions(platform, clock):
    clock.set(2026, 3, 1, 23, 59)  # the day before, local time (16:59 UTC)
    platform.init(ref="TT-HOM-QUA", expires_at="20260302100000")
    clock.set(2026, 3, 2, 0, 0)  # 17:00 UTC on 1 March: already the 2nd in Việt Nam
    platform.init(ref="TT-A")
    clock.set(2026, 3, 2, 9, 0)
    platform.pay(platform.init(ref="TT-B"), bank="CTG")
    body = platform.report("20260302").json()
    assert body["code"] == "00"
    assert (body["date"], body["count"]) == ("20260302", 2)
    assert [(t["transaction_ref"], t["status"]) for t in body["transactions"]] == [
        ("TT-A", "pending"),
        ("TT-B", "paid"),
    ]
    assert all(verified(t) for t in body["transactions"])
    assert [t["transaction_ref"] for t in platform.report("20260301").json()["transactions"]] == [
        "TT-HOM-QUA"
    ]
    assert platform.report("20260303").json()["transactions"] == []


def test_the_daily_report_refusals(platform):
    assert platform.report(secret="wrong").json()["code"] == "97"
    for date in ("2026-03-02", "20261302", "", "202603020"):
        body = platform.report(date).json()
        assert body["code"] == "99", date
        assert "date" in body["message"]


# --- notifications (IPN) ------------------------------------------------------------------------


def test_the_notification_is_signed_and_posted_over_http(platform):
    with Receiver(["00"]) as partner:
        platform.pay(platform.init(notify_url=partner.url), bank="AGRIBANK")
        assert notify.run_once() == {"expired": 0, "attempts": 1}
    (body,) = partner.bodies
    assert verified(body)
    assert body == {
        "partner_code": PARTNER,
        "transaction_ref": "TT-0001",
        "platform_txn_id": Transaction.objects.get().platform_txn_id,
        "amount": 150_000,
        "currency": "VND",
        "status": "paid",
        "paid_at": "20260302090000",
        "bank_code": "AGRIBANK",
        "checksum": body["checksum"],
    }
    assert Notification.objects.get().state == "acknowledged"


def test_the_notification_is_retried_with_backoff_until_acknowledged(platform, clock):
    """docs/payment-platform.md: anything but 00/02, or no answer, is retried every 1, 2, 4…
    minutes."""
    answers = ["97", "01", "04", None, "99", "00"]
    with Receiver(answers) as partner:
        platform.pay(platform.init(notify_url=partner.url))
        start = clock.now
        assert notify.run_once()["attempts"] == 1
        for minutes in (1, 2, 4, 8, 16):
            clock.advance(minutes=minutes, seconds=-1)
            assert notify.run_once()["attempts"] == 0  # not yet due
            clock.advance(seconds=1)
            assert notify.run_once()["attempts"] == 1
        clock.advance(hours=2)
        assert notify.run_once()["attempts"] == 0  # acknowledged: no more
    assert len(partner.bodies) == 6
    assert all(body == partner.bodies[0] for body in partner.bodies)
    notification = Notification.objects.get()
    assert (notification.state, notification.attempts) == ("acknowledged", 6)
    attempts = list(notification.delivery_attempts.values_list("at", "code", "http_status"))
    assert [at - start for at, _, _ in attempts] == [
        timedelta(minutes=m) for m in (0, 1, 3, 7, 15, 31)
    ]
    assert [code for _, code, _ in attempts] == ["97", "01", "04", "", "99", "00"]
    assert attempts[3][2] == 500


def test_already_taken_02_acknowledges_too(platform):
    with Receiver(["02"]) as partner:
        platform.pay(platform.init(notify_url=partner.url))
        notify.run_once()
    assert Notification.objects.get().state == "acknowledged"


def test_a_partner_out_of_reach_is_retried_then_given_up_after_a_day(platform, clock, settings):
    with Receiver() as partner:
        url = partner.url
    # The receiver is gone: connection refused.
    platform.pay(platform.init(notify_url=url))
    notify.run_once()
    notification = Notification.objects.get()
    attempt = notification.delivery_attempts.get()
    assert attempt.http_status is None and attempt.error
    start = clock.now
    while notification.state == "pending":
        clock.now = notification.next_attempt_at
        notify.run_once()
        notification.refresh_from_db()
    # Every 1, 2, 4 … 512 minutes: the 11th attempt at 1023 min; the next (2047) is past a day.
    assert (notification.state, notification.attempts) == ("gave_up", 11)
    last = notification.delivery_attempts.last().at
    assert last - start == timedelta(minutes=1023)
    platform.admin_token = administrator_token("quantri-sau-mot-ngay")  # the first one expired
    assert platform.stats()["notifications"]["gave_up"] == 1


def test_notifications_to_the_test_host_go_in_process(platform, settings):
    """A notify_url on MOCK_PAYMENT_INPROCESS_HOSTS is posted through Django's request
    machinery: here to a receiver routed by a test URLconf."""
    from tests.integrations import mockpayment_urls

    settings.ROOT_URLCONF = "tests.integrations.mockpayment_urls"
    mockpayment_urls.RECEIVED.clear()
    platform.pay(platform.init(notify_url="http://testserver/test-ipn/?k=1"))
    notify.run_once()
    (body,) = mockpayment_urls.RECEIVED
    assert verified(body)
    assert Notification.objects.get().state == "acknowledged"


@pytest.mark.django_db(transaction=True)
def test_an_outcome_is_delivered_as_soon_as_it_commits(settings):
    """MOCK_PAYMENT_AUTODELIVER (the default): the outcome's commit queues the delivery task
    (eager here)."""
    settings.MOCK_PAYMENT_AUTODELIVER = True
    platform = Platform()
    with Receiver(["00"]) as partner:
        platform.pay(platform.init(notify_url=partner.url))
    assert partner.statuses == ["paid"]
    assert Notification.objects.get().state == "acknowledged"


def test_expired_transactions_are_expired_by_the_driver(platform, clock):
    with Receiver(["00"]) as partner:
        platform.init(notify_url=partner.url)
        clock.set(2026, 3, 2, 10, 0)
        assert notify.run_once() == {"expired": 1, "attempts": 1}
    assert partner.statuses == ["expired"]
    body = partner.bodies[0]
    assert (body["paid_at"], body["bank_code"], body["amount"]) == ("", "", 150_000)


# --- faults -------------------------------------------------------------------------------------


def test_lost_notifications_are_never_sent_but_the_query_tells_the_truth(platform, clock):
    platform.faults(ipn_lost=True)
    with Receiver() as partner:
        platform.pay(platform.init(notify_url=partner.url))
        clock.advance(days=2)
        notify.run_once(force=True)
    assert partner.bodies == []
    assert Notification.objects.get().state == "lost"
    assert platform.query().json()["status"] == "paid"
    platform.admin_token = administrator_token("quantri-sau-hai-ngay")  # the first one expired
    assert platform.stats()["notifications"]["lost"] == 1


def test_late_notifications_wait(platform, clock):
    platform.faults(ipn_delay_seconds=600)
    with Receiver() as partner:
        platform.pay(platform.init(notify_url=partner.url))
        clock.advance(seconds=599)
        notify.run_once()
        assert partner.bodies == []
        clock.advance(seconds=1)
        notify.run_once()
        assert partner.statuses == ["paid"]


def test_duplicated_notifications_are_sent_twice(platform):
    platform.faults(ipn_duplicate=True)
    with Receiver(["00", "02"]) as partner:
        platform.pay(platform.init(notify_url=partner.url))
        notify.run_once()
    assert len(partner.bodies) == 2
    assert partner.bodies[0] == partner.bodies[1]
    assert [n.state for n in Notification.objects.all()] == ["acknowledged", "acknowledged"]
    assert platform.stats()["notifications_duplicate"] == 1


def test_reordered_notifications_bring_the_later_status_first(platform):
    platform.faults(ipn_reorder=True)
    with Receiver(["00", "02"]) as partner:
        platform.pay(platform.init(notify_url=partner.url))
        notify.run_once()
    assert partner.statuses == ["paid", "failed"]
    assert all(verified(body) for body in partner.bodies)
    assert platform.query().json()["status"] == "paid"


def test_a_wrong_check_value_on_everything_the_platform_signs(platform):
    platform.faults(wrong_checksum=True)
    with Receiver(["97", "00"]) as partner:
        started = platform.init(notify_url=partner.url)
        back = platform.pay(started)
        notify.run_once()
    query = {k: v[0] for k, v in parse_qs(urlsplit(back["Location"]).query).items()}
    assert not signing.verify(query, signing.RETURN_FIELDS, SECRET)
    assert not verified(partner.bodies[0])
    assert not verified(platform.query().json())
    assert not verified(platform.report().json()["transactions"][0])
    assert Notification.objects.get().state == "pending"  # 97: retried
    # The fault off: queries are right again (the notification already owed keeps its body).
    platform.faults(wrong_checksum=False)
    assert verified(platform.query().json())


def test_an_amount_differing_from_the_request(platform):
    platform.faults(amount_delta=-1_000)
    with Receiver(["04"]) as partner:
        platform.pay(platform.init(notify_url=partner.url))
        notify.run_once()
    (body,) = partner.bodies
    assert body["amount"] == 149_000
    assert verified(body)  # correctly signed: only the amount is wrong
    assert platform.query().json()["amount"] == 149_000
    assert Notification.objects.get().state == "pending"  # 04 is no acknowledgment
    assert platform.stats()["amount_differs"] == 1


def test_decline_makes_the_payment_fail(platform):
    platform.faults(decline=True)
    response = platform.pay(platform.init())
    assert "status=failed" in response["Location"]
    assert platform.query().json()["status"] == "failed"


def test_down_answers_503_everywhere_but_the_control_endpoints(platform):
    started = platform.init()
    platform.faults(down=True)
    for response in (platform.init(), platform.query(), platform.report()):
        assert (response.status_code, response.json()["code"]) == (503, "99")
    page = platform.client.get(platform.page_path(started))
    assert page.status_code == 503
    assert "bảo trì" in page.content.decode()
    assert platform.pay(started).status_code == 503
    assert platform.post("_deliver", {}).status_code == 503
    assert platform.stats()["errors_injected_by_kind"] == {"503": 5}
    platform.faults(down=False)
    assert platform.query().json()["status"] == "pending"


def test_while_down_no_notification_leaves(platform, clock):
    with Receiver() as partner:
        platform.pay(platform.init(notify_url=partner.url))
        platform.faults(down=True)
        assert notify.run_once() == {"expired": 0, "attempts": 0}
        platform.faults(down=False)
        clock.advance(minutes=5)
        notify.run_once()
    assert partner.statuses == ["paid"]


# --- control ------------------------------------------------------------------------------------


def test_fault_settings_are_checked(platform):
    response = platform.post(
        "_faults", {"down": "yes", "ipn_delay_seconds": -1, "amount_delta": 1.5, "nope": 1}
    )
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"down", "ipn_delay_seconds", "amount_delta", "nope"}
    assert platform.get("_faults").json()["faults"] == {
        "down": False,
        "ipn_lost": False,
        "ipn_delay_seconds": 0,
        "ipn_duplicate": False,
        "ipn_reorder": False,
        "wrong_checksum": False,
        "amount_delta": 0,
        "decline": False,
    }
    assert platform.post("_faults", b"[]").status_code == 400


def _control_calls(platform):
    return (
        platform.get("_stats"),
        platform.get("_faults"),
        platform.post("_faults", {"down": True}),
        platform.post("_reset", {}),
        platform.post("_deliver", {}),
        platform.get("_notifications"),
    )


def test_the_control_endpoints_need_an_administrators_api_token(platform):
    platform.init()
    for token in (None, "not-a-token"):
        for response in _control_calls(Platform(admin_token=token)):
            assert (response.status_code, response.json()["code"]) == (401, "401")
            assert response["WWW-Authenticate"] == "Token"
    leader = UserFactory(username="lanhdao-thanh-toan", role=Role.LEADER)
    for response in _control_calls(Platform(admin_token=api_token(leader))):
        assert (response.status_code, response.json()["code"]) == (403, "403")
    assert platform.query().json()["code"] == "00"  # not down, not reset
    assert platform.stats()["transactions"]["pending"] == 1


def test_the_control_endpoints_can_be_disabled(platform, settings):
    settings.MOCK_PAYMENT_ADMIN_ENABLED = False
    for response in _control_calls(platform):
        assert response.status_code == 404


def test_deliver_and_notifications_drive_and_show_the_queue(platform, clock):
    platform.faults(ipn_delay_seconds=3600)
    with Receiver() as partner:
        platform.pay(platform.init(notify_url=partner.url))
        assert platform.post("_deliver", {}).json()["attempts"] == 0
        assert platform.post("_deliver", {"force": "x"}).status_code == 400
        assert platform.post("_deliver", {"force": True}).json()["attempts"] == 1
    (shown,) = platform.get("_notifications?transaction_ref=TT-0001").json()["notifications"]
    assert (shown["state"], shown["status"], shown["reason"]) == ("acknowledged", "paid", "outcome")
    assert shown["attempts"][0]["code"] == "00"
    assert platform.get("_notifications?transaction_ref=other").json()["notifications"] == []


def test_reset_clears_everything(platform):
    platform.pay(platform.init())
    platform.faults(down=True, amount_delta=5)
    assert platform.post("_reset", {}).json()["code"] == "00"
    stats = platform.stats()
    assert stats["transactions"] == dict.fromkeys(stats["transactions"], 0)
    assert stats["requests"] == {}
    assert platform.get("_faults").json()["faults"]["down"] is False
    assert platform.init().json()["code"] == "00"  # the reference is free again


def test_stats_count_requests_outcomes_and_notifications(platform):
    platform.pay(platform.init())
    platform.init(ref="TT-0002")
    platform.query(ref="nope")
    stats = platform.stats()
    assert stats["requests"] == {"pay": 1, "payments/init": 2, "payments/query": 1}
    assert stats["requests_total"] == 4
    assert stats["refused"] == {"payments/query:01": 1}
    assert stats["transactions"]["paid"] == stats["transactions"]["pending"] == 1
    assert stats["notifications"]["pending"] == 1
