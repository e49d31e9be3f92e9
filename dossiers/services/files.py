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

from datetime import date

from django.db import transaction
from django.utils.translation import gettext as _

from core.errors import Conflict, DomainError, Forbidden, NotFound
from documents import selectors as store
from documents import services as documents
from documents.models import StoredFile, StoreDocumentKind

from .. import permissions as perm
from ..models import ComponentFile, Dossier, DossierComponent, DossierStatus, FileSource
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
    return documents.add_to_store(
        owner_id=owner,
        owner_name=dossier.applicant.full_name,
        kind=StoreDocumentKind.DIGITISED,
        title=metadata.get("title") or component.name,
        number=metadata.get("number", ""),
        issuer=metadata.get("issuer", ""),
        signer=metadata.get("signer", ""),
        issued_on=metadata.get("issued_on"),
        valid_until=metadata.get("valid_until"),
        file=stored,
        source_reference=dossier.code,
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
        stored = documents.store_upload(upload, actor=actor)
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


# --- reuse from the data store ----------------------------------------------------------------
def reuse_document(component: DossierComponent, document_id, *, owner_ids: set[str], actor):
    """Point a new dossier's component at a document of the data store (intake services).

    `owner_ids`: whose store the actor may take from (a citizen: their own; the counter: the
    applicant's). The component must be one the procedure marks reusable, the document must be
    in force."""
    document = store.find_in_store(document_id, owner_ids)
    if document is None:
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
    documents.count_reuse(document)
    return document


__all__ = ["attach_file", "digitise", "refresh_flags", "reuse_document"]
