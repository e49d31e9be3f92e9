"""onecua settings: one module, driven by environment variables, with embedded defaults.

No environment set: SQLite file database, Celery eager, local file storage, DEBUG off.
Production switches: DATABASE_URL, CELERY_BROKER_URL, REDIS_URL, SECRET_KEY, ALLOWED_HOSTS.
"""

import os
import secrets
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("ONECUA_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)


def _secret_key() -> str:
    key = os.environ.get("SECRET_KEY")
    if key:
        return key
    # Embedded default: a random key kept in var/ so sessions survive restarts. Never committed.
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "axes",
    "core",
    "organisations",
    "accounts",
    "outbox",
    "documents",
    "procedures",
    "dossiers",
    "integrations",
    "indicators",
    # A mock of the national portal (DVCQG), served under /mock-dvcqg/ (and alone by
    # `manage.py run_mock_portal`): the default target of the portal sync.
    "integrations.mockportal",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
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
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {
        # Persistent connections by default: opening one costs ~10 ms, more than most requests
        # (docs/performance.md). Health checks drop a connection the server has closed.
        "default": dj_database_url.parse(
            DATABASE_URL,
            conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
            conn_health_checks=True,
        )
    }
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env_bool(
        "DB_POOL", False
    ):
        # psycopg 3 connection pool (Django 5.1+); then conn_max_age must be 0.
        DATABASES["default"]["CONN_MAX_AGE"] = 0
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": int(os.environ.get("DB_POOL_MIN", "2")),
            "max_size": int(os.environ.get("DB_POOL_MAX", "10")),
        }
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("SQLITE_PATH", str(VAR_DIR / "onecua.sqlite3")),
            "OPTIONS": {
                "timeout": 20,
                "transaction_mode": "IMMEDIATE",
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    }
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
]
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = float(os.environ.get("AXES_COOLOFF_HOURS", "0.5"))
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "core.errors.lockout_response"

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
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
MEDIA_URL = "media/"


def _documents_storage() -> dict:
    """Where uploaded files, scans and e-results live. Local files under MEDIA_ROOT by default;
    ONECUA_DOCUMENTS_STORAGE=s3 switches to an S3-compatible service (django-storages), configured
    by the usual AWS_* variables (AWS_STORAGE_BUCKET_NAME, AWS_S3_ENDPOINT_URL, AWS_ACCESS_KEY_ID,
    AWS_SECRET_ACCESS_KEY, AWS_S3_REGION_NAME)."""
    kind = os.environ.get("ONECUA_DOCUMENTS_STORAGE", "local").strip().lower()
    if kind == "s3":
        options = {
            "bucket_name": os.environ.get("AWS_STORAGE_BUCKET_NAME", "onecua-documents"),
            "default_acl": None,
            "querystring_auth": True,
            "file_overwrite": False,
            "location": os.environ.get("ONECUA_DOCUMENTS_PREFIX", "documents"),
        }
        for option, variable in (
            ("endpoint_url", "AWS_S3_ENDPOINT_URL"),
            ("region_name", "AWS_S3_REGION_NAME"),
            ("access_key", "AWS_ACCESS_KEY_ID"),
            ("secret_key", "AWS_SECRET_ACCESS_KEY"),
        ):
            if os.environ.get(variable):
                options[option] = os.environ[variable]
        return {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options}
    if kind != "local":
        raise ValueError("ONECUA_DOCUMENTS_STORAGE must be 'local' or 's3'")
    return {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": MEDIA_ROOT / "documents", "base_url": None},
    }


STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    # Never served as static media: every download goes through a view that checks permissions.
    "documents": _documents_storage(),
}
# Uploads (issue 5): larger files are refused with 413; types are judged by content (415).
ONECUA_UPLOAD_MAX_BYTES = int(os.environ.get("ONECUA_UPLOAD_MAX_BYTES", str(20 * 1024 * 1024)))

# --- Security (production) ----------------------------------------------------------------------
if not DEBUG and env_bool("HTTPS", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = 31536000

# --- REST framework -------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.api.tokens.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "core.pagination.CodeCursorPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "core.errors.problem_exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"]
    + (["rest_framework.renderers.BrowsableAPIRenderer"] if DEBUG else []),
    "DATETIME_FORMAT": "iso-8601",
    "DEFAULT_THROTTLE_RATES": {
        "login": os.environ.get("THROTTLE_LOGIN", "30/min"),
        "track": os.environ.get("THROTTLE_TRACK", "30/min"),
        "calendar": os.environ.get("THROTTLE_CALENDAR", "120/min"),
        "verify": os.environ.get("THROTTLE_VERIFY", "60/min"),
    },
    # How many proxies stand in front of the app (1 behind nginx). Clients are identified by
    # REMOTE_ADDR, or by that many X-Forwarded-For hops: never by a header the client writes.
    "NUM_PROXIES": int(os.environ.get("NUM_PROXIES", "0")),
}
# API tokens expire this many hours after login (a working day plus margin).
API_TOKEN_HOURS = float(os.environ.get("API_TOKEN_HOURS", "12"))
# Public tracking: wrong "last 4 digits" answers allowed per dossier code per hour.
ONECUA_TRACK_FAILURES_PER_CODE = int(os.environ.get("ONECUA_TRACK_FAILURES_PER_CODE", "10"))
SPECTACULAR_SETTINGS = {
    "TITLE": "onecua API",
    "DESCRIPTION": "Một cửa điện tử — hệ thống thông tin giải quyết thủ tục hành chính cấp tỉnh.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
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
        "ApplicantKindEnum": "dossiers.models.ApplicantKind",
        "ChannelEnum": "dossiers.models.Channel",
        "IntakeChannelEnum": [(1, "Trực tiếp"), (3, "Qua dịch vụ bưu chính công ích")],
        "PauseKindEnum": "dossiers.models.PauseKind",
        "ReturnMethodEnum": "dossiers.models.ReturnMethod",
        "OutcomeEnum": "dossiers.models.Outcome",
        "StepTimingEnum": "dossiers.models.StepTiming",
    },
}

# --- Celery ---------------------------------------------------------------------------------
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
REDIS_URL = os.environ.get("REDIS_URL", "")
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
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
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
}

# The national portal (DVCQG). Unset PORTAL_BASE_URL: the mock portal of this project,
# in-process (integrations/mockportal). The default credentials are the mock's.
PORTAL_BASE_URL = os.environ.get("PORTAL_BASE_URL", "")
PORTAL_USERNAME = os.environ.get("PORTAL_USERNAME", "onecua")
PORTAL_PASSWORD = os.environ.get("PORTAL_PASSWORD", "onecua-mock")
PORTAL_TIMEOUT = float(os.environ.get("PORTAL_TIMEOUT", "10"))

# The outbox (outbox/delivery.py).
OUTBOX_MAX_ATTEMPTS = int(os.environ.get("OUTBOX_MAX_ATTEMPTS", "12"))
OUTBOX_BACKOFF_BASE = float(os.environ.get("OUTBOX_BACKOFF_BASE", "2"))
OUTBOX_BACKOFF_MAX = float(os.environ.get("OUTBOX_BACKOFF_MAX", "600"))

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
ONECUA_PROVINCE_AGENCY_CODE = os.environ.get("ONECUA_PROVINCE_AGENCY_CODE", "H43")
# The tenant province, by its official code in vietnam-provinces (25 = Phú Thọ after 1/7/2025).
ONECUA_PROVINCE_CODE = int(os.environ.get("ONECUA_PROVINCE_CODE", "25"))
# Office hours: morning and afternoon sessions, local time, "HH:MM-HH:MM".
ONECUA_OFFICE_HOURS = env_list("ONECUA_OFFICE_HOURS", "07:30-11:30,13:30-17:00")
# Receipts after this local time count from the next working morning.
ONECUA_RECEIPT_CUTOFF = os.environ.get("ONECUA_RECEIPT_CUTOFF", "15:00")
ONECUA_CATALOGUE_FILE = BASE_DIR / "procedures" / "data" / "catalogue.json"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

# Lockout is by username only on purpose: a service centre's counters share one public IP, and
# locking that IP would lock the whole centre out. (axes.W006 warns about exactly this choice.)
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
# Public address of this system, for links printed on paper (QR codes on slips and e-results).
ONECUA_PUBLIC_BASE_URL = os.environ.get("ONECUA_PUBLIC_BASE_URL", "http://127.0.0.1:8000").rstrip(
    "/"
)

# --- Digital signatures of e-results (onecua/signing.py) ---------------------------------------
# PEM files. The embedded default is a local test CA made by `manage.py make_signing_ca` (run by
# `scripts/dev.sh run`) in var/signing/; production points these at the agency's real key and
# certificate (and the national root CA as trust root).
SIGNING_DIR = Path(os.environ.get("ONECUA_SIGNING_DIR", VAR_DIR / "signing"))
ONECUA_SIGNING_KEY = os.environ.get("ONECUA_SIGNING_KEY", str(SIGNING_DIR / "signer.key.pem"))
ONECUA_SIGNING_CERT = os.environ.get("ONECUA_SIGNING_CERT", str(SIGNING_DIR / "signer.pem"))
ONECUA_SIGNING_KEY_PASSPHRASE = os.environ.get("ONECUA_SIGNING_KEY_PASSPHRASE", "")
# Intermediate certificates to embed with the signature (comma-separated paths).
ONECUA_SIGNING_CHAIN = env_list("ONECUA_SIGNING_CHAIN", str(SIGNING_DIR / "ca.pem"))
# The roots a signature must chain to, to count as trusted (comma-separated paths).
ONECUA_SIGNING_TRUST_ROOTS = env_list("ONECUA_SIGNING_TRUST_ROOTS", str(SIGNING_DIR / "ca.pem"))

# --- Indicators (indicators/handlers.py) ----------------------------------------------------------
# The outbox topic whose deliveries count as the portal sync of the Decision 766 index.
INDICATORS_SYNC_TOPIC = "dvcqg.dossier"
# A status change reaches the portal "on time" when its message went out within this delay.
INDICATORS_SYNC_ON_TIME_SECONDS = float(os.environ.get("INDICATORS_SYNC_ON_TIME_SECONDS", "3600"))
