"""Settings for `bench_service_centre.py --gunicorn`: the project's settings with the URLs of
bench/_queue_urls.py (the project's plus the trivial reference view `/bench/trivial/`)."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "_queue_urls"
