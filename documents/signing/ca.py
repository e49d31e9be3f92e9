"""A local test certification authority and a signing certificate issued by it (the embedded
default's signing key; production uses the agency's own)."""

from __future__ import annotations

import contextlib
import logging
import os
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

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
