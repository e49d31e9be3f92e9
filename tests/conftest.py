import pytest
from rest_framework.test import APIClient

from core.calendar import invalidate_calendar
from organisations.seed import seed_agencies, seed_units
from procedures.catalogue.files import CatalogueFile
from procedures.catalogue.importer import import_catalogue

# Every test signs e-results with, and trusts, one local test CA made per session.
pytest_plugins = ["tests.signing_fixtures"]


def pytest_configure(config):
    # One fixed key for the whole run, whatever the machine has (config/settings.py would take
    # SECRET_KEY, var/secret_key, or a random key).
    from django.conf import settings

    settings.SECRET_KEY = "onecua-tests-only-not-a-secret"
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
def _fresh_agency_tree():
    # The indicators keep the agency tree for a minute per process; ids differ between tests.
    from indicators import scope

    scope.invalidate()
    yield
    scope.invalidate()


@pytest.fixture(autouse=True)
def _documents_in_tmp(settings, tmp_path):
    # Uploaded files and e-results go to a per-test folder, never to var/.
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


# A small catalogue with real codes and names, imported through the real importer.
FIELDS = [
    {"code": "HO_TICH", "name": "Hộ tịch"},
    {"code": "DAT_DAI", "name": "Đất đai"},
    {"code": "XAY_DUNG", "name": "Hoạt động xây dựng"},
]


def row(code, name, field_code, *, level="commune", service_level="full", days=3, **extra):
    data = {
        "code": code,
        "name": name,
        "field_code": field_code,
        "level": level,
        "service_level": service_level,
        "processing_time_value": days,
        "processing_time_unit": "working_days",
        "fee_mode": "free",
        "components": [{"name": "Tờ khai theo mẫu", "originals": 1, "copies": 0}],
        "steps": [
            {"order": 1, "name": "Tiếp nhận hồ sơ", "role": "receive", "share": 10},
            {"order": 2, "name": "Thẩm định hồ sơ", "role": "specialist", "share": 60},
            {"order": 3, "name": "Phê duyệt kết quả", "role": "leader", "share": 20},
            {"order": 4, "name": "Trả kết quả", "role": "return", "share": 10},
        ],
        "fees": [],
    }
    data.update(extra)
    return data


MINI = [
    row(
        "1.001193",
        "Thủ tục đăng ký khai sinh",
        "HO_TICH",
        days=1,
        result_name="Giấy khai sinh (bản điện tử)",
    ),
    row(
        "1.000110",
        "Thủ tục đăng ký khai sinh có yếu tố nước ngoài tại khu vực biên giới",
        "HO_TICH",
        days=15,
        service_level="partial",
    ),
    row(
        "1.000656",
        "Thủ tục đăng ký khai tử",
        "HO_TICH",
        days=1,
        components=[
            {"name": "Tờ khai theo mẫu", "originals": 1, "copies": 0},
            # Reusable from the applicant's data store (issue 5).
            {"name": "Giấy khai sinh của người đi đăng ký", "mandatory": False, "reusable": True},
        ],
    ),
    row(
        "1.004227",
        "Đăng ký đất đai, tài sản gắn liền với đất lần đầu",
        "DAT_DAI",
        level="province",
        service_level="partial",
        days=20,
        agency_kind="provincial_department",
        fee_mode="fixed",
        fees=[{"name": "Lệ phí cấp giấy chứng nhận", "amount": 100000, "kind": "le_phi"}],
    ),
    row(
        "1.009972",
        "Cấp giấy phép xây dựng mới đối với công trình cấp đặc biệt",
        "XAY_DUNG",
        level="province",
        service_level="offline",
        days=20,
        agency_kind="provincial_department",
    ),
    row(
        "2.000488",
        "Chứng thực bản sao từ bản chính",
        "HO_TICH",
        days=4,
        processing_time_unit="working_hours",
    ),
]


@pytest.fixture
def mini_catalogue(db):
    import_catalogue(CatalogueFile(fields=FIELDS, procedures=[dict(r) for r in MINI]))
    return MINI


@pytest.fixture
def province(db):
    unit, _ = seed_units()
    seed_agencies(unit)
    return unit
