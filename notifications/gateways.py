"""The gateways notices leave by: e-mail through Django's SMTP backend, SMS and Zalo ZNS through
HTTP gateways (docs/notifications.md, "Gateways").

SMS and ZNS: `POST <url>/send` with a bearer key, JSON in and out; `{"id": "<gateway's id>",
"status": "accepted"}` on success. 5xx, 408, 429 and network errors are transient (the outbox
retries with backoff); any other 4xx is permanent (an invalid number: the notification fails).
With NOTIFY_SMS_URL / NOTIFY_ZALO_URL unset and the mocks on, the gateways are the mock apps of
this project (integrations/mockmessaging), called in-process.
"""

from __future__ import annotations

import contextlib
import os
import smtplib
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from email.utils import make_msgid

import requests
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.mail import EmailMessage, get_connection
from requests.adapters import HTTPAdapter

from core import inprocess
from outbox.delivery import PermanentError, TransientError

MOCK_PREFIX = {"sms": "/mock-messaging/sms/", "zalo": "/mock-messaging/zalo/"}


@dataclass
class Accepted:
    gateway_id: str
    status: str = "sent"


class HttpTransport:
    """One kept session (keep-alive connections, a pool as large as the sends in flight). The
    environment's proxy and CA settings are read once here: requests would read them again on
    every call (a tenth of a send's time to a local gateway)."""

    concurrent = True  # thread-safe: a batch may send through it from several threads

    def __init__(self, base_url: str, timeout: float):
        self.base_url = base_url.rstrip("/") + "/"
        self.timeout = timeout
        self.session = requests.Session()
        self.session.proxies.update(requests.utils.get_environ_proxies(self.base_url))
        self.session.verify = (
            os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or True
        )
        self.session.trust_env = False
        size = max(10, settings.NOTIFY_GATEWAY_CONCURRENCY)
        for scheme in ("http://", "https://"):
            self.session.mount(scheme, HTTPAdapter(pool_connections=1, pool_maxsize=size))

    def post(self, path: str, body: dict, headers: dict) -> tuple[int, dict]:
        try:
            response = self.session.post(
                self.base_url + path, json=body, headers=headers, timeout=self.timeout
            )
        except requests.RequestException as exc:
            raise TransientError(f"gateway unreachable: {exc}") from exc
        try:
            data = response.json()
        except ValueError:
            data = {"message": response.text[:200]}
        return response.status_code, data if isinstance(data, dict) else {}


class InProcessTransport:
    """The mock gateway served by this very process (embedded default, tests). It goes through
    Django (and its database connection): one send at a time, in the caller's thread."""

    concurrent = False

    def __init__(self, prefix: str):
        self.prefix = prefix

    def post(self, path: str, body: dict, headers: dict) -> tuple[int, dict]:
        extra = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()}
        response = inprocess.client().post(
            self.prefix + path, body, content_type="application/json", **extra
        )
        try:
            data = response.json()
        except ValueError:
            data = {}
        return response.status_code, data


class HttpGateway:
    def __init__(self, name: str, transport, key: str):
        self.name = name
        self.transport = transport
        self.key = key

    def send(self, body: dict, *, idempotency_key: str) -> Accepted:
        status, data = self.transport.post(
            "send",
            body,
            {"Authorization": f"Bearer {self.key}", "Idempotency-Key": idempotency_key},
        )
        if status >= 500 or status in (401, 408, 429):
            raise TransientError(f"{self.name} gateway {status}: {data}")
        if status >= 400 or not data.get("id"):
            raise PermanentError(f"{self.name} gateway refused: {status} {data}")
        return Accepted(str(data["id"]))


def _gateway(name: str, url: str, key: str) -> HttpGateway:
    if url:
        return HttpGateway(name, HttpTransport(url, settings.NOTIFY_GATEWAY_TIMEOUT), key)
    if not settings.ONECUA_MOCKS:  # pragma: no cover - the system checks refuse to start
        raise ImproperlyConfigured(f"The {name} gateway's URL is not set.")
    return HttpGateway(name, InProcessTransport(MOCK_PREFIX[name]), key)


_cache: dict[tuple, HttpGateway] = {}


def get(name: str) -> HttpGateway:
    """The SMS or Zalo gateway of the current settings (one per settings, kept)."""
    if name == "sms":
        config = ("sms", settings.NOTIFY_SMS_URL, settings.NOTIFY_SMS_API_KEY)
    else:
        config = ("zalo", settings.NOTIFY_ZALO_URL, settings.NOTIFY_ZALO_ACCESS_TOKEN)
    gateway = _cache.get(config)
    if gateway is None:
        gateway = _cache[config] = _gateway(*config)
    return gateway


def concurrent(channel: str) -> bool:
    """Whether sends on `channel` may go out from several threads at once: an HTTP gateway
    (a thread-safe session) or SMTP (one kept connection per thread); not the in-process mocks
    nor the test backends."""
    if channel == "email":
        return settings.EMAIL_BACKEND == "django.core.mail.backends.smtp.EmailBackend"
    return getattr(get(channel).transport, "concurrent", False)


_pool: tuple[int, ThreadPoolExecutor] | None = None
_pool_lock = threading.Lock()


def pool() -> ThreadPoolExecutor:
    """This process's threads for the sends of a batch (NOTIFY_GATEWAY_CONCURRENCY of them,
    kept: each keeps its SMTP connection)."""
    global _pool
    size = settings.NOTIFY_GATEWAY_CONCURRENCY
    with _pool_lock:
        if _pool is None or _pool[0] != size:
            if _pool is not None:
                _pool[1].shutdown(wait=False)
            _pool = (size, ThreadPoolExecutor(max_workers=size, thread_name_prefix="notify-send"))
        return _pool[1]


def send_sms(to: str, text: str, *, reference: str, idempotency_key: str) -> Accepted:
    body = {
        "to": to,
        "text": text,
        "sender": settings.NOTIFY_SMS_SENDER,
        "reference": reference,
        "callback_url": settings.ONECUA_PUBLIC_BASE_URL + "/notifications/receipts/sms/",
    }
    return get("sms").send(body, idempotency_key=idempotency_key)


def send_zns(
    phone: str, template_id: str, data: dict, text: str, *, reference: str, idempotency_key: str
) -> Accepted:
    body = {
        "phone": phone.lstrip("+"),  # ZNS takes 84…, no plus
        "template_id": template_id,
        "template_data": data,
        "text": text,
        "tracking_id": reference,
        "callback_url": settings.ONECUA_PUBLIC_BASE_URL + "/notifications/receipts/zalo/",
    }
    return get("zalo").send(body, idempotency_key=idempotency_key)


def send_email(to: str, subject: str, body: str, *, reference: str) -> Accepted:
    """One message through Django's e-mail backend (SMTP in production). Its Message-ID is the
    gateway's id. A refused recipient is permanent; a server down or a timeout transient."""
    message_id = make_msgid(idstring=reference, domain=settings.NOTIFY_EMAIL_DOMAIN)
    message = EmailMessage(
        subject=subject,
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
        headers={"Message-ID": message_id, "X-Onecua-Notification": reference},
    )
    try:
        _send_kept(message)
    except smtplib.SMTPRecipientsRefused as exc:
        raise PermanentError(f"SMTP refused the recipient: {exc.recipients}") from exc
    except (TimeoutError, smtplib.SMTPException, OSError) as exc:
        raise TransientError(f"SMTP: {exc}") from exc
    return Accepted(message_id)


# One e-mail connection per thread, kept open across messages (a worker sends many: opening an
# SMTP session, EHLO and STARTTLS per message was a third of an e-mail's hand-over). Keyed by
# the settings that name the server, so that a change of settings opens a new one.
_local = threading.local()


def _email_key() -> tuple:
    return (
        settings.EMAIL_BACKEND,
        getattr(settings, "EMAIL_HOST", ""),
        getattr(settings, "EMAIL_PORT", 0),
        getattr(settings, "EMAIL_HOST_USER", ""),
    )


def email_connection():
    """This thread's open e-mail connection (opened on first use or after a failure)."""
    key = _email_key()
    kept = getattr(_local, "email", None)
    if kept is not None and kept[0] == key:
        return kept[1]
    drop_email_connection()
    connection = get_connection(fail_silently=False)
    connection.open()
    _local.email = (key, connection)
    return connection


def drop_email_connection() -> None:
    kept = getattr(_local, "email", None)
    _local.email = None
    if kept is not None:
        with contextlib.suppress(Exception):  # closing a connection already broken
            kept[1].close()


def _send_kept(message: EmailMessage) -> None:
    """Send on the kept connection; a connection the server dropped meanwhile (an idle timeout,
    a restart) is reopened once. A refused recipient is the message's own fault: the connection
    stays."""
    for attempt in (1, 2):
        message.connection = email_connection()
        try:
            message.send(fail_silently=False)
            return
        except smtplib.SMTPRecipientsRefused:
            raise
        except (smtplib.SMTPServerDisconnected, ConnectionError, OSError):
            drop_email_connection()
            if attempt == 2:
                raise
        except Exception:
            drop_email_connection()
            raise
