"""Signed links naming a dossier (the rating link of the notices, the payment link of a fee
request): a timestamped signature of the dossier's code under a salt of its own, so a link of one
kind never opens another. A forged, altered or expired link is a 404 that tells nothing."""

from __future__ import annotations

from django.core import signing

from core.errors import NotFound

from .models import Dossier


def sign(dossier: Dossier, salt: str) -> str:
    return signing.TimestampSigner(salt=salt).sign_object({"d": dossier.code})


def dossier_of(token: str, *, salt: str, max_age: int, expired: str, invalid: str) -> Dossier:
    """The dossier a link names; `expired` / `invalid`: the messages of the two refusals."""
    try:
        data = signing.TimestampSigner(salt=salt).unsign_object(token, max_age=max_age)
    except signing.SignatureExpired as exc:
        raise NotFound(expired, code="link_expired") from exc
    except (signing.BadSignature, ValueError, TypeError) as exc:
        raise NotFound(invalid, code="link_invalid") from exc
    code = data.get("d") if isinstance(data, dict) else None
    dossier = Dossier.objects.filter(code=code).first() if isinstance(code, str) else None
    if dossier is None:
        raise NotFound(invalid, code="link_invalid")
    return dossier
