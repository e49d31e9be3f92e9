"""Signed e-results: made when a leader approves, kept in the results store and in the
applicant's data store, verifiable by anyone who holds the document (docs/domain.md §3.6).

The verification id is printed on the document as a QR code pointing to /verify/<id>/.
Verification reads the stored file back, checks its SHA-256 against the one recorded at
issue, and validates the PAdES signature against the configured trust roots.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from dataclasses import asdict, dataclass
from datetime import date, datetime

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import status

from core.errors import DomainError, NotFound
from documents import services as documents
from documents import signing
from documents.models import StoreDocumentKind
from documents.uploads import check_upload

from ..models import Dossier, EResult
from ..paperwork import render_result_document
from ..paperwork.result import result_title

logger = logging.getLogger(__name__)


class SigningUnavailable(DomainError):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    code = "signing_unavailable"
    title = gettext_lazy("Chưa sẵn sàng ký số")


def verify_url(result_id) -> str:
    return f"{settings.ONECUA_PUBLIC_BASE_URL}/verify/{result_id}/"


def issue_e_result(dossier: Dossier, actor, now: datetime) -> EResult:
    """Render the result document, sign it, store it (results store + the applicant's data
    store). Runs inside the approving transaction: if anything fails, nothing is approved."""
    result_id = uuid.uuid4()
    signer = actor.full_name or actor.username
    issuer = dossier.handling_agency.name
    pdf = render_result_document(
        dossier=dossier,
        verify_url=verify_url(result_id),
        signer_name=signer,
        signer_title=_("Thủ trưởng cơ quan"),
        issued_at=now,
    )
    try:
        signed = signing.sign_pdf(
            pdf,
            reason=_("Phát hành kết quả giải quyết hồ sơ %(code)s") % {"code": dossier.code},
            location=issuer,
        )
    except signing.SigningUnavailable as exc:
        logger.error("e-result for %s not signed: %s", dossier.code, exc)
        raise SigningUnavailable(
            _(
                "Chưa cấu hình khóa và chứng thư ký số nên chưa thể phát hành kết quả điện tử; "
                "liên hệ quản trị hệ thống, hoặc phê duyệt với kết quả giấy."
            )
        ) from exc
    stored = documents.store_bytes(
        signed,
        name=f"ket-qua-{dossier.code}.pdf",
        content_type="application/pdf",
        extension="pdf",
        actor=actor,
    )
    title = str(result_title(dossier))
    store_document = None
    owner = dossier.applicant.identifier
    if owner:
        store_document = documents.add_to_store(
            owner_id=owner,
            owner_name=dossier.applicant.full_name,
            kind=StoreDocumentKind.E_RESULT,
            title=title,
            number=dossier.code,
            issuer=issuer,
            signer=signer,
            issued_on=timezone.localdate(now),
            file=stored,
            source_reference=dossier.code,
        )
    return EResult.objects.create(
        id=result_id,
        dossier=dossier,
        file=stored,
        title=title[:500],
        issuer=issuer,
        signer=signer,
        signed_at=now,
        store_document=store_document,
    )


@dataclass(frozen=True)
class Verification:
    """What the public may learn about a document: no personal data."""

    id: str | None
    registered: bool  # issued by this system (known id / known file)
    valid: bool  # registered (when checked by id), intact, signature valid and trusted
    intact: bool
    signature_valid: bool
    trusted: bool
    problem: str
    title: str
    issuer: str
    issued_on: date | None
    signed_at: datetime | None
    certificate: str

    def as_dict(self) -> dict:
        return asdict(self)


def _verification(result: EResult | None, data: bytes, *, by_id: bool) -> Verification:
    report = signing.verify_pdf(data)
    same_bytes = result is not None and hashlib.sha256(data).hexdigest() == result.file.sha256
    intact = report.intact and (same_bytes or not by_id)
    problem = report.problem
    if by_id and not same_bytes and not problem:
        problem = "modified"
    return Verification(
        id=str(result.pk) if result else None,
        registered=result is not None,
        valid=bool(report.ok and intact and result is not None),
        intact=intact,
        signature_valid=report.valid,
        trusted=report.trusted,
        problem=problem or ("" if result is not None else "not_registered"),
        title=result.title if result else "",
        issuer=result.issuer if result else "",
        issued_on=timezone.localdate(result.signed_at) if result else None,
        signed_at=report.signed_at,
        certificate=report.signer,
    )


def verify_e_result(result_id) -> Verification:
    """Verify the stored e-result `result_id` (the QR code's link). Unknown: 404."""
    try:
        result = EResult.objects.select_related("file").filter(pk=uuid.UUID(str(result_id))).first()
    except ValueError:
        result = None
    if result is None:
        raise NotFound(_("Không tìm thấy kết quả điện tử với mã này."))
    try:
        data = documents.read_bytes(result.file)
    except OSError:
        logger.exception("e-result file %s missing", result.file.path)
        data = b""
    return _verification(result, data, by_id=True)


def verify_file(upload) -> Verification:
    """Verify a PDF someone holds: is it signed, intact, trusted, and one we issued?"""
    checked = check_upload(upload)
    if checked.content_type != "application/pdf":
        raise DomainError(
            _("Chỉ kiểm tra được tệp PDF có ký số."),
            code="not_a_pdf",
            errors={"file": [_("Tệp phải là PDF.")]},
        )
    upload.seek(0)
    data = upload.read()
    result = EResult.objects.select_related("file").filter(file__sha256=checked.sha256).first()
    return _verification(result, data, by_id=False)


__all__ = ["SigningUnavailable", "Verification", "issue_e_result", "verify_e_result", "verify_file"]
