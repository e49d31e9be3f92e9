"""Notices raised by dossier events: who is told, on which channels, in which language, with
which template version; the inbox rows written at once, the others handed to the outbox
(notifications/delivery.py sends them). All of it inside the dossier's transaction.

Channels of an applicant: the inbox when the dossier belongs to an account, e-mail when the
applicant gave an address, SMS and Zalo when they gave a valid phone number — each as the
account's preferences say (e-mail and SMS on, Zalo off by default). An applicant who opted out
(`only_required`) gets the legally required notices only. Officials: the inbox and e-mail.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import (
    Case,
    CharField,
    DateTimeField,
    F,
    Q,
    TextField,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from outbox import delivery as outbox

from . import cache, context, events, phones, rendering
from .models import (
    EXTERNAL,
    Channel,
    DeliveryReceipt,
    Notification,
    NotificationStatus,
    NotificationTemplate,
    Preference,
)

TOPICS = {
    Channel.EMAIL: "notify.email",
    Channel.SMS: "notify.sms",
    Channel.ZALO: "notify.zalo",
}


def _parse_hhmm(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


def quiet_until(at: datetime) -> datetime | None:
    """When `at` falls in the SMS quiet hours (local time, NOTIFY_SMS_QUIET_HOURS, default
    21:00-07:00), the end of them; else None."""
    start_text, end_text = settings.NOTIFY_SMS_QUIET_HOURS.split("-")
    start, end = _parse_hhmm(start_text), _parse_hhmm(end_text)
    local = timezone.localtime(at)
    now = local.time()
    in_quiet = (now >= start or now < end) if start > end else (start <= now < end)
    if not in_quiet:
        return None
    day = local.date() if now < end else local.date() + timedelta(days=1)
    return timezone.make_aware(datetime.combine(day, end), local.tzinfo)


def preference_of(user) -> Preference:
    if user is None:
        return Preference()
    # Read from the database, never a cached reverse relation of a user object.
    return Preference.objects.filter(user_id=user.pk).first() or Preference(user_id=user.pk)


def _templates(kind: str, language: str) -> dict[str, NotificationTemplate]:
    """The current version per channel, in `language`, falling back to Vietnamese (from the
    process's cache of current versions, notifications/cache.py)."""
    current = cache.current_templates()
    found: dict[str, NotificationTemplate] = {}
    for channel in Channel.values:
        template = current.get((kind, channel, language)) or current.get((kind, channel, "vi"))
        if template is not None and template.enabled:
            found[channel] = template
    return found


def _addresses_of_applicant(applicant) -> dict[str, str]:
    addresses: dict[str, str] = {}
    email = (applicant.email or "").strip()
    if email:
        addresses[Channel.EMAIL] = email
    phone = phones.normalised_or_none(applicant.phone or "")
    if phone:
        addresses[Channel.SMS] = phone
        addresses[Channel.ZALO] = phone
    if applicant.account_id:
        addresses[Channel.INBOX] = ""
    return addresses


def _addresses_of_official(user) -> dict[str, str]:
    addresses = {Channel.INBOX: ""}
    if user.email:
        addresses[Channel.EMAIL] = user.email
    return addresses


def on_dossier_changed(sender, change, **kwargs) -> None:
    for notice in events.BY_ACTION.get(change.event.action, ()):
        if notice.audience == events.APPLICANT:
            applicant = change.dossier.applicant
            account = applicant.account if applicant.account_id else None
            notify(
                notice,
                change,
                recipient=account,
                addresses=_addresses_of_applicant(applicant),
                preference=preference_of(account),
            )
        else:
            official = _official_named(change)
            if official is not None and official.is_active:
                notify(
                    notice,
                    change,
                    recipient=official,
                    addresses=_addresses_of_official(official),
                    preference=None,
                    official=official,
                )


def _official_named(change):
    from accounts.models import User

    payload = change.event.payload or {}
    if "official" in payload:  # the watchdog's escalation names its official (or nobody)
        assignee = payload["official"]
    else:
        assignee = payload.get("assignee") or change.dossier.assignee_id
    if not assignee:
        return None
    return User.objects.filter(pk=assignee).first()


def notify(notice, change, *, recipient, addresses, preference, official=None) -> list:
    """Write the notifications of one dossier notice for one recipient; returns them."""
    now = change.event.at if getattr(change.event, "at", None) else timezone.now()
    # Delivery is ordered per (topic, dossier): a gateway that is down holds back only its own
    # channel's notices of that dossier, never the portal sync (key `dossier:<id>`) nor another
    # channel.
    owner = (
        f"dossier:{change.dossier.pk}"
        if change.dossier.pk
        else f"user:{getattr(recipient, 'pk', None)}"
    )
    return write_notices(
        notice,
        lambda language: context.build(change, notice, language, official=official),
        recipient=recipient,
        addresses=addresses,
        preference=preference,
        now=now,
        owner=owner,
        dossier=change.dossier,
        event=change.event,
    )


def write_notices(
    notice,
    values_for,
    *,
    recipient,
    addresses: dict[str, str],
    preference,
    now,
    owner: str,
    dossier=None,
    event=None,
) -> list:
    """The one writer of notices, for a dossier's changes and for the notices about no dossier
    (feedback, appointments): one `Notification` per channel the recipient has an address for,
    a current template and a wish (an opt-out of all but required notices stops the others),
    rendered with `values_for(language)`; the inbox delivered at once, SMS kept out of the quiet
    hours; one INSERT for the notifications and one for the outbox messages of the external
    channels, keyed per (topic, `owner`)."""
    if preference is not None and preference.only_required and not notice.required:
        return []
    language = preference.language if preference is not None else "vi"
    templates = _templates(notice.kind, language)
    values_by_language: dict[str, dict] = {}
    made = []
    for channel, address in addresses.items():
        template = templates.get(channel)
        if template is None:
            continue
        if preference is not None and not preference.wants(channel):
            continue
        values = values_by_language.get(template.language)
        if values is None:
            values = values_by_language[template.language] = values_for(template.language)
        notification = Notification(
            kind=notice.kind,
            channel=channel,
            audience=notice.audience,
            language=template.language,
            required=notice.required,
            recipient=recipient,
            dossier=dossier,
            event=event,
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
            notification.not_before = quiet_until(now)
        made.append(notification)
    if not made:
        return made
    # One INSERT for the notifications, one for their outbox messages.
    made = Notification.objects.bulk_create(made)
    outbox.enqueue_many(
        [
            {
                "topic": TOPICS[notification.channel],
                "key": f"{TOPICS[notification.channel]}:{owner}",
                "reference": {"notification": notification.pk},
                "idempotency_key": f"notify:{notification.pk}",
                "not_before": notification.not_before,
            }
            for notification in made
            if notification.channel in EXTERNAL
        ]
    )
    return made


# --- receipts and the inbox --------------------------------------------------------------------
ORDER = {
    NotificationStatus.PENDING: 0,
    NotificationStatus.SENT: 1,
    NotificationStatus.DELIVERED: 2,
    NotificationStatus.FAILED: 2,
}


def record_receipt(
    notification: Notification, status: str, *, gateway_id: str = "", detail: str = "", at=None
) -> DeliveryReceipt:
    """Record what the gateway said, and move the notification's status in ONE conditional
    UPDATE: it only moves forward (a late "sent" never undoes "delivered", whatever order the
    answer and the callback come in), the first gateway id and time of sending stay."""
    at = at or timezone.now()
    status = NotificationStatus(status)
    lower = [s for s, order in ORDER.items() if order < ORDER[status]]
    moves = Q(status__in=lower)
    changes = {
        "sent_at": Coalesce(F("sent_at"), Value(at), output_field=DateTimeField()),
        "status": Case(
            When(moves, then=Value(status.value)), default=F("status"), output_field=CharField()
        ),
    }
    if gateway_id:
        changes["gateway_id"] = Case(
            When(gateway_id="", then=Value(gateway_id)),
            default=F("gateway_id"),
            output_field=CharField(),
        )
    if status == NotificationStatus.DELIVERED:
        changes["delivered_at"] = Case(
            When(moves, then=Value(at)), default=F("delivered_at"), output_field=DateTimeField()
        )
    elif status == NotificationStatus.FAILED:
        changes["error"] = Case(
            When(moves, then=Value(detail[:2000])), default=F("error"), output_field=TextField()
        )
    with transaction.atomic(savepoint=False):
        receipt = DeliveryReceipt.objects.create(
            notification=notification,
            status=status,
            gateway_id=gateway_id,
            detail=detail[:500],
            at=at,
        )
        Notification.objects.filter(pk=notification.pk).update(**changes)
    return receipt


def record_sent(accepted: list[tuple[Notification, str]], *, at=None) -> None:
    """`record_receipt(n, SENT, gateway_id=…)` for many notifications at once: the receipts in
    one INSERT, the statuses in one conditional UPDATE (the same rules: only forward, the first
    gateway id and time of sending stay)."""
    if not accepted:
        return
    at = at or timezone.now()
    DeliveryReceipt.objects.bulk_create(
        DeliveryReceipt(
            notification=notification,
            status=NotificationStatus.SENT,
            gateway_id=gateway_id,
            at=at,
        )
        for notification, gateway_id in accepted
    )
    # One UPDATE joined to the list of (id, gateway id): pending becomes sent, the first
    # gateway id and time of sending stay (an ORM CASE of one WHEN per row cost more to build
    # than the statement took to run).
    table = Notification._meta.db_table
    rows = ", ".join(["(%s, %s)"] * len(accepted))
    params: list = []
    for notification, gateway_id in accepted:
        params += [notification.pk, gateway_id or ""]
    with connection.cursor() as cursor:
        cursor.execute(
            f"""WITH v(id, gateway_id) AS (VALUES {rows})
            UPDATE {table} SET
                sent_at = COALESCE({table}.sent_at, %s),
                status = CASE WHEN {table}.status = %s THEN %s ELSE {table}.status END,
                gateway_id = CASE WHEN {table}.gateway_id = '' THEN v.gateway_id
                             ELSE {table}.gateway_id END
            FROM v
            WHERE {table}.id = v.id""",  # noqa: S608 - the table's name, and placeholders
            [*params, at, NotificationStatus.PENDING.value, NotificationStatus.SENT.value],
        )


def inbox_of(user):
    return Notification.objects.filter(recipient=user, channel=Channel.INBOX)


def mark_read(user, ids=None) -> int:
    """Mark the user's inbox notifications read (all of them when `ids` is None)."""
    rows = inbox_of(user).filter(read_at__isnull=True)
    if ids is not None:
        rows = rows.filter(pk__in=ids)
    return rows.update(read_at=timezone.now())
