"""PAdES baseline B signing of a PDF with the settings' key and chain."""

from __future__ import annotations

import logging
from io import BytesIO

from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.sign import fields, signers

from .keys import load_signer, run_async

logger = logging.getLogger(__name__)


def sign_pdf(data: bytes, *, reason: str, location: str, field_name: str = "ChuKySo") -> bytes:
    """Return `data` with an invisible PAdES baseline B signature appended (incremental update).

    Raises SigningUnavailable when the key or certificate of the settings cannot be loaded, and
    ValueError when `data` is not a PDF that can be signed.
    """
    signer, reserve = load_signer()

    meta = signers.PdfSignatureMetadata(
        field_name=field_name,
        reason=reason,
        location=location,
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
    )
    try:
        writer = IncrementalPdfFileWriter(BytesIO(data))
    except (PdfError, ValueError) as exc:
        raise ValueError(f"Not a PDF that can be signed: {exc}") from exc
    pdf_signer = signers.PdfSigner(meta, signer=signer)
    output = run_async(pdf_signer.async_sign_pdf(writer, bytes_reserved=reserve))
    return output.getvalue()


# --- Verification ------------------------------------------------------------------------------
