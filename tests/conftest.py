import pytest
from rest_framework.test import APIClient

from onecua.calendar import invalidate_calendar


@pytest.fixture(autouse=True)
def _fresh_calendar():
    # The calendar caches the override table per process; each test starts from the database.
    invalidate_calendar()
    yield
    invalidate_calendar()


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def on_postgres(django_db_setup, django_db_blocker):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
    return True
