"""Settings of a process that serves only the mock portal: its own URLconf and no middleware
(the mock needs no session, locale, CSRF or login machinery; each one costs time per call), and
its own WSGI application (integrations/mockportal/wsgi.py), which `runserver` loads too: the
project's (config/wsgi.py) runs the system checks, and the admin's checks want that middleware."""

from django.conf import settings

STANDALONE_URLCONF = "integrations.mockportal.standalone_urls"


def configure() -> None:
    settings.ROOT_URLCONF = STANDALONE_URLCONF
    settings.MIDDLEWARE = []
    settings.WSGI_APPLICATION = "integrations.mockportal.wsgi.application"
