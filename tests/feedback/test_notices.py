"""The sender is told when their feedback is received, answered (also through the feedback it
was grouped under) and rejected; the watchdog's rungs tell the official they name
(notifications/feedback.py, docs/feedback.md "Notices")."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from feedback import services, watch
from feedback.models import Feedback
from notifications.models import Notification
from outbox.models import OutboxMessage

pytestmark = [pytest.mark.django_db, pytest.mark.clock(2026, 3, 2, 9, 0)]


def told(kind, **filters):
    return Notification.objects.filter(kind=kind, **filters)


def test_a_logged_in_sender_is_told_in_the_inbox(cast):
    f = services.submit(
        sender=cast.citizen,
        title="Thái độ tiếp dân",
        content="…",
        subject="agency",
        agency=cast.committee.code,
    )
    inbox = told("feedback_received", recipient=cast.citizen, channel="inbox").get()
    assert f.code in inbox.subject and "Thái độ tiếp dân" in inbox.body
    services.answer(feedback=f.code, actor=cast.specialist, text="Đã chấn chỉnh.")
    answered = told("feedback_answered", recipient=cast.citizen, channel="inbox").get()
    assert "Đã chấn chỉnh." in answered.body


def test_an_anonymous_sender_is_told_by_email_and_sms(cast):
    r = APIClient().post(
        "/api/v1/feedback/",
        {
            "title": "Niêm yết thiếu",
            "content": "…",
            "subject": "agency",
            "agency": cast.committee.code,
            "contact_name": "Trần Thị Bình",
            "contact_phone": "0912345678",
            "contact_email": "binh@example.vn",
        },
        format="json",
    )
    code = r.json()["code"]
    rows = told("feedback_received")
    assert {(n.channel, n.address) for n in rows} == {
        ("email", "binh@example.vn"),
        ("sms", "+84912345678"),
    }
    assert all(n.recipient is None and n.dossier is None for n in rows)
    pk = Feedback.objects.get(code=code).pk
    assert OutboxMessage.objects.filter(
        topic="notify.email", key=f"notify.email:feedback:{pk}"
    ).exists()
    services.reject(feedback=code, actor=cast.specialist, reason="Không thuộc thẩm quyền.")
    email = told("feedback_rejected", channel="email").get()
    assert "Không thuộc thẩm quyền." in email.body and "Trần Thị Bình" in email.body


def test_grouped_senders_are_each_told_of_the_one_answer(cast):
    a = services.submit(
        sender=cast.citizen,
        title="Hẹn trả quá lâu",
        content="…",
        subject="agency",
        agency=cast.committee.code,
    )
    b = services.submit(
        sender=cast.other_citizen,
        title="hen tra qua lau",
        content="…",
        subject="agency",
        agency=cast.committee.code,
    )
    assert Feedback.objects.get(pk=b.pk).primary_id == a.pk
    services.answer(feedback=a.code, actor=cast.specialist, text="Đã rút ngắn thời gian.")
    for user in (cast.citizen, cast.other_citizen):
        n = told("feedback_answered", recipient=user, channel="inbox").get()
        assert "Đã rút ngắn thời gian." in n.body


def test_the_watchdog_tells_the_official_of_each_rung(cast, clock):
    f = services.submit(
        sender=cast.citizen,
        title="Chậm",
        content="…",
        subject="agency",
        agency=cast.committee.code,
    )
    services.assign(feedback=f.code, actor=cast.specialist)
    clock.now = Feedback.objects.get(pk=f.pk).due_at
    watch.run_pass()
    rows = told("feedback_escalated", channel="inbox")
    assert {n.recipient for n in rows} == {cast.specialist, cast.leader}
    assert all(f.code in n.subject for n in rows)
