import pytest

from tests.dossiers.conftest import build_cast


@pytest.fixture
def cast(db):
    return build_cast()
