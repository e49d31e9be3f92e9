"""Reads of the data store."""

from __future__ import annotations

from django.db.models import QuerySet

from accounts.roles import Role
from core.fields import match

from .models import StoreDocument


def store_of(user) -> QuerySet[StoreDocument]:
    """The documents of the data store `user` may list: a citizen's own (by their personal ID);
    nothing for anyone else (officials reach a document through the dossier that uses it)."""
    if getattr(user, "role", None) != Role.CITIZEN or not getattr(user, "personal_id", ""):
        return StoreDocument.objects.none()
    return StoreDocument.objects.filter(match("owner_id", user.personal_id))


def find_in_store(document_id, owner_ids: set[str]) -> StoreDocument | None:
    """A document of one of `owner_ids`' stores by its id (None when unknown or someone else's)."""
    if not str(document_id).isdigit():
        return None
    document = StoreDocument.objects.select_related("file").filter(pk=document_id).first()
    if document is None or document.owner_id not in owner_ids:
        return None
    return document


def store_of_owner(owner_id: str) -> QuerySet[StoreDocument]:
    """The documents of one person's or organisation's store (by their personal ID or tax
    code, through the keyed hash): what the counter may offer to reuse when that person files
    a dossier in person (docs/workspace.md); the caller records the read in the access log."""
    if not owner_id:
        return StoreDocument.objects.none()
    return StoreDocument.objects.filter(match("owner_id", owner_id)).select_related("file")
