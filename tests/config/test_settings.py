"""config/settings.py: the documented environment variables are parsed as README.md says, every
setting the code reads is declared there, and importing the settings writes nothing.

The settings are imported in a child process with exactly the environment given (nothing of
this process's environment leaks in but PATH), and the values asked for are printed as JSON.
"""

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
# The project's own code (tests and benchmarks excluded).
CODE = [
    "accounts",
    "config",
    "core",
    "documents",
    "dossiers",
    "indicators",
    "integrations",
    "organisations",
    "outbox",
    "payments",
    "procedures",
]


def _child(code: str, environ: dict[str, str], var_dir: Path) -> subprocess.CompletedProcess:
    env = {"PATH": os.environ.get("PATH", ""), "ONECUA_VAR_DIR": str(var_dir), **environ}
    return subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )


def _settings(tmp_path: Path, environ: dict[str, str], *names: str) -> dict:
    code = (
        "import json\n"
        "import config.settings as s\n"
        f"print(json.dumps({{n: getattr(s, n) for n in {list(names)!r}}}, default=str))\n"
    )
    done = _child(code, environ, tmp_path / "var")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_embedded_default_without_environment(tmp_path):
    got = _settings(
        tmp_path,
        {},
        "DEBUG",
        "DATABASES",
        "CELERY_TASK_ALWAYS_EAGER",
        "CACHES",
        "ALLOWED_HOSTS",
        "ONECUA_OFFICE_HOURS",
        "ONECUA_SIGNING_CHAIN",
        "REST_FRAMEWORK",
        "AXES_COOLOFF_TIME",
        "STORAGES",
        "ONECUA_MOCKS",
        "INSTALLED_APPS",
        "PORTAL_USERNAME",
        "PORTAL_PASSWORD",
    )
    assert got["DEBUG"] is False
    # The mocks of the national systems are on, the portal's credentials the mock's.
    assert got["ONECUA_MOCKS"] is True
    assert "integrations.mockportal" in got["INSTALLED_APPS"]
    assert (got["PORTAL_USERNAME"], got["PORTAL_PASSWORD"]) == ("onecua", "onecua-mock")
    db = got["DATABASES"]["default"]
    assert db["ENGINE"] == "core.sqlite_backend"
    assert db["NAME"] == str(tmp_path / "var" / "onecua.sqlite3")
    assert got["CELERY_TASK_ALWAYS_EAGER"] is True
    assert got["CACHES"]["default"]["BACKEND"].endswith("LocMemCache")
    assert got["ALLOWED_HOSTS"] == ["127.0.0.1", "localhost", "testserver"]
    assert got["ONECUA_OFFICE_HOURS"] == ["07:30-11:30", "13:30-17:00"]
    assert got["ONECUA_SIGNING_CHAIN"] == [str(tmp_path / "var" / "signing" / "ca.pem")]
    assert got["REST_FRAMEWORK"]["NUM_PROXIES"] == 0
    assert got["REST_FRAMEWORK"]["DEFAULT_THROTTLE_RATES"]["login"] == "30/min"
    assert got["AXES_COOLOFF_TIME"] == 0.5
    assert got["STORAGES"]["documents"]["BACKEND"].endswith("FileSystemStorage")


@pytest.mark.parametrize(
    ("value", "expected"),
    [("1", True), ("true", True), ("yes", True), ("on", True), ("0", False), ("off", False)],
)
def test_booleans(tmp_path, value, expected):
    got = _settings(tmp_path, {"DEBUG": value, "DB_POOL": value}, "DEBUG", "DB_POOL")
    assert got == {"DEBUG": expected, "DB_POOL": expected}


def test_numbers_lists_and_strings(tmp_path):
    got = _settings(
        tmp_path,
        {
            "ALLOWED_HOSTS": "motcua.example.gov.vn, api.example.gov.vn",
            "CSRF_TRUSTED_ORIGINS": "https://motcua.example.gov.vn",
            "ONECUA_PROVINCE_CODE": "1",
            "ONECUA_PROVINCE_AGENCY_CODE": "H26",
            "ONECUA_OFFICE_HOURS": "08:00-12:00, 13:00-17:30",
            "ONECUA_RECEIPT_CUTOFF": "16:00",
            "AXES_FAILURE_LIMIT": "7",
            "AXES_COOLOFF_HOURS": "2.5",
            "NUM_PROXIES": "1",
            "THROTTLE_LOGIN": "10/min",
            "API_TOKEN_HOURS": "8",
            "OUTBOX_MAX_ATTEMPTS": "3",
            "OUTBOX_BACKOFF_BASE": "0.5",
            "ONECUA_UPLOAD_MAX_BYTES": "1048576",
            "ONECUA_JSON_MAX_DEPTH": "16",
            "ONECUA_SIGNING_CHAIN": "/etc/onecua/sub.pem,/etc/onecua/ca.pem",
            "ONECUA_PUBLIC_BASE_URL": "https://motcua.example.gov.vn/",
            "MOCK_PORTAL_ADMIN_ENABLED": "0",
            "PORTAL_TIMEOUT": "3",
            "LOG_LEVEL": "WARNING",
        },
        "ALLOWED_HOSTS",
        "CSRF_TRUSTED_ORIGINS",
        "ONECUA_PROVINCE_CODE",
        "ONECUA_PROVINCE_AGENCY_CODE",
        "ONECUA_OFFICE_HOURS",
        "ONECUA_RECEIPT_CUTOFF",
        "AXES_FAILURE_LIMIT",
        "AXES_COOLOFF_TIME",
        "REST_FRAMEWORK",
        "API_TOKEN_HOURS",
        "OUTBOX_MAX_ATTEMPTS",
        "OUTBOX_BACKOFF_BASE",
        "ONECUA_UPLOAD_MAX_BYTES",
        "ONECUA_JSON_MAX_DEPTH",
        "ONECUA_SIGNING_CHAIN",
        "ONECUA_PUBLIC_BASE_URL",
        "MOCK_PORTAL_ADMIN_ENABLED",
        "PORTAL_TIMEOUT",
        "LOGGING",
    )
    assert got["ALLOWED_HOSTS"] == ["motcua.example.gov.vn", "api.example.gov.vn"]
    assert got["CSRF_TRUSTED_ORIGINS"] == ["https://motcua.example.gov.vn"]
    assert got["ONECUA_PROVINCE_CODE"] == 1
    assert got["ONECUA_PROVINCE_AGENCY_CODE"] == "H26"
    assert got["ONECUA_OFFICE_HOURS"] == ["08:00-12:00", "13:00-17:30"]
    assert got["ONECUA_RECEIPT_CUTOFF"] == "16:00"
    assert got["AXES_FAILURE_LIMIT"] == 7
    assert got["AXES_COOLOFF_TIME"] == 2.5
    assert got["REST_FRAMEWORK"]["NUM_PROXIES"] == 1
    assert got["REST_FRAMEWORK"]["DEFAULT_THROTTLE_RATES"]["login"] == "10/min"
    assert got["API_TOKEN_HOURS"] == 8.0
    assert got["OUTBOX_MAX_ATTEMPTS"] == 3
    assert got["OUTBOX_BACKOFF_BASE"] == 0.5
    assert got["ONECUA_UPLOAD_MAX_BYTES"] == 1048576
    assert got["ONECUA_JSON_MAX_DEPTH"] == 16
    assert got["ONECUA_SIGNING_CHAIN"] == ["/etc/onecua/sub.pem", "/etc/onecua/ca.pem"]
    assert got["ONECUA_PUBLIC_BASE_URL"] == "https://motcua.example.gov.vn"
    assert got["MOCK_PORTAL_ADMIN_ENABLED"] is False
    assert got["PORTAL_TIMEOUT"] == 3.0
    assert got["LOGGING"]["root"]["level"] == "WARNING"


def test_https_switches_on_secure_cookies_hsts_and_the_redirect(tmp_path):
    names = (
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "SECURE_PROXY_SSL_HEADER",
        "SECURE_SSL_REDIRECT",
        "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "SECURE_HSTS_PRELOAD",
    )
    code = f"import config.settings as s; print([getattr(s, n, None) for n in {names!r}])"
    done = _child(code, {"HTTPS": "1"}, tmp_path / "var")
    assert done.stdout.strip() == (
        "[True, True, ('HTTP_X_FORWARDED_PROTO', 'https'), True, 31536000, True, True]"
    )
    done = _child(code, {}, tmp_path / "var")
    assert done.stdout.strip() == "[None, None, None, None, None, None, None]"


@pytest.mark.parametrize(
    ("environ", "mocks"),
    [
        ({}, True),  # the embedded default
        ({"DATABASE_URL": "postgresql://onecua@db:5432/onecua"}, False),  # production
        ({"DATABASE_URL": "postgresql://onecua@db:5432/onecua", "ONECUA_MOCKS": "1"}, True),
        ({"ONECUA_MOCKS": "0"}, False),
    ],
)
def test_the_mocks_are_on_in_the_embedded_default_only(tmp_path, environ, mocks):
    names = ("ONECUA_MOCKS", "INSTALLED_APPS", "PORTAL_USERNAME", "PORTAL_PASSWORD", "SECRET_KEY")
    got = _settings(tmp_path, environ, *names)
    assert got["ONECUA_MOCKS"] is mocks
    assert ("integrations.mockportal" in got["INSTALLED_APPS"]) is mocks
    # Without the mocks nothing defaults to them: no credentials, no key but SECRET_KEY's.
    assert bool(got["PORTAL_USERNAME"]) is bool(got["PORTAL_PASSWORD"]) is mocks
    assert bool(got["SECRET_KEY"]) is mocks


def test_the_security_headers_of_every_page(client):
    response = client.get("/tra-cuu/")
    policy = dict(
        part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";")
    )
    assert policy == {
        "default-src": "'self'",
        "script-src": "'self'",
        "style-src": "'self'",
        "img-src": "'self' data:",
        "font-src": "'self'",
        "connect-src": "'self'",
        "object-src": "'none'",
        "base-uri": "'none'",
        "form-action": "'self'",
        "frame-ancestors": "'none'",
    }
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_database_url_with_the_pool(tmp_path):
    url = "postgresql://onecua:p%40ss@db.internal:6543/onecua?sslmode=require"
    env = {"DATABASE_URL": url, "DB_POOL": "1", "DB_POOL_MIN": "3", "DB_POOL_MAX": "7"}
    db = _settings(tmp_path, env, "DATABASES")["DATABASES"]["default"]
    assert db["ENGINE"] == "django.db.backends.postgresql"
    assert (db["NAME"], db["USER"], db["PASSWORD"]) == ("onecua", "onecua", "p@ss")
    assert (db["HOST"], db["PORT"]) == ("db.internal", 6543)
    # The pool takes over persistent connections.
    assert db["CONN_MAX_AGE"] == 0
    assert db["CONN_HEALTH_CHECKS"] is True
    assert db["OPTIONS"] == {"sslmode": "require", "pool": {"min_size": 3, "max_size": 7}}


def test_database_url_without_the_pool(tmp_path):
    url = "postgresql://postgres@127.0.0.1:5432/onecua"
    db = _settings(tmp_path, {"DATABASE_URL": url}, "DATABASES")["DATABASES"]["default"]
    assert db["CONN_MAX_AGE"] == 60
    assert db["CONN_HEALTH_CHECKS"] is True
    assert "pool" not in db.get("OPTIONS", {})
    env = {"DATABASE_URL": url, "DB_CONN_MAX_AGE": "0"}
    db = _settings(tmp_path, env, "DATABASES")["DATABASES"]["default"]
    assert db["CONN_MAX_AGE"] == 0
    # An empty DATABASE_URL is the embedded SQLite file, here at SQLITE_PATH.
    env = {"DATABASE_URL": "", "SQLITE_PATH": str(tmp_path / "other.sqlite3")}
    db = _settings(tmp_path, env, "DATABASES")["DATABASES"]["default"]
    assert (db["ENGINE"], db["NAME"]) == ("core.sqlite_backend", str(tmp_path / "other.sqlite3"))


def test_partition_retention_from_the_environment(tmp_path):
    got = _settings(
        tmp_path,
        {"PARTITION_RETENTION_MONTHS": "accesslog_accessrecord=60,payments_paymentmessage=none"},
        "PARTITION_RETENTION_MONTHS",
    )["PARTITION_RETENTION_MONTHS"]
    assert got["accesslog_accessrecord"] == 60
    assert got["payments_paymentmessage"] is None  # never detached: longer than the floor
    assert got["dossiers_event"] is None  # the defaults stay for the tables not named


@pytest.mark.parametrize(
    "value, says",
    [
        ("events=12", "no partitioned table events"),
        ("accesslog_accessrecord=soon", "a number of months"),
        ("accesslog_accessrecord=0", "a number of months"),
        # Accounting documents are kept at least 10 years (Law on Accounting 88/2015/QH13 art. 41).
        ("payments_paymentmessage=60", "at least 120 months"),
    ],
)
def test_partition_retention_refuses_what_it_cannot_honour(tmp_path, value, says):
    done = _child("import config.settings", {"PARTITION_RETENTION_MONTHS": value}, tmp_path / "var")
    assert done.returncode != 0
    assert "ImproperlyConfigured" in done.stderr and says in done.stderr


def test_broker_and_cache(tmp_path):
    env = {"CELERY_BROKER_URL": "redis://redis:6379/0", "REDIS_URL": "redis://redis:6379/1"}
    got = _settings(tmp_path, env, "CELERY_BROKER_URL", "CELERY_TASK_ALWAYS_EAGER", "CACHES")
    assert got["CELERY_BROKER_URL"] == "redis://redis:6379/0"
    assert got["CELERY_TASK_ALWAYS_EAGER"] is False
    assert got["CACHES"]["default"]["LOCATION"] == "redis://redis:6379/1"


def test_s3_documents_storage(tmp_path):
    env = {
        "ONECUA_DOCUMENTS_STORAGE": "s3",
        "AWS_STORAGE_BUCKET_NAME": "hoso",
        "AWS_S3_ENDPOINT_URL": "http://127.0.0.1:9000",
        "AWS_ACCESS_KEY_ID": "id",
    }
    documents = _settings(tmp_path, env, "STORAGES")["STORAGES"]["documents"]
    assert documents["BACKEND"] == "storages.backends.s3.S3Storage"
    options = documents["OPTIONS"]
    assert options["bucket_name"] == "hoso"
    assert options["endpoint_url"] == "http://127.0.0.1:9000"
    assert options["access_key"] == "id"
    assert "secret_key" not in options  # unset variables are left to boto3's own lookup
    done = _child("import config.settings", {"ONECUA_DOCUMENTS_STORAGE": "ftp"}, tmp_path)
    assert done.returncode != 0
    assert "ONECUA_DOCUMENTS_STORAGE must be 'local' or 's3'" in done.stderr


def test_importing_the_settings_writes_nothing(tmp_path):
    var = tmp_path / "var"
    var.mkdir()
    code = "import config.settings as s; print(s.SECRET_KEY)"
    first = _child(code, {}, var)
    second = _child(code, {}, var)
    assert first.returncode == second.returncode == 0, first.stderr + second.stderr
    assert list(var.iterdir()) == []
    # Neither SECRET_KEY nor var/secret_key: a random key for the process only.
    assert len(first.stdout.strip()) >= 50
    assert first.stdout != second.stdout
    # Nor does it make a var/ folder that is not there.
    _child(code, {}, tmp_path / "absent")
    assert not (tmp_path / "absent").exists()


def test_secret_key_from_environment_then_var_file(tmp_path):
    var = tmp_path / "var"
    var.mkdir()
    (var / "secret_key").write_text("key-kept-by-dev-sh\n")
    code = "import config.settings as s; print(s.SECRET_KEY)"
    assert _child(code, {}, var).stdout.strip() == "key-kept-by-dev-sh"
    assert _child(code, {"SECRET_KEY": "from-env"}, var).stdout.strip() == "from-env"


def test_sqlite_backend_makes_the_folder_when_it_opens_the_file(tmp_path):
    path = tmp_path / "new" / "folder" / "onecua.sqlite3"
    code = (
        "import django; django.setup()\n"
        "from django.db import connection\n"
        "connection.ensure_connection()\n"
    )
    env = {"DJANGO_SETTINGS_MODULE": "config.settings", "SQLITE_PATH": str(path)}
    done = _child(code, env, tmp_path / "var")
    assert done.returncode == 0, done.stderr
    assert path.exists()


def _code_files():
    for name in CODE:
        yield from (ROOT / name).rglob("*.py")


def test_every_setting_the_code_reads_is_declared():
    """`settings.X` in the code names a setting of config/settings.py (or Django's own), and no
    code repeats a default with getattr(settings, "X", default)."""
    read, getattrs = set(), []
    for path in _code_files():
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id == "settings"
                and node.attr.isupper()
            ):
                read.add(node.attr)
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in ("getattr", "hasattr")
                and node.args
                and isinstance(node.args[0], ast.Name)
                and node.args[0].id == "settings"
            ):
                getattrs.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert getattrs == []
    assert read
    missing = sorted(name for name in read if not hasattr(settings, name))
    assert missing == []


def test_indicators_count_the_portal_sync_topic():
    from integrations.portal.sync import TOPIC

    assert settings.INDICATORS_SYNC_TOPIC == TOPIC


def test_centre_networks(tmp_path):
    got = _settings(tmp_path, {}, "ONECUA_CENTRE_NETWORKS", "AXES_LOCKOUT_PARAMETERS")
    assert got == {
        "ONECUA_CENTRE_NETWORKS": [],
        "AXES_LOCKOUT_PARAMETERS": [["username", "ip_address"]],
    }
    env = {"ONECUA_CENTRE_NETWORKS": "203.0.113.0/28, 198.51.100.7,2001:db8::/48"}
    got = _settings(tmp_path, env, "ONECUA_CENTRE_NETWORKS")
    assert got["ONECUA_CENTRE_NETWORKS"] == ["203.0.113.0/28", "198.51.100.7", "2001:db8::/48"]
    done = _child("import config.settings", {"ONECUA_CENTRE_NETWORKS": "203.0.113.0/33"}, tmp_path)
    assert done.returncode != 0
    assert "ONECUA_CENTRE_NETWORKS: '203.0.113.0/33' is not a network" in done.stderr


def test_two_factor_is_required_in_production_only(tmp_path):
    assert _settings(tmp_path, {}, "ONECUA_REQUIRE_2FA") == {"ONECUA_REQUIRE_2FA": False}
    url = {"DATABASE_URL": "postgresql://postgres@127.0.0.1:5432/onecua"}
    assert _settings(tmp_path, url, "ONECUA_REQUIRE_2FA") == {"ONECUA_REQUIRE_2FA": True}
    env = {**url, "ONECUA_REQUIRE_2FA": "0"}
    assert _settings(tmp_path, env, "ONECUA_REQUIRE_2FA") == {"ONECUA_REQUIRE_2FA": False}
    env = {"ONECUA_REQUIRE_2FA": "1"}
    assert _settings(tmp_path, env, "ONECUA_REQUIRE_2FA") == {"ONECUA_REQUIRE_2FA": True}
    # It follows the mocks: a PostgreSQL database with the mocks on (the suite) is not production.
    env = {**url, "ONECUA_MOCKS": "1"}
    assert _settings(tmp_path, env, "ONECUA_REQUIRE_2FA") == {"ONECUA_REQUIRE_2FA": False}
