"""Structured logs (core/logging.py, docs/operations.md "Logs"): with LOG_FORMAT=json one JSON
object per line, each request's id (the client's X-Request-ID when well-formed, else a new one)
echoed in the response and on its log line, and the dossier's code on the lines the door writes."""

import json
import logging
import re

import pytest

from core import logging as structured
from dossiers import services


@pytest.fixture
def json_lines():
    """Records of the `onecua` loggers, formatted as LOG_FORMAT=json formats them."""
    lines: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record):
            lines.append(self.format(record))

    handler = Collect(level=logging.INFO)
    handler.addFilter(structured.ContextFilter())
    handler.setFormatter(structured.JsonFormatter())
    logger = logging.getLogger("onecua")
    previous = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield lines
    finally:
        logger.removeHandler(handler)
        logger.setLevel(previous)


def parsed(lines, name):
    return [json.loads(line) for line in lines if json.loads(line)["logger"] == name]


@pytest.mark.django_db
def test_a_request_logs_one_json_line_with_its_request_id(client, json_lines):
    response = client.get("/api/v1/procedures/", HTTP_X_REQUEST_ID="lb-7f3a.42_x")
    assert response["X-Request-ID"] == "lb-7f3a.42_x"
    [line] = parsed(json_lines, "onecua.request")
    assert line["request_id"] == "lb-7f3a.42_x"
    assert line["method"] == "GET"
    assert line["path"] == "/api/v1/procedures/"
    assert line["view"] == "procedure-list"
    assert line["status"] == 200
    assert line["level"] == "INFO"
    assert line["duration_ms"] >= 0
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00$", line["time"])


@pytest.mark.django_db
@pytest.mark.parametrize(
    "incoming", [None, "", "a" * 65, "bad id with spaces", "x\r\nSet-Cookie: a=b", "<script>"]
)
def test_a_missing_or_malformed_request_id_is_replaced(client, json_lines, incoming):
    extra = {} if incoming is None else {"HTTP_X_REQUEST_ID": incoming}
    response = client.get("/api/v1/procedures/", **extra)
    rid = response["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", rid)
    [line] = parsed(json_lines, "onecua.request")
    assert line["request_id"] == rid


@pytest.mark.django_db
def test_each_request_gets_its_own_id(client, json_lines):
    first = client.get("/api/v1/procedures/")["X-Request-ID"]
    second = client.get("/api/v1/procedures/")["X-Request-ID"]
    assert first != second
    assert [line["request_id"] for line in parsed(json_lines, "onecua.request")] == [first, second]


def test_nothing_bound_outside_a_request(json_lines):
    logging.getLogger("onecua.test").warning("hors requête %s", "ok")
    [line] = parsed(json_lines, "onecua.test")
    assert line["message"] == "hors requête ok"
    assert "request_id" not in line and "dossier" not in line


def test_an_exception_is_in_the_json_line(json_lines):
    try:
        raise ValueError("hỏng")
    except ValueError:
        logging.getLogger("onecua.test").exception("failed")
    [line] = parsed(json_lines, "onecua.test")
    assert line["level"] == "ERROR"
    assert "ValueError: hỏng" in line["exception"]


def test_a_dossier_action_log_line_carries_the_dossier_code(cast, json_lines):
    from tests.support.cast import file_online

    dossier = file_online(cast)
    with structured.bind(request_id="req-1"):
        services.receive(dossier=dossier.code, actor=cast.clerk)
    lines = parsed(json_lines, "onecua.dossiers")
    # The submission (the code is made inside the door) and the reception.
    assert [line["dossier"] for line in lines] == [dossier.code, dossier.code]
    assert lines[-1]["action"] == "receive"
    assert lines[-1]["request_id"] == "req-1"
    assert "received" in lines[-1]["message"]


def test_the_text_format_stays_the_default(settings):
    # The embedded default logs human-readable lines; LOG_FORMAT=json switches the formatter.
    assert settings.LOG_FORMAT == "text"
    assert "formatter" not in settings.LOGGING["handlers"]["console"]


def test_log_format_json_switches_the_console_to_json(monkeypatch):
    import importlib

    import config.settings as live

    monkeypatch.setenv("LOG_FORMAT", "json")
    try:
        fresh = importlib.reload(live)
        console = fresh.LOGGING["handlers"]["console"]
        assert console["formatter"] == "json"
        assert fresh.LOGGING["formatters"]["json"]["()"] == "core.logging.JsonFormatter"
        assert console["filters"] == ["context"]
        # The workers' lines too: Celery keeps the root logger's handler.
        assert fresh.CELERY_WORKER_HIJACK_ROOT_LOGGER is False
    finally:
        monkeypatch.delenv("LOG_FORMAT")
        importlib.reload(live)
