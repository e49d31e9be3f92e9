"""The read replica (core/replica.py, config/routers.py, docs/deployment.md "Read replica"),
against a real streaming standby: the indicators, the dashboard and the exports read it; a reader
who just wrote reads the primary; a standby that lags or is down sends the reads back to the
primary; /metrics shows its lag. Run by `bash scripts/replica_test.sh` (skipped otherwise)."""

from __future__ import annotations

import time

import pytest
from django.db import connections
from django.test import Client
from django.test.utils import CaptureQueriesContext
from prometheus_client.parser import text_string_to_metric_families

from core import replica
from dossiers import services
from organisations.models import Agency
from tests.support.cast import PASSWORD, file_online

pytestmark = [
    pytest.mark.replica,
    pytest.mark.django_db(transaction=True, databases=["default", "replica"]),
    pytest.mark.clock(2026, 3, 2, 8, 0),
]

INDICATORS = "/api/v1/stats/indicators"
INDEX = "/api/v1/stats/index766"
LOGBOOK = "/api/v1/reports/logbook/"
MARCH = {"period": "month", "year": 2026, "month": 3}


@pytest.fixture
def world(cast, clock, standby):
    d = file_online(cast)
    services.receive(dossier=d.code, actor=cast.clerk)
    standby.wait_for_replay()
    return cast


def received(cast) -> int:
    response = cast.client(cast.leader).get(INDICATORS, MARCH)
    assert response.status_code == 200, response.content
    return response.json()["counts"]["received"]


def scrape() -> dict:
    response = Client().get("/metrics")
    assert response.status_code == 200, response.content
    samples = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            samples[sample.name] = sample.value
    return samples


def test_the_indicators_read_the_replica_not_the_primary(world, standby):
    with CaptureQueriesContext(connections["replica"]) as on_replica:
        assert received(world) == 1
        assert world.client(world.leader).get(INDEX, MARCH).status_code == 200
    assert on_replica.captured_queries  # the figures came from the standby

    # Proof by difference: with the standby's replay paused, a second dossier received on the
    # primary is not in the figures yet (the leader reads the standby, < REPLICA_MAX_LAG_SECONDS
    # behind), and is once the standby has replayed it.
    standby.pause()
    d = file_online(world)
    services.receive(dossier=d.code, actor=world.clerk)
    assert received(world) == 1
    standby.resume()
    standby.wait_for_replay()
    assert received(world) == 2


def test_the_dashboard_page_reads_the_replica(world):
    browser = Client()
    browser.force_login(world.leader)
    with CaptureQueriesContext(connections["replica"]) as on_replica:
        response = browser.get("/dashboard/", MARCH)
    assert response.status_code == 200
    assert on_replica.captured_queries


def test_the_logbook_export_reads_the_replica(world):
    params = {"agency": world.centre.code, "date_from": "2026-03-01", "date_to": "2026-03-31"}
    with CaptureQueriesContext(connections["replica"]) as on_replica:
        response = world.client(world.clerk).get(
            "/api/v1/reports/logbook/", {**params, "format": "pdf"}
        )
    assert response.status_code == 200, response.content
    assert on_replica.captured_queries

    # The CSV is streamed after the view returned: each batch is read inside the scope.
    with CaptureQueriesContext(connections["replica"]) as on_replica:
        response = world.client(world.clerk).get(LOGBOOK, {**params, "format": "csv"})
        body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert response.status_code == 200
    assert world.centre.code in body or body.count("\n") >= 2  # the header and the dossier
    assert any("dossier" in q["sql"] for q in on_replica.captured_queries)


def test_a_read_after_the_readers_own_write_goes_to_the_primary(world, standby):
    standby.pause()
    with replica.request_scope(), replica.reading_from_replica():
        assert replica.db_for_read() == "replica"
        unit = world.centre.unit
        Agency.objects.create(
            code="000.99.99.H99", name="Cơ quan thử", kind=world.centre.kind, unit=unit
        )
        # The write pinned the rest of this unit of work: the read sees it although the standby
        # (paused) has not replayed it.
        assert replica.db_for_read() == "default"
        assert Agency.objects.filter(code="000.99.99.H99").exists()
    with replica.request_scope(), replica.reading_from_replica():
        # Another unit of work, no write of its own: the standby, without the new row.
        assert not Agency.objects.filter(code="000.99.99.H99").exists()


def test_a_browser_that_wrote_reads_the_primary_for_a_while(world, settings, clock):
    browser = Client()
    # Logging in writes the session: the response carries the pin.
    response = browser.post(
        "/dashboard/login/", {"username": world.leader.username, "password": PASSWORD}
    )
    assert response.status_code == 302, response.content
    assert replica.PIN_COOKIE in response.cookies
    with CaptureQueriesContext(connections["replica"]) as on_replica:
        assert browser.get("/dashboard/", MARCH).status_code == 200
    assert not on_replica.captured_queries  # pinned: all on the primary

    clock.advance(seconds=settings.REPLICA_PIN_SECONDS + 1)  # the pin has expired
    with CaptureQueriesContext(connections["replica"]) as on_replica:
        assert browser.get("/dashboard/", MARCH).status_code == 200
    assert on_replica.captured_queries


def test_a_lagging_replica_is_not_read_and_the_lag_is_a_metric(world, standby, settings):
    settings.REPLICA_MAX_LAG_SECONDS = 0.5
    assert scrape()["onecua_database_replica_lag_seconds"] == 0  # caught up
    assert scrape()["onecua_database_replica_usable"] == 1

    standby.pause()
    d = file_online(world)
    services.receive(dossier=d.code, actor=world.clerk)
    time.sleep(1)
    samples = scrape()
    assert samples["onecua_database_replica_lag_seconds"] > 0.5
    assert samples["onecua_database_replica_usable"] == 0
    with CaptureQueriesContext(connections["replica"]) as on_replica:
        assert received(world) == 2  # from the primary, up to date
    # Only its lag was asked of the standby (at each read: the test turns the cache off).
    assert {q["sql"] for q in on_replica.captured_queries} == {replica.LAG_SQL}

    standby.resume()
    standby.wait_for_replay()
    assert scrape()["onecua_database_replica_usable"] == 1
    with CaptureQueriesContext(connections["replica"]) as on_replica:
        assert received(world) == 2
    assert {q["sql"] for q in on_replica.captured_queries} - {replica.LAG_SQL}


def test_a_replica_that_is_down_is_not_read(world, settings):
    alias = connections["replica"]
    alias.close()
    alias.settings_dict = {**alias.settings_dict, "PORT": 1}  # nothing listens there
    replica.forget_lag()
    started = time.monotonic()
    assert received(world) == 1  # the primary answered
    assert time.monotonic() - started < 10
    samples = scrape()
    assert "onecua_database_replica_lag_seconds" not in samples
    assert samples["onecua_database_replica_usable"] == 0
