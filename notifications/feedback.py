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

from outbox import delivery as outbox

from . import context, events, rendering, services
from .models import EXTERNAL, Channel, Notification, NotificationStatus

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
    if preference is not None and preference.only_required and not notice.required:
        return []
    language = preference.language if preference is not None else "vi"
    templates = services._templates(notice.kind, language)
    now = event.at if event is not None else timezone.now()
    made = []
    for channel, address in addresses.items():
        template = templates.get(channel)
        if template is None or (preference is not None and not preference.wants(channel)):
            continue
        values = context.build_feedback(feedback, event, notice, template.language, **extra)
        notification = Notification(
            kind=notice.kind,
            channel=channel,
            audience=notice.audience,
            language=template.language,
            required=notice.required,
            recipient=recipient,
            template=template,
            address=address,
            subject=rendering.render(template.subject, values)[:300],
            body=rendering.render(template.body, values),
            created_at=now,
        )
        if channel == Channel.INBOX:
            notification.status = NotificationStatus.DELIVERED
            notification.sent_at = notification.delivered_at = now
        elif channel == Channel.SMS:
            notification.not_before = services.quiet_until(now)
        notification.save()
        made.append(notification)
        if channel in EXTERNAL:
            owner = f"user:{recipient.pk}" if recipient is not None else f"feedback:{feedback.pk}"
            outbox.enqueue(
                topic=services.TOPICS[channel],
                key=f"{services.TOPICS[channel]}:{owner}",
                reference={"notification": notification.pk},
                idempotency_key=f"notify:{notification.pk}",
                not_before=notification.not_before,
            )
    return made
