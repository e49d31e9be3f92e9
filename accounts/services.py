"""Writes of accounts: API tokens (issue, revoke) and deactivation (docs/accounts.md).

A token is one login of one device: logging out revokes that token only, `revoke_all_tokens`
every token of the user (log out everywhere, an administrator's "revoke all tokens"), and a
deactivated account loses all of them at once (`deactivate`). The authentication refuses an
inactive user's token anyway and deletes that user's tokens when it meets one
(accounts/api/authentication.py), for an account switched off some other way.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.fields import match

from .models import AuthToken, TokenPurpose, User, VneidLogin
from .roles import Role

# The label kept when a login names no device: the client's User-Agent, cut to the field.
DEVICE_MAX_LENGTH = AuthToken._meta.get_field("device").max_length


def issue_token(
    user: User,
    *,
    device: str = "",
    purpose: str = TokenPurpose.SESSION,
    lifetime: timedelta | None = None,
    assurance_level: int | None = None,
) -> tuple[AuthToken, str]:
    """A new token for `user` (by default for API_TOKEN_HOURS): the row, and the secret, which
    is shown once and never stored. The user's expired tokens are deleted on the way.
    `assurance_level`: the VNeID level of the login it is issued for (None: a password login)."""
    if lifetime is None:
        lifetime = timedelta(hours=settings.API_TOKEN_HOURS)
    now = timezone.now()
    AuthToken.objects.filter(user=user, expiry__lte=now).delete()
    return AuthToken.objects.create(
        user=user,
        expiry=lifetime,
        device=device.strip()[:DEVICE_MAX_LENGTH],
        purpose=purpose,
        assurance_level=assurance_level,
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


# --- citizens and VNeID (docs/accounts.md, "VNeID") --------------------------------------------

# How long the one-time ticket of a VNeID login may wait for its exchange.
VNEID_TICKET_LIFETIME = timedelta(minutes=2)


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


@dataclass(frozen=True)
class VneidIdentity:
    """What a VNeID login tells us about the citizen (accounts/vneid/claims.py reads it from the
    verified claims)."""

    subject: str
    personal_id: str
    full_name: str
    assurance_level: int
    birth_date: date | None = None
    phone: str = ""
    email: str = ""


def citizen_from_vneid(identity: VneidIdentity) -> User:
    """The citizen account of a VNeID login, keyed by the personal ID only (never by e-mail or
    name): the existing citizen with that number (from counter intake, an earlier login or a
    password account), or a new account. Its name, birth date, phone and e-mail are refreshed
    from the claims (VNeID is the authority on them); a new account has no usable password."""
    with transaction.atomic():
        user = citizen_by_personal_id(identity.personal_id)
        if user is None:
            user = User(role=Role.CITIZEN, personal_id=identity.personal_id)
            user.username = f"vneid-{secrets.token_hex(6)}"
            user.set_unusable_password()
        user.full_name = identity.full_name or user.full_name
        user.birth_date = identity.birth_date or user.birth_date
        user.phone = identity.phone or user.phone
        user.email = identity.email or user.email
        try:
            with transaction.atomic():
                user.save()
        except IntegrityError:
            # A concurrent first login of the same person created the account: link to it.
            user = citizen_by_personal_id(identity.personal_id)
            if user is None:
                raise
        return user


def record_vneid_login(user: User, identity: VneidIdentity) -> VneidLogin:
    return VneidLogin.objects.create(
        user=user,
        logged_in_at=timezone.now(),
        assurance_level=identity.assurance_level,
        subject=identity.subject[:255],
    )


def _ticket_digest(ticket: str) -> str:
    return hashlib.sha256(ticket.encode("utf-8")).hexdigest()


def issue_vneid_ticket(login: VneidLogin) -> tuple[str, VneidLogin]:
    """A new one-time ticket for the app of the citizen who made this VNeID login (a previous
    ticket of the same login stops working). Returns the ticket (shown once) and the login."""
    ticket = secrets.token_urlsafe(32)
    login.ticket_digest = _ticket_digest(ticket)
    login.ticket_expires_at = timezone.now() + VNEID_TICKET_LIFETIME
    login.save(update_fields=["ticket_digest", "ticket_expires_at"])
    return ticket, login


def exchange_vneid_ticket(ticket: str, *, device: str = "") -> tuple[AuthToken, str] | None:
    """The API token a ticket is good for, once: the login's user, the login's level. None when
    the ticket is unknown, already used or expired (or its account switched off)."""
    now = timezone.now()
    digest = _ticket_digest(ticket)
    with transaction.atomic():
        # Spent in one UPDATE: of two concurrent exchanges of the same ticket one wins.
        spent = VneidLogin.objects.filter(
            ticket_digest=digest, exchanged_at__isnull=True, ticket_expires_at__gt=now
        ).update(exchanged_at=now)
        if spent != 1:
            return None
        login = VneidLogin.objects.select_related("user").get(ticket_digest=digest)
        if not login.user.is_active:
            return None
        token, secret = issue_token(
            login.user, device=device, assurance_level=login.assurance_level
        )
        login.token = token
        login.save(update_fields=["token"])
    return token, secret


def login_assurance_level(request) -> int | None:
    """The VNeID level of the login behind an API request: its token's, or that of the browser
    session's VNeID login; None for a password login."""
    auth = getattr(request, "auth", None)
    if isinstance(auth, AuthToken):
        return auth.assurance_level
    session = getattr(request, "session", None)
    if session is not None and session.get(SESSION_VNEID_USER) == getattr(request.user, "pk", None):
        return session.get(SESSION_VNEID_LEVEL)
    return None


# The browser session's VNeID login (accounts/vneid/views.py writes them at the callback).
SESSION_VNEID_LOGIN = "vneid_login"
SESSION_VNEID_USER = "vneid_user"
SESSION_VNEID_LEVEL = "vneid_assurance_level"
