"""Every write of the documents app: files kept in the `documents` storage and the citizen's
data store (kho dữ liệu). It knows nothing of dossiers: callers say where a document came from
(`source_reference`, e.g. a dossier code)."""

from __future__ import annotations

import hashlib
import uuid
from datetime import date

from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db.models import F
from django.utils import timezone

from .models import StoredFile, StoreDocument, StoreDocumentKind
from .uploads import check_upload


def storage():
    return storages["documents"]


def _storage_name(extension: str) -> str:
    now = timezone.now()
    return f"{now:%Y/%m}/{uuid.uuid4().hex}.{extension}"


def _uploader(actor):
    return actor if getattr(actor, "pk", None) else None


def store_upload(upload, *, actor, name: str | None = None) -> StoredFile:
    """Validate an uploaded file by its content and keep it under a generated name."""
    checked = check_upload(upload, name)
    path = storage().save(_storage_name(checked.extension), upload)
    return StoredFile.objects.create(
        path=path,
        name=checked.name,
        content_type=checked.content_type,
        size=checked.size,
        sha256=checked.sha256,
        uploaded_by=_uploader(actor),
    )


def store_bytes(data: bytes, *, name: str, content_type: str, extension: str, actor=None):
    """Keep a file the system made itself (an e-result)."""
    path = storage().save(_storage_name(extension), ContentFile(data))
    return StoredFile.objects.create(
        path=path,
        name=name,
        content_type=content_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        uploaded_by=_uploader(actor),
    )


def read_bytes(stored: StoredFile) -> bytes:
    with storage().open(stored.path, "rb") as handle:
        return handle.read()


def open_stored(stored: StoredFile):
    return storage().open(stored.path, "rb")


def add_to_store(
    *,
    owner_id: str,
    owner_name: str,
    kind: StoreDocumentKind,
    title: str,
    file: StoredFile,
    source_reference: str = "",
    number: str = "",
    issuer: str = "",
    signer: str = "",
    issued_on: date | None = None,
    valid_until: date | None = None,
) -> StoreDocument:
    """Keep a document in its owner's data store (owner: a 12-digit personal ID or a tax code)."""
    return StoreDocument.objects.create(
        owner_id=owner_id,
        owner_name=owner_name,
        kind=kind,
        title=title[:500],
        number=number,
        issuer=issuer,
        signer=signer,
        issued_on=issued_on,
        valid_until=valid_until,
        file=file,
        source_reference=source_reference,
    )


def count_reuse(document: StoreDocument) -> None:
    """One more dossier took this document from the store (counted in the database)."""
    StoreDocument.objects.filter(pk=document.pk).update(reuse_count=F("reuse_count") + 1)


__all__ = [
    "add_to_store",
    "count_reuse",
    "open_stored",
    "read_bytes",
    "storage",
    "store_bytes",
    "store_upload",
]
