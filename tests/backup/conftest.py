"""The backup tests check a cluster restored to a point in time, and its restored files, against
the state recorded at that time; scripts/backup_test.sh makes them (a primary archiving through
pgBackRest, a base backup, a restore with --type=time) and sets BACKUP_TEST_*; without it they
are skipped (not collected)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import psycopg
import pytest

ENVIRONMENT = (
    "BACKUP_TEST_STATE",
    "BACKUP_TEST_STATE_AFTER",
    "BACKUP_TEST_RESTORED_URL",
    "BACKUP_TEST_RESTORED_DOCUMENTS",
    "BACKUP_TEST_SIGNING_CA",
)

if not all(os.environ.get(name) for name in ENVIRONMENT):
    collect_ignore_glob = ["test_*.py"]


def _state(variable: str) -> dict:
    return json.loads(Path(os.environ[variable]).read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def at_target() -> dict:
    """What the primary held at the target time T (tests/backup/workload.py `state`)."""
    return _state("BACKUP_TEST_STATE")


@pytest.fixture(scope="session")
def after_target() -> dict:
    """What the primary held at the end, after phase 3 (written after T)."""
    return _state("BACKUP_TEST_STATE_AFTER")


@pytest.fixture(scope="session")
def restored():
    """A connection to the restored cluster's onecua database."""
    with psycopg.connect(os.environ["BACKUP_TEST_RESTORED_URL"], autocommit=True) as connection:
        yield connection


@pytest.fixture(scope="session")
def restored_documents() -> Path:
    """The restored documents storage (MEDIA_ROOT/documents)."""
    return Path(os.environ["BACKUP_TEST_RESTORED_DOCUMENTS"])


@pytest.fixture(scope="session")
def signing_ca() -> Path:
    """The scratch primary's signing CA (its e-results chain to it)."""
    return Path(os.environ["BACKUP_TEST_SIGNING_CA"])
