"""onecua: configuration and cross-cutting code (settings, Celery, URLs, accounts, calendar)."""

from .celery import app as celery_app

__all__ = ("celery_app",)
