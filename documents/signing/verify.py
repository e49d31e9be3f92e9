"""Verifying a signed PDF: signed, intact, valid, trusted, covering the whole file."""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from io import BytesIO

from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.ades.report import AdESIndeterminate
from pyhanko.sign.validation import async_validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from .keys import run_async, trust_roots

logger = logging.getLogger(__name__)

# Short, stable reasons a verification is not "ok" (SignatureReport.problem).
NO_SIGNATURE = "no_signature"
UNREADABLE = "unreadable"
MALFORMED = "malformed"  # a signature is there but cannot be evaluated
MODIFIED = "modified"  # signed bytes changed, or changes appended after signing
INVALID = "invalid"  # the digest matches but the signature value does not verify
UNTRUSTED = "untrusted"  # no path to a configured trust root
EXPIRED = "expired"  # a certificate of the chain is not valid (any more, or yet)
REVOKED = "revoked"  # only when revocation information is embedded in the file


@dataclass(frozen=True)
class SignatureReport:
    signed: bool
    intact: bool = False
    valid: bool = False
    trusted: bool = False
    signed_at: datetime | None = None
    signer: str = ""
    issuer: str = ""
    problem: str = ""
    # The (last) signature covers every byte of the file: nothing was appended after signing.
    whole_file: bool = False

    @property
    def ok(self) -> bool:
        return self.signed and self.intact and self.valid and self.trusted and self.whole_file


def verify_pdf(data: bytes) -> SignatureReport:
    """Check the last signature of a PDF against the trust roots of the settings.

    Never raises: unreadable input gives signed=False, problem "unreadable". `problem` is empty
    when the report is ok, else one of no_signature, unreadable, malformed, modified, invalid,
    untrusted, expired, revoked.
    """

    try:
        reader = PdfFileReader(BytesIO(data), strict=False)
        signatures = reader.embedded_regular_signatures
    except Exception:
        return SignatureReport(signed=False, problem=UNREADABLE)
    if not signatures:
        return SignatureReport(signed=False, problem=NO_SIGNATURE)
    embedded = signatures[-1]
    try:
        status = _validate(embedded)
    except Exception as exc:
        logger.info("Signature could not be evaluated: %s", exc)
        return _report_without_status(embedded)

    whole_file = status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    report = SignatureReport(
        signed=True,
        intact=bool(status.intact),
        valid=bool(status.valid),
        trusted=bool(status.trusted),
        signed_at=_utc(status.signer_reported_dt),
        signer=_describe(status.signing_cert.subject),
        issuer=_describe(status.signing_cert.issuer),
        whole_file=whole_file,
    )
    return _with_problem(report, status)


def _validate(embedded):

    context = ValidationContext(
        trust_roots=trust_roots(), allow_fetching=False, revocation_mode="soft-fail"
    )
    # Only a signature covering the whole file is accepted, so the (slow) analysis of what was
    # changed by later incremental updates is skipped.
    return run_async(
        async_validate_pdf_signature(embedded, signer_validation_context=context, skip_diff=True)
    )


def _with_problem(report: SignatureReport, status) -> SignatureReport:

    if not report.intact:
        problem = MODIFIED
    elif not report.valid:
        problem = INVALID
    elif not report.whole_file:
        problem = MODIFIED
    elif status.revocation_details is not None:
        problem = REVOKED
    elif not report.trusted:
        problem = EXPIRED if _expired(status) else UNTRUSTED
    else:
        problem = ""
    return replace(report, problem=problem)


def _expired(status) -> bool:

    return status.trust_problem_indic in (
        AdESIndeterminate.OUT_OF_BOUNDS_NO_POE,
        AdESIndeterminate.OUT_OF_BOUNDS_NOT_REVOKED,
        AdESIndeterminate.EXPIRED,
        AdESIndeterminate.NOT_YET_VALID,
    )


def _report_without_status(embedded) -> SignatureReport:
    signer = issuer = ""
    with contextlib.suppress(Exception):
        cert = embedded.signer_cert
        signer, issuer = _describe(cert.subject), _describe(cert.issuer)
    signed_at = None
    with contextlib.suppress(Exception):
        signed_at = _utc(embedded.self_reported_timestamp)
    return SignatureReport(
        signed=True, signed_at=signed_at, signer=signer, issuer=issuer, problem=MALFORMED
    )


def _describe(name) -> str:
    """ "Common name, organisation" of an X.509 name (one of them when they are the same)."""
    try:
        fields = name.native
    except Exception:
        return ""
    parts = []
    for key in ("common_name", "organization_name"):
        value = fields.get(key)
        if isinstance(value, list):
            value = ", ".join(str(item) for item in value)
        if value and value not in parts:
            parts.append(str(value))
    return ", ".join(parts) or name.human_friendly


def _utc(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)
