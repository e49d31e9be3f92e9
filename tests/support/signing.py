"""Signing key material for tests: one local test CA per test session (a pytest plugin,
registered in tests/conftest.py); every test signs with, and trusts, that CA (never
var/signing/).

Its certificates are valid from ten years before the run (the tool's own CA only from an hour
before): a test on the frozen clock (tests/support/clock.py) signs and verifies in 2026 whatever
the real date.
"""

from datetime import timedelta

import pytest

from documents.signing import ca as signing_ca
from documents.signing import make_local_ca


@pytest.fixture(scope="session")
def signing_ca_dir(tmp_path_factory):
    directory = tmp_path_factory.mktemp("signing")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(signing_ca, "BACKDATE", timedelta(days=3652))
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
