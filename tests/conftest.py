import pytest
from rest_framework.test import APIClient

from core.calendar import invalidate_calendar

# The shared helpers, as plugins (docs/architecture.md "Tests"): the frozen clock, the small
# catalogue and the seeded province, the people and places of the dossier tests, dossiers made
# through the services, and the test CA every test signs e-results with.
pytest_plugins = [
    "tests.support.clock",
    "tests.support.catalogue",
    "tests.support.cast",
    "tests.support.dossiers",
    "tests.support.signing",
    "tests.support.fees",
    "tests.support.payments",
    "tests.support.vneid",
]


def pytest_configure(config):
    # One fixed key for the whole run, whatever the machine has (config/settings.py would take
    # SECRET_KEY, var/secret_key, or a random key).
    from django.conf import settings

    settings.SECRET_KEY = "onecua-tests-only-not-a-secret"
    # Two-factor authentication is off whatever the backend (config/settings.py turns it on with
    # DATABASE_URL); the tests about it turn it on (tests/accounts/test_two_factor.py).
    settings.ONECUA_REQUIRE_2FA = False
    _flush_in_a_maintenance_session()


def _flush_in_a_maintenance_session():
    """The access log's trigger refuses TRUNCATE outside a maintenance session of the database
    operator (docs/access-log.md); the flush that ends a transactional test on PostgreSQL is
    one. Only that statement list gets the setting (SET LOCAL, inside the flush's transaction)."""
    from django.db.backends.postgresql.operations import DatabaseOperations

    flush = DatabaseOperations.sql_flush

    def sql_flush(self, style, tables, **kwargs):
        statements = flush(self, style, tables, **kwargs)
        if not statements:
            return statements
        return ["SET LOCAL onecua.access_log_maintenance = 'on'", *statements]

    DatabaseOperations.sql_flush = sql_flush


@pytest.fixture(autouse=True)
def _fresh_calendar():
    # The calendar caches the override table per process; each test starts from the database.
    invalidate_calendar()
    yield
    invalidate_calendar()


@pytest.fixture(autouse=True)
def _default_language():
    # Each test starts in the default language (vi): a request in English through the test
    # client leaves LocaleMiddleware's choice active in the thread, and a later test would
    # format "80.0 %" where the page says "80,0 %".
    from django.utils import translation

    translation.activate("vi")
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings, request):
    # Argon2 costs ~0.1-0.5 s a password: tests that create users would spend most of their time
    # hashing. Tests about hashing itself are marked `argon2` and keep the real settings.
    if "argon2" not in request.keywords:
        settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _no_outbox_delivery(settings, request):
    # Every dossier event writes an outbox message; delivering it (to the mock portal) is what
    # the tests marked `outbox` are about. The others leave the messages pending.
    if "outbox" not in request.keywords:
        settings.OUTBOX_AUTODELIVER = False
    # No timer threads outliving a test: retries are driven by the tests (or the sweeper).
    settings.OUTBOX_EAGER_RETRY_TIMERS = False


@pytest.fixture(autouse=True)
def _empty_cache():
    # Throttle counters and tracking-failure counters live in the cache: no test inherits them.
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _fresh_procedure_snapshots():
    # Procedure snapshots and handling agencies found live per process; a test's catalogue and
    # agencies roll back with its savepoint, which no signal reports.
    from dossiers import routing
    from dossiers.services import snapshot

    snapshot.clear()
    routing.clear()
    yield
    snapshot.clear()
    routing.clear()


@pytest.fixture(autouse=True)
def _fresh_agency_tree():
    # The indicators keep the agency tree for a minute per process; ids differ between tests.
    from indicators import scope

    scope.invalidate()
    yield
    scope.invalidate()


@pytest.fixture(autouse=True)
def _fresh_template_cache():
    # The current notification templates are kept per process; a test's versions are rolled back.
    from notifications import cache

    cache.invalidate()
    yield
    cache.invalidate()


@pytest.fixture(scope="session", autouse=True)
def _hypothesis_in_tmp(tmp_path_factory):
    # Hypothesis (under schemathesis) keeps its caches in ./.hypothesis/: the run's folder instead.
    from hypothesis.configuration import set_hypothesis_home_dir

    set_hypothesis_home_dir(tmp_path_factory.mktemp("hypothesis"))


@pytest.fixture(autouse=True)
def _documents_in_tmp(settings, tmp_path):
    # Uploaded files, e-results and media go to a per-test folder, never to var/.
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "documents": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "documents", "base_url": None},
        },
    }


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def on_postgres(django_db_setup, django_db_blocker):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
    return True
