"""The mock's RS256 signing key: made on first use and kept in MOCK_VNEID_KEY_FILE (under
ONECUA_VAR_DIR by default, never in the repository), so that every process serving the mock
signs with the same key; and a second key, made per process and never published, for the
`wrong_key` fault (a forged ID token)."""

from __future__ import annotations

import hashlib
import json
import os
import threading
from functools import cache
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.conf import settings
from jwt.algorithms import RSAAlgorithm

_lock = threading.Lock()


def _generate() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _pem(key: rsa.RSAPrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


@cache
def _load(path: str) -> rsa.RSAPrivateKey:
    file = Path(path)
    with _lock:
        if not file.exists():
            file.parent.mkdir(parents=True, exist_ok=True)
            temporary = file.with_name(f".{file.name}.{os.getpid()}.tmp")
            temporary.write_bytes(_pem(_generate()))
            temporary.chmod(0o600)
            try:
                # Never replaces a key another process wrote first.
                os.link(temporary, file)
            except FileExistsError:
                pass
            finally:
                temporary.unlink()
    return serialization.load_pem_private_key(file.read_bytes(), password=None)


def signing_key() -> rsa.RSAPrivateKey:
    return _load(str(settings.MOCK_VNEID_KEY_FILE))


@cache
def forged_key() -> rsa.RSAPrivateKey:
    return _generate()


def key_id(key: rsa.RSAPrivateKey) -> str:
    public = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return hashlib.sha256(public).hexdigest()[:16]


def public_jwk(key: rsa.RSAPrivateKey) -> dict:
    jwk = json.loads(RSAAlgorithm.to_jwk(key.public_key()))
    return {**jwk, "kid": key_id(key), "alg": "RS256", "use": "sig"}
