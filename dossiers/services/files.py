"""Files of dossier components, digitisation at the counter and reuse from the data store.

- A citizen uploads files for the components of their own dossier while it is new or waiting
  for a supplement.
- A receiving officer scans paper at the counter: the file is attached, the component is
  digitised and the scan, with its metadata, goes to the applicant's data store. An officer may
  also digitise what the citizen uploaded online (check it, give its metadata).
- A component the procedure marks reusable may point to a document of the store instead of a
  new upload (`reusable_document` and `attach_reused`, used by the intake services): the reuse
  is counted.

A dossier is digitised when every component handed in is digitised, and reuses data when at
least one component came from the store (the flags the indicators count). Both writes keep the
status: they go through `dossier_action()` with a guard instead of a transition.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.utils.translation import gettext as _

from core.errors import Conflict, DomainError, Forbidden, NotFound
from documents import selectors as store
from documents import services as documents
from documents.models import StoredFile, StoreDocument, StoreDocumentKind

from .. import permissions as perm
from ..models import (
    ComponentFile,
    Dossier,
    DossierAction,
    DossierComponent,
    DossierStatus,
    FileSource,
)
from .door import DossierRef, dossier_action

S = DossierStatus
# While the citizen may still change what they filed.
CITIZEN_UPLOAD_STATES = frozenset({S.NEW, S.SUPPLEMENT_REQUESTED})
# While the counter may still scan paper into the dossier.
COUNTER_SCAN_STATES = frozenset(
    {S.NEW, S.RECEIVED, S.PROCESSING, S.SUPPLEMENT_REQUESTED, S.AWAITING_PAYMENT}
)
METADATA_FIELDS = ("title", "number", "issuer", "signer", "issued_on", "valid_until")


# --- the guards: who may change the files, and when ----------------------------------------------
def _files_locked(dossier: Dossier, message) -> Conflict:
    return Conflict(
        message % {"status": dossier.get_status_display()},
        code="files_locked",
        extra={"dossier_status": dossier.status},
    )


def _may_attach(dossier: Dossier, actor) -> None:
    if not perm.can_attach_file(dossier, actor):
        raise Forbidden(_("Bạn không có quyền tải tệp lên hồ sơ này."))
    states = CITIZEN_UPLOAD_STATES if perm.is_owner(dossier, actor) else COUNTER_SCAN_STATES
    if dossier.status not in states:
        raise _files_locked(
            dossier, _("Không thể thay đổi tệp khi hồ sơ ở trạng thái “%(status)s”.")
        )


def _may_digitise(dossier: Dossier, actor) -> None:
    if not perm.can_digitise(dossier, actor):
        raise Forbidden(_("Chỉ cán bộ tiếp nhận của trung tâm mới số hóa hồ sơ."))
    if dossier.status not in COUNTER_SCAN_STATES:
        raise _files_locked(dossier, _("Không thể số hóa khi hồ sơ ở trạng thái “%(status)s”."))


# --- dossier components -----------------------------------------------------------------------
def _component(dossier: Dossier, order: int) -> DossierComponent:
    component = dossier.components.filter(order=order).first()
    if component is None:
        raise NotFound(_("Hồ sơ không có thành phần số %(order)s.") % {"order": order})
    return component


def flags_of(components: Iterable[DossierComponent]) -> tuple[bool, bool]:
    """(digitised, reused) of a dossier with these components: digitised when every component
    handed in is digitised, reused when any came from the data store."""
    rows = list(components)
    provided = [c for c in rows if c.provided]
    digitised = bool(provided) and all(c.is_digitised for c in provided)
    return digitised, any(c.is_reused for c in rows)


def refresh_flags(dossier: Dossier) -> None:
    """Recompute the dossier's digitised and reused flags from its components."""
    dossier.is_digitised, dossier.is_reused = flags_of(
        dossier.components.only("provided", "is_digitised", "is_reused")
    )


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


def attach_file(
    *, dossier: DossierRef, order: int, actor, upload, metadata: dict | None = None
) -> ComponentFile:
    """Attach an uploaded file to component `order`: a citizen's upload for their own dossier,
    or a receiving officer's scan at the counter (which digitises the component and keeps the
    scan in the applicant's data store). Returns the ComponentFile."""
    metadata = _clean_metadata(metadata)
    # The guard judges the actor before the file is read: a stranger learns nothing from it.
    with dossier_action(dossier, actor, DossierAction.ATTACH_FILE, guard=_may_attach) as act:
        d = act.dossier
        source = FileSource.UPLOAD if perm.is_owner(d, actor) else FileSource.SCAN
        component = _component(d, order)
        stored = documents.store_upload(upload, actor=actor)
        attachment = ComponentFile.objects.create(
            component=component, file=stored, source=source, added_by=actor, added_at=act.now
        )
        component.provided = True
        fields = ["provided"]
        store_document = None
        if source == FileSource.SCAN:
            component.is_digitised = True
            fields.append("is_digitised")
            store_document = _to_store(d, component, stored, metadata)
        component.save(update_fields=fields)
        refresh_flags(d)
        act.done(
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


def digitise(
    *, dossier: DossierRef, order: int, actor, metadata: dict | None = None
) -> DossierComponent:
    """The receiving officer checks what the citizen uploaded online for component `order` and
    records it as digitised, with its metadata; the file goes to the applicant's data store."""
    metadata = _clean_metadata(metadata)
    with dossier_action(dossier, actor, DossierAction.DIGITISE, guard=_may_digitise) as act:
        d = act.dossier
        component = _component(d, order)
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
            store_document = _to_store(d, component, latest.file, metadata)
        refresh_flags(d)
        act.done(
            note=f"{component.order}. {component.name[:200]}",
            payload={
                "component": component.order,
                "file": str(latest.file_id),
                "store_document": store_document.pk if store_document else None,
            },
        )
    return component


# --- reuse from the data store ----------------------------------------------------------------
def reusable_document(document_id, *, owner_ids: set[str]) -> StoreDocument:
    """A document of the data store that a new dossier may reuse: one of `owner_ids`' (a
    citizen: their own; the counter: the applicant's), in force."""
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
    return document


def mark_reused(component: DossierComponent, document: StoreDocument) -> None:
    """A component (not yet saved) that takes `document` instead of a new paper."""
    component.provided = True
    component.is_reused = True
    component.is_digitised = True
    component.store_document = document


def attach_reused(components: Iterable[DossierComponent], actor, now) -> None:
    """After the components are saved: the reused documents' files, and the reuse counted."""
    reused = [c for c in components if c.store_document_id]
    ComponentFile.objects.bulk_create(
        ComponentFile(
            component=c,
            file_id=c.store_document.file_id,
            source=FileSource.STORE,
            added_by=actor,
            added_at=now,
        )
        for c in reused
    )
    for component in reused:
        documents.count_reuse(component.store_document)


__all__ = [
    "attach_file",
    "attach_reused",
    "digitise",
    "flags_of",
    "mark_reused",
    "refresh_flags",
    "reusable_document",
]
