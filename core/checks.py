"""Production fails closed (issue 12, section 3): with the mocks of the national systems off
(settings ONECUA_MOCKS), what production needs and could otherwise silently default is an error
of Django's system checks, so `manage.py check`, `migrate`, `runserver`, the WSGI/ASGI
application and the Celery worker and beat (config/startup.py) refuse to start:

- SECRET_KEY: from the environment only (settings fall back to var/secret_key or a random key
  only with the mocks on);
- the national portal: PORTAL_BASE_URL (an http(s) URL), PORTAL_USERNAME, PORTAL_PASSWORD;
- the OIDC client of the VNeID login: ONECUA_OIDC_CLIENT_ID, ONECUA_OIDC_CLIENT_SECRET,
  ONECUA_OIDC_ISSUER (an https URL);
- the notifications' gateways: EMAIL_HOST, NOTIFY_SMS_URL / NOTIFY_ZALO_URL (http(s) URLs), their
  keys and the secrets of their signed delivery receipts (E006, E007).

A value still equal to README's placeholder (`PLACEHOLDER`) counts as missing. Each error names
its variable. With the mocks on (the embedded default, the tests) nothing here applies.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

# The value README's production block gives every secret: to be replaced, never deployed.
PLACEHOLDER = "CHANGE_ME"

SCHEMES = {"http(s) URL": ("http", "https"), "https URL": ("https",)}


def _required(variables, what: str, missing_id: str, malformed_id: str) -> list[checks.Error]:
    """variables: (name of the environment variable and setting, its value, "" or the kind of
    URL it must be)."""
    errors = []
    for variable, value, kind in variables:
        value = str(value or "").strip()
        if not value or value == PLACEHOLDER:
            state = "is not set" if not value else f"is still the placeholder {PLACEHOLDER}"
            errors.append(
                checks.Error(
                    f"{variable} {state}: {what} is required when the mocks are off "
                    "(ONECUA_MOCKS=0).",
                    hint=f"Set {variable} in the environment (README.md, 'Production').",
                    obj="settings",
                    id=missing_id,
                )
            )
        elif kind and (urlsplit(value).scheme not in SCHEMES[kind] or not urlsplit(value).netloc):
            errors.append(
                checks.Error(
                    f"{variable} must be an absolute {kind}, not {value!r}.",
                    hint="README.md, 'Production', shows an example.",
                    obj="settings",
                    id=malformed_id,
                )
            )
    return errors


@checks.register(checks.Tags.security)
def secret_key(app_configs=None, **kwargs) -> list[checks.Error]:
    if settings.ONECUA_MOCKS:
        return []
    try:
        key = settings.SECRET_KEY
    except ImproperlyConfigured:  # Django refuses to hand out an empty key
        key = ""
    if key and key != PLACEHOLDER:
        return []
    state = "is not set" if not key else f"is still the placeholder {PLACEHOLDER}"
    return [
        checks.Error(
            f"SECRET_KEY {state}: with the mocks off (ONECUA_MOCKS=0) the key comes from the "
            "environment only, never from var/secret_key or a key made for the process.",
            hint="Set SECRET_KEY to 50 or more random characters, the same on every server: "
            "python3 -c 'import secrets; print(secrets.token_urlsafe(50))'.",
            obj="settings",
            id="onecua.E001",
        )
    ]


@checks.register()
def national_portal(app_configs=None, **kwargs) -> list[checks.Error]:
    if settings.ONECUA_MOCKS:
        return []
    portal = [
        ("PORTAL_BASE_URL", settings.PORTAL_BASE_URL, "http(s) URL"),
        ("PORTAL_USERNAME", settings.PORTAL_USERNAME, ""),
        ("PORTAL_PASSWORD", settings.PORTAL_PASSWORD, ""),
    ]
    return _required(portal, "the national portal (DVCQG)", "onecua.E002", "onecua.E003")


@checks.register()
def oidc_client(app_configs=None, **kwargs) -> list[checks.Error]:
    if settings.ONECUA_MOCKS:
        return []
    oidc = [
        ("ONECUA_OIDC_CLIENT_ID", settings.ONECUA_OIDC_CLIENT_ID, ""),
        ("ONECUA_OIDC_CLIENT_SECRET", settings.ONECUA_OIDC_CLIENT_SECRET, ""),
        ("ONECUA_OIDC_ISSUER", settings.ONECUA_OIDC_ISSUER, "https URL"),
    ]
    return _required(oidc, "the OIDC client of the VNeID login", "onecua.E004", "onecua.E005")


@checks.register()
def messaging_gateways(app_configs=None, **kwargs) -> list[checks.Error]:
    """The notifications' gateways (docs/notifications.md): the SMTP server of the e-mails, the
    SMS brandname gateway and Zalo's ZNS, with the secrets their delivery receipts are signed
    with."""
    if settings.ONECUA_MOCKS:
        return []
    gateways = [
        ("EMAIL_HOST", settings.EMAIL_HOST, ""),
        ("NOTIFY_SMS_URL", settings.NOTIFY_SMS_URL, "http(s) URL"),
        ("NOTIFY_SMS_API_KEY", settings.NOTIFY_SMS_API_KEY, ""),
        ("NOTIFY_SMS_CALLBACK_SECRET", settings.NOTIFY_SMS_CALLBACK_SECRET, ""),
        ("NOTIFY_ZALO_URL", settings.NOTIFY_ZALO_URL, "http(s) URL"),
        ("NOTIFY_ZALO_ACCESS_TOKEN", settings.NOTIFY_ZALO_ACCESS_TOKEN, ""),
        ("NOTIFY_ZALO_CALLBACK_SECRET", settings.NOTIFY_ZALO_CALLBACK_SECRET, ""),
    ]
    return _required(
        gateways, "the notifications' gateways (e-mail, SMS, Zalo)", "onecua.E006", "onecua.E007"
    )
