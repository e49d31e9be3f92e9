"""The notices' hand-over in batches (docs/performance.md §11): the current templates kept per
process and dropped when a version is saved; several dossiers' notices sent in one outbox
transaction with a fixed number of queries, the rate limit counted within the batch, sends in
flight at once when the gateway allows it — each answer recorded on its own notification."""

from __future__ import annotations

import threading
import time

import pytest
from django.core import mail
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from dossiers import services
from notifications import cache, gateways
from notifications.models import DeliveryReceipt, Notification, NotificationTemplate
from outbox import delivery
from outbox.models import OutboxMessage, OutboxStatus
from tests.support.cast import applicant_data

pytestmark = pytest.mark.django_db


def submit(cast, **applicant):
    return services.submit_online(
        actor=cast.citizen,
        procedure_code="1.001193",
        applicant=applicant_data(cast, **applicant),
        summary="Đăng ký khai sinh",
        components=[{"order": 1}],
    )


def email_of(dossier) -> Notification:
    return Notification.objects.get(dossier=dossier, kind="submitted", channel="email")


def new_version(body: str, **fields) -> NotificationTemplate:
    current = NotificationTemplate.current("submitted", "email", "vi")
    return NotificationTemplate.objects.create(
        kind="submitted",
        channel="email",
        language="vi",
        version=current.version + 1,
        subject=current.subject,
        body=body,
        **fields,
    )


# --- the template cache -------------------------------------------------------------------------
def test_a_new_version_saved_is_used_at_once(cast):
    first = email_of(submit(cast))  # the cache is loaded
    assert "Phiên bản mới" not in first.body
    saved = new_version("Phiên bản mới cho hồ sơ {{ dossier_code }}")
    d = submit(cast)
    n = email_of(d)
    assert n.body == f"Phiên bản mới cho hồ sơ {d.code}"
    assert n.template_id == saved.pk  # the notification names the version it came from


def test_a_version_switched_off_stops_the_channel_at_once(cast):
    submit(cast)
    new_version("Không dùng {{ dossier_code }}", enabled=False)
    d = submit(cast)
    assert not Notification.objects.filter(dossier=d, kind="submitted", channel="email").exists()
    assert Notification.objects.filter(dossier=d, kind="submitted", channel="sms").exists()


class Later:
    """time.monotonic, `seconds` later."""

    def __init__(self, seconds: float):
        self.seconds = seconds

    def monotonic(self) -> float:
        return time.monotonic() + self.seconds


def test_a_version_saved_by_another_process_is_used_within_the_cache_time(
    cast, settings, monkeypatch
):
    settings.NOTIFY_TEMPLATE_CACHE_SECONDS = 30
    submit(cast)  # the cache is loaded
    current = NotificationTemplate.current("submitted", "email", "vi")
    # Another process saves a version: no signal reaches this one.
    NotificationTemplate.objects.bulk_create(
        [
            NotificationTemplate(
                kind="submitted",
                channel="email",
                language="vi",
                version=current.version + 1,
                subject=current.subject,
                body="Từ tiến trình khác {{ dossier_code }}",
            )
        ]
    )
    assert "Từ tiến trình khác" not in email_of(submit(cast)).body  # still the kept version
    monkeypatch.setattr(cache, "time", Later(31))
    assert "Từ tiến trình khác" in email_of(submit(cast)).body


def test_a_version_saved_then_rolled_back_is_never_kept(cast):
    submit(cast)
    with pytest.raises(RuntimeError), transaction.atomic():
        new_version("Bản nháp bị hủy {{ dossier_code }}")
        d = submit(cast)  # inside that transaction the new version is current
        assert "Bản nháp bị hủy" in email_of(d).body
        raise RuntimeError("the admin's save failed later")
    n = email_of(submit(cast))
    assert "Bản nháp bị hủy" not in n.body
    assert NotificationTemplate.objects.filter(pk=n.template_id).exists()


# --- batches ------------------------------------------------------------------------------------
def test_several_dossiers_notices_go_in_one_batch_with_a_fixed_number_of_queries(cast, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    counts = []
    for size in (2, 6):
        dossiers = [submit(cast, email=f"batch{size}-{i}@example.vn") for i in range(size)]
        with CaptureQueriesContext(connection) as queries:
            assert delivery.deliver_topic("notify.email") == size
        counts.append(len(queries))
        for d in dossiers:
            n = email_of(d)
            assert n.status == "sent" and n.gateway_id.startswith("<")
            receipt = DeliveryReceipt.objects.get(notification=n)
            assert receipt.status == "sent" and receipt.gateway_id == n.gateway_id
    assert counts[0] == counts[1]
    assert len(mail.outbox) == 8
    assert {m.extra_headers["Message-ID"] for m in mail.outbox} == set(
        Notification.objects.filter(channel="email").values_list("gateway_id", flat=True)
    )


@pytest.mark.clock(2026, 3, 2, 9, 0)
def test_the_rate_limit_counts_the_sends_of_the_same_batch(cast, settings, clock):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.NOTIFY_RATE_LIMIT_COUNT = 1
    first, second = submit(cast), submit(cast)  # two optional notices to one address
    services.receive(dossier=second.code, actor=cast.clerk)  # a required one
    delivery.deliver_topic("notify.email")
    assert email_of(first).status == "sent"
    dropped = email_of(second)
    assert dropped.status == "failed" and "rate limit" in dropped.error
    received = Notification.objects.get(dossier=second, kind="received", channel="email")
    assert received.status == "sent"  # a required notice is never limited
    assert not OutboxMessage.objects.filter(topic="notify.email").exclude(status="sent").exists()


@pytest.mark.clock(2026, 3, 2, 9, 0)
def test_sends_in_flight_at_once_each_answer_on_its_own_notice(cast, settings, clock, monkeypatch):
    """Several sends of a batch at once (they belong to different dossiers): a transient
    failure is retried alone, a refusal fails its own notice, the others are sent."""
    settings.NOTIFY_GATEWAY_CONCURRENCY = 4
    threads = set()
    lock = threading.Lock()

    def send_sms(to, text, *, reference, idempotency_key):
        with lock:
            threads.add(threading.current_thread().name)
        time.sleep(0.02)
        if to.endswith("01"):
            raise delivery.TransientError("sms gateway 503")
        if to.endswith("02"):
            raise delivery.PermanentError("sms gateway refused: 400 invalid subscriber")
        return gateways.Accepted(f"gw-{to}")

    monkeypatch.setattr(gateways, "concurrent", lambda channel: True)
    monkeypatch.setattr(gateways, "send_sms", send_sms)
    dossiers = [submit(cast, phone=f"09120000{i:02d}") for i in range(6)]
    assert delivery.deliver_topic("notify.sms") == 5
    assert len(threads) > 1 and all(name.startswith("notify-send") for name in threads)
    for i, d in enumerate(dossiers):
        n = Notification.objects.get(dossier=d, channel="sms")
        message = OutboxMessage.objects.get(reference__notification=n.pk)
        if i == 1:
            assert n.status == "pending" and not n.receipts.exists()
            assert message.status == OutboxStatus.PENDING and message.attempts == 1
            assert "503" in message.last_error
        elif i == 2:
            assert n.status == "failed" and "invalid subscriber" in n.error
            assert message.status == OutboxStatus.SENT  # its key goes on
        else:
            assert n.status == "sent" and n.gateway_id == f"gw-{n.address}"
            assert message.status == OutboxStatus.SENT
