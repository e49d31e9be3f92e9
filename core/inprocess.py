"""The clients through which the embedded default calls the mocks served by this very process
(the portal, the payment platform, the SMS/Zalo gateways), and they call onecua back: Django's
test client, one per thread and purpose, built once.

A `django.test.Client()` builds its handler, and with it the whole middleware chain, on its first
request — WhiteNoise's middleware alone stats every static file then (~55 ms on this project,
issue 16 §2: more than half the cost of delivering a portal message in-process). Built per call,
that cost was paid twice per portal message (and once per SMS by the mock gateway's delivery
receipt: 42 ms of a 54 ms in-process SMS). Kept per thread (a client is not thread-safe), its
cookies cleared before each use (the mocks are stateless APIs), and rebuilt after a setting
changes (tests' `override_settings`, e.g. of MIDDLEWARE).
"""

from __future__ import annotations

import threading
from http.cookies import SimpleCookie

from django.core.signals import setting_changed
from django.test import Client

_local = threading.local()
_generation = 0


def client() -> Client:
    """For onecua calling a mock (the portal, the payment platform, the gateways)."""
    return _kept("call", raise_request_exception=True)


def callback_client() -> Client:
    """For a mock calling onecua back (the SMS/Zalo delivery receipt, the payment platform's
    notification): its own client, since the mock's view runs inside a request of `client()` on
    the same thread (a client is not re-entrant); a failing callback answers 500 to the mock
    instead of raising into it, as over HTTP."""
    return _kept("callback", raise_request_exception=False)


def _kept(purpose: str, *, raise_request_exception: bool) -> Client:
    if getattr(_local, "generation", None) != _generation:
        _local.clients = {}
        _local.generation = _generation
    kept = _local.clients.get(purpose)
    if kept is None:
        kept = _local.clients[purpose] = Client(raise_request_exception=raise_request_exception)
    kept.cookies = SimpleCookie()
    return kept


def _settings_changed(**kwargs) -> None:
    global _generation
    _generation += 1


setting_changed.connect(_settings_changed, dispatch_uid="core.inprocess.settings_changed")
