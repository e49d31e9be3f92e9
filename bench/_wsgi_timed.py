"""config.wsgi's application wrapped for `bench_service_centre.py --gunicorn`: each response
carries `Server-Timing: app;dur=<ms>`, the time from the WSGI call to Django's start_response
(the whole middleware stack and the view; the response is built by then), so that the client
can tell server time from its own and the network's. Benchmark only: the project itself sends
no such header."""

import time

from config.wsgi import application as django_application


def application(environ, start_response):
    started = time.perf_counter()

    def timed_start_response(status, headers, exc_info=None):
        duration = (time.perf_counter() - started) * 1000
        headers = [*headers, ("Server-Timing", f"app;dur={duration:.2f}")]
        return start_response(status, headers, exc_info)

    return django_application(environ, timed_start_response)
