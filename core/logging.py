"""Structured logs (docs/operations.md "Logs"): the request id and the dossier code bound to every
log record written while they are known, and a JSON formatter (one object per line) chosen by
LOG_FORMAT=json; the default stays human-readable.

- `RequestIdMiddleware` takes the request's `X-Request-ID` when it is well-formed (letters,
  digits, `-`, `_`, `.`, up to 64), makes one otherwise, echoes it in the response's header and
  writes one log line per request (`onecua.request`: method, path, view, status, duration).
- `bind(dossier=code)` binds a value for the duration of a block (the door binds the dossier's
  code: dossiers/services/door.py).
- `ContextFilter` (on the console handler, settings LOGGING) copies the bound values onto each
  record; `JsonFormatter` writes them with the time (UTC, ISO 8601), level, logger, message and
  any exception.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

REQUEST_ID_HEADER = "X-Request-ID"
_WELL_FORMED = re.compile(r"^[A-Za-z0-9._-]{1,64}$")

request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)
dossier: contextvars.ContextVar[str | None] = contextvars.ContextVar("dossier", default=None)
_BOUND = {"request_id": request_id, "dossier": dossier}

request_logger = logging.getLogger("onecua.request")


@contextmanager
def bind(**values: str | None) -> Iterator[None]:
    """Bind `request_id` and/or `dossier` to the log records of this block (this thread or task)."""
    tokens = [(_BOUND[name], _BOUND[name].set(value)) for name, value in values.items()]
    try:
        yield
    finally:
        for var, token in reversed(tokens):
            var.reset(token)


class ContextFilter(logging.Filter):
    """Copies the bound request id and dossier code onto each record (None when unbound)."""

    def filter(self, record: logging.LogRecord) -> bool:
        for name, var in _BOUND.items():
            if not hasattr(record, name):
                setattr(record, name, var.get())
        return True


# The attributes every LogRecord has: anything else on a record came through `extra=`.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request_id, dossier, the record's
    `extra` fields, and the exception's traceback if any."""

    def format(self, record: logging.LogRecord) -> str:
        data = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in _BOUND:
            value = getattr(record, name, None) or _BOUND[name].get()
            if value:
                data[name] = value
        for key, value in vars(record).items():
            if key not in _STANDARD and key not in data and key not in _BOUND:
                data[key] = value
        if record.exc_info:
            data["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            data["stack"] = self.formatStack(record.stack_info)
        return json.dumps(data, ensure_ascii=False, default=str)


def incoming_request_id(value: str | None) -> str:
    """The client's request id if well-formed, else a new one."""
    if value and _WELL_FORMED.match(value):
        return value
    return uuid.uuid4().hex


class RequestIdMiddleware:
    """Binds the request id (X-Request-ID, or a new one) for the request's logs, echoes it in the
    response, and logs one line per request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        rid = incoming_request_id(request.META.get("HTTP_X_REQUEST_ID"))
        request.request_id = rid
        started = time.perf_counter()
        with bind(request_id=rid):
            response = self.get_response(request)
            match = getattr(request, "resolver_match", None)
            request_logger.info(
                "%s %s %s",
                request.method,
                request.path,
                response.status_code,
                extra={
                    "method": request.method,
                    "path": request.path,
                    "view": match.view_name if match else None,
                    "status": response.status_code,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                },
            )
        response[REQUEST_ID_HEADER] = rid
        return response
