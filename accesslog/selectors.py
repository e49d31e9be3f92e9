"""Reads of the access log: a data subject's own rows, and the administrators' search."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from accounts.roles import Role
from core.identity import subject_key

from .models import AccessRecord


def about(user) -> QuerySet[AccessRecord]:
    """The rows about `user`'s data, for a citizen: reads of the dossiers whose applicant is
    linked to their account, and of anything keyed by their personal ID (a dossier filed for
    them at the counter, their data store) — the same trust in the account's personal ID as
    their data store (documents.selectors.store_of). Nothing for anyone else."""
    if getattr(user, "role", None) != Role.CITIZEN or not user.is_authenticated:
        return AccessRecord.objects.none()
    about_them = Q(subject_account_id=user.pk)
    key = subject_key(getattr(user, "personal_id", ""))
    if key:
        about_them |= Q(subject_key=key)
    return AccessRecord.objects.filter(about_them)
