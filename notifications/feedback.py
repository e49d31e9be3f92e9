"""Notices of feedback (phản ánh, kiến nghị — docs/feedback.md), in the transaction of the change:

- to the sender, when their feedback is received, answered (also when answered with the
  feedback it was grouped under) or rejected: the inbox when they have an account (with their
  channel preferences), e-mail to the account's or the contact's address, SMS to the contact's
  phone (+84…); an anonymous sender has only their contact;
- to the official a rung of the feedback watchdog names: the inbox and e-mail.

The rows are `Notification`s without a dossier; external channels go through the outbox like
the dossiers' notices (key `notify.<channel>:user:<id>` or `…:feedback:<id>`).
"""

from __future__ import annotations

from django.utils import timezone

from . import context, events, services
from .models import Channel

KINDS = {
    "submit": "feedback_received",
    "answer": "feedback_answered",
    "reject": "feedback_rejected",
}


def _sender_addresses(feedback) -> dict[str, str]:
    addresses: dict[str, str] = {}
    account = feedback.sender
    email = (feedback.contact_email or (account.email if account else "") or "").strip()
    if email:
        addresses[Channel.EMAIL] = email
    if feedback.contact_phone:
        addresses[Channel.SMS] = feedback.contact_phone
    if account is not None:
        addresses[Channel.INBOX] = ""
    return addresses


def on_feedback_changed(sender, feedback, event, before=None, **kwargs) -> None:
    kind = KINDS.get(event.action)
    if kind is None:
        return
    account = feedback.sender if feedback.sender_id else None
    _notify(
        events.BY_KIND[kind],
        feedback,
        event,
        recipient=account,
        addresses=_sender_addresses(feedback),
        preference=services.preference_of(account),
    )


def on_feedback_escalated(sender, feedback, escalation, **kwargs) -> None:
    official = escalation.official
    if official is None or not official.is_active:
        return
    _notify(
        events.BY_KIND["feedback_escalated"],
        feedback,
        None,
        recipient=official,
        addresses=services._addresses_of_official(official),
        preference=None,
        official=official,
        percent=escalation.percent,
    )


def _notify(notice, feedback, event, *, recipient, addresses, preference, **extra) -> list:
    return services.write_notices(
        notice,
        lambda language: context.build_feedback(feedback, event, notice, language, **extra),
        recipient=recipient,
        addresses=addresses,
        preference=preference,
        now=event.at if event is not None else timezone.now(),
        owner=f"user:{recipient.pk}" if recipient is not None else f"feedback:{feedback.pk}",
    )
