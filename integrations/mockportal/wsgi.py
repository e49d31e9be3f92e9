"""WSGI application serving only the mock portal (for gunicorn: run_mock_portal --workers N)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

from integrations.mockportal.standalone import configure

configure()
application = get_wsgi_application()
