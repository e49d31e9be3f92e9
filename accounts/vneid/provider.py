"""The VNeID provider as the client sees it: its configuration (OpenID Connect discovery, at
`<ONECUA_OIDC_ISSUER>/.well-known/openid-configuration`), its signing keys (the JWKS), and the
back-channel calls (token, userinfo).

In production these are HTTP calls (requests, `ONECUA_OIDC_TIMEOUT`). In the embedded default
(the mocks on, ONECUA_OIDC_ISSUER unset) the provider is the mock of integrations/mockvneid served
by this very process: the browser goes to its pages as to any provider, and the back-channel
calls are made in-process through Django's request machinery, as the portal client does with the
mock portal, so one process is enough. Both are cached (Django's cache): the configuration for an
hour, the keys for ten minutes and fetched again when a token names a key not in them.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlsplit

import requests
from django.conf import settings
from django.core.cache import cache

CONFIGURATION_SECONDS = 3600
JWKS_SECONDS = 600
REQUIRED = ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri", "userinfo_endpoint")


class ProviderUnavailable(Exception):
    """The provider did not answer, or answered something unusable."""


@dataclass
class Reply:
    status_code: int
    text: str
    headers: dict = field(default_factory=dict)

    def json(self):
        return json.loads(self.text)


def issuer() -> str:
    return settings.ONECUA_OIDC_ISSUER.rstrip("/")


def _in_process(url: str) -> str | None:
    """The path of `url` on this process when the provider is the in-process mock, else None.
    Only URLs under the issuer's origin are ever served in-process."""
    if not settings.ONECUA_OIDC_MOCK_IN_PROCESS:
        return None
    target, origin = urlsplit(url), urlsplit(issuer())
    if (target.scheme, target.netloc) != (origin.scheme, origin.netloc):
        raise ProviderUnavailable(f"{url} is not on the in-process provider {issuer()}")
    return target.path + (f"?{target.query}" if target.query else "")


def call(
    method: str,
    url: str,
    *,
    data: dict | None = None,
    headers: dict | None = None,
    basic_auth: tuple[str, str] | None = None,
) -> Reply:
    headers = dict(headers or {})
    if basic_auth:
        pair = f"{basic_auth[0]}:{basic_auth[1]}".encode()
        headers["Authorization"] = "Basic " + base64.b64encode(pair).decode("ascii")
    path = _in_process(url)
    if path is not None:
        return _call_in_process(method, url, path, data, headers)
    try:
        response = requests.request(
            method, url, data=data, headers=headers, timeout=settings.ONECUA_OIDC_TIMEOUT
        )
    except requests.RequestException as exc:  # refused, reset, timed out
        raise ProviderUnavailable(f"{url}: {exc}") from exc
    return Reply(response.status_code, response.text, dict(response.headers))


def _call_in_process(method, url, path, data, headers) -> Reply:
    from django.test import Client  # the request machinery, as the portal's in-process client

    target = urlsplit(url)
    client = Client(HTTP_HOST=target.netloc)
    extra = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()}
    secure = target.scheme == "https"
    if method == "GET":
        response = client.get(path, secure=secure, **extra)
    else:
        response = client.post(
            path,
            urlencode(data or {}),
            content_type="application/x-www-form-urlencoded",
            secure=secure,
            **extra,
        )
    return Reply(
        response.status_code, response.content.decode("utf-8", "replace"), dict(response.items())
    )


def _get_json(url: str) -> dict:
    reply = call("GET", url)
    if reply.status_code != 200:
        raise ProviderUnavailable(f"{url} answered {reply.status_code}")
    try:
        data = reply.json()
    except ValueError as exc:
        raise ProviderUnavailable(f"{url} answered no JSON") from exc
    if not isinstance(data, dict):
        raise ProviderUnavailable(f"{url} answered no JSON object")
    return data


def configuration() -> dict:
    """The provider's discovery document; its `issuer` must be ONECUA_OIDC_ISSUER exactly
    (OpenID Connect Discovery 1.0, section 4.3)."""
    key = f"vneid:configuration:{issuer()}"
    config = cache.get(key)
    if config is None:
        config = _get_json(issuer() + "/.well-known/openid-configuration")
        missing = [name for name in REQUIRED if not isinstance(config.get(name), str)]
        if missing:
            raise ProviderUnavailable(f"discovery lacks {', '.join(missing)}")
        if config["issuer"].rstrip("/") != issuer():
            raise ProviderUnavailable(
                f"discovery names issuer {config['issuer']!r}, not {issuer()!r}"
            )
        cache.set(key, config, CONFIGURATION_SECONDS)
    return config


def signing_keys(*, refresh: bool = False) -> list[dict]:
    """The provider's public keys (JWKS)."""
    key = f"vneid:jwks:{issuer()}"
    keys = None if refresh else cache.get(key)
    if keys is None:
        keys = _get_json(configuration()["jwks_uri"]).get("keys")
        if not isinstance(keys, list):
            raise ProviderUnavailable("the JWKS has no keys")
        cache.set(key, keys, JWKS_SECONDS)
    return keys
