"""The project package: settings, URLs, the Celery application, WSGI/ASGI. No business code."""

from .celery import app as celery_app

__all__ = ("celery_app",)
