"""Each dossier event produces exactly the right notifications on each channel
(notifications/events.py), the SMS quiet hours, the opt-out of notices the law does not require,
and bad input refused (an unknown template variable, a bad phone number)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from dossiers import services
from notifications import events, phones, rendering
from notifications.models import Notification, NotificationTemplate, Preference
from outbox.models import OutboxMessage
from tests.support.cast import applicant_data

pytestmark = pytest.mark.django_db

ALL_APPLICANT = {"inbox", "email", "sms"}  # Zalo is off by default


def sent(dossier, kind):
    return {n.channel for n in Notification.objects.filter(dossier=dossier, kind=kind)}


def test_default_templates_cover_every_notice_in_both_languages():
    for notice in events.NOTICES:
        channels = {"inbox", "email"} | (
            {"sms", "zalo"} if notice.audience == events.APPLICANT else set()
        )
        for language in ("vi", "en"):
            found = set(
                NotificationTemplate.objects.filter(
                    kind=notice.kind, language=language
                ).values_list("channel", flat=True)
            )
            assert found == channels, (notice.kind, language)
            for t in NotificationTemplate.objects.filter(kind=notice.kind, language=language):
                t.full_clean()  # every default names only declared variables


def test_the_whole_lifecycle_tells_the_applicant_of_each_step(cast, dossier_factory):
    d = dossier_factory(status="returned")
    for kind in ("submitted", "received", "result_ready", "returned"):
        assert sent(d, kind) == ALL_APPLICANT, kind
    # Exactly one notification per event and channel.
    assert Notification.objects.filter(dossier=d, audience="applicant").count() == 4 * 3
    received = Notification.objects.get(dossier=d, kind="received", channel="email")
    assert d.code in received.body and "Ngày hẹn trả kết quả" in received.body
    assert received.address == "an@example.vn"
    sms = Notification.objects.get(dossier=d, kind="received", channel="sms")
    assert sms.address == "+84912345678"
    # Every external notice waits in the outbox under its own topic and (topic, dossier) key.
    topics = set(
        OutboxMessage.objects.filter(topic__startswith="notify.").values_list("topic", "key")
    )
    assert ("notify.sms", f"notify.sms:dossier:{d.pk}") in topics
    assert ("notify.email", f"notify.email:dossier:{d.pk}") in topics
    # The official assigned is told in the inbox (and by e-mail when they have an address).
    assigned = Notification.objects.filter(dossier=d, kind="assigned")
    assert {n.recipient_id for n in assigned} == {cast.specialist.pk}
    assert "inbox" in {n.channel for n in assigned}


@pytest.mark.parametrize(
    "status, kind, text",
    [
        ("supplement_requested", "supplement_requested", "Giấy chứng sinh"),
        ("not_received", "receipt_refused", "Sai thẩm quyền"),
        ("stopped", "stopped", "Dừng theo yêu cầu"),
    ],
)
def test_each_legal_notice_carries_its_content(dossier_factory, status, kind, text):
    d = dossier_factory(status=status)
    assert sent(d, kind) == ALL_APPLICANT
    assert text in Notification.objects.get(dossier=d, kind=kind, channel="inbox").body


def test_refusal_with_reasons(cast, dossier_factory):
    d = dossier_factory(status="processing")
    services.refuse(dossier=d.code, actor=cast.leader, reason="Không đủ điều kiện cấp phép")
    n = Notification.objects.get(dossier=d, kind="refused", channel="email")
    assert "Không đủ điều kiện cấp phép" in n.body and n.required


def test_hand_over_tells_the_new_handler(cast, dossier_factory):
    d = dossier_factory(status="processing")
    services.hand_over(dossier=d.code, actor=cast.specialist, assignee=cast.leader.pk)
    n = Notification.objects.get(dossier=d, kind="handed_over", channel="inbox")
    assert n.recipient == cast.leader and n.audience == "official"


def test_opting_out_keeps_only_the_required_notices(cast, dossier_factory):
    Preference.objects.create(user=cast.citizen, only_required=True, sms=False)
    d = dossier_factory(status="received")
    assert sent(d, "submitted") == set()  # not required: not sent
    assert sent(d, "received") == {"inbox", "email"}  # required; SMS not chosen


def test_english_templates_for_who_asks_for_them(cast, dossier_factory):
    Preference.objects.create(user=cast.citizen, language="en")
    d = dossier_factory(status="received")
    n = Notification.objects.get(dossier=d, kind="received", channel="email")
    assert n.language == "en" and "Result due" in n.body


def test_an_applicant_without_an_account_gets_email_and_sms_not_inbox(cast):
    d = services.counter_intake(
        actor=cast.clerk,
        procedure_code="1.001193",
        applicant=applicant_data(cast, phone="84987654321", personal_id="001199000321"),
        summary="Đăng ký khai sinh",
        components=[{"order": 1}],
    )
    assert sent(d, "received") == {"email", "sms"}
    assert Notification.objects.get(dossier=d, channel="sms").address == "+84987654321"


def test_a_bad_phone_number_gets_no_sms(cast):
    d = services.counter_intake(
        actor=cast.clerk,
        procedure_code="1.001193",
        applicant=applicant_data(cast, phone="0000000000", personal_id="001199000321"),
        summary="Đăng ký khai sinh",
        components=[{"order": 1}],
    )
    assert sent(d, "received") == {"email"}


@pytest.mark.parametrize(
    "raw, e164",
    [
        ("0912345678", "+84912345678"),
        ("84912345678", "+84912345678"),
        ("+84 91 234 5678", "+84912345678"),
        ("0243 8253 530", "+842438253530"),
    ],
)
def test_phone_numbers_are_normalised(raw, e164):
    assert phones.normalise(raw) == e164


@pytest.mark.parametrize("raw", ["", "12345", "abc", "0000000000", "+1 202 555 01"])
def test_bad_phone_numbers_are_refused(raw):
    with pytest.raises(ValidationError):
        phones.normalise(raw)


@pytest.mark.clock(2026, 3, 2, 22, 30)
def test_no_sms_in_the_quiet_hours(clock, dossier_factory):
    """21:00-07:00 local (Asia/Ho_Chi_Minh): an SMS is held until 07:00; the inbox and e-mail
    are not."""
    d = dossier_factory(status="new")
    sms = Notification.objects.get(dossier=d, kind="submitted", channel="sms")
    morning = timezone.localtime(sms.not_before)
    assert (morning.day, morning.hour, morning.minute) == (3, 7, 0)
    message = OutboxMessage.objects.get(idempotency_key=f"notify:{sms.pk}")
    assert message.next_attempt_at == sms.not_before
    email = Notification.objects.get(dossier=d, kind="submitted", channel="email")
    assert email.not_before is None


@pytest.mark.clock(2026, 3, 2, 6, 59)
def test_quiet_hours_end_at_seven(clock):
    from notifications.services import quiet_until

    assert timezone.localtime(quiet_until(timezone.now())).hour == 7
    assert quiet_until(timezone.now() + timedelta(minutes=1)) is None


def test_a_template_naming_an_unknown_variable_is_refused():
    t = NotificationTemplate(kind="received", channel="email", body="Hồ sơ {{ ma_bi_mat }}")
    with pytest.raises(ValidationError) as info:
        t.full_clean()
    assert "ma_bi_mat" in str(info.value) and "không được khai báo" in str(info.value)
    t = NotificationTemplate(kind="received", channel="email", body="{% load x %}")
    with pytest.raises(ValidationError):
        t.full_clean()


def test_sms_segments_gsm7_and_ucs2():
    assert rendering.sms_length("a" * 160).segments == 1
    assert rendering.sms_length("a" * 161).segments == 2  # 153 per part
    assert rendering.sms_length("a" * 306).segments == 2
    assert rendering.sms_length("{" * 80).units == 160  # the extension costs two
    vi = "Hồ sơ đã được tiếp nhận"
    assert rendering.sms_length(vi).encoding == "UCS-2"
    assert rendering.sms_length("ạ" * 70).segments == 1
    assert rendering.sms_length("ạ" * 71).segments == 2  # 67 per part
    assert rendering.sms_length("ạ" * 135).segments == 3


def test_an_official_with_an_address_is_told_by_email_too(cast, dossier_factory):
    cast.specialist.email = "specialist@example.vn"
    cast.specialist.save(update_fields=["email"])
    d = dossier_factory(status="processing")
    n = Notification.objects.get(dossier=d, kind="assigned", channel="email")
    assert n.address == "specialist@example.vn" and n.recipient == cast.specialist
    assert "phân công" in n.subject and d.code in n.body
    # Nothing of the applicant's channels for an official's notice.
    assert not Notification.objects.filter(dossier=d, kind="assigned", channel="sms").exists()


def test_the_table_covers_the_issue_s_events_and_nothing_else():
    """Issue 14 §1's events, with the fee requested and the payment received (online, at the
    counter, or confirmed by an official); writes that keep the status (attach, digitise) and
    the applicant's own supplement tell nobody."""
    assert {a: [n.kind for n in ns] for a, ns in events.BY_ACTION.items()} == {
        "submit": ["submitted"],
        "receive": ["received"],
        "intake": ["received"],
        "request_supplement": ["supplement_requested"],
        "refuse_receipt": ["receipt_refused"],
        "reschedule": ["rescheduled"],
        "approve": ["result_ready"],
        "return_result": ["returned"],
        "refuse": ["refused"],
        "stop": ["stopped"],
        "request_payment": ["fee_requested"],
        "pay_online": ["payment_received"],
        "collect_fee": ["payment_received"],
        "confirm_payment": ["payment_received"],
        "assign": ["assigned"],
        "hand_over": ["handed_over"],
        # Issue 14 §2, the watchdog (docs/watchdog.md).
        "status_notice": ["status_notice"],
        "escalate": ["escalated"],
        # Issue 14 §4, feedback (docs/feedback.md): raised by the feedback app's signals.
        "feedback:submit": ["feedback_received"],
        "feedback:answer": ["feedback_answered"],
        "feedback:reject": ["feedback_rejected"],
        "feedback:escalate": ["feedback_escalated"],
        # Issue 15 §1, the service centre's appointments (docs/service-centre.md).
        "appointment:remind": ["appointment_reminder"],
        "remind_payment": ["payment_reminder"],
    }


@pytest.mark.clock()  # Monday 2 March 2026, 09:00
def test_the_apology_carries_the_old_and_the_new_date(cast, dossier_factory, clock):
    from tests.support.clock import at

    d = dossier_factory(status="processing")
    promised = d.due_at
    clock.set(2026, 3, 2, 14, 0)
    services.reschedule(
        dossier=d.code,
        actor=cast.leader,
        reason="Cần xác minh thêm nơi cư trú",
        new_due_at=at(2026, 3, 20, 10, 0),
    )
    n = Notification.objects.get(dossier=d, kind="rescheduled", channel="email")
    assert "Cần xác minh thêm nơi cư trú" in n.body
    assert timezone.localtime(promised).strftime("%d/%m/%Y") in n.body
    assert "20/03/2026" in n.body and n.required
    assert sent(d, "rescheduled") == ALL_APPLICANT
