"""config.wsgi's application wrapped for `bench_load.py`: each response carries
`Server-Timing: cpu;dur=<ms>, app;dur=<ms>` — the CPU time of the thread serving the request
(time.thread_time: this request's own, also under gthread) and its wall time, from the WSGI
call to start_response (the middleware and the view; the response is built by then). The load
test sums them per request kind. Benchmark only: the project itself sends no such header."""

import time

from config.wsgi import application as django_application


def application(environ, start_response):
    cpu_started = time.thread_time()
    started = time.perf_counter()

    def timed_start_response(status, headers, exc_info=None):
        cpu = (time.thread_time() - cpu_started) * 1000
        app = (time.perf_counter() - started) * 1000
        headers = [*headers, ("Server-Timing", f"cpu;dur={cpu:.2f}, app;dur={app:.2f}")]
        return start_response(status, headers, exc_info)

    return django_application(environ, timed_start_response)
