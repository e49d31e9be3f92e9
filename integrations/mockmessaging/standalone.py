"""Settings of a process that serves only the mock gateways (like the mock portal's)."""

from django.conf import settings
from django.db.backends.signals import connection_created

STANDALONE_URLCONF = "integrations.mockmessaging.standalone_urls"


def configure() -> None:
    settings.ROOT_URLCONF = STANDALONE_URLCONF
    settings.MIDDLEWARE = []
    settings.WSGI_APPLICATION = "integrations.mockmessaging.wsgi.application"
    connection_created.connect(_asynchronous_commit, dispatch_uid="mockmessaging.async_commit")


def _asynchronous_commit(sender, connection, **kwargs) -> None:
    """A mock gateway need not wait for the disk at each commit (a crash may lose its last
    messages, which a test stand-in can afford): on PostgreSQL its connections commit
    asynchronously, so that the mock, not the disk, sets its pace."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET synchronous_commit = off")
