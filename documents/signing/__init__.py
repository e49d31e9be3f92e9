"""Digital signatures of e-results: a local test CA, PAdES signing and public verification.

* `make_local_ca()` writes a throw-away certification authority and a signing certificate issued
  by it (RSA 2048, the algorithm every PDF reader and the national CAs use). It is the embedded
  default (`manage.py make_signing_ca`, run by `scripts/dev.sh run`); production points the
  ONECUA_SIGNING_* settings at the agency's real key and certificate instead.
* `sign_pdf()` adds an invisible PAdES baseline B signature (ETSI.CAdES.detached, SHA-256) with
  the signer's certificate and the chain from the settings embedded. No timestamp server is
  contacted: the signing time is the one declared in the signature (/M).
* `verify_pdf()` says whether a file is signed, intact, cryptographically valid, trusted (its
  certificate chains to one of ONECUA_SIGNING_TRUST_ROOTS) and whether the signature covers the
  whole file. Nothing is fetched from the network: revocation (CRL/OCSP) is **not** checked, and
  the certificates are checked at the time of verification (no timestamp: once the signing
  certificate has expired, its signatures are reported "expired").

Parsed keys, certificates and trust roots are cached per process, keyed by the files' paths and
modification times, so changed settings (tests) or regenerated files are picked up.
"""

from .ca import FILES, make_local_ca
from .keys import SigningUnavailable, clear_caches
from .sign import sign_pdf
from .verify import SignatureReport, verify_pdf

__all__ = [
    "FILES",
    "SignatureReport",
    "SigningUnavailable",
    "clear_caches",
    "make_local_ca",
    "sign_pdf",
    "verify_pdf",
]
