"""The signer and the trust roots of the settings, parsed once per process and cached by the
files' paths and modification times (changed settings or regenerated files are picked up)."""

from __future__ import annotations

import asyncio
import logging
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ec import ECDSA, EllipticCurvePrivateKey
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from django.conf import settings
from pyhanko.keys import (
    load_cert_from_pemder,
    load_certs_from_pemder,
    load_private_key_from_pemder,
)
from pyhanko.sign.signers import SimpleSigner
from pyhanko_certvalidator.registry import SimpleCertificateStore
from pyhanko_certvalidator.util import get_pyca_cryptography_hash

logger = logging.getLogger(__name__)


class SigningUnavailable(Exception):
    """The signing key or certificate is missing or unreadable."""


# --- Local test CA -----------------------------------------------------------------------------


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


def load_signer():
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


def trust_roots() -> list:
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


def run_async(coroutine):
    """asyncio.run(), also when called from code that already runs an event loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()
