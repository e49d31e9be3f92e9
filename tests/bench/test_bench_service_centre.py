"""The service-centre benchmark's `--gunicorn` mode (bench/bench_service_centre.py): its
options, its statistics and the Server-Timing wrapper it serves (bench/_wsgi_timed.py). The
benchmark itself is run by hand (docs/performance.md §14), not here."""

import pytest

from bench import bench_service_centre as bench
from bench._server import parse_server


def test_gunicorn_mode_options_and_defaults():
    args = bench.build_parser().parse_args(["--gunicorn"])
    assert args.gunicorn is True
    assert args.server == "gthread:2x4"
    assert parse_server(args.server) == {
        "label": "gthread:2x4",
        "worker_class": "gthread",
        "workers": 2,
        "threads": 4,
    }
    # Left to main(): 60 s and 15 calls/s over HTTP, 20 s and 8/s in process.
    assert args.seconds is None
    assert args.calls_per_second is None
    assert args.board_rate == 150.0
    plain = bench.build_parser().parse_args([])
    assert plain.gunicorn is False


def test_a_bad_server_spec_is_refused():
    with pytest.raises(ValueError):
        parse_server("eventlet:4")


def test_http_stats_percentiles_and_rate():
    stats = bench.http_stats([float(v) for v in range(1, 101)], wall=10.0)
    assert stats == {
        "n": 100,
        "p50": 50.0,
        "p95": 95.0,
        "p99": 99.0,
        "max": 100.0,
        "rate_per_s": 10.0,
    }
    assert bench.http_stats([], wall=10.0) == {"n": 0, "rate_per_s": 0.0}


def test_wsgi_wrapper_adds_server_timing(monkeypatch):
    from bench import _wsgi_timed

    def app(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]

    monkeypatch.setattr(_wsgi_timed, "django_application", app)
    seen = {}

    def start_response(status, headers, exc_info=None):
        seen["status"], seen["headers"] = status, dict(headers)

    assert _wsgi_timed.application({}, start_response) == [b"ok"]
    assert seen["status"] == "200 OK"
    assert seen["headers"]["Content-Type"] == "text/plain"
    timing = seen["headers"]["Server-Timing"]
    assert timing.startswith("app;dur=")
    assert float(timing.removeprefix("app;dur=")) >= 0
