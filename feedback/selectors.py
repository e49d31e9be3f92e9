"""Reads of feedback: who sees which (the one scope rule), the public search."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils import timezone

from accounts.roles import OFFICIAL_ROLES, Role
from core.text import fold_terms

from .models import OPEN, Feedback


def visibility(user) -> Q | None:
    """A citizen: what they sent; an official: what is routed to their agency (as dossiers'
    scope: the agency itself); an administrator: all (None); anybody else: nothing."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return Q(pk__in=[])
    if user.role == Role.ADMINISTRATOR:
        return None
    if user.role == Role.CITIZEN:
        return Q(sender=user)
    if user.role in OFFICIAL_ROLES and user.agency_id:
        return Q(agency_id=user.agency_id)
    return Q(pk__in=[])


def visible_to(user) -> QuerySet[Feedback]:
    rule = visibility(user)
    queryset = Feedback.objects.all()
    return queryset if rule is None else queryset.filter(rule)


def overdue(queryset: QuerySet[Feedback], now=None) -> QuerySet[Feedback]:
    return queryset.filter(status__in=list(OPEN), due_at__lt=now or timezone.now())


def published() -> QuerySet[Feedback]:
    """Answers published by the agency (the public list shows no personal data)."""
    return Feedback.objects.filter(published=True).select_related("agency", "procedure", "sender")


def search(queryset: QuerySet[Feedback], q: str) -> QuerySet[Feedback]:
    """Accent-insensitive: "phan anh" finds "phản ánh" (core.text folding, every word)."""
    for term in fold_terms(q):
        queryset = queryset.filter(search_text__contains=term)
    return queryset
