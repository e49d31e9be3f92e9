"""The outbox handlers of the notices (topics notify.email, notify.sms, notify.zalo): each sends
one notification through its gateway and records the gateway's answer as a receipt. A handler
is idempotent: a notification already past "pending" is not sent again. An SMS whose time falls
in the quiet hours is deferred (no attempt counted); an optional notice to an address over the
rate limit is not sent (failed, "rate limit"). The handlers take a batch of messages at once
(`outbox.delivery.register_batch`: each message the head of its own key), with a fixed number
of queries for the batch."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db.models import F
from django.utils import timezone

from outbox import delivery as outbox

from . import gateways, services
from .models import Channel, Notification, NotificationStatus


def _recent_sends(channel: str, notifications: list[Notification], now) -> dict[str, list]:
    """For the rate limit: the times of the notices sent within the window to each address of
    `notifications` that the limit applies to (optional, with an address), newest first, at
    most NOTIFY_RATE_LIMIT_COUNT each. One query for the whole batch."""
    limit = settings.NOTIFY_RATE_LIMIT_COUNT
    addresses = {n.address for n in notifications if limit and not n.required and n.address}
    if not addresses:
        return {}
    window = timedelta(seconds=settings.NOTIFY_RATE_LIMIT_SECONDS)
    recent: dict[str, list] = {address: [] for address in addresses}
    rows = (
        Notification.objects.filter(
            channel=channel, address__in=addresses, sent_at__gt=now - window
        )
        .order_by("-sent_at")
        .values_list("address", "sent_at")
    )
    for address, sent_at in rows:
        if len(recent[address]) < limit:
            recent[address].append(sent_at)
    return recent


def _attempt(send, message, notification):
    try:
        return send(message, notification)
    except Exception as exc:  # the outcome of this one send, whatever it is
        return exc


def _send_all(plan, channel: str, send) -> list:
    """Each (message, notification) sent: its Accepted or its exception, in order. Several at
    once (NOTIFY_GATEWAY_CONCURRENCY) when the gateway allows it: the messages of a batch
    belong to different keys, so no two of one (topic, dossier) are ever in flight together."""
    if len(plan) > 1 and settings.NOTIFY_GATEWAY_CONCURRENCY > 1 and gateways.concurrent(channel):
        return list(gateways.pool().map(lambda pair: _attempt(send, *pair), plan))
    return [_attempt(send, message, notification) for message, notification in plan]


def _deliver(messages, channel: str, send) -> dict[int, Exception]:
    """Send the notifications of a batch of outbox messages (each the head of its own key) and
    record the gateways' answers: a fixed number of queries for the batch (the notifications,
    the rate limit's recent sends, the receipts, one UPDATE), plus one per refused notice.
    Returns the failures by message id (the outbox retries or defers them); whatever a failed
    message's notification would have recorded is not written."""
    wanted = {m.pk: m.reference.get("notification") for m in messages}
    found = {
        n.pk: n
        for n in Notification.objects.filter(pk__in=[i for i in wanted.values() if i])
        .annotate(dossier_code=F("dossier__code"))
        .defer("error")
    }
    # Gone, or already past pending (at-least-once delivery): nothing to send, the message is done.
    todo = [
        (m, found[wanted[m.pk]])
        for m in messages
        if wanted[m.pk] in found and found[wanted[m.pk]].status == NotificationStatus.PENDING
    ]
    if not todo:
        return {}
    now = timezone.now()
    if channel == Channel.SMS:
        until = services.quiet_until(now)
        if until:
            return {m.pk: outbox.Deferred(until, "SMS quiet hours") for m, _ in todo}
    limit = settings.NOTIFY_RATE_LIMIT_COUNT
    recent = _recent_sends(channel, [n for _, n in todo], now)
    window = timedelta(seconds=settings.NOTIFY_RATE_LIMIT_SECONDS)
    failures: dict[int, Exception] = {}
    sent: list[tuple[Notification, str]] = []
    plan = []
    for message, notification in todo:
        times = recent.get(notification.address)  # a required notice is never limited
        if (
            not notification.required
            and times is not None
            and len(times) >= limit
            and times[-1] + window > now
        ):
            # Over the limit: this optional notice is not sent on this channel (it stays in
            # the inbox). Holding it would hold the required notices of its key behind it.
            services.record_receipt(
                notification,
                NotificationStatus.FAILED,
                detail=f"rate limit: {limit} per {settings.NOTIFY_RATE_LIMIT_SECONDS} s "
                "to this address",
            )
            continue
        plan.append((message, notification))
        if times is not None:  # counted as sent (if its send fails, the limit errs safe)
            times.insert(0, now)
            del times[limit:]
    for (message, notification), outcome in zip(plan, _send_all(plan, channel, send), strict=True):
        if isinstance(outcome, outbox.PermanentError):
            # Refused for good (an invalid number or address): the notification failed; its
            # key goes on (a dead message would hold back every later notice of the dossier).
            services.record_receipt(notification, NotificationStatus.FAILED, detail=str(outcome))
        elif isinstance(outcome, Exception):  # transient: retried; the others go on
            failures[message.pk] = outcome
        else:
            sent.append((notification, outcome.gateway_id))
    services.record_sent(sent, at=now)
    return failures


@outbox.register_batch(services.TOPICS[Channel.EMAIL])
def deliver_email(messages) -> dict[int, Exception]:
    return _deliver(
        messages,
        Channel.EMAIL,
        lambda m, n: gateways.send_email(
            n.address, n.subject, n.body, reference=f"onecua-notification-{n.pk}"
        ),
    )


@outbox.register_batch(services.TOPICS[Channel.SMS])
def deliver_sms(messages) -> dict[int, Exception]:
    return _deliver(
        messages,
        Channel.SMS,
        lambda m, n: gateways.send_sms(
            n.address, n.body, reference=str(n.pk), idempotency_key=m.idempotency_key
        ),
    )


@outbox.register_batch(services.TOPICS[Channel.ZALO])
def deliver_zalo(messages) -> dict[int, Exception]:
    return _deliver(
        messages,
        Channel.ZALO,
        lambda m, n: gateways.send_zns(
            n.address,
            n.kind,
            {"dossier_code": n.dossier_code or ""},
            n.body,
            reference=str(n.pk),
            idempotency_key=m.idempotency_key,
        ),
    )
