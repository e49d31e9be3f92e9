"""onecua settings: one module, driven by environment variables, with embedded defaults.

Every setting the code reads is declared here once, with its default and a comment. The ones
taken from the environment are parsed by django-environ (`env.bool`, `env.int`, `env.list`, …)
and listed in README.md's Production table; the others are settings only (test knobs, derived
values), which their comment says.

No environment set: SQLite file database, Celery eager, local file storage, DEBUG off, the mocks
of the national systems on. Production switches: DATABASE_URL (which turns the mocks off),
CELERY_BROKER_URL, REDIS_URL, SECRET_KEY, ALLOWED_HOSTS, HTTPS, and the national systems' addresses
and credentials; with the mocks off a missing one is an error of the system checks
(core/checks.py), never a fallback.

Importing this module writes nothing: var/ and what it holds are made when needed, by
`scripts/dev.sh` (var/ and var/secret_key), the SQLite backend when it opens its file
(core/sqlite_backend), `manage.py make_signing_ca` (var/signing/) and the file storage (media).
"""

import ipaddress
import math
from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from csp import constants as csp
from django.core.exceptions import ImproperlyConfigured
from django.core.management.utils import get_random_secret_key
from django.utils.translation import gettext_lazy as _

from config import queues as _queues

env = environ.Env()

BASE_DIR = Path(__file__).resolve().parent.parent
# The embedded default's state: SQLite file, uploaded files, signing CA, secret key.
VAR_DIR = Path(env.str("ONECUA_VAR_DIR", default=str(BASE_DIR / "var")))

# `1` only when asked (development): tracebacks in pages, the browsable API.
DEBUG = env.bool("DEBUG", default=False)

# The database, e.g. postgresql://onecua:…@db:5432/onecua (parsed by django-environ below, under
# "Database"; query parameters become OPTIONS). Unset or empty: the embedded SQLite file.
DATABASE_URL = env.str("DATABASE_URL", default="")
# The mocks of the national systems (the portal DVCQG, VNeID and the payment platform today; the
# messaging gateways to come): installed and routed only when on. On by default in the embedded
# default (no DATABASE_URL), off otherwise. With them off, production fails closed: a missing
# portal URL or credential, OIDC client setting or SECRET_KEY is an error of the system checks
# (core/checks.py), and nothing falls back to a mock or to a generated key.
ONECUA_MOCKS = env.bool("ONECUA_MOCKS", default=not DATABASE_URL)


def _secret_key() -> str:
    """SECRET_KEY from the environment: production's only source. With the mocks on (the
    embedded default) it falls back to the random key `scripts/dev.sh` keeps in var/secret_key
    (never committed), else to a random key for this process only (sessions signed with it end
    with the process). With the mocks off there is no fallback: an unset SECRET_KEY stays empty
    and the system checks refuse to start (core/checks.py). Tests use a fixed key
    (tests/conftest.py)."""
    key = env.str("SECRET_KEY", default="")
    if key or not ONECUA_MOCKS:
        return key
    try:
        key = (VAR_DIR / "secret_key").read_text().strip()
    except FileNotFoundError:
        key = ""
    return key or get_random_secret_key()


SECRET_KEY = _secret_key()
# Host names this site answers to (comma-separated).
ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS", cast=str.strip, default=["127.0.0.1", "localhost", "testserver"]
)
# Origins trusted for CSRF behind a proxy, e.g. https://motcua.example.gov.vn (comma-separated).
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", cast=str.strip, default=[])

INSTALLED_APPS = [
    # First so that its templates override the admin's (core/templates/admin/search_form.html).
    "core",
    # django.contrib.admin, whose site asks staff for a second factor (accounts/admin_site.py).
    "accounts.apps.AdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    # API tokens (django-rest-knox), with our own token model (KNOX_TOKEN_MODEL).
    "knox",
    # Two-factor authentication: authenticator apps (TOTP) and recovery codes (static tokens).
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_filters",
    "drf_spectacular",
    "axes",
    "organisations",
    "accounts",
    "accesslog",
    "outbox",
    "documents",
    "procedures",
    "dossiers",
    "satisfaction",
    "feedback",
    # Queue tickets, appointments, the kiosk, the display board and the counter panel of the
    # service centres (docs/service-centre.md).
    "servicecentre",
    "integrations",
    "indicators",
    "payments",
    "notifications",
    "watchdog",
    # The counter workspace: server-rendered pages for officials (docs/workspace.md).
    "workspace",
    # htmx for the server-rendered pages (the workspace, the display board's polling):
    # request.htmx, and the vendored script ({% htmx_script %}; no CDN).
    "django_htmx",
    # The Content-Security-Policy header (settings CONTENT_SECURITY_POLICY below).
    "csp",
    # Swagger UI and ReDoc as pinned static files of our own (no CDN): /api/docs/, /api/redoc/.
    "drf_spectacular_sidecar",
]
if ONECUA_MOCKS:
    # A mock of the national portal (DVCQG), served under /mock-dvcqg/ (and alone by
    # `manage.py run_mock_portal`): the default target of the portal sync.
    INSTALLED_APPS.append("integrations.mockportal")
    # A mock of the national payment platform, served under /mock-payment/ (and alone by
    # `manage.py run_mock_payment`): docs/payment-platform.md.
    INSTALLED_APPS.append("integrations.mockpayment")
    # A mock of VNeID, the national identity provider (OpenID Connect), served under
    # /mock-vneid/ (and alone by `manage.py run_mock_vneid`): the default provider of the
    # citizens' login.
    INSTALLED_APPS.append("integrations.mockvneid")
    # Mock SMS brandname and Zalo ZNS gateways, under /mock-messaging/ (and alone by
    # `manage.py run_mock_messaging`): the default targets of the notifications.
    INSTALLED_APPS.append("integrations.mockmessaging")

MIDDLEWARE = [
    # First: the request's latency for /metrics (monitoring/), and its id bound to its logs and
    # echoed in X-Request-ID (core/logging.py).
    "monitoring.middleware.RequestMetricsMiddleware",
    "core.logging.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # The collected static files (STATIC_ROOT), served by the application itself.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified(): whether the session's login passed a second factor.
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # request.htmx: whether a page's request came from htmx (a partial is enough).
    "django_htmx.middleware.HtmxMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes asks: locks out repeated failed logins.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
# (DATABASE_URL is declared at the top: the mocks' default depends on it.)
# Seconds a connection is kept when the pool is off (0 = one per request). Persistent connections
# by default: opening one costs ~10 ms, more than most requests (docs/performance.md).
DB_CONN_MAX_AGE = env.int("DB_CONN_MAX_AGE", default=60)
# psycopg 3 connection pool (Django 5.1+, PostgreSQL only) and its size.
DB_POOL = env.bool("DB_POOL", default=False)
DB_POOL_MIN = env.int("DB_POOL_MIN", default=2)
DB_POOL_MAX = env.int("DB_POOL_MAX", default=10)
# The embedded SQLite file (when DATABASE_URL is unset); its folder is made when it is opened.
SQLITE_PATH = env.str("SQLITE_PATH", default=str(VAR_DIR / "onecua.sqlite3"))
if DATABASE_URL:
    DATABASES = {"default": env.db_url_config(DATABASE_URL)}
    # Health checks drop a connection the server has closed.
    DATABASES["default"].setdefault("CONN_MAX_AGE", DB_CONN_MAX_AGE)
    DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and DB_POOL:
        # With the pool, Django's own persistent connections must be off.
        DATABASES["default"]["CONN_MAX_AGE"] = 0
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": DB_POOL_MIN,
            "max_size": DB_POOL_MAX,
        }
else:
    DATABASES = {
        "default": {
            # Django's SQLite backend that makes the file's folder (var/) when it first opens it.
            "ENGINE": "core.sqlite_backend",
            "NAME": SQLITE_PATH,
            "OPTIONS": {
                "timeout": 20,
                "transaction_mode": "IMMEDIATE",
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    }
# A read replica (docs/deployment.md "Read replica"): a PostgreSQL streaming standby of the
# primary. Unset: no `replica` alias, no router, every read on the primary. Set: the indicators,
# the dashboard and the exports read it (core/replica.py) while its lag is at most
# REPLICA_MAX_LAG_SECONDS (measured every REPLICA_LAG_CACHE_SECONDS); a browser that wrote reads
# the primary for REPLICA_PIN_SECONDS.
DATABASE_REPLICA_URL = env.str("DATABASE_REPLICA_URL", default="")
REPLICA_MAX_LAG_SECONDS = env.float("REPLICA_MAX_LAG_SECONDS", default=5.0)
REPLICA_LAG_CACHE_SECONDS = env.float("REPLICA_LAG_CACHE_SECONDS", default=2.0)
REPLICA_PIN_SECONDS = env.int(
    "REPLICA_PIN_SECONDS", default=math.ceil(REPLICA_MAX_LAG_SECONDS + REPLICA_LAG_CACHE_SECONDS)
)
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = env.db_url_config(DATABASE_REPLICA_URL)
    DATABASES["replica"].setdefault("CONN_MAX_AGE", DB_CONN_MAX_AGE)
    DATABASES["replica"].setdefault("CONN_HEALTH_CHECKS", True)
    # A replica that does not answer costs at most this long, then the primary is read.
    DATABASES["replica"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 2)
    # Tests: no test database is created on the replica (it is read-only); tests/replica/ points
    # the alias at the primary's test database as the standby replays it.
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["config.routers.ReplicaRouter"]
    # Outside every other middleware: the session's and the views' writes pin the request.
    MIDDLEWARE.insert(2, "core.replica.ReplicaPinMiddleware")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Accounts -------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    # The citizens' VNeID login (OpenID Connect; accounts/vneid/, settings "VNeID" below).
    "accounts.vneid.backend.VneidBackend",
]
# API tokens: django-rest-knox with the token model of accounts (per device, hashed, expiring at
# API_TOKEN_HOURS after login, revocable; docs/accounts.md). knox's own model is swapped out, and
# its migrations, which would still make an unused table for it, are not run.
KNOX_TOKEN_MODEL = "accounts.AuthToken"  # noqa: S105 - a model, not a secret
MIGRATION_MODULES = {"knox": None}
# Two-factor authentication (docs/accounts.md): on, leaders and administrators must pass a second
# factor everywhere, and every staff user in the admin console; off, only those who enrolled an
# authenticator are asked for a code. Default: on in production (the mocks off), off where the
# mocks run (the embedded default, the test suite).
ONECUA_REQUIRE_2FA = env.bool("ONECUA_REQUIRE_2FA", default=not ONECUA_MOCKS)
# The name authenticator apps show beside the account (otpauth:// issuer).
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="onecua")
# Settings only: the admin console never shows the authenticators' secret keys.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
# Failed logins before an account is locked, and for how many hours (django-axes).
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.5)
# Settings only: a lockout holds a username at the address that failed, not the username
# everywhere (one person could then lock an officer out from anywhere) nor the address (a
# centre's counters share one public address). The address is the one the throttles see
# (NUM_PROXIES; accounts/network.py), so a forged X-Forwarded-For neither dodges nor moves it.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_CLIENT_IP_CALLABLE = "accounts.network.client_ip"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "core.errors.lockout_response"


def _centre_networks() -> list[str]:
    """The service centres' public networks (comma-separated CIDRs or addresses), checked here
    so that a typo stops the start rather than silently allow-listing nothing."""
    networks = env.list("ONECUA_CENTRE_NETWORKS", cast=str.strip, default=[])
    for network in networks:
        try:
            ipaddress.ip_network(network, strict=False)
        except ValueError:
            raise ValueError(f"ONECUA_CENTRE_NETWORKS: {network!r} is not a network") from None
    return [n for n in networks if n]


# The service centres' shared networks, e.g. 203.0.113.0/28 (docs/accounts.md, "Lockout"): logins
# from them are not throttled by address; the lockout stays per username and address there too.
ONECUA_CENTRE_NETWORKS = _centre_networks()

# --- Language and time ------------------------------------------------------------------------
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Tiếng Việt")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
# Day/month/year input in Vietnamese (Django's vi locale would accept month/day/year).
FORMAT_MODULE_PATH = ["core.formats"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_TZ = True

STATIC_URL = "static/"
# Where `collectstatic` gathers the static files for the web server.
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
# Local files (uploaded files and e-results under documents/ when the storage is local).
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
MEDIA_URL = "media/"


def _documents_storage() -> dict:
    """Where uploaded files, scans and e-results live. Local files under MEDIA_ROOT by default;
    ONECUA_DOCUMENTS_STORAGE=s3 switches to an S3-compatible service (django-storages), configured
    by the usual AWS_* variables (AWS_STORAGE_BUCKET_NAME, AWS_S3_ENDPOINT_URL, AWS_ACCESS_KEY_ID,
    AWS_SECRET_ACCESS_KEY, AWS_S3_REGION_NAME)."""
    kind = env.str("ONECUA_DOCUMENTS_STORAGE", default="local").strip().lower()
    if kind == "s3":
        options = {
            "bucket_name": env.str("AWS_STORAGE_BUCKET_NAME", default="onecua-documents"),
            "default_acl": None,
            "querystring_auth": True,
            "file_overwrite": False,
            # The key prefix of the files in the bucket.
            "location": env.str("ONECUA_DOCUMENTS_PREFIX", default="documents"),
        }
        for option, variable in (
            ("endpoint_url", "AWS_S3_ENDPOINT_URL"),
            ("region_name", "AWS_S3_REGION_NAME"),
            ("access_key", "AWS_ACCESS_KEY_ID"),
            ("secret_key", "AWS_SECRET_ACCESS_KEY"),
        ):
            value = env.str(variable, default="")
            if value:
                options[option] = value
        return {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options}
    if kind != "local":
        raise ValueError("ONECUA_DOCUMENTS_STORAGE must be 'local' or 's3'")
    return {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": MEDIA_ROOT / "documents", "base_url": None},
    }


STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Collected (`collectstatic`) into STATIC_ROOT with a gzip copy of each file, which
    # WhiteNoise serves (MIDDLEWARE); until then (tests, `runserver --insecure`) the apps' own.
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
    # Never served as static media: every download goes through a view that checks permissions.
    "documents": _documents_storage(),
}
# Uploads (issue 5): larger files are refused with 413; types are judged by content (415).
ONECUA_UPLOAD_MAX_BYTES = env.int("ONECUA_UPLOAD_MAX_BYTES", default=20 * 1024 * 1024)

# --- Security (production) ----------------------------------------------------------------------
# `1` behind a TLS proxy: secure cookies, HSTS, HTTP redirected to HTTPS, and the scheme from
# X-Forwarded-Proto. Production runs with it (README, "Production").
HTTPS = env.bool("HTTPS", default=False)
if not DEBUG and HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    # A year of HSTS, for the subdomains too, and eligible for the browsers' preload lists.
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
# No page of this site may be framed (also `frame-ancestors 'none'` below).
X_FRAME_OPTIONS = "DENY"
# Other sites learn only our origin from links, never a path (dossier codes are in paths).
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
# The Content-Security-Policy of every page (django-csp): everything from this site only, no
# inline script or style, no plugin, no framing. The pages keep their styles in static files;
# Swagger UI and ReDoc are local (drf-spectacular-sidecar, core/api_docs.py, which also gives
# ReDoc its nonce and blob: workers). `data:` images are the icons Swagger UI's style sheet embeds.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [csp.SELF],
        "script-src": [csp.SELF],
        # NONCE only on the pages that use it (ReDoc's run-time <style> elements).
        "style-src": [csp.SELF, csp.NONCE],
        "img-src": [csp.SELF, "data:"],
        "font-src": [csp.SELF],
        "connect-src": [csp.SELF],
        "object-src": [csp.NONE],
        "base-uri": [csp.NONE],
        "form-action": [csp.SELF],
        "frame-ancestors": [csp.NONE],
    }
}

# --- REST framework -------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.api.authentication.TokenAuthentication",
        "accounts.api.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "core.pagination.CodeCursorPagination",
    "PAGE_SIZE": 20,
    # Every operation documents its problem+json answers (core/openapi.py).
    "DEFAULT_SCHEMA_CLASS": "core.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "core.errors.problem_exception_handler",
    # DRF's defaults with a JSON parser that bounds nesting (core/parsers.py); views that take
    # files set their own (multipart) parsers.
    "DEFAULT_PARSER_CLASSES": [
        "core.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"]
    + (["rest_framework.renderers.BrowsableAPIRenderer"] if DEBUG else []),
    "DATETIME_FORMAT": "iso-8601",
    "DEFAULT_THROTTLE_RATES": {
        # Rate limits of the public endpoints (login, tracking, the calendar, verification).
        "login": env.str("THROTTLE_LOGIN", default="30/min"),
        "track": env.str("THROTTLE_TRACK", default="30/min"),
        "calendar": env.str("THROTTLE_CALENDAR", default="120/min"),
        "verify": env.str("THROTTLE_VERIFY", default="60/min"),
        "feedback": env.str("THROTTLE_FEEDBACK", default="10/min"),
    },
    # How many proxies stand in front of the app (1 behind nginx). Clients are identified by
    # REMOTE_ADDR, or by that many X-Forwarded-For hops: never by a header the client writes.
    "NUM_PROXIES": env.int("NUM_PROXIES", default=0),
}
# JSON request bodies nested deeper than this many arrays/objects are refused (400
# too_deeply_nested) before decoding: the decoder recurses once per level, and no request of the
# API needs more than a few (core/parsers.py; the mock portal's JSON too).
ONECUA_JSON_MAX_DEPTH = env.int("ONECUA_JSON_MAX_DEPTH", default=64)
# API tokens expire this many hours after login (a working day plus margin); using a token does
# not extend it.
API_TOKEN_HOURS = env.float("API_TOKEN_HOURS", default=12.0)
# django-rest-knox's settings, settings only: clients keep sending `Authorization: Token <token>`;
# no auto-refresh (a token lives API_TOKEN_HOURS from its login, then log in again, with the
# second factor where it applies). accounts.services.issue_token() sets each token's expiry.
REST_KNOX = {
    "AUTH_HEADER_PREFIX": "Token",
    "AUTO_REFRESH": False,
    "TOKEN_TTL": timedelta(hours=API_TOKEN_HOURS),
}
# Public tracking: wrong "last 4 digits" answers allowed per dossier code per hour.
ONECUA_TRACK_FAILURES_PER_CODE = env.int("ONECUA_TRACK_FAILURES_PER_CODE", default=10)
SPECTACULAR_SETTINGS = {
    "TITLE": "onecua API",
    "DESCRIPTION": "Một cửa điện tử — hệ thống thông tin giải quyết thủ tục hành chính cấp tỉnh.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI and ReDoc from the pinned local copy (drf-spectacular-sidecar), never a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # No validator badge (Swagger UI would fetch it from validator.swagger.io).
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "AgencyKindEnum": "organisations.models.AgencyKind",
        "FeeKindEnum": "procedures.models.FeeKind",
        "ServiceLevelEnum": "procedures.models.ServiceLevel",
        "LevelEnum": "procedures.models.Level",
        "UnitTypeEnum": "organisations.models.UnitType",
        "TimeUnitEnum": "procedures.models.TimeUnitChoices",
        "ProcedureStatusEnum": "procedures.models.ProcedureStatus",
        "DossierStatusEnum": "dossiers.models.DossierStatus",
        "FeedbackStatusEnum": "feedback.models.FeedbackStatus",
        "ApplicantKindEnum": "dossiers.models.ApplicantKind",
        "ChannelEnum": "dossiers.models.Channel",
        "IntakeChannelEnum": [(1, "Trực tiếp"), (3, "Qua dịch vụ bưu chính công ích")],
        "PauseKindEnum": "dossiers.models.PauseKind",
        "SatisfactionLevelEnum": "satisfaction.models.Level",
        "RatingChannelEnum": "satisfaction.models.RatingChannel",
        "ReturnMethodEnum": "dossiers.models.ReturnMethod",
        "OutcomeEnum": "dossiers.models.Outcome",
        "StepTimingEnum": "dossiers.models.StepTiming",
        "ReadKindEnum": "accesslog.models.ReadKind",
        "ReadPurposeEnum": "accesslog.models.Purpose",
        "NotificationChannelEnum": "notifications.models.Channel",
        "NotificationStatusEnum": "notifications.models.NotificationStatus",
    },
}

# --- Celery ---------------------------------------------------------------------------------
# e.g. redis://redis:6379/0 or amqp://user:password@rabbitmq:5672/onecua (RabbitMQ). Unset: tasks
# run eagerly, in the process that sends them.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
# The cache, e.g. redis://redis:6379/1. Unset: a per-process memory cache.
REDIS_URL = env.str("REDIS_URL", default="")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = None
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
if not CELERY_BROKER_URL:
    CELERY_BROKER_URL = "memory://"
# At-least-once delivery: acknowledge after the work, give a task back if its worker dies, take
# one task at a time, and let the broker redeliver only after the longest retry and time limit.
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
# Celery's Django fixup closes the database connections before and after every task unless this
# is set (then every N tasks): a worker would connect per task (~10 ms each, the outbox's batches
# are ~20 ms). With it, connections follow Django's own rules instead (CONN_MAX_AGE and the
# health checks, applied around each task by config/celery.py, as around a request).
CELERY_DB_REUSE_MAX = env.int("CELERY_DB_REUSE_MAX", default=1000)
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
# Queues by kind, so that a slow kind never starves another (config/queues.py; the worker per
# queue: README "Workers", docs/operations.md "Queues").
CELERY_TASK_DEFAULT_QUEUE = _queues.DEFAULT_QUEUE
CELERY_TASK_QUEUES = _queues.celery_queues(CELERY_BROKER_URL)
CELERY_TASK_ROUTES = ("config.queues.route_task",)
if _queues.is_amqp(CELERY_BROKER_URL):
    # RabbitMQ (docs/operations.md "Brokers"): quorum queues (above), publisher confirms (a
    # publish returns once the broker has the message), late acks (above: a task a killed worker
    # held goes back to its queue at once). The visibility timeout is Redis's only.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"confirm_publish": True}
    CELERY_TASK_DEFAULT_QUEUE_TYPE = "quorum"
# A broker that is down must not hold a dossier action for long: the outbox row is already
# committed and the sweeper will deliver it, so give up publishing the wake-up quickly.
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BEAT_SCHEDULE = {
    "sweep-outbox": {"task": "outbox.sweep", "schedule": 60.0},
    "portal-reconcile": {"task": "integrations.portal_reconcile", "schedule": 900.0},
    "portal-catalogue-diff": {"task": "integrations.portal_catalogue_diff", "schedule": 86400.0},
    "purge-expired-tokens": {"task": "accounts.purge_expired_tokens", "schedule": 86400.0},
    # Payments still pending after their expiry: ask the platform (lost notifications).
    "payments-reconcile": {"task": "payments.reconcile", "schedule": 300.0},
    "payments-daily-report": {"task": "payments.daily_report", "schedule": 86400.0},
}

# Monthly partitions of the append-only tables on PostgreSQL (core/partitions.py,
# docs/partitions.md): months created ahead of the current one (the migration and the monthly
# `partitions` run), and per table the months a month's partition stays attached after it ends
# before `partitions` detaches it into the `archive` schema (None: never). The legal basis of
# each default is in docs/partitions.md; the province may lengthen them with
# PARTITION_RETENTION_MONTHS="table=months,…" (`none`: never detach).
PARTITION_MONTHS_AHEAD = env.int("PARTITION_MONTHS_AHEAD", default=3)
PARTITION_RETENTION_MONTHS: dict[str, int | None] = {
    "dossiers_event": None,  # the dossier's record: the province's retention list decides
    # Operational; pending and dead messages are never detached. Kept by default: the
    # indicators' recount reads the portal sync's messages (docs/partitions.md).
    "outbox_outboxmessage": None,
    "accesslog_accessrecord": None,  # the data subject's right to know: the province decides
    "notifications_notification": None,  # the notices as sent: the province decides
    "payments_paymentmessage": 120,  # accounting documents: at least 10 years (88/2015/QH13)
}
# The legal floors (months) a province may not shorten: accounting documents are kept at least
# 10 years (Law on Accounting 88/2015/QH13 art. 41).
PARTITION_RETENTION_FLOOR_MONTHS = {"payments_paymentmessage": 120}
for _table, _months in env.dict("PARTITION_RETENTION_MONTHS", default={}).items():
    if _table not in PARTITION_RETENTION_MONTHS:
        raise ImproperlyConfigured(f"PARTITION_RETENTION_MONTHS: no partitioned table {_table}")
    if _months.strip().lower() == "none":
        PARTITION_RETENTION_MONTHS[_table] = None
        continue
    if not _months.strip().isdigit() or int(_months) < 1:
        raise ImproperlyConfigured(
            f"PARTITION_RETENTION_MONTHS: {_table}={_months}: "
            "a number of months (1 or more) or none"
        )
    if int(_months) < PARTITION_RETENTION_FLOOR_MONTHS.get(_table, 0):
        raise ImproperlyConfigured(
            f"PARTITION_RETENTION_MONTHS: {_table} must be kept at least "
            f"{PARTITION_RETENTION_FLOOR_MONTHS[_table]} months (docs/partitions.md)"
        )
    PARTITION_RETENTION_MONTHS[_table] = int(_months)
CELERY_BEAT_SCHEDULE["partitions"] = {
    "task": "core.partitions",
    # Monthly, on the 1st at 02:30 local time; PARTITION_MONTHS_AHEAD months are always ready
    # and the DEFAULT partition takes any row a missed run would leave without one.
    "schedule": crontab(minute=30, hour=2, day_of_month=1),
}

# The watchdog (docs/watchdog.md): seconds between passes; the escalation ladder's rungs in
# percent of a step's office time (handler, head of the unit, leader); office hours without an
# owner before a dossier is flagged silent; dossiers read per batch.
WATCHDOG_INTERVAL = env.float("WATCHDOG_INTERVAL", default=900.0)
WATCHDOG_RUNGS = env.list("WATCHDOG_RUNGS", cast=int, default=[50, 80, 100])
WATCHDOG_UNOWNED_HOURS = env.float("WATCHDOG_UNOWNED_HOURS", default=7.5)
WATCHDOG_BATCH_SIZE = env.int("WATCHDOG_BATCH_SIZE", default=2000)
# Office hours a requested fee may stay unpaid before the applicant is reminded, once (15: two
# working days).
WATCHDOG_PAYMENT_REMINDER_HOURS = env.float("WATCHDOG_PAYMENT_REMINDER_HOURS", default=15.0)
CELERY_BEAT_SCHEDULE["watchdog-pass"] = {"task": "watchdog.run_pass", "schedule": WATCHDOG_INTERVAL}
# The appointments' reminders (the day before) and no-shows (servicecentre/tasks.py).
CELERY_BEAT_SCHEDULE["servicecentre-appointments"] = {
    "task": "servicecentre.appointments_tick",
    "schedule": 600.0,
}

# The national portal (DVCQG): its base URL and our credentials. With the mocks on, an unset
# PORTAL_BASE_URL is the mock portal of this project, in-process (integrations/mockportal), and the
# credentials default to the mock's. With the mocks off all three are required (core/checks.py).
PORTAL_BASE_URL = env.str("PORTAL_BASE_URL", default="")
PORTAL_USERNAME = env.str("PORTAL_USERNAME", default="onecua" if ONECUA_MOCKS else "")
PORTAL_PASSWORD = env.str("PORTAL_PASSWORD", default="onecua-mock" if ONECUA_MOCKS else "")
# Seconds per call to the portal.
PORTAL_TIMEOUT = env.float("PORTAL_TIMEOUT", default=10.0)

# The national payment platform (docs/payment-platform.md, docs/payments.md): its base URL, our
# partner code and secret there, the public URL of our notification endpoint (IPN) it posts to,
# where the payer's browser returns (default: the tracking page of the host the payment was
# started from), seconds per call, minutes a payment may be made. With the mocks on, an unset
# URL is the mock platform in-process (integrations/mockpayment), with its development partner;
# with them off the URL, partner code, secret and notify URL are required (core/checks.py).
ONECUA_PAYMENT_URL = env.str("ONECUA_PAYMENT_URL", default="")
ONECUA_PAYMENT_PARTNER_CODE = env.str(
    "ONECUA_PAYMENT_PARTNER_CODE", default="onecua" if ONECUA_MOCKS else ""
)
ONECUA_PAYMENT_SECRET = env.str(
    "ONECUA_PAYMENT_SECRET", default="onecua-mock-payment-secret" if ONECUA_MOCKS else ""
)
ONECUA_PAYMENT_NOTIFY_URL = env.str(
    "ONECUA_PAYMENT_NOTIFY_URL",
    default="http://testserver/api/v1/payments/ipn/" if ONECUA_MOCKS else "",
)
ONECUA_PAYMENT_RETURN_URL = env.str("ONECUA_PAYMENT_RETURN_URL", default="")
ONECUA_PAYMENT_TIMEOUT = env.float("ONECUA_PAYMENT_TIMEOUT", default=10.0)
ONECUA_PAYMENT_EXPIRY_MINUTES = env.int("ONECUA_PAYMENT_EXPIRY_MINUTES", default=30)
# How long the signed payment link of a "fee requested" notice opens the platform (seconds).
ONECUA_PAYMENT_LINK_MAX_AGE = env.int("ONECUA_PAYMENT_LINK_MAX_AGE", default=30 * 24 * 3600)


# The mock portal's own settings (integrations/mockportal/README.md): the credentials it accepts
# (the same defaults as PORTAL_USERNAME/PORTAL_PASSWORD), its tokens' lifetime in seconds, and
# its test-control endpoints (_faults, _reset, _stats; 404 when off).
MOCK_PORTAL_USERNAME = env.str("MOCK_PORTAL_USERNAME", default="onecua")
MOCK_PORTAL_PASSWORD = env.str("MOCK_PORTAL_PASSWORD", default="onecua-mock")
MOCK_PORTAL_TOKEN_SECONDS = env.int("MOCK_PORTAL_TOKEN_SECONDS", default=3600)
MOCK_PORTAL_ADMIN_ENABLED = env.bool("MOCK_PORTAL_ADMIN_ENABLED", default=True)

# The mock payment platform's own settings (integrations/mockpayment/README.md). Its partners:
# code → secret ("code=secret,code2=secret2"); the default is a development secret, public in
# this file. The notifications' retries: every base × 2^n seconds within the window, then it
# gives up; seconds per POST. Notify URLs on these hosts are posted in-process (the test
# client's host). Its base URL as browsers reach it (default: the host of the init request).
MOCK_PAYMENT_PARTNERS = env.dict(
    "MOCK_PAYMENT_PARTNERS", default={"onecua": "onecua-mock-payment-secret"}
)
MOCK_PAYMENT_ADMIN_ENABLED = env.bool("MOCK_PAYMENT_ADMIN_ENABLED", default=True)
MOCK_PAYMENT_RETRY_BASE_SECONDS = env.int("MOCK_PAYMENT_RETRY_BASE_SECONDS", default=60)
MOCK_PAYMENT_RETRY_WINDOW_SECONDS = env.int("MOCK_PAYMENT_RETRY_WINDOW_SECONDS", default=86400)
MOCK_PAYMENT_NOTIFY_TIMEOUT = env.float("MOCK_PAYMENT_NOTIFY_TIMEOUT", default=10.0)
MOCK_PAYMENT_INPROCESS_HOSTS = env.list("MOCK_PAYMENT_INPROCESS_HOSTS", default=["testserver"])
MOCK_PAYMENT_PUBLIC_URL = env.str("MOCK_PAYMENT_PUBLIC_URL", default="")
# Test knob, settings only: deliver an outcome's notification as soon as it commits.
MOCK_PAYMENT_AUTODELIVER = True
if ONECUA_MOCKS:
    # Retries and expiries of the mock payment platform's notifications (notify.py).
    CELERY_BEAT_SCHEDULE["mock-payment-deliver"] = {
        "task": "mockpayment.deliver_notifications",
        "schedule": 30.0,
    }

# The outbox (outbox/delivery.py): attempts before a message is dead, and the retry delays
# (exponential from the base, capped, with jitter; seconds).
OUTBOX_MAX_ATTEMPTS = env.int("OUTBOX_MAX_ATTEMPTS", default=12)
OUTBOX_BACKOFF_BASE = env.float("OUTBOX_BACKOFF_BASE", default=2.0)
OUTBOX_BACKOFF_MAX = env.float("OUTBOX_BACKOFF_MAX", default=600.0)
# Messages of a batched topic (the notices) claimed and handed over per transaction.
OUTBOX_BATCH_SIZE = env.int("OUTBOX_BATCH_SIZE", default=100)
# For a topic delivered in runs (the portal's sync): at most this many consecutive messages of
# one key in a batch, besides its head (outbox/delivery.py).
OUTBOX_RUN_MAX = env.int("OUTBOX_RUN_MAX", default=50)
# Test knob, settings only: deliver a message automatically once its transaction commits. Tests
# that are not about delivery (tests/conftest.py) and some benchmarks turn it off.
OUTBOX_AUTODELIVER = True
# Test knob, settings only: under eager Celery (no broker) a retry waits on a timer thread; tests
# turn it off so that no thread outlives a test (the retry is then left to the sweeper).
OUTBOX_EAGER_RETRY_TIMERS = True
# Who delivers the outbox when there is no broker (Celery eager): "inline" (the default: the
# process that commits, after the commit — inside the request for a web request), "thread" (a
# thread of runserver's serving process, after the response: what `bash scripts/dev.sh run` sets)
# or "worker" (the separate process `manage.py outbox_worker` polls for due messages; the others
# only write them). outbox/background.py, docs/portal-sync.md "Embedded run".
OUTBOX_DELIVERY = env.str("ONECUA_OUTBOX_DELIVERY", default="inline")
# How often the "worker" process looks for due messages (seconds).
OUTBOX_WORKER_POLL_SECONDS = env.float("ONECUA_OUTBOX_WORKER_POLL_SECONDS", default=0.5)
# How often the "thread" sweeps for messages whose wake-up was lost (seconds).
OUTBOX_THREAD_SWEEP_SECONDS = env.float("ONECUA_OUTBOX_THREAD_SWEEP_SECONDS", default=10.0)
# How long the embedded loop ("thread" or "worker") lets a batched topic's wake-ups gather before
# it delivers the topic (seconds): the dossiers written meanwhile go to the portal in one call.
OUTBOX_LOOP_BATCH_SECONDS = env.float("ONECUA_OUTBOX_LOOP_BATCH_SECONDS", default=1.0)

# Notifications (docs/notifications.md). E-mail goes through Django's SMTP backend: EMAIL_HOST,
# EMAIL_PORT, EMAIL_HOST_USER, EMAIL_HOST_PASSWORD, EMAIL_USE_TLS, DEFAULT_FROM_EMAIL. With the
# mocks on and no EMAIL_HOST, e-mail is written to the console. SMS and Zalo ZNS go to HTTP
# gateways: their URLs, keys and the secrets their delivery-receipt callbacks are signed with.
# With the mocks on and no URL, the mock gateways of this project (integrations/mockmessaging)
# stand in, in-process. With the mocks off, all of them are required (core/checks.py).
EMAIL_HOST = env.str("EMAIL_HOST", default="")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST or not ONECUA_MOCKS
    else "django.core.mail.backends.console.EmailBackend"
)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="onecua <no-reply@onecua.local>")
# The domain of the Message-IDs of our e-mails (the e-mail's "gateway id").
NOTIFY_EMAIL_DOMAIN = env.str("NOTIFY_EMAIL_DOMAIN", default="onecua.local")
NOTIFY_SMS_URL = env.str("NOTIFY_SMS_URL", default="")
NOTIFY_SMS_API_KEY = env.str("NOTIFY_SMS_API_KEY", default="mock-sms-key" if ONECUA_MOCKS else "")
NOTIFY_SMS_CALLBACK_SECRET = env.str(
    "NOTIFY_SMS_CALLBACK_SECRET", default="mock-sms-callback-secret" if ONECUA_MOCKS else ""
)
# The SMS brandname (sender name registered with the carriers).
NOTIFY_SMS_SENDER = env.str("NOTIFY_SMS_SENDER", default="ONECUA")
NOTIFY_ZALO_URL = env.str("NOTIFY_ZALO_URL", default="")
NOTIFY_ZALO_ACCESS_TOKEN = env.str(
    "NOTIFY_ZALO_ACCESS_TOKEN", default="mock-zalo-token" if ONECUA_MOCKS else ""
)
NOTIFY_ZALO_CALLBACK_SECRET = env.str(
    "NOTIFY_ZALO_CALLBACK_SECRET", default="mock-zalo-callback-secret" if ONECUA_MOCKS else ""
)
# Seconds per call to a gateway; how far a callback's signed timestamp may be from now.
NOTIFY_GATEWAY_TIMEOUT = env.float("NOTIFY_GATEWAY_TIMEOUT", default=10.0)
# Sends of one batch of notices in flight at once per worker (each to another dossier: the order
# per dossier and channel holds); 1: one after the other.
NOTIFY_GATEWAY_CONCURRENCY = env.int("NOTIFY_GATEWAY_CONCURRENCY", default=8)
# Seconds a process keeps which template versions are current (notifications/cache.py): a version
# saved in the admin reaches the other processes within this time (at once in the saving one).
NOTIFY_TEMPLATE_CACHE_SECONDS = env.int("NOTIFY_TEMPLATE_CACHE_SECONDS", default=30)
NOTIFY_CALLBACK_TOLERANCE = env.int("NOTIFY_CALLBACK_TOLERANCE", default=300)
# No SMS in these local hours ("HH:MM-HH:MM", Asia/Ho_Chi_Minh): held until their end.
NOTIFY_SMS_QUIET_HOURS = env.str("NOTIFY_SMS_QUIET_HOURS", default="21:00-07:00")
# At most COUNT notices per address and channel within SECONDS (0: no limit); past it, optional
# notices are not sent on that channel (they stay in the inbox). Required notices: no limit.
NOTIFY_RATE_LIMIT_COUNT = env.int("NOTIFY_RATE_LIMIT_COUNT", default=10)
NOTIFY_RATE_LIMIT_SECONDS = env.int("NOTIFY_RATE_LIMIT_SECONDS", default=3600)
# SMS templates longer than this many segments (on the sample dossier) are refused.
NOTIFY_SMS_MAX_SEGMENTS = env.int("NOTIFY_SMS_MAX_SEGMENTS", default=4)

# Indicators, settings only: the outbox topic of the portal sync (must equal
# integrations.portal.sync.TOPIC; indicators does not import integrations), and the delay within
# which a delivered message counts as "synced on time" (Decision 766, docs/indicators.md).
# Changing the delay changes what the stored counters mean: run `manage.py rebuild_stats` after.
INDICATORS_SYNC_TOPIC = "dvcqg.dossier"
INDICATORS_SYNC_ON_TIME_SECONDS = 3600

CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

# --- onecua ---------------------------------------------------------------------------------
# The province's level-1 group in agency identifiers (Decision 20/2020). Set it per deployment;
# the default is a placeholder for the demo tenant.
ONECUA_PROVINCE_AGENCY_CODE = env.str("ONECUA_PROVINCE_AGENCY_CODE", default="H43")
# The tenant province, by its official code in vietnam-provinces (25 = Phú Thọ after 1/7/2025).
ONECUA_PROVINCE_CODE = env.int("ONECUA_PROVINCE_CODE", default=25)
# Office hours: morning and afternoon sessions, local time, "HH:MM-HH:MM".
ONECUA_OFFICE_HOURS = env.list(
    "ONECUA_OFFICE_HOURS", cast=str.strip, default=["07:30-11:30", "13:30-17:00"]
)
# Receipts after this local time count from the next working morning.
ONECUA_RECEIPT_CUTOFF = env.str("ONECUA_RECEIPT_CUTOFF", default="15:00")
# The shipped catalogue (docs/catalogue.md), loaded by `seed_all` and the mock portal.
ONECUA_CATALOGUE_FILE = BASE_DIR / "procedures" / "data" / "catalogue.json"

# Development defaults of the two keys below, public (with the mocks off, core/checks.py refuses
# them: onecua.E006, onecua.E007); core/identity.py and core/crypto.py name the same values.
DEVELOPMENT_HMAC_KEY = "onecua-development-hmac-key-not-a-secret"
DEVELOPMENT_FIELD_KEY = "lPwL9-FLeH0bAyxO0Pq6YcBmwCG7k_QfRqsFpMEBGAY="

# The secret of the keyed hashes that name a data subject without their number in clear
# (core/identity.py: HMAC-SHA256 of a personal ID or tax code; the access log, docs/access-log.md).
# Production sets its own, once: changing it orphans every key written before (the encrypted
# fields' hashes can be recomputed with `manage.py rotate_field_keys`, the access log's cannot).
# The default, with the mocks on only, is a fixed development key, public in this file.
ONECUA_HMAC_KEY = env.str("ONECUA_HMAC_KEY", default=DEVELOPMENT_HMAC_KEY if ONECUA_MOCKS else "")

# The keys that encrypt personal data at rest (core/crypto.py, docs/personal-data.md): Fernet keys
# (32 bytes in URL-safe base64), comma-separated, newest first. The newest encrypts, all decrypt;
# `manage.py rotate_field_keys` re-encrypts every value with the newest, after which the older
# keys can be removed. With the mocks on the default is a fixed development key, public in
# core/crypto.py; with them off there is no default (core/checks.py, onecua.E006).
ONECUA_FIELD_KEYS = env.list(
    "ONECUA_FIELD_KEYS", cast=str.strip, default=[DEVELOPMENT_FIELD_KEY] if ONECUA_MOCKS else []
)

# `1`: each access-log row is durable (its WAL flushed to disk) before the data read leaves;
# default off: the log's own commit is asynchronous on PostgreSQL, so a database server crash
# can lose the last ~0.6 s of rows, and a read costs ~4 ms less (docs/access-log.md, "Cost").
ONECUA_ACCESS_LOG_SYNC_COMMIT = env.bool("ONECUA_ACCESS_LOG_SYNC_COMMIT", default=False)

# The password of the demo accounts `seed_all` creates (never on a production database).
ONECUA_DEMO_PASSWORD = env.str("ONECUA_DEMO_PASSWORD", default="onecua-demo")

# The Prometheus endpoint /metrics (monitoring/, docs/operations.md "Metrics"): the networks it
# answers (after the proxies, as NUM_PROXIES says), and a bearer token that opens it from anywhere
# (unset: none does).
METRICS_ALLOWED_NETWORKS = env.list("METRICS_ALLOWED_NETWORKS", default=["127.0.0.1/32"])
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")

# The root logger's level (DEBUG, INFO, WARNING, …).
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
# `json`: one JSON object per line, with the request id and the dossier code (core/logging.py,
# docs/operations.md "Logs"); `text` (the default): human-readable lines.
LOG_FORMAT = env.str("LOG_FORMAT", default="text")
# Celery's workers and beat log through this configuration too (not their own format) in JSON.
CELERY_WORKER_HIJACK_ROOT_LOGGER = LOG_FORMAT != "json"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"context": {"()": "core.logging.ContextFilter"}},
    "formatters": {"json": {"()": "core.logging.JsonFormatter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["context"],
            **({"formatter": "json"} if LOG_FORMAT == "json" else {}),
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

# Public address of this system, for links printed on paper (QR codes on slips and e-results).
ONECUA_PUBLIC_BASE_URL = env.str("ONECUA_PUBLIC_BASE_URL", default="http://127.0.0.1:8000").rstrip(
    "/"
)

# --- VNeID: the citizens' login (OpenID Connect; accounts/vneid/, docs/accounts.md "VNeID") ------
# Our client id and secret at the provider, and the provider's issuer URL (its discovery base:
# <issuer>/.well-known/openid-configuration). Required with the mocks off (core/checks.py). With
# them on and ONECUA_OIDC_ISSUER unset, the provider is the mock VNeID of this process
# (integrations/mockvneid) at ONECUA_PUBLIC_BASE_URL/mock-vneid, with the mock's client.
_OIDC_ISSUER_FROM_ENV = env.str("ONECUA_OIDC_ISSUER", default="")
ONECUA_OIDC_ISSUER = _OIDC_ISSUER_FROM_ENV or (
    f"{ONECUA_PUBLIC_BASE_URL}/mock-vneid" if ONECUA_MOCKS else ""
)
ONECUA_OIDC_CLIENT_ID = env.str("ONECUA_OIDC_CLIENT_ID", default="onecua" if ONECUA_MOCKS else "")
ONECUA_OIDC_CLIENT_SECRET = env.str(
    "ONECUA_OIDC_CLIENT_SECRET", default="onecua-vneid-mock" if ONECUA_MOCKS else ""
)
# Settings only: the provider's back-channel calls (discovery, keys, token, userinfo) go to the
# mock in-process rather than over HTTP (accounts/vneid/provider.py).
ONECUA_OIDC_MOCK_IN_PROCESS = ONECUA_MOCKS and not _OIDC_ISSUER_FROM_ENV
# Clock skew allowed between the provider and us when checking an ID token's exp/iat (seconds).
ONECUA_OIDC_LEEWAY_SECONDS = env.int("ONECUA_OIDC_LEEWAY_SECONDS", default=30)
# Seconds per back-channel call to the provider.
ONECUA_OIDC_TIMEOUT = env.float("ONECUA_OIDC_TIMEOUT", default=10.0)
# Where the done page may send the browser back to the citizen's app with its one-time ticket
# (exact URIs, comma-separated, e.g. vn.gov.phutho.motcua:/vneid); none: the page shows it.
ONECUA_VNEID_APP_REDIRECT_URIS = env.list(
    "ONECUA_VNEID_APP_REDIRECT_URIS", cast=str.strip, default=[]
)
# Citizens may log in with a password (the API's /auth/login/): on with the mocks (the demo
# accounts), off otherwise, where citizens log in through VNeID only; officials keep theirs.
ONECUA_CITIZEN_PASSWORD_LOGIN = env.bool("ONECUA_CITIZEN_PASSWORD_LOGIN", default=ONECUA_MOCKS)
# mozilla-django-oidc's settings, settings only: authorization code with PKCE (S256) and a nonce,
# RS256 ID tokens, the client secret sent by HTTP Basic, our callback's URL name. The endpoints
# come from discovery (accounts/vneid/provider.py), not from OIDC_OP_* settings.
OIDC_RP_CLIENT_ID = ONECUA_OIDC_CLIENT_ID
OIDC_RP_CLIENT_SECRET = ONECUA_OIDC_CLIENT_SECRET
OIDC_RP_SIGN_ALGO = "RS256"
OIDC_RP_SCOPES = "openid profile email phone"
OIDC_USE_NONCE = True
OIDC_USE_PKCE = True
OIDC_PKCE_CODE_CHALLENGE_METHOD = "S256"
OIDC_TOKEN_USE_BASIC_AUTH = True
OIDC_AUTHENTICATION_CALLBACK_URL = "vneid-callback"
OIDC_STORE_ACCESS_TOKEN = False
OIDC_STORE_ID_TOKEN = False

# The mock VNeID's own settings (integrations/mockvneid/README.md): its issuer (default: where
# the in-process client looks for it), the one client it knows (the defaults of
# ONECUA_OIDC_CLIENT_ID/SECRET), the redirect URIs it accepts (exact; none listed: any http(s)
# URL), its token lifetime, where its RS256 signing key is made and kept (never committed), and
# its test-control endpoints (_faults, _reset; 404 when off).
MOCK_VNEID_ISSUER = env.str("MOCK_VNEID_ISSUER", default=f"{ONECUA_PUBLIC_BASE_URL}/mock-vneid")
MOCK_VNEID_CLIENT_ID = env.str("MOCK_VNEID_CLIENT_ID", default="onecua")
MOCK_VNEID_CLIENT_SECRET = env.str("MOCK_VNEID_CLIENT_SECRET", default="onecua-vneid-mock")
MOCK_VNEID_REDIRECT_URIS = env.list("MOCK_VNEID_REDIRECT_URIS", cast=str.strip, default=[])
MOCK_VNEID_TOKEN_SECONDS = env.int("MOCK_VNEID_TOKEN_SECONDS", default=600)
MOCK_VNEID_KEY_FILE = env.str(
    "MOCK_VNEID_KEY_FILE", default=str(VAR_DIR / "mock-vneid" / "signing-key.pem")
)
MOCK_VNEID_ADMIN_ENABLED = env.bool("MOCK_VNEID_ADMIN_ENABLED", default=True)

# --- Digital signatures of e-results (documents/signing.py) ---------------------------------------
# PEM files. The embedded default is a local test CA made by `manage.py make_signing_ca` (run by
# `scripts/dev.sh run`) in var/signing/; production points these at the agency's real key and
# certificate (and the national root CA as trust root).
# The folder of the local test CA (`make_signing_ca` writes there), and the defaults below.
SIGNING_DIR = Path(env.str("ONECUA_SIGNING_DIR", default=str(VAR_DIR / "signing")))
# The signer's private key and certificate, and the key's passphrase (empty: none).
ONECUA_SIGNING_KEY = env.str("ONECUA_SIGNING_KEY", default=str(SIGNING_DIR / "signer.key.pem"))
ONECUA_SIGNING_CERT = env.str("ONECUA_SIGNING_CERT", default=str(SIGNING_DIR / "signer.pem"))
ONECUA_SIGNING_KEY_PASSPHRASE = env.str("ONECUA_SIGNING_KEY_PASSPHRASE", default="")
# Intermediate certificates to embed with the signature (comma-separated paths).
ONECUA_SIGNING_CHAIN = env.list(
    "ONECUA_SIGNING_CHAIN", cast=str.strip, default=[str(SIGNING_DIR / "ca.pem")]
)
# The roots a signature must chain to, to count as trusted (comma-separated paths).
ONECUA_SIGNING_TRUST_ROOTS = env.list(
    "ONECUA_SIGNING_TRUST_ROOTS", cast=str.strip, default=[str(SIGNING_DIR / "ca.pem")]
)

# --- satisfaction ratings (docs/satisfaction.md) ---
# How long the signed rating link of a notice stays valid, in seconds (default 30 days).
SATISFACTION_LINK_MAX_AGE = env.int("SATISFACTION_LINK_MAX_AGE", default=30 * 24 * 3600)

# Feedback (PAKN, docs/feedback.md): the answer is due this many working days after receipt (the
# project's domain notes: a common provincial rule, kept a setting); near-duplicates are grouped
# within this many days; the national portal's feedback URL (empty: recorded locally only).
FEEDBACK_DEADLINE_DAYS = env.float("FEEDBACK_DEADLINE_DAYS", default=10.0)
FEEDBACK_GROUP_DAYS = env.int("FEEDBACK_GROUP_DAYS", default=30)
FEEDBACK_PORTAL_URL = env.str("FEEDBACK_PORTAL_URL", default="")
FEEDBACK_PORTAL_TIMEOUT = env.float("FEEDBACK_PORTAL_TIMEOUT", default=10.0)
CELERY_BEAT_SCHEDULE["feedback-watch"] = {
    "task": "feedback.watch_pass",
    "schedule": WATCHDOG_INTERVAL,
}
