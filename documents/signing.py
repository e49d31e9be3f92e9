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

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from io import BytesIO
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.ec import ECDSA, EllipticCurvePrivateKey
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from cryptography.x509.oid import NameOID
from django.conf import settings
from pyhanko.keys import (
    load_cert_from_pemder,
    load_certs_from_pemder,
    load_private_key_from_pemder,
)
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.ades.report import AdESIndeterminate
from pyhanko.sign.signers import SimpleSigner
from pyhanko.sign.validation import async_validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore
from pyhanko_certvalidator.util import get_pyca_cryptography_hash

logger = logging.getLogger(__name__)

CA_VALIDITY = timedelta(days=3652)  # 10 years
SIGNER_VALIDITY = timedelta(days=1096)  # 3 years
# Certificates start an hour in the past, so that a clock slightly behind still accepts them.
BACKDATE = timedelta(hours=1)
DEFAULT_SIGNER_NAME = "Hệ thống một cửa điện tử (chữ ký thử nghiệm)"

FILES = {
    "ca": "ca.pem",
    "ca_key": "ca.key.pem",
    "signer": "signer.pem",
    "signer_key": "signer.key.pem",
}

# Short, stable reasons a verification is not "ok" (SignatureReport.problem).
NO_SIGNATURE = "no_signature"
UNREADABLE = "unreadable"
MALFORMED = "malformed"  # a signature is there but cannot be evaluated
MODIFIED = "modified"  # signed bytes changed, or changes appended after signing
INVALID = "invalid"  # the digest matches but the signature value does not verify
UNTRUSTED = "untrusted"  # no path to a configured trust root
EXPIRED = "expired"  # a certificate of the chain is not valid (any more, or yet)
REVOKED = "revoked"  # only when revocation information is embedded in the file


class SigningUnavailable(Exception):
    """The signing key or certificate is missing or unreadable."""


# --- Local test CA -----------------------------------------------------------------------------


def make_local_ca(
    directory: Path,
    *,
    force: bool = False,
    organisation: str = "onecua (thử nghiệm)",
    signer_name: str = DEFAULT_SIGNER_NAME,
) -> dict[str, Path]:
    """Write a test CA and a signing certificate issued by it into `directory`.

    Returns the paths by role: "ca", "ca_key", "signer", "signer_key". Existing files are kept
    (idempotent) unless `force`: when the CA is there but the signer is not, a new signer is
    issued by the existing CA; a signer without its CA is refused (FileExistsError) rather than
    silently replaced. Private keys are written unencrypted with mode 600.
    """
    directory = Path(directory)
    paths = {role: directory / name for role, name in FILES.items()}
    exists = {role: path.exists() for role, path in paths.items()}
    if not force and all(exists.values()):
        return paths
    if not force and (exists["signer"] or exists["signer_key"]) and not exists["ca_key"]:
        raise FileExistsError(
            f"{directory} holds a signing certificate or key without the CA key that issued it; "
            "use force to replace them all."
        )
    directory.mkdir(parents=True, exist_ok=True)

    now = datetime.now(UTC).replace(microsecond=0)
    if force or not (exists["ca"] and exists["ca_key"]):
        ca_key = _new_key()
        ca_cert = _ca_certificate(ca_key, organisation, now)
        _write(paths["ca_key"], _key_pem(ca_key), private=True)
        _write(paths["ca"], ca_cert.public_bytes(serialization.Encoding.PEM))
    else:
        ca_key = serialization.load_pem_private_key(paths["ca_key"].read_bytes(), password=None)
        ca_cert = x509.load_pem_x509_certificate(paths["ca"].read_bytes())
    signer_key = _new_key()
    signer_cert = _signer_certificate(signer_key, ca_key, ca_cert, organisation, signer_name, now)
    _write(paths["signer_key"], _key_pem(signer_key), private=True)
    _write(paths["signer"], signer_cert.public_bytes(serialization.Encoding.PEM))
    return paths


def _new_key():

    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _key_pem(key) -> bytes:

    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _name(common_name: str, organisation: str):

    # CN and O are UTF8String (cryptography's default), so Vietnamese text is kept as is.
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, _clip(organisation)),
            x509.NameAttribute(NameOID.COMMON_NAME, _clip(common_name)),
        ]
    )


def _clip(text: str, limit: int = 64) -> str:
    """At most `limit` UTF-8 bytes (the X.509 upper bound for CN and O), on a character edge."""
    text = text.strip()
    while len(text.encode()) > limit:
        text = text[:-1]
    return text.rstrip()


def _ca_certificate(key, organisation: str, now: datetime):

    name = _name(f"CA gốc thử nghiệm - {organisation}", organisation)
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - BACKDATE)
        .not_valid_after(now + CA_VALIDITY)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )


def _signer_certificate(key, ca_key, ca_cert, organisation, signer_name, now):

    return (
        x509.CertificateBuilder()
        .subject_name(_name(signer_name, organisation))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - BACKDATE)
        .not_valid_after(min(now + SIGNER_VALIDITY, ca_cert.not_valid_after_utc))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,  # nonRepudiation
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )


def _write(path: Path, data: bytes, *, private: bool = False) -> None:
    """Write atomically (temporary file + rename); private files are created with mode 600."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        os.chmod(tmp, 0o600 if private else 0o644)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


# --- Cached key material -----------------------------------------------------------------------

_lock = threading.Lock()
_signer_cache: tuple[tuple, object, int] | None = None  # (key, SimpleSigner, bytes to reserve)
_roots_cache: tuple[tuple, list] | None = None  # (key, [asn1crypto Certificate])


def _stamp(path: str) -> tuple[str, int, int]:
    stat = os.stat(path)
    return (str(path), stat.st_mtime_ns, stat.st_size)


def _paths(value) -> list[str]:
    if not value:
        return []
    if isinstance(value, str | Path):
        return [str(value)]
    return [str(item) for item in value if item]


def _load_signer():
    """The SimpleSigner of the settings (cached), and the CMS size to reserve for it."""
    global _signer_cache
    key_path = settings.ONECUA_SIGNING_KEY
    cert_path = settings.ONECUA_SIGNING_CERT
    chain = _paths(settings.ONECUA_SIGNING_CHAIN)
    passphrase = settings.ONECUA_SIGNING_KEY_PASSPHRASE or ""
    try:
        cache_key = (
            _stamp(key_path),
            _stamp(cert_path),
            tuple(_stamp(path) for path in chain),
            passphrase,
        )
    except (OSError, TypeError) as exc:
        raise SigningUnavailable(
            f"Signing key, certificate or chain file missing ({exc}); "
            "run `manage.py make_signing_ca` or set ONECUA_SIGNING_KEY / ONECUA_SIGNING_CERT."
        ) from exc
    cached = _signer_cache
    if cached is not None and cached[0] == cache_key:
        return cached[1], cached[2]
    with _lock:
        cached = _signer_cache
        if cached is not None and cached[0] == cache_key:
            return cached[1], cached[2]

        try:
            signing_key = load_private_key_from_pemder(
                key_path, passphrase=passphrase.encode() if passphrase else None
            )
            signing_cert = load_cert_from_pemder(cert_path)
            chain_certs = list(load_certs_from_pemder(chain)) if chain else []
        except (OSError, ValueError, TypeError) as exc:
            raise SigningUnavailable(
                f"Cannot read the signing key {key_path}, certificate {cert_path} or chain "
                f"(wrong format or passphrase?): {exc}"
            ) from exc
        registry = SimpleCertificateStore()
        registry.register_multiple(chain_certs)
        signer = _signer_class()(
            signing_cert=signing_cert, signing_key=signing_key, cert_registry=registry
        )
        # Reserve room for the CMS object up front: otherwise pyHanko signs a dummy document
        # first to measure it, which doubles the signing time.
        certs = [signer.signing_cert, *signer.cert_registry]
        reserve = 4096 + sum(len(cert.dump()) for cert in certs)
        reserve += -reserve % 256  # pyHanko wants an even size; round up to a tidy one
        _signer_cache = (cache_key, signer, reserve)
        return signer, reserve


_signer_cls = None


def _signer_class():
    """SimpleSigner that parses its private key once, not once per signature.

    pyHanko's SimpleSigner.sign_raw re-reads the key from DER on every call; for RSA that load
    (with its consistency checks) costs ~30 ms, most of the signing time.
    """
    global _signer_cls
    if _signer_cls is not None:
        return _signer_cls

    class CachedKeySigner(SimpleSigner):
        _pyca_key = None

        def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
            mechanism = self.get_signature_mechanism_for_digest(digest_algorithm)
            try:
                algorithm = mechanism.signature_algo
            except ValueError:
                algorithm = mechanism["algorithm"].native
            key = self._pyca_key
            if key is None:
                key = self._pyca_key = serialization.load_der_private_key(
                    self.signing_key.dump(), password=None
                )
            hash_algo = get_pyca_cryptography_hash(digest_algorithm)
            if algorithm == "rsassa_pkcs1v15" and isinstance(key, RSAPrivateKey):
                return key.sign(data, PKCS1v15(), hash_algo)
            if algorithm == "ecdsa" and isinstance(key, EllipticCurvePrivateKey):
                return key.sign(data, ECDSA(hash_algo))
            return super().sign_raw(data, digest_algorithm)  # PSS, EdDSA, ...: as pyHanko does

    _signer_cls = CachedKeySigner
    return _signer_cls


def _trust_roots() -> list:
    """The trust roots of the settings, parsed once per set of files (missing files: none)."""
    global _roots_cache
    paths = _paths(settings.ONECUA_SIGNING_TRUST_ROOTS)
    stamps = []
    for path in paths:
        try:
            stamps.append(_stamp(path))
        except OSError:
            stamps.append((path, None, None))
    cache_key = tuple(stamps)
    cached = _roots_cache
    if cached is not None and cached[0] == cache_key:
        return cached[1]

    roots = []
    for path, mtime, _size in stamps:
        if mtime is None:
            logger.warning("Signing trust root %s is missing: signatures cannot be trusted", path)
            continue
        try:
            roots.extend(load_certs_from_pemder([path]))
        except Exception:
            logger.exception("Signing trust root %s is unreadable", path)
    with _lock:
        _roots_cache = (cache_key, roots)
    return roots


def clear_caches() -> None:
    """Forget the loaded signer and trust roots (they are also reloaded when files change)."""
    global _signer_cache, _roots_cache
    with _lock:
        _signer_cache = None
        _roots_cache = None


# --- Signing -----------------------------------------------------------------------------------


def sign_pdf(data: bytes, *, reason: str, location: str, field_name: str = "ChuKySo") -> bytes:
    """Return `data` with an invisible PAdES baseline B signature appended (incremental update).

    Raises SigningUnavailable when the key or certificate of the settings cannot be loaded, and
    ValueError when `data` is not a PDF that can be signed.
    """
    signer, reserve = _load_signer()

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
    output = _run(pdf_signer.async_sign_pdf(writer, bytes_reserved=reserve))
    return output.getvalue()


# --- Verification ------------------------------------------------------------------------------


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
        trust_roots=_trust_roots(), allow_fetching=False, revocation_mode="soft-fail"
    )
    # Only a signature covering the whole file is accepted, so the (slow) analysis of what was
    # changed by later incremental updates is skipped.
    return _run(
        async_validate_pdf_signature(embedded, signer_validation_context=context, skip_diff=True)
    )


def _run(coroutine):
    """asyncio.run(), also when called from code that already runs an event loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


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
