"""Writes of accounts: API tokens (issue, revoke) and deactivation (docs/accounts.md).

A token is one login of one device: logging out revokes that token only, `revoke_all_tokens`
every token of the user (log out everywhere, an administrator's "revoke all tokens"), and a
deactivated account loses all of them at once (`deactivate`). The authentication refuses an
inactive user's token anyway and deletes that user's tokens when it meets one
(accounts/api/authentication.py), for an account switched off some other way.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core.fields import match

from .models import AuthToken, TokenPurpose, User
from .roles import Role

# The label kept when a login names no device: the client's User-Agent, cut to the field.
DEVICE_MAX_LENGTH = AuthToken._meta.get_field("device").max_length


def issue_token(
    user: User,
    *,
    device: str = "",
    purpose: str = TokenPurpose.SESSION,
    lifetime: timedelta | None = None,
) -> tuple[AuthToken, str]:
    """A new token for `user` (by default for API_TOKEN_HOURS): the row, and the secret, which
    is shown once and never stored. The user's expired tokens are deleted on the way."""
    if lifetime is None:
        lifetime = timedelta(hours=settings.API_TOKEN_HOURS)
    now = timezone.now()
    AuthToken.objects.filter(user=user, expiry__lte=now).delete()
    return AuthToken.objects.create(
        user=user, expiry=lifetime, device=device.strip()[:DEVICE_MAX_LENGTH], purpose=purpose
    )


def live_tokens(user: User):
    """The user's tokens that still work, newest first."""
    return AuthToken.objects.filter(
        user=user, purpose=TokenPurpose.SESSION, expiry__gt=timezone.now()
    ).order_by("-created", "-id")


def revoke_token(token: AuthToken) -> None:
    AuthToken.objects.filter(pk=token.pk).delete()


def revoke_all_tokens(user: User) -> int:
    """Every token of the user (any purpose); returns how many were revoked."""
    deleted, _ = AuthToken.objects.filter(user=user).delete()
    return deleted


def deactivate(user: User) -> int:
    """Switch the account off: it can no longer log in, and its tokens die at once (its sessions
    too: Django's backend refuses an inactive user). Returns how many tokens were revoked."""
    with transaction.atomic():
        if user.is_active:
            user.is_active = False
            user.save(update_fields=["is_active"])
        return revoke_all_tokens(user)


def purge_expired_tokens() -> int:
    """Delete every expired token (a daily task; expired tokens never authenticate anyway)."""
    deleted, _ = AuthToken.objects.filter(expiry__lte=timezone.now()).delete()
    return deleted


def citizen_by_personal_id(personal_id: str) -> User | None:
    """The citizen account of the person with this 12-digit personal ID, or None: the one way
    to find a citizen by their number (counter intake, the VNeID login). The number is
    encrypted at rest, so the look-up compares its keyed hash (core.fields.match), an indexed
    equality backed by the one-citizen-per-person constraint."""
    personal_id = (personal_id or "").strip()
    if not personal_id:
        return None
    # Stated as the one-citizen-per-person constraint's condition, so that its partial unique
    # index serves the look-up.
    return (
        User.objects.filter(match("personal_id", personal_id), role=Role.CITIZEN)
        .exclude(personal_id_hash="")
        .first()
    )
