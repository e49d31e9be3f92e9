"""The indicator and 766 reads touch no partitioned history table (issue 16 §4).

Their speed at 10M dossiers (docs/performance.md §7) depends on the counter tables only: none of
the month-partitioned append-only tables (events, outbox, access log, notifications, payment
messages — core/partitions.py) is read by `/stats/indicators` or `/stats/index766`, whatever the
scope, grouping or series. So partitioning those tables, and their growth by hundreds of
millions of rows a year, cannot move these figures; this test keeps it that way."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.partitions import TABLES
from dossiers import services
from tests.support.cast import file_online

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("province_cast"),
    pytest.mark.clock(2026, 3, 2, 8, 0),
]

MONTH = {"period": "month", "year": 2026, "month": 3}
YEAR = {"period": "year", "year": 2026}


@pytest.fixture
def world(cast, clock):
    d = file_online(cast)
    services.receive(dossier=d.code, actor=cast.clerk)
    return cast


@pytest.mark.parametrize(
    "url, params",
    [
        ("/api/v1/stats/indicators", MONTH),
        ("/api/v1/stats/index766", MONTH),
        ("/api/v1/stats/indicators", YEAR),
        ("/api/v1/stats/indicators", {**YEAR, "group_by": "agency"}),
        ("/api/v1/stats/indicators", {**YEAR, "series": "month"}),
        ("/api/v1/stats/index766", YEAR),
    ],
)
def test_indicator_reads_do_not_read_the_partitioned_history(world, url, params):
    client = world.client(world.admin)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params)
    assert response.status_code == 200, response.content[:300]
    assert response.json()  # a real answer, read from the counters
    partitioned = set(TABLES)
    assert len(partitioned) == 5
    touched = {
        table
        for query in queries.captured_queries
        for table in partitioned
        if f'"{table}"' in query["sql"] or f" {table} " in query["sql"]
    }
    # An access-log write would be an INSERT, not a read; the stats are not personal data and
    # write none either.
    assert touched == set(), [q["sql"][:200] for q in queries.captured_queries]
