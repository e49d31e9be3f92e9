"""Public endpoints cannot be used to guess, flood or stall: tracking, login, due dates."""

import pytest
from rest_framework.test import APIClient

from tests.support.dossiers import DossierFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def dossier(db):
    return DossierFactory(summary="Hồ sơ tra cứu")


def test_wrong_digits_are_limited_per_dossier_code_whatever_the_address(dossier, settings):
    settings.ONECUA_TRACK_FAILURES_PER_CODE = 3
    for n in range(3):
        client = APIClient(REMOTE_ADDR=f"10.0.0.{n + 1}")
        response = client.get("/api/v1/track/", {"code": dossier.code, "id4": f"{n:04d}"})
        assert response.status_code == 404
    # The right digits from yet another address: the code is locked for now.
    locked = APIClient(REMOTE_ADDR="10.0.0.99").get(
        "/api/v1/track/", {"code": dossier.code, "id4": "1234"}
    )
    assert locked.status_code == 429
    assert locked.json()["code"] == "throttled"


def test_a_forged_forwarded_for_header_does_not_escape_the_rate_limit(dossier, monkeypatch):
    from dossiers.api.views import TrackThrottle

    monkeypatch.setattr(TrackThrottle, "rate", "5/min", raising=False)
    statuses = [
        APIClient()
        .get(
            "/api/v1/track/",
            {"code": dossier.code, "id4": "1234"},
            HTTP_X_FORWARDED_FOR=f"203.0.113.{n}",
        )
        .status_code
        for n in range(8)
    ]
    assert statuses[:5] == [200] * 5
    assert set(statuses[5:]) == {429}


@pytest.mark.parametrize(
    "received_at", ["9999-12-30T00:00:00Z", "0001-01-02T00:00:00Z", "2040-01-01T09:00:00+07:00"]
)
def test_due_dates_far_from_now_are_refused(api, received_at):
    response = api.get("/api/v1/calendar/due-date", {"received_at": received_at, "days": 3650})
    assert response.status_code == 400
    assert "received_at" in response.json()["errors"]
