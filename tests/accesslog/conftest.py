"""The access log tests' fixture: an online dossier received at the ward centre."""

import pytest

from dossiers import services
from dossiers.models import Dossier


@pytest.fixture
def received(cast, submit) -> Dossier:
    """An online dossier of the citizen, received at the ward centre."""
    dossier = Dossier.objects.get(code=submit()["code"])
    services.receive(dossier=dossier, actor=cast.clerk)
    return Dossier.objects.select_related("applicant").get(pk=dossier.pk)
