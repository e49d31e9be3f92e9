"""Production fails closed (issue 12, section 3): with the mocks of the national systems off
(settings ONECUA_MOCKS), what production needs and could otherwise silently default is an error
of Django's system checks, so `manage.py check`, `migrate`, `runserver`, the WSGI/ASGI
application and the Celery worker and beat (config/startup.py) refuse to start:

- SECRET_KEY: from the environment only (settings fall back to var/secret_key or a random key
  only with the mocks on);
- the national portal: PORTAL_BASE_URL (an http(s) URL), PORTAL_USERNAME, PORTAL_PASSWORD;
- the national payment platform: ONECUA_PAYMENT_URL (an http(s) URL),
  ONECUA_PAYMENT_PARTNER_CODE, ONECUA_PAYMENT_SECRET, ONECUA_PAYMENT_NOTIFY_URL (an https URL;
  E008 missing, E009 not such a URL);
- the OIDC client of the VNeID login: ONECUA_OIDC_CLIENT_ID, ONECUA_OIDC_CLIENT_SECRET,
  ONECUA_OIDC_ISSUER (an https URL);
- the keys of personal data at rest (docs/personal-data.md): ONECUA_FIELD_KEYS (Fernet keys, not
  the public development key; E006) and ONECUA_HMAC_KEY (32+ characters, not the development
  key; E007).
- the notifications' gateways: EMAIL_HOST, NOTIFY_SMS_URL / NOTIFY_ZALO_URL (http(s) URLs), their
  keys and the secrets of their signed delivery receipts (E010, E011).

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


@checks.register(checks.Tags.security)
def field_keys(app_configs=None, **kwargs) -> list[checks.Error]:
    """ONECUA_FIELD_KEYS (core/crypto.py): with the mocks off, at least one key, none of them
    the public development key or the placeholder, every one a valid Fernet key."""
    if settings.ONECUA_MOCKS:
        return []
    from cryptography.fernet import Fernet

    from .crypto import DEVELOPMENT_KEY, parse_keys

    keys = parse_keys(settings.ONECUA_FIELD_KEYS)
    hint = (
        "Set ONECUA_FIELD_KEYS to one or more Fernet keys, newest first, comma-separated; make "
        "one with: python3 -c 'from cryptography.fernet import Fernet; "
        "print(Fernet.generate_key().decode())' (docs/personal-data.md)."
    )
    if not keys:
        problem = "is not set"
    elif DEVELOPMENT_KEY in keys:
        problem = "contains the public development key"
    elif PLACEHOLDER in keys:
        problem = f"is still the placeholder {PLACEHOLDER}"
    else:
        problem = ""
        for key in keys:
            try:
                Fernet(key)
            except (ValueError, TypeError):
                problem = "contains a value that is no Fernet key (32 bytes, URL-safe base64)"
                break
    if not problem:
        return []
    return [
        checks.Error(
            f"ONECUA_FIELD_KEYS {problem}: the keys that encrypt personal data at rest are "
            "required when the mocks are off (ONECUA_MOCKS=0).",
            hint=hint,
            obj="settings",
            id="onecua.E006",
        )
    ]


@checks.register(checks.Tags.security)
def hmac_key(app_configs=None, **kwargs) -> list[checks.Error]:
    """ONECUA_HMAC_KEY (core/identity.py): with the mocks off, set, not the public development
    key, and long enough to be a secret."""
    if settings.ONECUA_MOCKS:
        return []
    from .identity import DEVELOPMENT_HMAC_KEY

    key = str(settings.ONECUA_HMAC_KEY or "").strip()
    if not key:
        problem = "is not set"
    elif key == DEVELOPMENT_HMAC_KEY:
        problem = "is the public development key"
    elif key == PLACEHOLDER:
        problem = f"is still the placeholder {PLACEHOLDER}"
    elif len(key) < 32:
        problem = "is shorter than 32 characters"
    else:
        return []
    return [
        checks.Error(
            f"ONECUA_HMAC_KEY {problem}: the secret of the keyed hashes of personal IDs, tax "
            "codes and phone numbers is required when the mocks are off (ONECUA_MOCKS=0).",
            hint="Set ONECUA_HMAC_KEY once per deployment to 32 or more random characters: "
            "python3 -c 'import secrets; print(secrets.token_urlsafe(48))'.",
            obj="settings",
            id="onecua.E007",
        )
    ]


@checks.register()
def payment_platform(app_configs=None, **kwargs) -> list[checks.Error]:
    if settings.ONECUA_MOCKS:
        return []
    platform = [
        ("ONECUA_PAYMENT_URL", settings.ONECUA_PAYMENT_URL, "http(s) URL"),
        ("ONECUA_PAYMENT_PARTNER_CODE", settings.ONECUA_PAYMENT_PARTNER_CODE, ""),
        ("ONECUA_PAYMENT_SECRET", settings.ONECUA_PAYMENT_SECRET, ""),
        ("ONECUA_PAYMENT_NOTIFY_URL", settings.ONECUA_PAYMENT_NOTIFY_URL, "https URL"),
    ]
    return _required(platform, "the national payment platform", "onecua.E008", "onecua.E009")


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
        gateways, "the notifications' gateways (e-mail, SMS, Zalo)", "onecua.E010", "onecua.E011"
    )
