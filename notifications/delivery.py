"""The outbox handlers of the notices (topics notify.email, notify.sms, notify.zalo): each sends
one notification through its gateway and records the gateway's answer as a receipt. A handler
is idempotent: a notification already past "pending" is not sent again. An SMS whose time falls
in the quiet hours is deferred (no attempt counted); an optional notice to an address over the
rate limit is not sent (failed, "rate limit")."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from outbox import delivery as outbox

from . import gateways, services
from .models import Channel, Notification, NotificationStatus


def _notification(message) -> Notification | None:
    return (
        Notification.objects.filter(pk=message.reference.get("notification"))
        .select_related("template")
        .first()
    )


def _rate_limited_until(notification: Notification):
    """Over NOTIFY_RATE_LIMIT_COUNT sent to this address on this channel within the last
    NOTIFY_RATE_LIMIT_SECONDS: the time the oldest of them leaves the window."""
    limit = settings.NOTIFY_RATE_LIMIT_COUNT
    if not limit or notification.required or not notification.address:
        return None  # a legally required notice is never held back by the limit
    window = timedelta(seconds=settings.NOTIFY_RATE_LIMIT_SECONDS)
    now = timezone.now()
    recent = list(
        Notification.objects.filter(
            address=notification.address,
            channel=notification.channel,
            sent_at__gt=now - window,
        )
        .order_by("-sent_at")
        .values_list("sent_at", flat=True)[:limit]
    )
    if len(recent) < limit:
        return None
    return recent[-1] + window


def _send(message, channel: str, send) -> None:
    notification = _notification(message)
    if notification is None or notification.status != NotificationStatus.PENDING:
        return  # gone, or already sent (at-least-once delivery)
    now = timezone.now()
    if channel == Channel.SMS:
        until = services.quiet_until(now)
        if until:
            raise outbox.Deferred(until, "SMS quiet hours")
    until = _rate_limited_until(notification)
    if until:
        # Over the limit: this optional notice is not sent on this channel (it stays in the
        # inbox). Holding it would hold the required notices of its key behind it.
        services.record_receipt(
            notification,
            NotificationStatus.FAILED,
            detail=f"rate limit: {settings.NOTIFY_RATE_LIMIT_COUNT} per "
            f"{settings.NOTIFY_RATE_LIMIT_SECONDS} s to this address",
        )
        return
    try:
        accepted = send(notification)
    except outbox.PermanentError as exc:
        # Refused for good (an invalid number or address): the notification failed; its key
        # goes on (a dead message would hold back every later notice of the dossier).
        services.record_receipt(notification, NotificationStatus.FAILED, detail=str(exc))
        return
    services.record_receipt(notification, NotificationStatus.SENT, gateway_id=accepted.gateway_id)


@outbox.register(services.TOPICS[Channel.EMAIL])
def deliver_email(message) -> None:
    _send(
        message,
        Channel.EMAIL,
        lambda n: gateways.send_email(
            n.address, n.subject, n.body, reference=f"onecua-notification-{n.pk}"
        ),
    )


@outbox.register(services.TOPICS[Channel.SMS])
def deliver_sms(message) -> None:
    _send(
        message,
        Channel.SMS,
        lambda n: gateways.send_sms(
            n.address, n.body, reference=str(n.pk), idempotency_key=message.idempotency_key
        ),
    )


@outbox.register(services.TOPICS[Channel.ZALO])
def deliver_zalo(message) -> None:
    _send(
        message,
        Channel.ZALO,
        lambda n: gateways.send_zns(
            n.address,
            n.kind,
            {"dossier_code": n.dossier.code if n.dossier_id else ""},
            n.body,
            reference=str(n.pk),
            idempotency_key=message.idempotency_key,
        ),
    )
