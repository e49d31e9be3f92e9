"""What an applicant may see of the people inside the agencies (one rule, for every output).

A citizen following their dossier sees which agency acted, never which official, and not the
officials' internal working notes (the hand-offs between them, the process steps' notes). The
API's serializers and the public pages apply `redact()` to what they show; officials and
administrators see everything in their scope.
"""

from __future__ import annotations

from accounts.roles import Role

from .models import Dossier, DossierAction, Event, StepRun

# Internal hand-offs whose notes are the officers' own working notes.
INTERNAL_ACTIONS = frozenset({DossierAction.ASSIGN, DossierAction.HAND_OVER})


def is_applicant_view(user) -> bool:
    return getattr(user, "role", None) == Role.CITIZEN


def actor_name(actor, user) -> str | None:
    """Who acted, as `user` may see it: an official is shown as their agency to a citizen."""
    if actor is None:
        return None
    if is_applicant_view(user) and actor.role != Role.CITIZEN:
        return actor.agency.name if actor.agency_id else None
    return actor.full_name or actor.username


def redact(obj, data: dict, user) -> dict:
    """`data` (the output for `obj`) with what `user` may not see blanked out."""
    if not is_applicant_view(user):
        return data
    if isinstance(obj, Event) and obj.action in INTERNAL_ACTIONS:
        data["note"] = ""
        data["payload"] = {}
    elif isinstance(obj, StepRun):
        data["assignee"] = None
        data["note"] = ""
    elif isinstance(obj, Dossier):
        data["assignee"] = None
    return data
