"""`bash scripts/dev.sh prod`, the production-shaped run (docs/deployment.md): it starts gunicorn,
a Celery worker, beat and the mocks of the national systems as processes of their own on
PostgreSQL + Redis, answers the API on its port, delivers a dossier to the mock portal over HTTP
(the worker, not the request), and on SIGTERM stops every process it started — no orphan left
(gunicorn's and Celery's children included).

PostgreSQL only: the run uses a database of its own beside the test database (created by the
script, dropped here) and the Redis databases of REDIS_URL and ONECUA_TEST_BROKER_DB."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
import requests
from django.conf import settings as django_settings
from django.db import connection
from psycopg import sql

ROOT = Path(__file__).resolve().parents[2]
BROKER_DB = int(os.environ.get("ONECUA_TEST_BROKER_DB", "13"))

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db,
    pytest.mark.skipif(
        django_settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
        reason="needs PostgreSQL (set DATABASE_URL=postgresql://…)",
    ),
]


def free_port_block(size: int) -> int:
    """A port p such that p and p+100+1..p+100+size look free (best effort)."""
    for _ in range(50):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port + 100 + size > 65000:
            continue
        ports = [port, *range(port + 101, port + 101 + size)]
        try:
            for p in ports:
                with socket.socket() as s:
                    s.bind(("127.0.0.1", p))
        except OSError:
            continue
        return port
    pytest.skip("no free block of ports")


def processes_with(marker: str) -> list[int]:
    """Every process of this user whose environment holds `marker` (the run's and its
    children's: they inherit it)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if marker.encode() in (entry / "environ").read_bytes():
                found.append(int(entry.name))
        except (OSError, PermissionError):
            continue
    return found


def celery_mains(marker: str, kind: str) -> list[int]:
    """The Celery main processes (`python -m celery ... worker` or `... beat`) of the run: those
    whose parent is not itself a Celery process (a prefork pool's children are)."""

    def argv(pid: int) -> list[bytes]:
        try:
            return (Path("/proc") / str(pid) / "cmdline").read_bytes().split(b"\0")
        except OSError:
            return []

    def parent(pid: int) -> int:
        try:
            return int((Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            return 0

    def celery(args: list[bytes]) -> bool:
        # python -m celery ...: not the shell loop that starts it again (its argv names it too)
        return bool(args) and b"python" in args[0] and b"celery" in args

    found = []
    for pid in processes_with(marker):
        args = argv(pid)
        if celery(args) and kind.encode() in args and not celery(argv(parent(pid))):
            found.append(pid)
    return found


@pytest.fixture
def prod_database():
    base = connection.settings_dict
    name = f"{base['NAME']}_devprod"[:63]
    url = django_settings.DATABASE_URL or ""
    parts = urlsplit(url)
    run_url = urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, ""))
    admin = urlunsplit((parts.scheme, parts.netloc, "/postgres", parts.query, ""))

    def drop():
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )

    drop()
    yield run_url
    drop()


def test_dev_sh_prod_starts_serves_and_stops_every_process(prod_database, tmp_path):
    redis = urlsplit(os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/15")
    host = f"{redis.hostname or '127.0.0.1'}:{redis.port or 6379}"
    port = free_port_block(4)
    marker = f"ONECUA_PROD_TEST_{uuid.uuid4().hex}"
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/root"),
        "DATABASE_URL": prod_database,
        "REDIS_URL": urlunsplit((redis.scheme, redis.netloc, redis.path, "", "")),
        "CELERY_BROKER_URL": f"redis://{host}/{BROKER_DB}",
        "PORT": str(port),
        "WEB_CONCURRENCY": "2",
        "CELERY_CONCURRENCY": "1",
        "ONECUA_VAR_DIR": str(tmp_path / "var"),
        marker: "1",
    }
    if os.environ.get("ONECUA_VENV"):
        env["ONECUA_VENV"] = os.environ["ONECUA_VENV"]
    log = (tmp_path / "prod.log").open("w")
    process = subprocess.Popen(  # noqa: S603 - fixed argv
        ["/bin/bash", str(ROOT / "scripts" / "dev.sh"), "prod"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 300  # migrate and seed a fresh database first
        while True:
            assert process.poll() is None, (tmp_path / "prod.log").read_text()[-3000:]
            try:
                response = requests.get(f"{base}/api/v1/procedures/", timeout=15)
                if response.status_code == 200:
                    break
            except (requests.ConnectionError, requests.Timeout):
                pass  # not listening yet, or a worker still booting
            assert time.monotonic() < deadline, (tmp_path / "prod.log").read_text()[-3000:]
            time.sleep(1)
        assert response.json()["results"]  # the catalogue, through gunicorn on PostgreSQL

        # The processes: gunicorn (master + 2 workers), the Celery worker (+ its child), beat,
        # four mocks; all carry the marker.
        names = [
            line.split()[1] for line in (tmp_path / "var" / "prod.pids").read_text().splitlines()
        ]
        assert sorted(names) == sorted(
            ["web", "worker", "beat", "mock-portal", "mock-messaging", "mock-payment", "mock-vneid"]
        )
        assert len(processes_with(marker)) >= 10

        # A citizen's dossier reaches the mock portal over HTTP, delivered by the worker.
        login = requests.post(
            f"{base}/api/v1/auth/login/",
            json={"username": "congdan", "password": "onecua-demo"},
            timeout=10,
        )
        assert login.status_code == 200, login.content
        filed = requests.post(
            f"{base}/api/v1/dossiers/",
            json={
                "procedure": "1.000426",
                "summary": "Đề nghị cấp thẻ tư vấn viên pháp luật",
                "applicant": {
                    "kind": 1,
                    "full_name": "Nguyễn Văn An",
                    "personal_id": "025090001234",
                },
            },
            headers={"Authorization": f"Token {login.json()['token']}"},
            timeout=10,
        )
        assert filed.status_code == 201, filed.content
        code = filed.json()["code"]
        with psycopg.connect(prod_database) as conn:
            deadline = time.monotonic() + 30
            while not conn.execute(
                "SELECT 1 FROM mockportal_record WHERE ma_ho_so = %s", [code]
            ).fetchone():
                assert time.monotonic() < deadline, "the portal never received the dossier"
                time.sleep(0.5)
                conn.commit()
        # In a batch of the portal topic (docs/portal-sync.md "Batches"), over HTTP.
        assert "POST /mock-dvcqg/hoso/dongbo" in (tmp_path / "prod.log").read_text()

        # The worker dies (as it can when its broker restarts): it is started again, as a
        # service manager would, and the next dossier still reaches the portal; the web server
        # went on serving meanwhile.
        (first_worker,) = celery_mains(marker, "worker")
        os.kill(first_worker, signal.SIGKILL)
        deadline = time.monotonic() + 60
        while celery_mains(marker, "worker") in ([], [first_worker]):
            assert time.monotonic() < deadline, "the worker was not started again"
            time.sleep(0.5)
        assert process.poll() is None, "the run stopped when its worker died"
        again = requests.post(
            f"{base}/api/v1/dossiers/",
            json={
                "procedure": "1.000426",
                "summary": "Đề nghị cấp lại thẻ tư vấn viên pháp luật",
                "applicant": {
                    "kind": 1,
                    "full_name": "Nguyễn Văn An",
                    "personal_id": "025090001234",
                },
            },
            headers={"Authorization": f"Token {login.json()['token']}"},
            timeout=10,
        )
        assert again.status_code == 201, again.content
        with psycopg.connect(prod_database) as conn:
            deadline = time.monotonic() + 90  # the new worker boots first
            while not conn.execute(
                "SELECT 1 FROM mockportal_record WHERE ma_ho_so = %s", [again.json()["code"]]
            ).fetchone():
                assert time.monotonic() < deadline, "the restarted worker never delivered"
                time.sleep(0.5)
                conn.commit()
        assert "starting it again in 2 s" in (tmp_path / "prod.log").read_text()
    finally:
        if process.poll() is None:
            os.kill(process.pid, signal.SIGTERM)  # as Ctrl-C or a service manager would
        try:
            status = process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            status = None
        log.close()
        deadline = time.monotonic() + 10
        while processes_with(marker) and time.monotonic() < deadline:
            time.sleep(0.5)
        left = processes_with(marker)
        for pid in left:  # never leave them behind, even when the test fails
            os.kill(pid, signal.SIGKILL)
    assert status == 0, (tmp_path / "prod.log").read_text()[-3000:]
    assert left == [], "processes left after SIGTERM"
    assert "Stopping the production-shaped run (7 processes)" in (tmp_path / "prod.log").read_text()
    assert not (tmp_path / "var" / "prod.pids").exists()
