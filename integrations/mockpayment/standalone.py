"""Settings of a process that serves only the mock payment platform: its own URLconf and no
middleware (the mock needs no session, locale, CSRF or login machinery), and its own WSGI
application (integrations/mockpayment/wsgi.py), which `runserver` loads too."""

from django.conf import settings

STANDALONE_URLCONF = "integrations.mockpayment.standalone_urls"


def configure() -> None:
    settings.ROOT_URLCONF = STANDALONE_URLCONF
    settings.MIDDLEWARE = []
    settings.WSGI_APPLICATION = "integrations.mockpayment.wsgi.application"
