"""The reminder of a service-centre appointment the day before (docs/service-centre.md), raised
by servicecentre's `appointment_reminder` signal after the appointment is marked reminded (once).

The citizen is told through the channels of their account — the inbox, e-mail when the account
has an address, SMS and Zalo when it has a valid phone number — as their preferences say (the
reminder is not legally required: an opt-out of all but required notices stops it), SMS kept out
of the quiet hours; the external channels go through the outbox like every notice (key
`notify.<channel>:user:<id>`)."""

from __future__ import annotations

from django.utils import timezone

from outbox import delivery as outbox

from . import context, events, phones, rendering, services
from .models import EXTERNAL, Channel, Notification, NotificationStatus

KIND = "appointment_reminder"


def _addresses(citizen) -> dict[str, str]:
    addresses = {Channel.INBOX: ""}
    email = (citizen.email or "").strip()
    if email:
        addresses[Channel.EMAIL] = email
    phone = phones.normalised_or_none(citizen.phone or "")
    if phone:
        addresses[Channel.SMS] = phone
        addresses[Channel.ZALO] = phone
    return addresses


def on_appointment_reminder(sender, appointment, **kwargs) -> list[Notification]:
    notice = events.BY_KIND[KIND]
    citizen = appointment.citizen
    if citizen is None or not citizen.is_active:
        return []
    preference = services.preference_of(citizen)
    if preference.only_required and not notice.required:
        return []
    templates = services._templates(notice.kind, preference.language)
    now = timezone.now()
    made = []
    for channel, address in _addresses(citizen).items():
        template = templates.get(channel)
        if template is None or not preference.wants(channel):
            continue
        values = context.build_appointment(appointment, notice, template.language)
        notification = Notification(
            kind=notice.kind,
            channel=channel,
            audience=notice.audience,
            language=template.language,
            required=notice.required,
            recipient=citizen,
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
            topic = services.TOPICS[channel]
            outbox.enqueue(
                topic=topic,
                key=f"{topic}:user:{citizen.pk}",
                reference={"notification": notification.pk},
                idempotency_key=f"notify:{notification.pk}",
                not_before=notification.not_before,
            )
    return made
