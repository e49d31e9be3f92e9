"""gunicorn on 127.0.0.1 and a small keep-alive HTTP client, for the HTTP benchmarks.

Not a test module. Every server listens on 127.0.0.1 only, on a free port, and is stopped by
stop() (call it in a finally); every wait is bounded.
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import ROOT, percentile

# Environment variables that change how the settings connect to the database or the broker:
# removed from the child's environment unless a run sets them explicitly.
DB_ENV = (
    "CELERY_BROKER_URL",
    "REDIS_URL",
    "DB_POOL",
    "DB_CONN_MAX_AGE",
    "DB_POOL_MIN",
    "DB_POOL_MAX",
)


def exit_on_sigterm() -> None:
    """Turn SIGTERM into SystemExit, so that the scripts' finally blocks (stop gunicorn, drop
    the database) also run when the benchmark is stopped with kill <pid>."""
    import signal

    def handler(signum, frame):
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, handler)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def parse_server(spec: str) -> dict:
    """'sync:4' -> 4 sync workers; 'gthread:2x8' -> 2 gthread workers of 8 threads."""
    kind, _, size = spec.partition(":")
    if kind == "sync":
        return {"label": spec, "worker_class": "sync", "workers": int(size or 3), "threads": 1}
    if kind == "gthread":
        workers, _, threads = (size or "2x4").partition("x")
        return {
            "label": spec,
            "worker_class": "gthread",
            "workers": int(workers),
            "threads": int(threads or 4),
        }
    raise ValueError(f"unknown server spec {spec!r} (sync:N or gthread:NxT)")


class Gunicorn:
    """`gunicorn config.wsgi` on 127.0.0.1:<free port>, DEBUG off, log in a temporary file."""

    def __init__(
        self,
        database_url: str,
        *,
        worker_class: str = "sync",
        workers: int = 3,
        threads: int = 1,
        env: dict | None = None,
        cwd: Path = ROOT,
        app: str = "config.wsgi:application",
        port: int | None = None,
    ):
        if not 1 <= workers <= 16 or not 1 <= threads <= 64:
            raise ValueError("workers must be 1..16 and threads 1..64")
        self.port = port or free_port()
        self.log = tempfile.NamedTemporaryFile(  # noqa: SIM115 - closed in stop()
            prefix="bench-gunicorn-", suffix=".log", delete=False
        )
        child_env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": database_url,
            "DEBUG": "0",
            "ALLOWED_HOSTS": "127.0.0.1",
            "LOG_LEVEL": "WARNING",
        }
        child_env.setdefault("SECRET_KEY", "onecua-benchmark-only-not-a-secret")
        child_env.setdefault("ONECUA_MOCKS", "1")  # as bench/_common.bootstrap_django
        # The benchmarks sign leaders in with passwords only (no second factor).
        child_env.setdefault("ONECUA_REQUIRE_2FA", "0")
        for name in DB_ENV:
            child_env.pop(name, None)
        child_env.update(env or {})
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            app,
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            str(workers),
            "--worker-class",
            worker_class,
            "--timeout",
            "60",
            "--backlog",
            "256",
            "--log-level",
            "warning",
        ]
        if worker_class == "gthread":
            command += ["--threads", str(threads), "--keep-alive", "5"]
        self.process = subprocess.Popen(  # noqa: S603
            command, cwd=cwd, env=child_env, stdout=self.log, stderr=subprocess.STDOUT
        )

    def wait_ready(self, path: str = "/api/v1/auth/me/", timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited ({self.process.returncode}):\n{self.tail()}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                try:
                    conn.request("GET", path)
                    response = conn.getresponse()
                    response.read()
                    if response.status < 500:
                        return
                finally:
                    conn.close()
            except OSError:
                pass
            time.sleep(0.25)
        raise RuntimeError(f"gunicorn did not answer within {timeout:.0f} s:\n{self.tail()}")

    def tail(self) -> str:
        self.log.flush()
        return Path(self.log.name).read_text(errors="replace")[-3000:]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.log.close()
        Path(self.log.name).unlink(missing_ok=True)


class Client:
    """One keep-alive connection to 127.0.0.1:port (http.client reconnects by itself when the
    server closed it, as gunicorn's sync workers do after every response)."""

    def __init__(self, port: int, token: str | None = None, timeout: float = 30.0):
        self.port = port
        self.timeout = timeout
        self.headers = {"Accept": "application/json"}
        if token:
            self.headers["Authorization"] = f"Token {token}"
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)

    def request(self, method: str, path: str, body: dict | None = None) -> tuple[int, bytes]:
        headers = dict(self.headers)
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        try:
            self.conn.request(method, path, body=data, headers=headers)
            response = self.conn.getresponse()
            return response.status, response.read()
        except (OSError, http.client.HTTPException):
            self.conn.close()
            raise

    def close(self) -> None:
        self.conn.close()


def latency_stats(latencies_ms: list[float], wall_s: float) -> dict:
    if not latencies_ms:
        return {"n": 0}
    return {
        "n": len(latencies_ms),
        "p50_ms": percentile(latencies_ms, 50),
        "p95_ms": percentile(latencies_ms, 95),
        "p99_ms": percentile(latencies_ms, 99),
        "max_ms": max(latencies_ms),
        "mean_ms": sum(latencies_ms) / len(latencies_ms),
        "rps": len(latencies_ms) / wall_s if wall_s else None,
    }
