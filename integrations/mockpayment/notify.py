"""Delivering the notifications (IPN) the platform owes: POST each due one to the partner's
notify_url, retried with backoff (1, 2, 4… minutes: settings MOCK_PAYMENT_RETRY_BASE_SECONDS,
doubling) until the partner answers `00` or `02`, or the retry window closes (a day:
MOCK_PAYMENT_RETRY_WINDOW_SECONDS) and the platform gives up.

The driver: `deliver_due()`, called
- on the commit of each outcome (settings MOCK_PAYMENT_AUTODELIVER): a Celery task
  (tasks.deliver_notifications; eager in the embedded default), or a wake-up of the background
  thread when the mock is served alone (`run_mock_payment`, which starts that thread);
- every 30 s by Celery beat with the mocks on (settings CELERY_BEAT_SCHEDULE), for retries;
- by `manage.py mockpayment_deliver [--loop]`, and by the control endpoint `_deliver`.
Each notification is claimed before it is sent (a conditional UPDATE), so several drivers at
once send it once per attempt. While the fault `down` is on, nothing is sent.

Transport: requests (HTTP), except for a notify_url whose host is in
MOCK_PAYMENT_INPROCESS_HOSTS (default "testserver", the Django test client's host): those are
posted through Django's request machinery in this process, as the portal client does, so that a
test (or the embedded default) needs no second server.
"""

from __future__ import annotations

import json
import logging
import threading
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.db import close_old_connections, transaction
from django.utils import timezone

from core import inprocess

from .models import DeliveryAttempt, FaultConfig, Notification
from .platform import bump

logger = logging.getLogger(__name__)

ACKNOWLEDGING = ("00", "02")
LEASE = timedelta(minutes=5)  # a claimed attempt is retried after this if its driver died


class Answer:
    def __init__(self, http_status: int | None, code: str = "", error: str = ""):
        self.http_status = http_status
        self.code = code
        self.error = error

    @property
    def acknowledged(self) -> bool:
        return self.http_status == 200 and self.code in ACKNOWLEDGING


def _parse(status: int, content: bytes) -> Answer:
    try:
        data = json.loads(content.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return Answer(status, "", "the answer is not JSON")
    code = data.get("code") if isinstance(data, dict) else None
    return Answer(status, str(code) if code is not None else "")


def post(url: str, body: dict) -> Answer:
    """POST the notification; the partner's answer, or why there was none."""
    parts = urlsplit(url)
    if parts.hostname in settings.MOCK_PAYMENT_INPROCESS_HOSTS:
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        response = inprocess.callback_client().post(
            path,
            json.dumps(body, ensure_ascii=False).encode(),
            content_type="application/json",
            HTTP_HOST=parts.netloc,
            secure=parts.scheme == "https",
        )
        return _parse(response.status_code, response.content)
    try:
        response = requests.post(url, json=body, timeout=settings.MOCK_PAYMENT_NOTIFY_TIMEOUT)
    except requests.RequestException as exc:  # refused, reset, timed out
        return Answer(None, "", str(exc)[:300])
    return _parse(response.status_code, response.content)


def next_delay(attempts: int) -> timedelta:
    """After the n-th failed attempt: base × 2^(n-1) (1, 2, 4… minutes by default)."""
    base = settings.MOCK_PAYMENT_RETRY_BASE_SECONDS
    return timedelta(seconds=base * 2 ** min(attempts - 1, 30))


def _claim(pk: int, due: datetime, now: datetime) -> bool:
    return bool(
        Notification.objects.filter(
            pk=pk, state=Notification.State.PENDING, next_attempt_at=due
        ).update(next_attempt_at=now + LEASE)
    )


def deliver_one(notification: Notification, now: datetime) -> Answer:
    answer = post(notification.url, notification.body)
    attempts = notification.attempts + 1
    with transaction.atomic():
        DeliveryAttempt.objects.create(
            notification=notification,
            at=now,
            http_status=answer.http_status,
            code=answer.code[:10],
            error=answer.error,
            acknowledged=answer.acknowledged,
        )
        changes = {"attempts": attempts}
        bump("notification_attempts")
        if answer.acknowledged:
            changes.update(
                state=Notification.State.ACKNOWLEDGED, acknowledged_at=now, next_attempt_at=None
            )
            bump("notifications_acknowledged")
        else:
            retry_at = now + next_delay(attempts)
            window = timedelta(seconds=settings.MOCK_PAYMENT_RETRY_WINDOW_SECONDS)
            if retry_at > notification.first_due_at + window:
                changes.update(state=Notification.State.GAVE_UP, next_attempt_at=None)
                bump("notifications_gave_up")
            else:
                changes.update(next_attempt_at=retry_at)
        Notification.objects.filter(pk=notification.pk).update(**changes)
    return answer


def deliver_due(now: datetime | None = None, *, force: bool = False, limit: int = 10_000) -> int:
    """Send every notification due by `now` (every pending one with force), oldest due first,
    then in order of creation; the number of attempts made."""
    now = now or timezone.now()
    if FaultConfig.current().down:
        return 0
    pending = Notification.objects.filter(state=Notification.State.PENDING)
    if not force:
        pending = pending.filter(next_attempt_at__lte=now)
    sent = 0
    for notification in pending.order_by("next_attempt_at", "id")[:limit]:
        if _claim(notification.pk, notification.next_attempt_at, now):
            deliver_one(notification, now)
            sent += 1
    return sent


def expire_due(now: datetime | None = None) -> int:
    """Pending transactions past their expiry become expired (and owe an IPN)."""
    from .models import Status, Transaction
    from .platform import expire_if_due

    now = now or timezone.now()
    overdue = Transaction.objects.filter(status=Status.PENDING, expires_at__lte=now)
    count = 0
    for txn in overdue.order_by("expires_at", "id")[:1000]:
        expire_if_due(txn, now)
        count += 1
    return count


def run_once(now: datetime | None = None, *, force: bool = False) -> dict:
    """One round of the driver: expire what is due, then deliver what is due."""
    now = now or timezone.now()
    if FaultConfig.current().down:
        return {"expired": 0, "attempts": 0}
    expired = expire_due(now)
    return {"expired": expired, "attempts": deliver_due(now, force=force)}


# --- the background thread of the mock served alone ----------------------------------------------

_wake = threading.Event()
_thread: threading.Thread | None = None


def kick() -> None:
    """An outcome was committed: deliver its notification now."""
    if _thread is not None and _thread.is_alive():
        _wake.set()
        return
    from . import tasks

    try:
        tasks.deliver_notifications.delay()
    except Exception:  # a broker out of reach: beat's sweep (or the command) delivers it later
        logger.warning("mock payment: could not queue the delivery of notifications", exc_info=True)


def start_thread(interval: float) -> threading.Thread:
    """Deliver due notifications every `interval` seconds, and at once after each outcome."""
    global _thread

    def loop():
        while True:
            _wake.wait(interval)
            _wake.clear()
            try:
                run_once()
            except Exception:
                logger.exception("mock payment: delivery round failed")
            finally:
                close_old_connections()

    _thread = threading.Thread(target=loop, name="mockpayment-notify", daemon=True)
    _thread.start()
    return _thread
