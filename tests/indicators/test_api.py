"""GET /api/v1/stats/indicators and /stats/index766: who may read what, filters, errors."""

import pytest

from accounts.models import User
from accounts.roles import Role
from dossiers import services
from tests.support.cast import file_online

# The seeded province once per module (each test in its own savepoint), on the clock from Monday
# 2 March 2026, 08:00.
pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("province_cast"),
    pytest.mark.clock(2026, 3, 2, 8, 0),
]

INDICATORS = "/api/v1/stats/indicators"
INDEX = "/api/v1/stats/index766"
MARCH = {"period": "month", "year": 2026, "month": 3}


@pytest.fixture
def world(cast, clock):
    d = file_online(cast)
    services.receive(dossier=d.code, actor=cast.clerk)
    return cast


def test_a_leader_reads_their_agency_subtree_by_default(world):
    body = world.client(world.leader).get(INDICATORS, MARCH).json()
    assert body["scope"]["province"] is False
    assert body["counts"]["received"] == 1
    assert body["period"]["label"] == "03/2026"


def test_a_leader_cannot_read_another_agency(world):
    response = world.client(world.other_leader).get(
        INDICATORS, {**MARCH, "agency": world.committee.code}
    )
    assert response.status_code == 403
    assert response["Content-Type"].startswith("application/problem+json")
    # Their own figures do not include the ward's dossier.
    own = world.client(world.other_leader).get(INDICATORS, MARCH).json()
    assert own["counts"]["received"] == 0
    ranked = world.client(world.other_leader).get(INDEX, MARCH).json()["ranking"]
    assert world.committee.code not in {r["code"] for r in ranked}


def test_the_administrator_reads_the_province_and_any_agency(world):
    admin = world.client(world.admin)
    province = admin.get(INDICATORS, MARCH).json()
    assert province["scope"]["province"] is True
    assert province["counts"]["received"] == 1
    other = admin.get(INDICATORS, {**MARCH, "agency": world.department.code}).json()
    assert other["counts"]["received"] == 0


@pytest.mark.parametrize("role", [Role.CITIZEN, Role.RECEIVING_OFFICER, Role.PROCESSING_OFFICER])
def test_other_roles_are_refused(world, role):
    user = User.objects.create(username=f"u-{role}", role=role, agency=world.committee)
    for url in (INDICATORS, INDEX):
        assert world.client(user).get(url, MARCH).status_code == 403


def test_anonymous_is_refused(world, api):
    assert api.get(INDICATORS).status_code in (401, 403)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"period": "week"}, "period"),
        ({"date": "2026-13-01"}, "date"),
        ({"channel": "9"}, "channel"),
        ({"level": "district"}, "level"),
        ({"agency": "nope"}, "agency"),
        ({"field": "NOPE"}, "field"),
        ({"procedure": "9.999999"}, "procedure"),
        ({"year": "2026", "period": "month"}, "month"),
        ({"series": "week"}, "series"),
        ({"group_by": "planet"}, "group_by"),
    ],
)
def test_bad_filters_are_400_problems(world, params, field):
    response = world.client(world.admin).get(INDICATORS, params)
    assert response.status_code == 400, response.json()
    assert response["Content-Type"].startswith("application/problem+json")
    body = response.json()
    assert body["code"] == "invalid_filter"
    assert field in body["errors"]


def test_filters_series_breakdown_and_ranking(world):
    admin = world.client(world.admin)
    by_field = admin.get(INDICATORS, {**MARCH, "field": "HO_TICH", "level": "commune"}).json()
    assert by_field["counts"]["received"] == 1
    land = admin.get(INDICATORS, {**MARCH, "field": "DAT_DAI"}).json()
    assert land["counts"]["received"] == 0
    by_procedure = admin.get(INDICATORS, {**MARCH, "procedure": "1.001193", "channel": 2}).json()
    assert by_procedure["counts"]["received"] == 1
    assert by_procedure["catalogue"]["full_with_online_dossiers"] == 1
    day = admin.get(INDICATORS, {"period": "day", "date": "2026-03-02"}).json()
    assert day["counts"]["received"] == 1
    year = admin.get(
        INDICATORS, {"period": "year", "year": 2026, "series": "month", "group_by": "agency"}
    ).json()
    # Only March has dossiers (the outbox rows' `default=timezone.now` follows the clock too).
    assert {p["period"]: p["received"] for p in year["series"]}["2026-03-01"] == 1
    assert sum(p["received"] for p in year["series"]) == 1
    assert [b["code"] for b in year["breakdown"]] == [world.committee.code]
    index = admin.get(INDEX, {**MARCH, "group_by": "commune", "series": "day"}).json()
    assert index["computable_max"] == 78
    assert index["ranking_by"] == "commune"
    assert index["ranking"][0]["name"] == world.unit.name
    assert index["ranking"][0]["rank"] == 1
    assert {g["key"] for g in index["groups"]} == {
        "transparency",
        "progress",
        "online_service",
        "online_payment",
        "satisfaction",
        "digitisation",
    }
    quarter = admin.get(INDEX, {"period": "quarter", "year": 2026, "quarter": 1}).json()
    assert quarter["period"]["start"] == "2026-01-01"
    assert quarter["ranking"][0]["code"] == world.committee.code
