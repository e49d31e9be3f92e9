"""Files of dossier components, digitisation at the counter and the citizen's data store.

- A citizen uploads files for the components of their own dossier while it is new or waiting
  for a supplement.
- A receiving officer scans paper at the counter: the file is attached, the component is
  digitised and the scan, with its metadata, goes to the applicant's data store. An officer may
  also digitise what the citizen uploaded online (check it, give its metadata).
- A component the procedure marks reusable may point to a document of the store instead of a
  new upload (`reuse_document`, used by the intake services): the reuse is counted.

A dossier is digitised when every component handed in is digitised, and reuses data when at
least one component came from the store (the flags the indicators count).
"""

from __future__ import annotations

import uuid
from datetime import date

from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from onecua.errors import Conflict, DomainError, Forbidden, NotFound
from onecua.uploads import check_upload

from .. import permissions as perm
from ..models import (
    ComponentFile,
    Dossier,
    DossierComponent,
    DossierStatus,
    FileSource,
    StoredFile,
    StoreDocument,
    StoreDocumentKind,
)
from .core import lock, record_event

S = DossierStatus
# While the citizen may still change what they filed.
CITIZEN_UPLOAD_STATES = (S.NEW, S.SUPPLEMENT_REQUESTED)
# While the counter may still scan paper into the dossier.
COUNTER_SCAN_STATES = (
    S.NEW,
    S.RECEIVED,
    S.PROCESSING,
    S.SUPPLEMENT_REQUESTED,
    S.AWAITING_PAYMENT,
)
METADATA_FIELDS = ("title", "number", "issuer", "signer", "issued_on", "valid_until")


def storage():
    return storages["documents"]


# --- the stored bytes -------------------------------------------------------------------------
def _storage_name(extension: str) -> str:
    now = timezone.now()
    return f"{now:%Y/%m}/{uuid.uuid4().hex}.{extension}"


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
        uploaded_by=actor if getattr(actor, "pk", None) else None,
    )


def store_bytes(data: bytes, *, name: str, content_type: str, extension: str, actor=None):
    """Keep a file the system made itself (an e-result)."""
    import hashlib

    path = storage().save(_storage_name(extension), ContentFile(data))
    return StoredFile.objects.create(
        path=path,
        name=name,
        content_type=content_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        uploaded_by=actor if getattr(actor, "pk", None) else None,
    )


def read_bytes(stored: StoredFile) -> bytes:
    with storage().open(stored.path, "rb") as handle:
        return handle.read()


def open_stored(stored: StoredFile):
    return storage().open(stored.path, "rb")


# --- dossier components -----------------------------------------------------------------------
def _component(dossier: Dossier, order: int) -> DossierComponent:
    component = dossier.components.filter(order=order).first()
    if component is None:
        raise NotFound(_("Hồ sơ không có thành phần số %(order)s.") % {"order": order})
    return component


def refresh_flags(dossier: Dossier) -> list[str]:
    """Recompute the dossier's digitised and reused flags from its components; returns the
    fields that changed."""
    rows = list(dossier.components.values_list("provided", "is_digitised", "is_reused"))
    provided = [r for r in rows if r[0]]
    digitised = bool(provided) and all(r[1] for r in provided)
    reused = any(r[2] for r in rows)
    changed = []
    if dossier.is_digitised != digitised:
        dossier.is_digitised = digitised
        changed.append("is_digitised")
    if dossier.is_reused != reused:
        dossier.is_reused = reused
        changed.append("is_reused")
    return changed


def _clean_metadata(metadata: dict | None) -> dict:
    metadata = {k: v for k, v in (metadata or {}).items() if k in METADATA_FIELDS}
    for key in ("title", "number", "issuer", "signer"):
        if key in metadata:
            metadata[key] = str(metadata[key] or "").strip()
    issued, valid = metadata.get("issued_on"), metadata.get("valid_until")
    if isinstance(issued, date) and isinstance(valid, date) and valid < issued:
        raise DomainError(
            _("Ngày hết hiệu lực phải sau ngày ban hành."),
            code="invalid",
            errors={"valid_until": [_("Ngày hết hiệu lực phải sau ngày ban hành.")]},
        )
    return metadata


def _to_store(dossier: Dossier, component: DossierComponent, stored: StoredFile, metadata: dict):
    """Keep a digitised paper in the applicant's data store (when the applicant has an ID)."""
    owner = dossier.applicant.identifier
    if not owner:
        return None
    return StoreDocument.objects.create(
        owner_id=owner,
        owner_name=dossier.applicant.full_name,
        kind=StoreDocumentKind.DIGITISED,
        title=metadata.get("title") or component.name[:500],
        number=metadata.get("number", ""),
        issuer=metadata.get("issuer", ""),
        signer=metadata.get("signer", ""),
        issued_on=metadata.get("issued_on"),
        valid_until=metadata.get("valid_until"),
        file=stored,
        source_dossier=dossier,
    )


def _save_dossier_flags(dossier: Dossier) -> None:
    # A real save (not QuerySet.update): listeners such as the indicators' counters see it.
    changed = refresh_flags(dossier)
    if changed:
        dossier.save(update_fields=[*changed, "updated_at"])


def attach_file(*, dossier, order: int, actor, upload, metadata: dict | None = None):
    """Attach an uploaded file to component `order`: a citizen's upload for their own dossier,
    or a receiving officer's scan at the counter (which digitises the component and keeps the
    scan in the applicant's data store). Returns the ComponentFile."""
    metadata = _clean_metadata(metadata)
    # Judge the actor before reading the file: a stranger learns nothing from the upload.
    with transaction.atomic():
        current = lock(dossier, actor)
        if perm.is_owner(current, actor):
            source, states = FileSource.UPLOAD, CITIZEN_UPLOAD_STATES
        elif perm.at_receiving_centre(current, actor):
            source, states = FileSource.SCAN, COUNTER_SCAN_STATES
        else:
            raise Forbidden(_("Bạn không có quyền tải tệp lên hồ sơ này."))
        if current.status not in states:
            raise Conflict(
                _("Không thể thay đổi tệp khi hồ sơ ở trạng thái “%(status)s”.")
                % {"status": current.get_status_display()},
                code="files_locked",
                extra={"dossier_status": current.status},
            )
        component = _component(current, order)
        stored = store_upload(upload, actor=actor)
        attachment = ComponentFile.objects.create(
            component=component, file=stored, source=source, added_by=actor
        )
        component.provided = True
        fields = ["provided"]
        store_document = None
        if source == FileSource.SCAN:
            component.is_digitised = True
            fields.append("is_digitised")
            store_document = _to_store(current, component, stored, metadata)
        component.save(update_fields=fields)
        _save_dossier_flags(current)
        record_event(
            current,
            "attach_file",
            actor,
            from_status=current.status,
            note=f"{component.order}. {component.name[:200]}: {stored.name}",
            payload={
                "component": component.order,
                "file": str(stored.pk),
                "sha256": stored.sha256,
                "source": source,
                "store_document": store_document.pk if store_document else None,
            },
        )
    return attachment


def digitise(*, dossier, order: int, actor, metadata: dict | None = None) -> DossierComponent:
    """The receiving officer checks what the citizen uploaded online for component `order` and
    records it as digitised, with its metadata; the file goes to the applicant's data store."""
    metadata = _clean_metadata(metadata)
    with transaction.atomic():
        current = lock(dossier, actor)
        if not perm.at_receiving_centre(current, actor):
            raise Forbidden(_("Chỉ cán bộ tiếp nhận của trung tâm mới số hóa hồ sơ."))
        if current.status not in COUNTER_SCAN_STATES:
            raise Conflict(
                _("Không thể số hóa khi hồ sơ ở trạng thái “%(status)s”.")
                % {"status": current.get_status_display()},
                code="files_locked",
                extra={"dossier_status": current.status},
            )
        component = _component(current, order)
        latest = component.files.select_related("file").order_by("-added_at", "-id").first()
        if latest is None:
            raise Conflict(
                _("Thành phần này chưa có tệp nào để số hóa; hãy quét giấy tờ tại quầy."),
                code="no_file",
            )
        if component.is_digitised:
            raise Conflict(_("Thành phần này đã được số hóa."), code="already_digitised")
        component.is_digitised = True
        component.save(update_fields=["is_digitised"])
        store_document = None
        if not component.is_reused:
            store_document = _to_store(current, component, latest.file, metadata)
        _save_dossier_flags(current)
        record_event(
            current,
            "digitise",
            actor,
            from_status=current.status,
            note=f"{component.order}. {component.name[:200]}",
            payload={
                "component": component.order,
                "file": str(latest.file_id),
                "store_document": store_document.pk if store_document else None,
            },
        )
    return component


# --- the data store ---------------------------------------------------------------------------
def store_of(user):
    """The documents of the data store `user` may list: a citizen's own (by their personal ID);
    nothing for anyone else (officials reach a document through the dossier that uses it)."""
    from onecua.roles import Role

    if getattr(user, "role", None) != Role.CITIZEN or not getattr(user, "personal_id", ""):
        return StoreDocument.objects.none()
    return StoreDocument.objects.filter(owner_id=user.personal_id)


def reuse_document(component: DossierComponent, document_id, *, owner_ids: set[str], actor):
    """Point a new dossier's component at a document of the data store (intake services).

    `owner_ids`: whose store the actor may take from (a citizen: their own; the counter: the
    applicant's). The component must be one the procedure marks reusable, the document must be
    in force."""
    document = (
        StoreDocument.objects.select_related("file").filter(pk=document_id).first()
        if str(document_id).isdigit()
        else None
    )
    if document is None or document.owner_id not in owner_ids:
        raise DomainError(
            _("Không tìm thấy giấy tờ %(id)s trong kho dữ liệu của bạn.") % {"id": document_id},
            code="unknown_store_document",
            errors={"components": [_("Giấy tờ không có trong kho dữ liệu.")]},
        )
    if not document.is_valid_now:
        raise DomainError(
            _("Giấy tờ “%(title)s” đã hết hiệu lực; không thể tái sử dụng.")
            % {"title": document.title},
            code="store_document_expired",
            errors={"components": [_("Giấy tờ đã hết hiệu lực.")]},
        )
    component.provided = True
    component.is_reused = True
    component.is_digitised = True
    component.store_document = document
    component.save(update_fields=["provided", "is_reused", "is_digitised", "store_document"])
    ComponentFile.objects.create(
        component=component, file=document.file, source=FileSource.STORE, added_by=actor
    )
    StoreDocument.objects.filter(pk=document.pk).update(reuse_count=F("reuse_count") + 1)
    return document


__all__ = [
    "attach_file",
    "digitise",
    "open_stored",
    "read_bytes",
    "refresh_flags",
    "reuse_document",
    "store_bytes",
    "store_of",
    "store_upload",
]
