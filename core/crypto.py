"""Personal data encrypted at rest (issue 12, section 5; docs/personal-data.md).

Values are encrypted with Fernet (the `cryptography` package): AES-128-CBC with a random IV and
an HMAC-SHA256 over the whole token, so a changed byte is detected before anything is
decrypted (authenticated encryption). The keys come from ONECUA_FIELD_KEYS, newest first: the
newest encrypts, every key decrypts (`MultiFernet`), so a new key can be put in front, the rows
re-encrypted with `manage.py rotate_field_keys`, and the old key then removed.

A ciphertext cannot be compared, so each searchable value has a keyed hash beside it
(`blind_index()`: core/identity.py's HMAC-SHA256 with ONECUA_HMAC_KEY, the same function the
access log names a data subject by); an exact search compares the hashes (`core.fields.match`).
"""

from __future__ import annotations

import base64
import functools
import hashlib

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed

from .identity import subject_key

# A Fernet token starts with its version byte 0x80, i.e. "gAAAAA" in URL-safe base64.
TOKEN_PREFIX = "gAAAAA"  # noqa: S105 (a format marker, no secret)


def development_key(label: str = "onecua-development-field-key-not-a-secret") -> str:
    """A fixed Fernet key derived from a public text: the default with the mocks on only (the
    system checks refuse it with the mocks off, core/checks.py)."""
    return base64.urlsafe_b64encode(hashlib.sha256(label.encode()).digest()).decode()


# settings.DEVELOPMENT_FIELD_KEY: the default of ONECUA_FIELD_KEYS with the mocks on.
DEVELOPMENT_KEY = development_key()


class DecryptionError(Exception):
    """A stored value that none of the keys authenticates: tampered with, truncated, written
    in clear, or encrypted with a key that is no longer in ONECUA_FIELD_KEYS."""


def parse_keys(value) -> list[str]:
    """ONECUA_FIELD_KEYS as a list (a comma-separated string or a list), blanks dropped."""
    if isinstance(value, str):
        value = value.split(",")
    return [key.strip() for key in value or () if key and key.strip()]


@functools.cache
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise ImproperlyConfigured("ONECUA_FIELD_KEYS is empty: no key to encrypt personal data.")
    try:
        return MultiFernet([Fernet(key) for key in keys])
    except (ValueError, TypeError) as error:
        raise ImproperlyConfigured(
            "ONECUA_FIELD_KEYS must be Fernet keys (32 bytes in URL-safe base64), comma-separated"
        ) from error


def fernet() -> MultiFernet:
    return _fernet(tuple(parse_keys(settings.ONECUA_FIELD_KEYS)))


def _forget(setting, **kwargs) -> None:
    if setting == "ONECUA_FIELD_KEYS":
        _fernet.cache_clear()


setting_changed.connect(_forget)


def is_token(value: str) -> bool:
    return bool(value) and value.startswith(TOKEN_PREFIX)


def encrypt(value: str) -> str:
    """The token of `value` with the newest key; "" stays "" (an empty field holds nothing)."""
    if not value:
        return ""
    return fernet().encrypt(value.encode("utf-8")).decode("ascii")


def decrypt(token: str, *, what: str = "value") -> str:
    """The clear value of a token; raises DecryptionError, naming `what`, when no key
    authenticates it."""
    if not token:
        return ""
    try:
        return fernet().decrypt(token.encode("ascii")).decode("utf-8")
    except (InvalidToken, UnicodeError) as error:
        raise DecryptionError(
            f"The encrypted {what} cannot be decrypted: it was altered, is not a ciphertext, or "
            "its key is not in ONECUA_FIELD_KEYS (docs/personal-data.md)."
        ) from error


def rotate(token: str, *, what: str = "value") -> str:
    """The same value encrypted with the newest key (a new token even if it already was)."""
    if not token:
        return ""
    try:
        return fernet().rotate(token.encode("ascii")).decode("ascii")
    except (InvalidToken, UnicodeError) as error:
        raise DecryptionError(f"The encrypted {what} cannot be decrypted for rotation.") from error


def encrypted_with_newest(token: str) -> bool:
    """Whether the newest key alone decrypts `token` (so rotation may skip it)."""
    if not token:
        return True
    keys = parse_keys(settings.ONECUA_FIELD_KEYS)
    try:
        _fernet((keys[0],)).decrypt(token.encode("ascii"))
    except (InvalidToken, UnicodeError):
        return False
    return True


def blind_index(value: str) -> str:
    """The keyed hash kept beside a searchable encrypted value (64 hex digits, "" for "")."""
    return subject_key(value)
