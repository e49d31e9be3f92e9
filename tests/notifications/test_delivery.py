"""Delivery through the outbox: e-mail read back from a real local SMTP server (aiosmtpd), SMS
and Zalo through the mock gateways with their signed delivery receipts, retries and dead letters,
and the guarantee that a gateway down never holds back the portal sync of the same dossier."""

from __future__ import annotations

import json
import socket
from datetime import timedelta
from email import message_from_bytes
from email.policy import default as default_policy

import pytest
from aiosmtpd.controller import Controller
from django.utils import timezone

from dossiers import services
from integrations.mockmessaging.models import FaultConfig, Message
from integrations.mockportal.models import Record
from integrations.portal.client import reset_client
from notifications import signing
from notifications.models import Notification, NotificationStatus, Preference
from outbox import delivery
from outbox.models import OutboxMessage, OutboxStatus
from tests.support.cast import applicant_data

pytestmark = [pytest.mark.django_db, pytest.mark.outbox]


class Inbox:
    """An aiosmtpd handler keeping every message it receives."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(
            (envelope.rcpt_tos, message_from_bytes(envelope.content, policy=default_policy))
        )
        return "250 OK"


@pytest.fixture
def smtp(settings):
    handler = Inbox()
    with socket.socket() as probe:  # a free port
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = False
    yield handler
    controller.stop()


@pytest.fixture(autouse=True)
def fresh(monkeypatch):
    reset_client()
    monkeypatch.setattr("integrations.mockportal.views._sleep", lambda seconds: None)
    monkeypatch.setattr("integrations.mockmessaging.views._sleep", lambda seconds: None)
    yield
    reset_client()


@pytest.fixture
def act(django_capture_on_commit_callbacks):
    def run(name, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return getattr(services, name)(**kwargs)

    return run


def faults(gateway, **values):
    config = FaultConfig.current(gateway)
    for name, value in values.items():
        setattr(config, name, value)
    config.save()


def submit(cast, act, **applicant):
    return act(
        "submit_online",
        actor=cast.citizen,
        procedure_code="1.001193",
        applicant=applicant_data(cast, **applicant),
        summary="Đăng ký khai sinh",
        components=[{"order": 1}],
    )


def drain(rounds=20):
    for _ in range(rounds):
        pending = OutboxMessage.objects.filter(status=OutboxStatus.PENDING)
        if not pending.exists():
            return
        pending.update(
            next_attempt_at=timezone.now(), created_at=timezone.now() - timedelta(minutes=5)
        )
        delivery.sweep()


@pytest.mark.clock(2026, 3, 2, 9, 0)
def test_email_arrives_at_the_smtp_server_with_its_message_id(cast, act, smtp, clock):
    d = submit(cast, act)
    act("receive", dossier=d.code, actor=cast.clerk)
    received = [m for to, m in smtp.messages if "tiếp nhận" in m["Subject"]]
    assert len(received) == 1
    message = received[0]
    assert message["To"] == "an@example.vn"
    assert d.code in message["Subject"]
    assert "Ngày hẹn trả kết quả" in message.get_content()
    n = Notification.objects.get(dossier=d, kind="received", channel="email")
    assert n.status == NotificationStatus.SENT
    assert n.gateway_id == str(message["Message-ID"]).strip()
    assert [r.status for r in n.receipts.all()] == ["sent"]
    # Exactly one e-mail per event: submission and receipt.
    assert len(smtp.messages) == 2


@pytest.mark.clock(2026, 3, 2, 9, 0)
def test_sms_and_zalo_go_through_the_gateways_and_the_receipts_are_recorded(cast, act, clock):
    Preference.objects.create(user=cast.citizen, zalo=True)
    d = submit(cast, act)
    sms = Notification.objects.get(dossier=d, kind="submitted", channel="sms")
    zns = Notification.objects.get(dossier=d, kind="submitted", channel="zalo")
    for n in (sms, zns):
        n.refresh_from_db()
        assert n.status == NotificationStatus.DELIVERED, n.error
        assert n.gateway_id.startswith(n.channel)
        assert sorted(r.status for r in n.receipts.all()) == ["delivered", "sent"]
    sent = Message.objects.get(gateway="sms")
    assert sent.to == "+84912345678" and d.code in sent.text and sent.callback_status == 200
    assert Message.objects.get(gateway="zalo").to == "84912345678"


@pytest.mark.clock(2026, 3, 2, 9, 0)
def test_in_process_deliveries_reuse_their_clients(cast, act, clock, monkeypatch):
    """The embedded default: the SMS goes to the mock gateway in-process, and the gateway's
    signed receipt comes back in-process. Each client (onecua → gateway, gateway → onecua)
    builds Django's middleware chain once per thread, not once per message (issue 16 §2: the
    receipt's fresh client cost 42 ms of a 54 ms SMS, most of it WhiteNoise stat-ing every
    static file)."""
    from django.core.handlers.base import BaseHandler

    built = []
    real = BaseHandler.load_middleware

    def counting(self, *args, **kwargs):
        built.append(self)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(BaseHandler, "load_middleware", counting)
    submit(cast, act)  # warms the thread's clients up
    built.clear()
    second = submit(cast, act)
    sms = Notification.objects.get(dossier=second, kind="submitted", channel="sms")
    assert sms.status == NotificationStatus.DELIVERED, sms.error
    assert sorted(r.status for r in sms.receipts.all()) == ["delivered", "sent"]
    assert Message.objects.filter(gateway="sms", callback_status=200).count() == 2
    assert built == []


@pytest.mark.clock(2026, 3, 2, 9, 0)
def test_a_failed_delivery_is_recorded(cast, act, clock):
    faults("sms", fail_delivery=True)
    d = submit(cast, act)
    n = Notification.objects.get(dossier=d, channel="sms")
    assert n.status == NotificationStatus.FAILED
    assert "không liên lạc được" in n.error
    assert n.receipts.filter(status="failed", gateway_id=n.gateway_id).exists()


@pytest.mark.clock(2026, 3, 2, 9, 0)
def test_sms_gateway_down_does_not_delay_the_portal_sync_of_the_same_dossier(cast, act, clock):
    faults("sms", down=True)
    d = submit(cast, act)
    act("receive", dossier=d.code, actor=cast.clerk)
    # The portal has every event of the dossier at once.
    record = Record.objects.get(ma_ho_so=d.code)
    assert record.trang_thai == 2
    assert not OutboxMessage.objects.filter(topic="dvcqg.dossier").exclude(status="sent").exists()
    # The e-mail and inbox went too; the SMS waits (retry with backoff), in order.
    sms = OutboxMessage.objects.filter(topic="notify.sms").order_by("id")
    assert [m.status for m in sms] == ["pending", "pending"]
    assert sms[0].attempts == 1 and "503" in sms[0].last_error
    assert sms[1].attempts == 0  # held behind the first: its key is (topic, dossier)
    assert OutboxMessage.objects.filter(topic="notify.email", status="sent").count() == 2
    # The gateway comes back: both SMS are sent, in order.
    faults("sms", down=False)
    drain()
    texts = list(Message.objects.filter(gateway="sms").values_list("text", flat=True))
    assert len(texts) == 2 and "Đã nhận" in texts[0] and "tiếp nhận" in texts[1]


@pytest.mark.clock(2026, 3, 2, 9, 0)
def test_a_gateway_down_for_good_ends_in_a_visible_dead_letter(cast, act, clock, settings):
    settings.OUTBOX_MAX_ATTEMPTS = 3
    faults("zalo", down=True)
    Preference.objects.create(user=cast.citizen, zalo=True)
    submit(cast, act)
    drain()
    dead = delivery.dead_letters_summary()
    assert dead["count"] == 1 and dead["latest"][0]["topic"] == "notify.zalo"


@pytest.mark.clock(2026, 3, 2, 9, 0)
def test_a_number_refused_for_good_fails_without_blocking_the_next(cast, act, clock, monkeypatch):
    from notifications import gateways
    from outbox.delivery import PermanentError

    real = gateways.send_sms
    calls = []

    def refuse_first(*args, **kwargs):
        calls.append(args)
        if len(calls) == 1:
            raise PermanentError("sms gateway refused: 400 invalid subscriber")
        return real(*args, **kwargs)

    monkeypatch.setattr(gateways, "send_sms", refuse_first)
    d = submit(cast, act)
    act("receive", dossier=d.code, actor=cast.clerk)
    first, second = Notification.objects.filter(dossier=d, channel="sms").order_by("id")
    assert first.status == "failed" and "invalid subscriber" in first.error
    assert first.receipts.get().status == "failed"
    assert second.status == "delivered"
    assert not OutboxMessage.objects.filter(topic="notify.sms", status="dead").exists()


@pytest.mark.clock(2026, 3, 2, 22, 0)
def test_an_sms_in_the_quiet_hours_waits_for_the_morning(cast, act, clock):
    d = submit(cast, act)
    assert not Message.objects.filter(gateway="sms").exists()
    message = OutboxMessage.objects.get(topic="notify.sms")
    assert message.status == "pending" and message.attempts == 0
    assert timezone.localtime(message.next_attempt_at).hour == 7
    # E-mail is not held.
    assert Notification.objects.get(dossier=d, channel="email").status == "sent"
    clock.advance(hours=9, minutes=1)  # 07:01
    drain()
    assert Message.objects.filter(gateway="sms").count() == 1


@pytest.mark.clock(2026, 3, 2, 20, 59)
def test_a_retry_landing_in_the_quiet_hours_is_deferred_without_an_attempt(cast, act, clock):
    faults("sms", down=True)
    submit(cast, act)
    faults("sms", down=False)
    clock.advance(minutes=5)  # 21:04
    message = OutboxMessage.objects.get(topic="notify.sms")
    message.next_attempt_at = timezone.now()
    message.save()
    delivery.deliver_key(message.key)
    message.refresh_from_db()
    assert message.attempts == 1  # only the failed one
    assert timezone.localtime(message.next_attempt_at).hour == 7
    assert not Message.objects.filter(gateway="sms").exists()


@pytest.mark.clock(2026, 3, 2, 9, 0)
def test_the_rate_limit_drops_optional_sms_never_required_ones(cast, act, clock, settings):
    settings.NOTIFY_RATE_LIMIT_COUNT = 1
    d = submit(cast, act)  # "submitted" (optional): sent, fills the limit
    act("receive", dossier=d.code, actor=cast.clerk)  # "received" (required): not held
    assert Message.objects.filter(gateway="sms").count() == 2
    d2 = submit(cast, act)  # optional again: not sent by SMS (still in the inbox)
    act("receive", dossier=d2.code, actor=cast.clerk)  # required: not held behind it
    assert Message.objects.filter(gateway="sms").count() == 3
    skipped = Notification.objects.get(dossier=d2, kind="submitted", channel="sms")
    assert skipped.status == "failed" and "rate limit" in skipped.error
    assert Notification.objects.get(dossier=d2, kind="submitted", channel="inbox")
    assert Notification.objects.get(dossier=d2, kind="received", channel="sms").status in (
        "sent",
        "delivered",
    )


def _post_receipt(client, gateway, body: dict, secret=None, timestamp=None):
    raw = json.dumps(body).encode()
    header = signing.sign(secret or signing.secret_of(gateway), raw, timestamp)
    return client.post(
        f"/notifications/receipts/{gateway}/",
        raw,
        content_type="application/json",
        HTTP_X_SIGNATURE=header,
    )


@pytest.mark.clock(2026, 3, 2, 9, 0)
def test_receipts_must_be_signed(cast, act, clock, client):
    faults("sms", receipts=False)
    d = submit(cast, act)
    n = Notification.objects.get(dossier=d, channel="sms")
    assert n.status == "sent"
    body = {"id": n.gateway_id, "reference": str(n.pk), "status": "delivered"}
    assert _post_receipt(client, "sms", body, secret="wrong").status_code == 403
    old = int(timezone.now().timestamp()) - 3600
    assert _post_receipt(client, "sms", body, timestamp=old).status_code == 403
    unsigned = client.post(
        "/notifications/receipts/sms/", json.dumps(body), content_type="application/json"
    )
    assert unsigned.status_code == 403
    assert _post_receipt(client, "zalo", body).status_code == 404  # not a Zalo notification
    assert _post_receipt(client, "sms", {**body, "status": "lost"}).status_code == 400
    n.refresh_from_db()
    assert n.status == "sent"
    assert _post_receipt(client, "sms", body).status_code == 200
    n.refresh_from_db()
    assert n.status == "delivered" and n.delivered_at is not None
    # A late "sent" never undoes "delivered".
    from notifications.services import record_receipt

    record_receipt(n, "sent")
    n.refresh_from_db()
    assert n.status == "delivered"
