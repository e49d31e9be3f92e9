"""Settings of a process that serves only the mock gateways (like the mock portal's)."""

from django.conf import settings

STANDALONE_URLCONF = "integrations.mockmessaging.standalone_urls"


def configure() -> None:
    settings.ROOT_URLCONF = STANDALONE_URLCONF
    settings.MIDDLEWARE = []
    settings.WSGI_APPLICATION = "integrations.mockmessaging.wsgi.application"
