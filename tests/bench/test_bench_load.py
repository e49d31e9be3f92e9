"""The load test's options and arithmetic (bench/bench_load.py) and the Server-Timing wrapper
it serves (bench/_wsgi_cpu.py). The load test itself is run by hand (docs/performance.md §16),
not here; bench/locustfile.py is not imported here (locust patches the process with gevent)."""

from pathlib import Path

import pytest
from django.test import RequestFactory

from bench import bench_load as bench


def test_the_default_mix_is_above_a_merged_provinces_peak():
    args = bench.parse_args([])
    mix = args.user_mix
    assert set(mix) == {"CounterOfficer", "Citizen", "ProcessingOfficer", "Leader", "Public"}
    counter = mix["CounterOfficer"]
    # 3 tasks in 4 of a counter officer are a receipt (CounterOfficer.intake's weight 3 to 1).
    assert counter["users"] * counter["rate"] * 3 / 4 >= args.target_receipts == 5.0
    citizen = mix["Citizen"]
    # 1 task in 5 of a citizen is an online filing (file 1, my dossiers 2, follow 2).
    assert citizen["users"] * citizen["rate"] / 5 >= 1.5
    assert args.users == sum(entry["users"] for entry in mix.values()) == 83
    assert args.workers == 4


def test_a_mix_is_parsed_scaled_and_checked():
    assert bench.parse_mix("counter=10@0.5, public=3@0.2", scale=0.5) == {
        "CounterOfficer": {"users": 5, "rate": 0.5},
        "Public": {"users": 2, "rate": 0.2},
    }
    # Scaling down never drops a class given.
    assert bench.parse_mix("leader=1@0.1", scale=0.1) == {"Leader": {"users": 1, "rate": 0.1}}
    for bad in ("cashier=1@1", "counter=x@1", "counter=1", "counter=1@0", "counter=1@20"):
        with pytest.raises(ValueError):
            bench.parse_mix(bad)
    with pytest.raises(SystemExit):
        bench.parse_args(["--mix", "counter=500@0.5"])  # more than 400 users
    with pytest.raises(SystemExit):
        bench.parse_args(["--backlog-template", "onecua_backlog"])  # not a bench database


def test_the_whole_servers_cpu_counts_backends_that_ended_once():
    postmaster = 100
    before = {postmaster: 50.0, 201: 10.0, 202: 4.0}
    # 201 went on (+3 s); 202 ended after 2 more seconds (its 6 s are now in the postmaster's
    # reaped-children time, with the postmaster's own +1 s); 203 started and used 5 s; 204
    # started and ended (2 s, reaped too).
    after = {postmaster: 50.0 + 1.0 + 6.0 + 2.0, 201: 13.0, 203: 5.0}
    assert bench.server_delta(postmaster, before, after) == pytest.approx(3 + 2 + 1 + 5 + 2)


def test_cpu_delta_counts_new_processes_from_zero():
    before = {"gunicorn": {1: 2.0, 2: 1.0}}
    after = {"gunicorn": {1: 5.0, 2: 1.5, 3: 0.5}}
    assert bench.cpu_delta(before, after) == {"gunicorn": pytest.approx(3.0 + 0.5 + 0.5)}


@pytest.fixture
def connections_kept():
    """As Django's test client: the request's end must not close the test's connection."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.django_db
def test_the_wrapper_reports_cpu_database_and_server_time(connections_kept):
    from django.db import connection

    from bench import _wsgi_cpu

    environ = RequestFactory()._base_environ(PATH_INFO="/api/v1/auth/me/", REQUEST_METHOD="GET")
    seen = {}

    def start_response(status, headers, exc_info=None):
        seen["status"] = status
        seen["headers"] = dict(headers)

    b"".join(_wsgi_cpu.application(environ, start_response))
    timing = dict(
        part.strip().split(";dur=") for part in seen["headers"]["Server-Timing"].split(",")
    )
    assert set(timing) == {"cpu", "db", "app"}
    assert float(timing["cpu"]) >= 0 and float(timing["db"]) >= 0
    assert float(timing["app"]) > 0
    if connection.vendor != "postgresql":
        assert float(timing["db"]) == 0.0
        assert _wsgi_cpu.backend_cpu_ms() == (None, 0.0)
        return
    connection.ensure_connection()
    backend = connection.connection.info.backend_pid
    try:
        local = Path(f"/proc/{backend}/comm").read_text().strip() == "postgres"
    except OSError:
        local = False  # a server on another machine: its backends are not in our /proc
    if local:
        pid, cpu_ms = _wsgi_cpu.backend_cpu_ms()
        assert pid == backend and cpu_ms >= 0
