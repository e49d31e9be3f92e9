"""What only PostgreSQL shows: eight concurrent ratings of one dossier (real threads, each with
its own connection) — exactly one is stored and counted, every other is a 409 `already_rated`."""

from __future__ import annotations

import pytest
from django.db import connection

from core.errors import Conflict
from dossiers.models import Dossier
from indicators import rebuild
from indicators.models import Grain, StatCell
from satisfaction import services
from satisfaction.models import Rating
from tests.dossiers.test_concurrency_postgres import run_together
from tests.support.cast import build_cast
from tests.support.dossiers import DossierFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_concurrent_ratings_store_one(transactional_db):
    if connection.vendor != "postgresql":
        pytest.skip(f"needs PostgreSQL (this run uses {connection.vendor})")
    cast = build_cast()
    d = DossierFactory(cast=cast, status="returned")

    def rate(level):
        return lambda: services.record(Dossier.objects.get(pk=d.pk), level=level, channel="api")

    levels = ["very_satisfied", "satisfied", "not_satisfied", "satisfied"] * 2
    results = run_together([rate(level) for level in levels])
    stored = [r for r in results if isinstance(r, Rating)]
    refused = [r for r in results if isinstance(r, Conflict)]
    assert len(stored) == 1, results
    assert len(refused) == len(levels) - 1
    assert {r.code for r in refused} == {"already_rated"}
    assert Rating.objects.filter(dossier=d).count() == 1
    cells = StatCell.objects.filter(grain=Grain.AGENCY_MONTH)
    rated = sum(c.rated_very_satisfied + c.rated_satisfied + c.rated_not_satisfied for c in cells)
    assert rated == 1
    assert rebuild.verify().ok
