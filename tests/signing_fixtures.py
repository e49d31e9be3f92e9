"""Signing key material for tests: one local test CA per test session.

Registered for the whole suite by `pytest_plugins = ["signing_fixtures"]` in tests/conftest.py;
every test then signs with, and trusts, that CA (never var/signing/).
"""

import pytest

from documents.signing import make_local_ca


@pytest.fixture(scope="session")
def signing_ca_dir(tmp_path_factory):
    directory = tmp_path_factory.mktemp("signing")
    make_local_ca(directory)
    return directory


@pytest.fixture(autouse=True)
def _signing_settings(settings, signing_ca_dir):
    settings.SIGNING_DIR = signing_ca_dir
    settings.ONECUA_SIGNING_KEY = str(signing_ca_dir / "signer.key.pem")
    settings.ONECUA_SIGNING_CERT = str(signing_ca_dir / "signer.pem")
    settings.ONECUA_SIGNING_KEY_PASSPHRASE = ""
    settings.ONECUA_SIGNING_CHAIN = [str(signing_ca_dir / "ca.pem")]
    settings.ONECUA_SIGNING_TRUST_ROOTS = [str(signing_ca_dir / "ca.pem")]
