"""WSGI application serving only the mock payment platform (for gunicorn:
run_mock_payment --workers N)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

from integrations.mockpayment.standalone import configure

configure()
application = get_wsgi_application()
