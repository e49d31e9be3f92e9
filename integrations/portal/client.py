"""A client of the national portal (DVCQG): login with an expiring token, create/update a
dossier record, push progress steps.

Two transports: HTTP (requests, keep-alive) when PORTAL_BASE_URL is set; otherwise, with the
mocks on (settings ONECUA_MOCKS), the mock portal of this project, called in-process through
Django's request machinery (the embedded default needs no second process). Replies are
`{error_code, message}` with "0" for success.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import requests
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from core import inprocess
from outbox.delivery import PermanentError, TransientError

MOCK_PREFIX = "/mock-dvcqg/"
OK, EXISTS, NOT_FOUND = "0", "2", "3"


@dataclass
class Reply:
    status: int
    body: dict

    @property
    def code(self) -> str:
        return str(self.body.get("error_code", ""))


class HttpTransport:
    def __init__(self, base_url: str, timeout: float):
        self.base_url = base_url.rstrip("/") + "/"
        self.timeout = timeout
        self.session = requests.Session()

    def request(self, method: str, path: str, body=None, headers=None) -> Reply:
        try:
            response = self.session.request(
                method, self.base_url + path, json=body, headers=headers, timeout=self.timeout
            )
        except requests.RequestException as exc:  # refused, reset, timed out
            raise TransientError(f"portal unreachable: {exc}") from exc
        try:
            data = response.json()
        except ValueError:
            data = {"error_code": str(response.status_code), "message": response.text[:200]}
        return Reply(response.status_code, data if isinstance(data, dict) else {})


class InProcessTransport:
    """The mock portal served by this very process (embedded default)."""

    def request(self, method: str, path: str, body=None, headers=None) -> Reply:

        extra = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in (headers or {}).items()}
        client = inprocess.client()
        url = MOCK_PREFIX + path
        if method == "GET":
            response = client.get(url, **extra)
        else:
            response = client.post(url, body or {}, content_type="application/json", **extra)
        try:
            data = response.json()
        except ValueError:
            data = {"error_code": str(response.status_code)}
        return Reply(response.status_code, data)


class PortalClient:
    def __init__(self, transport, username: str, password: str):
        self.transport = transport
        self.username = username
        self.password = password
        self._token: str | None = None
        self._token_expires = 0.0
        self._lock = threading.Lock()

    # --- auth ---------------------------------------------------------------------------------
    def _login(self) -> str:
        reply = self.transport.request(
            "POST", "auth/token", {"username": self.username, "password": self.password}
        )
        if reply.status >= 500:
            raise TransientError(f"portal login failed: {reply.status} {reply.body}")
        if reply.code != OK:
            raise TransientError(f"portal refused our credentials: {reply.body}")
        self._token = reply.body["access_token"]
        # Renew a minute early.
        self._token_expires = time.monotonic() + float(reply.body.get("expires_in", 600)) - 60
        return self._token

    def _auth(self, renew: bool = False) -> dict:
        with self._lock:
            if renew or not self._token or time.monotonic() >= self._token_expires:
                self._login()
            return {"Authorization": f"Bearer {self._token}"}

    def call(self, method: str, path: str, body=None, idempotency_key: str | None = None):
        headers = self._auth()
        if idempotency_key:
            headers["Idempotency-Key"] = idempotency_key
        reply = self.transport.request(method, path, body, headers)
        if reply.status == 401:  # expired or revoked: log in again, once
            headers.update(self._auth(renew=True))
            reply = self.transport.request(method, path, body, headers)
        if reply.status >= 500 or reply.status in (401, 408, 429):
            raise TransientError(f"portal {reply.status}: {reply.body}")
        return reply

    # --- dossiers ------------------------------------------------------------------------------
    def upsert(self, record: dict, *, first: bool, idempotency_key: str) -> None:
        """Create (first message of a dossier) or update; the portal's "already exists" turns
        a create into an update and "not found" an update into a create."""
        path = "hoso/create" if first else "hoso/update"
        reply = self.call("POST", path, record, idempotency_key)
        if first and reply.code == EXISTS:
            reply = self.call("POST", "hoso/update", record, idempotency_key + ":update")
        elif not first and reply.code == NOT_FOUND:
            reply = self.call("POST", "hoso/create", record, idempotency_key + ":create")
        self._check(reply)

    def push_progress(self, code: str, steps: list[dict], *, idempotency_key: str) -> None:
        reply = self.call("POST", "hoso/tiendo", {"MaHoSo": code, "TienDo": steps}, idempotency_key)
        self._check(reply)

    def sync_batch(self, items: list[dict], *, idempotency_key: str) -> list[dict]:
        """Several dossiers in one call (`hoso/dongbo`): each item a whole record with its new
        progress steps (`TienDo`). Returns the portal's answer per item, in order
        (`{"MaHoSo", "error_code", "errors"?}`); a failure of the call as a whole raises."""
        reply = self.call("POST", "hoso/dongbo", {"HoSo": items}, idempotency_key)
        self._check(reply)
        results = reply.body.get("results")
        if not isinstance(results, list) or len(results) != len(items):
            raise TransientError(f"portal answered a batch without its results: {reply.body}")
        return results

    def lookup(self, code: str) -> dict | None:
        reply = self.call("GET", f"hoso/{code}")
        if reply.code == NOT_FOUND:
            return None
        self._check(reply)
        return reply.body

    def procedures(self) -> list[dict]:
        reply = self.call("GET", "tthc")
        self._check(reply)
        return reply.body.get("data", [])

    @staticmethod
    def _check(reply: Reply) -> None:
        if reply.code == OK:
            return
        if 400 <= reply.status < 500:
            raise PermanentError(f"portal refused: {reply.status} {reply.body}")
        raise TransientError(f"portal answered {reply.status} {reply.body}")


_client: PortalClient | None = None
_client_lock = threading.Lock()


def get_client() -> PortalClient:
    global _client
    with _client_lock:
        if _client is None:
            base_url = settings.PORTAL_BASE_URL
            if not base_url and not settings.ONECUA_MOCKS:
                # Never a silent fallback to a mock that is not there (core/checks.py).
                raise ImproperlyConfigured("PORTAL_BASE_URL is not set and the mocks are off.")
            transport = (
                HttpTransport(base_url, settings.PORTAL_TIMEOUT)
                if base_url
                else InProcessTransport()
            )
            _client = PortalClient(
                transport,
                settings.PORTAL_USERNAME,
                settings.PORTAL_PASSWORD,
            )
        return _client


def reset_client() -> None:
    global _client
    with _client_lock:
        _client = None
