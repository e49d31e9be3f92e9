"""Signed tokens: a ticket's (its public status page, the QR code on the printed ticket) and an
appointment's (the QR code the citizen shows at the kiosk). Each kind has its own salt, so a
token of one kind never opens the other; a forged or expired token is a NotFound."""

from __future__ import annotations

from django.core import signing
from django.utils.translation import gettext as _

from core.errors import NotFound

TICKET_SALT = "servicecentre.ticket"
APPOINTMENT_SALT = "servicecentre.appointment"
TICKET_MAX_AGE = 2 * 86400  # a ticket lives for its day
APPOINTMENT_MAX_AGE = 120 * 86400


def sign(kind: str, pk: int) -> str:
    return signing.TimestampSigner(salt=kind).sign_object({"i": pk})


def unsign(kind: str, token: str, max_age: int) -> int:
    try:
        data = signing.TimestampSigner(salt=kind).unsign_object(str(token).strip(), max_age=max_age)
    except signing.SignatureExpired as exc:
        raise NotFound(_("Mã đã hết hạn."), code="token_expired") from exc
    except (signing.BadSignature, ValueError, TypeError, UnicodeDecodeError) as exc:
        raise NotFound(_("Mã không hợp lệ."), code="token_invalid") from exc
    pk = data.get("i") if isinstance(data, dict) else None
    if not isinstance(pk, int):
        raise NotFound(_("Mã không hợp lệ."), code="token_invalid")
    return pk
