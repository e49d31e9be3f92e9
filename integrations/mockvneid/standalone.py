"""Settings of a process that serves only the mock VNeID: its own URLconf, no middleware (the
provider needs no session, CSRF or login machinery) and its own WSGI application, as the mock
portal's (integrations/mockportal/standalone.py)."""

from django.conf import settings

STANDALONE_URLCONF = "integrations.mockvneid.standalone_urls"


def configure(issuer: str | None = None) -> None:
    settings.ROOT_URLCONF = STANDALONE_URLCONF
    settings.MIDDLEWARE = []
    settings.WSGI_APPLICATION = "integrations.mockvneid.wsgi.application"
    if issuer:
        settings.MOCK_VNEID_ISSUER = issuer
