"""The reminder of a service-centre appointment the day before (docs/service-centre.md), raised
by servicecentre's `appointment_reminder` signal after the appointment is marked reminded (once).

The citizen is told through the channels of their account — the inbox, e-mail when the account
has an address, SMS and Zalo when it has a valid phone number — as their preferences say (the
reminder is not legally required: an opt-out of all but required notices stops it), SMS kept out
of the quiet hours; the external channels go through the outbox like every notice (key
`notify.<channel>:user:<id>`)."""

from __future__ import annotations

from django.utils import timezone

from . import context, events, phones, services
from .models import Channel, Notification

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
    return services.write_notices(
        notice,
        lambda language: context.build_appointment(appointment, notice, language),
        recipient=citizen,
        addresses=_addresses(citizen),
        preference=services.preference_of(citizen),
        now=timezone.now(),
        owner=f"user:{citizen.pk}",
    )
