"""Settings for `bench_receipts.py --outbox off`: the project's settings, with the outbox's
automatic delivery off (outbox/delivery.py `schedule`).

Without CELERY_BROKER_URL the project runs Celery tasks eagerly, so every receipt would deliver
its outbox message to the (mock) national portal inside the request, after the commit. In
production a worker does that; the request only writes the outbox row (still measured here)
and asks for delivery. This measures the request path without the delivery.
"""

from config.settings import *  # noqa: F403

OUTBOX_AUTODELIVER = False
