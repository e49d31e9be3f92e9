"""WSGI application serving only the mock SMS and Zalo gateways."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

from integrations.mockmessaging.standalone import configure

configure()
application = get_wsgi_application()
