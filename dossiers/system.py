"""The system as an actor: the watchdog's writes through the one door (docs/watchdog.md).

`SYSTEM` is no database user (no request can ever authenticate as it): it sees every dossier,
it may stop one whose supplement window ran out, and it writes the watchdog's own events (which
record no actor, `Event.actor` null). Everything else its role refuses.
"""

from __future__ import annotations

SYSTEM_ROLE = "system"


class SystemActor:
    pk = None
    id = None
    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_staff = False
    is_superuser = False
    role = SYSTEM_ROLE
    agency_id = None
    username = "onecua"
    full_name = "Hệ thống onecua"

    def has_perm(self, perm, obj=None) -> bool:
        return False

    def __str__(self) -> str:
        return self.full_name


SYSTEM = SystemActor()


def is_system(user) -> bool:
    return isinstance(user, SystemActor)
