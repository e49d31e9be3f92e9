"""Who may do what to which dossier (docs/architecture.md, "Roles"). Pure functions of the user
and the dossier's attributes; the FSM transitions name them as their `permission`, and the
services check them explicitly with `has_transition_perm` before running a transition.

Scopes:
- a citizen: dossiers whose applicant's account is theirs;
- a receiving officer: dossiers filed at or routed to their centre (`receiving_agency`);
- a processing officer or leader: dossiers handled by their agency (`handling_agency`);
- an administrator: reads everything, acts on nothing.

`visibility()` states these scopes once, as a database filter.
"""

from __future__ import annotations

from django.db.models import Q

from accounts.roles import Role

from .system import is_system


def _role(user) -> str | None:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    return user.role


def is_owner(dossier, user) -> bool:
    return _role(user) == Role.CITIZEN and dossier.applicant.account_id == user.pk


def at_receiving_centre(dossier, user) -> bool:
    return (
        _role(user) == Role.RECEIVING_OFFICER
        and user.agency_id is not None
        and dossier.receiving_agency_id == user.agency_id
    )


def in_handling_agency(dossier, user, *roles: str) -> bool:
    roles = roles or (Role.PROCESSING_OFFICER, Role.LEADER)
    return (
        _role(user) in roles
        and user.agency_id is not None
        and dossier.handling_agency_id == user.agency_id
    )


def is_leader(dossier, user) -> bool:
    return in_handling_agency(dossier, user, Role.LEADER)


def visibility(user) -> Q | None:
    """Which dossiers `user` may see at all, as a filter (None: every dossier; `Q(pk__in=[])`:
    none). The one statement of the scope rule: the reads (`selectors.visible_to`) and the
    writes (`services.dossier_action` locks the row through it) both use it."""
    role = _role(user)
    if role == Role.ADMINISTRATOR or is_system(user):
        return None
    if role == Role.CITIZEN:
        return Q(applicant__account=user)
    if role == Role.RECEIVING_OFFICER and user.agency_id:
        return Q(receiving_agency_id=user.agency_id)
    if role in (Role.PROCESSING_OFFICER, Role.LEADER) and user.agency_id:
        return Q(handling_agency_id=user.agency_id)
    return Q(pk__in=[])


# --- writes that keep the status (no FSM transition) --------------------------------------------
def can_attach_file(dossier, user) -> bool:
    """The applicant (their own upload) or the receiving centre (a scan at the counter)."""
    return is_owner(dossier, user) or at_receiving_centre(dossier, user)


def can_digitise(dossier, user) -> bool:
    """The receiving centre checks and digitises what was handed in."""
    return at_receiving_centre(dossier, user)


# --- transition permissions -------------------------------------------------------------------
def can_check_at_receipt(dossier, user) -> bool:
    """receive, refuse receipt: the receiving centre."""
    return at_receiving_centre(dossier, user)


def can_request_supplement(dossier, user) -> bool:
    """At receipt the receiving centre; during processing the handling agency."""
    if dossier.status == "new":
        return at_receiving_centre(dossier, user)
    return in_handling_agency(dossier, user)


def can_supplement(dossier, user) -> bool:
    """The applicant online, or the receiving centre for paper handed in at the counter."""
    return is_owner(dossier, user) or at_receiving_centre(dossier, user)


def can_assign(dossier, user) -> bool:
    """The head of the handling agency assigns a handler."""
    return is_leader(dossier, user)


def can_hand_over(dossier, user) -> bool:
    """The handling agency's staff move the dossier between its internal steps."""
    return in_handling_agency(dossier, user)


def can_handle_payment(dossier, user) -> bool:
    return in_handling_agency(dossier, user) or at_receiving_centre(dossier, user)


def can_decide(dossier, user) -> bool:
    """approve / refuse: the head of the handling agency signs."""
    return is_leader(dossier, user)


def can_return(dossier, user) -> bool:
    return at_receiving_centre(dossier, user)


def can_withdraw(dossier, user) -> bool:
    """The applicant, or the counter recording the applicant's written request."""
    return is_owner(dossier, user) or at_receiving_centre(dossier, user)


def can_stop(dossier, user) -> bool:
    """The head or the counter; the system when the supplement window ran out (the watchdog:
    the applicant who does not supplement in time has the dossier closed, docs/domain.md §3.3)."""
    return is_leader(dossier, user) or at_receiving_centre(dossier, user) or is_system(user)


def can_reschedule(dossier, user) -> bool:
    """The apology letter (Mẫu 04) is signed by the head of the handling agency."""
    return is_leader(dossier, user)
