"""config.wsgi's application wrapped for `bench_load.py`: each response carries
`Server-Timing: cpu;dur=<ms>, db;dur=<ms>, app;dur=<ms>` —

* cpu: the CPU time of the thread serving the request (time.thread_time: this request's own,
  also under gthread);
* db: the CPU time (utime + stime, from /proc/<pid>/stat) of the PostgreSQL backend process
  behind this worker's connection, spent between the WSGI call and start_response (the
  statements of the middleware and the view, the commit included). /proc counts in clock ticks
  (10 ms): one request's figure is coarse, but the ticks are sampled, so a kind's sum over
  thousands of requests is unbiased. A connection opened during the request counts from its
  start (the backend's start-up is this request's cost);
* app: the wall time from the WSGI call to start_response (the response is built by then).

The load test sums them per request kind. Benchmark only: the project itself sends no such
header. It needs the server and PostgreSQL on the same machine (as in bench_load.py)."""

import os
import time

from django.db import connection

from config.wsgi import application as django_application

TICKS = os.sysconf("SC_CLK_TCK")


def backend_cpu_ms() -> tuple[int | None, float]:
    """(pid, CPU ms so far) of this thread's PostgreSQL backend; (None, 0) without one."""
    raw = connection.connection
    if raw is None or connection.vendor != "postgresql":
        return None, 0.0
    try:
        pid = raw.info.backend_pid
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except (OSError, AttributeError, ValueError):
        return None, 0.0
    return pid, (int(fields[11]) + int(fields[12])) * 1000 / TICKS


def application(environ, start_response):
    cpu_started = time.thread_time()
    started = time.perf_counter()
    pid_before, db_before = backend_cpu_ms()

    def timed_start_response(status, headers, exc_info=None):
        cpu = (time.thread_time() - cpu_started) * 1000
        app = (time.perf_counter() - started) * 1000
        pid, db = backend_cpu_ms()
        if pid is not None and pid == pid_before:
            db -= db_before
        timing = f"cpu;dur={cpu:.2f}, db;dur={db:.2f}, app;dur={app:.2f}"
        return start_response(status, [*headers, ("Server-Timing", timing)], exc_info)

    return django_application(environ, timed_start_response)
