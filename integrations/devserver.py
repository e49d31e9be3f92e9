"""The mocks' standalone processes (`manage.py run_mock_portal`, `run_mock_messaging`,
`run_mock_payment`, `run_mock_vneid`, as `scripts/dev.sh prod` starts them) serve with Django's
development server. It handles each client connection in a thread of its own and, unlike the
live-server thread of Django's tests, never closes that thread's database connection: with
persistent connections (`DB_CONN_MAX_AGE`, 60 s by default) every thread that ever served left
its connection open, and under the load test the mocks alone reached PostgreSQL's
`max_connections` (100) within minutes — the portal's and the gateways' calls then failed, and
the web's next new connection too (an HTTP 500; docs/performance.md §16.2). So a mock served by
`runserver` closes its connection at the end of each request (CONN_MAX_AGE 0, Django's
request_finished handler does it). Served by gunicorn (`--workers N`: threads that live as long
as the process) the mocks keep their persistent connections.
"""

from django.conf import settings


def close_connections_per_request() -> None:
    """Every database of this process closes its connection when a request ends."""
    for database in settings.DATABASES.values():
        database["CONN_MAX_AGE"] = 0
