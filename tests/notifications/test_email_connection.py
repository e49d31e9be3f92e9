"""The e-mail gateway keeps one connection per worker thread across messages (docs/performance.md
§11: opening an SMTP session per message was a third of an e-mail's hand-over), and opens a new
one when the server dropped it."""

import smtplib

import pytest
from django.core import mail

from notifications import gateways


@pytest.fixture(autouse=True)
def _fresh():
    gateways.drop_email_connection()
    yield
    gateways.drop_email_connection()


def test_messages_share_one_kept_connection(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    first = gateways.email_connection()
    gateways.send_email("a@example.vn", "Một", "Nội dung", reference="n-1")
    gateways.send_email("b@example.vn", "Hai", "Nội dung", reference="n-2")
    assert gateways.email_connection() is first
    assert [m.to for m in mail.outbox] == [["a@example.vn"], ["b@example.vn"]]


def test_a_dropped_connection_is_reopened_once(settings, monkeypatch):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    broken = gateways.email_connection()
    monkeypatch.setattr(
        broken,
        "send_messages",
        lambda messages: (_ for _ in ()).throw(smtplib.SMTPServerDisconnected("idle")),
    )
    gateways.send_email("a@example.vn", "Một", "Nội dung", reference="n-1")
    assert gateways.email_connection() is not broken
    assert len(mail.outbox) == 1


def test_a_server_down_is_still_a_transient_error(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 1
    with pytest.raises(gateways.TransientError):
        gateways.send_email("a@example.vn", "Một", "Nội dung", reference="n-1")
