"""Who may read dossiers in the admin (see the package docstring)."""

from accounts.roles import OFFICIAL_ROLES, Role

# Staff users with these roles may read dossiers in the admin without model permissions.
READER_ROLES = frozenset(OFFICIAL_ROLES | {Role.ADMINISTRATOR})


def may_read(request) -> bool:
    """An active staff user whose role reads dossiers (see the module docstring)."""
    user = request.user
    return bool(user.is_active and user.is_staff and getattr(user, "role", None) in READER_ROLES)


def reads_everything(user) -> bool:
    return user.is_superuser or getattr(user, "role", None) == Role.ADMINISTRATOR
