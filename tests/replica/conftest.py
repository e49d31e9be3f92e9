"""The read-replica tests run against a real streaming standby (scripts/replica_test.sh makes one
and sets DATABASE_REPLICA_URL); without it they are skipped.

The design: settings give the `replica` alias TEST MIRROR = default, so that the test runner does
not try to create a test database on the read-only standby. A mirror, though, is pointed at the
primary's own connection settings, which would read the primary; so `standby` (autouse here)
points the alias back at the standby's host and port, with the primary's test database name
(test_onecua): a physical standby replays the whole cluster, the test database included. The
tests are transactional (committed rows: the standby sees only what the primary committed), and
the flush at their end runs on the primary only (mirrors are never flushed) and is replayed.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass

import pytest
from django.db import connections

from core import replica

if not os.environ.get("DATABASE_REPLICA_URL"):
    collect_ignore_glob = ["test_*.py"]


@dataclass
class Standby:
    def _one(self, alias: str, sql: str):
        with connections[alias].cursor() as cursor:
            cursor.execute(sql)
            return cursor.fetchone()[0]

    def wait_for_replay(self, timeout: float = 20) -> None:
        """Until the standby has replayed everything the primary has written so far."""
        target = self._one("default", "SELECT pg_current_wal_lsn()::text")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            done = self._one(
                replica.ALIAS, f"SELECT pg_last_wal_replay_lsn() >= '{target}'::pg_lsn"
            )
            if done:
                return
            time.sleep(0.05)
        raise AssertionError("the standby did not catch up")

    def pause(self) -> None:
        self._one(replica.ALIAS, "SELECT pg_wal_replay_pause()::text")

    def resume(self) -> None:
        self._one(replica.ALIAS, "SELECT pg_wal_replay_resume()::text")


@pytest.fixture(autouse=True)
def standby(settings, transactional_db):
    default = connections["default"]
    alias = connections[replica.ALIAS]
    mirror = alias.settings_dict
    alias.close()
    real = {
        **connections.settings[replica.ALIAS],
        "NAME": default.settings_dict["NAME"],
        "CONN_MAX_AGE": 0,
    }
    alias.settings_dict = real
    # Measured at each read: the tests change the standby's state between two reads.
    settings.REPLICA_LAG_CACHE_SECONDS = 0
    replica.forget_lag()
    helper = Standby()
    assert helper._one(replica.ALIAS, "SELECT pg_is_in_recovery()") is True
    helper.wait_for_replay()
    try:
        yield helper
    finally:
        alias.close()
        alias.settings_dict = real  # a test may have pointed it elsewhere
        helper.resume()
        alias.close()
        alias.settings_dict = mirror
        replica.forget_lag()
