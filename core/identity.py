"""Naming a data subject without holding their number in clear.

`subject_key()` is the keyed hash (HMAC-SHA256 with settings.ONECUA_HMAC_KEY) of a person's
12-digit personal ID or an organisation's tax code: the same number always gives the same key,
and the key cannot be turned back into the number without the secret. The access log
(docs/access-log.md) names whose data was read by it; the index kept beside an encrypted
personal ID, tax code or phone (core.crypto.blind_index, docs/personal-data.md) is the same
function, so that both can be matched without decrypting.

Changing ONECUA_HMAC_KEY changes every key: rows keyed before no longer match anyone until they
are rekeyed (which needs the clear numbers), so the key is set once per deployment.
"""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

# settings.DEVELOPMENT_HMAC_KEY: the default of ONECUA_HMAC_KEY with the mocks on.
DEVELOPMENT_HMAC_KEY = "onecua-development-hmac-key-not-a-secret"


def normalise_identifier(identifier: str) -> str:
    """The form that is hashed: the number as written, without surrounding spaces."""
    return (identifier or "").strip()


def subject_key(identifier: str) -> str:
    """HMAC-SHA256 of the identifier as 64 hex digits; "" for no identifier."""
    value = normalise_identifier(identifier)
    if not value:
        return ""
    if not settings.ONECUA_HMAC_KEY:
        raise ImproperlyConfigured("ONECUA_HMAC_KEY is not set (core/checks.py, onecua.E007).")
    key = settings.ONECUA_HMAC_KEY.encode("utf-8")
    return hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()
