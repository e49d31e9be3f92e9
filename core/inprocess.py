"""The client through which the embedded default calls the mocks served by this very process
(the portal, the payment platform, the SMS/Zalo gateways): Django's test client, one per thread,
built once.

A `django.test.Client()` builds its handler, and with it the whole middleware chain, on its first
request — WhiteNoise's middleware alone stats every static file then (~55 ms on this project,
issue 16 §2: more than half the cost of delivering a portal message in-process). Built per call,
that cost was paid twice per portal message. Kept per thread (a client is not thread-safe), its
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
    if getattr(_local, "generation", None) != _generation:
        _local.client = Client()
        _local.generation = _generation
    _local.client.cookies = SimpleCookie()
    return _local.client


def _settings_changed(**kwargs) -> None:
    global _generation
    _generation += 1


setting_changed.connect(_settings_changed, dispatch_uid="core.inprocess.settings_changed")
