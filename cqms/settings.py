"""CQMS settings: one module, everything that differs between installations comes from the
environment. The defaults give the embedded run (SQLite in the data folder, jobs on the database,
no mail server); `CQMS_PRODUCTION=1` switches on the production rules and refuses unsafe values.

Every variable read here is documented in README.md ("Configuration reference"); a test keeps the
two lists equal.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from cqms.core.keyfiles import existing_secret, local_secret

BASE_DIR = Path(__file__).resolve().parent.parent
PACKAGE_DIR = Path(__file__).resolve().parent


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in ("1", "true", "yes", "on"):
        return True
    if value.lower() in ("0", "false", "no", "off"):
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), not {value!r}.")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, not {value!r}.") from None


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def env_secret(name: str) -> str:
    """A secret from NAME, or from the file named by NAME_FILE (systemd credentials, Docker)."""
    path = os.environ.get(f"{name}_FILE")
    if path:
        try:
            return Path(path).read_text(encoding="utf-8").strip()
        except OSError as error:
            raise ImproperlyConfigured(
                f"{name}_FILE names {path}, which cannot be read ({error.strerror}). "
                "Restore the file from the backup of the keys."
            ) from None
    return os.environ.get(name, "")


# --- Mode -------------------------------------------------------------------------------------

PRODUCTION = env_bool("CQMS_PRODUCTION", False)
DEBUG = env_bool("DEBUG", False)
DATA_DIR = Path(env_str("CQMS_DATA_DIR", str(BASE_DIR / "data"))).resolve()

SECRET_KEY = env_secret("SECRET_KEY")
AUDIT_KEY = env_secret("CQMS_AUDIT_KEY")
AUDIT_KEY_FILE = DATA_DIR / "audit_key"
# Where the audit chain's head is anchored outside the database (cqms/audit/anchors.py).
AUDIT_ANCHOR_FILE = Path(env_str("CQMS_AUDIT_ANCHOR_FILE", str(DATA_DIR / "audit-anchors.jsonl")))
if PRODUCTION:
    problems = []
    if DEBUG:
        problems.append("DEBUG is on")
    if len(SECRET_KEY) < 50 or SECRET_KEY.startswith("django-insecure"):
        problems.append("SECRET_KEY is missing or weak (give at least 50 random characters)")
    if len(AUDIT_KEY) < 32:
        problems.append("CQMS_AUDIT_KEY is missing or shorter than 32 characters")
    if problems:
        raise ImproperlyConfigured(
            "CQMS refuses to start in production mode: " + "; ".join(problems) + "."
        )
else:
    SECRET_KEY = SECRET_KEY or local_secret(DATA_DIR / "secret_key")
    # Created on first use while the trail is empty, never over existing entries: a new key
    # would make every entry look altered (cqms/audit/keys.py).
    AUDIT_KEY = AUDIT_KEY or existing_secret(AUDIT_KEY_FILE)


def served_at(bind: str) -> str:
    """The address of a server bound to `bind` (host:port); any-address binds use the host name."""
    host, _, port = bind.rpartition(":")
    if host in ("", "0.0.0.0", "::", "[::]"):  # noqa: S104 (a name for links, not a bind)
        host = socket.gethostname()
    return f"http://{host}:{port}"


# Links in mail and pages point here; by default where `make run` serves (its BIND).
PUBLIC_URL = env_str("CQMS_PUBLIC_URL", served_at(env_str("CQMS_BIND", "127.0.0.1:8000")))
PUBLIC_URL = PUBLIC_URL.rstrip("/")
_public = urlsplit(PUBLIC_URL)
ALLOWED_HOSTS = env_list(
    "ALLOWED_HOSTS", sorted({"127.0.0.1", "localhost", "[::1]", _public.hostname or "localhost"})
)
CSRF_TRUSTED_ORIGINS = [f"{_public.scheme}://{_public.netloc}"]
CSRF_FAILURE_VIEW = "cqms.core.views.csrf_failure"

# --- Applications -----------------------------------------------------------------------------

INSTALLED_APPS = [
    "cqms.core",
    "cqms.organisation",
    "cqms.audit",
    "cqms.numbering",
    "cqms.workdays",
    "cqms.clocks",
    "cqms.jobs",
    "cqms.spreadsheets",
    "cqms.notifications",
    "cqms.approvals",
    "cqms.customers",
    "cqms.complaints",
    "cqms.api",
    "cqms.demo",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "django_tables2",
    "django_htmx",
    "template_partials",
    "crispy_forms",
    "crispy_bootstrap5",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "sequences",
    "axes",
    "csp",
    "django_q",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "cqms.core.middleware.SessionIdleTimeoutMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "csp.middleware.CSPMiddleware",
    "cqms.core.middleware.RequestContextMiddleware",
    "cqms.core.middleware.BusyDatabaseMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "cqms.urls"
WSGI_APPLICATION = "cqms.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "cqms.core.context_processors.shell",
            ],
        },
    }
]

# --- Database ---------------------------------------------------------------------------------

SQLITE_OPTIONS = {
    # IMMEDIATE takes the write lock at BEGIN, so two writers queue instead of failing with
    # "database is locked" when a reader upgrades (measured in shared/reliability.md, D4).
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;",
}

DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # Parameters bound on the server and statements prepared on their second use: the
        # connection lives across requests, so PostgreSQL parses and plans a page's statements
        # once per worker, not on every request (ADR 0013). CQMS_DB_PREPARE=0 turns it off
        # behind a pooler in transaction mode (PgBouncer without prepared statement support).
        DATABASES["default"].setdefault("OPTIONS", {})["server_side_binding"] = True
        DATABASES["default"]["OPTIONS"]["prepare_threshold"] = (
            2 if env_bool("CQMS_DB_PREPARE", True) else None
        )
else:
    DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": DATA_DIR / "cqms.db"}}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Kept open between requests, as on PostgreSQL: opening the file, its pragmas and SQLite's
    # schema parse cost milliseconds per request, and a new connection starts with a cold cache.
    DATABASES["default"]["CONN_MAX_AGE"] = 60
    DATABASES["default"].setdefault("OPTIONS", {}).update(SQLITE_OPTIONS)
    # A real file, not ":memory:": concurrency tests need several connections to one database.
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test-db.sqlite3")}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache, jobs ------------------------------------------------------------------------------

REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Permissions, roles and delegators kept between requests (organisation/access_cache.py): only
# in a cache every process shares, or one process would miss another's change to access.
ACCESS_CACHE = bool(REDIS_URL)

Q_CLUSTER = {
    "name": "cqms",
    "workers": env_int("CQMS_JOB_WORKERS", 2),
    # django-q2 re-runs a task whose retry window passes, so retry must exceed timeout.
    "timeout": env_int("CQMS_JOB_TIMEOUT", 1800),
    "retry": env_int("CQMS_JOB_TIMEOUT", 1800) + 600,
    "max_attempts": 1,
    "save_limit": 500,
    "catch_up": False,
    "label": _("Background jobs"),
}
if REDIS_URL:
    Q_CLUSTER["redis"] = REDIS_URL
else:
    Q_CLUSTER["orm"] = "default"
    Q_CLUSTER["poll"] = 0.5

# --- Authentication ---------------------------------------------------------------------------

AUTH_USER_MODEL = "organisation.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "cqms.organisation.backends.CqmsBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": env_int("CQMS_PASSWORD_MIN_LENGTH", 12)},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Lock out one user name from one address after 5 failures for 15 minutes: another user behind
# the same factory NAT, or the same user elsewhere, can still log in (no malicious lockout).
AXES_FAILURE_LIMIT = env_int("CQMS_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = 0.25
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_USERNAME_FORM_FIELD = "username"
AXES_VERBOSE = False

SESSION_COOKIE_AGE = 12 * 3600  # absolute lifetime of a session
SESSION_IDLE_TIMEOUT = env_int("CQMS_SESSION_IDLE_MINUTES", 30) * 60

# --- Internationalisation ---------------------------------------------------------------------

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [PACKAGE_DIR / "locale", PACKAGE_DIR / "locale_thirdparty"]
FORMAT_MODULE_PATH = ["cqms.formats"]  # English dates as ISO 8601 (cqms/formats/en)
TIME_ZONE = env_str("CQMS_TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

# --- Static files and uploads -----------------------------------------------------------------

STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("CQMS_STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
WHITENOISE_USE_FINDERS = not PRODUCTION

FILES_DIR = DATA_DIR / "files"
if env_str("CQMS_STORAGE") == "s3":
    _files_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env_str("CQMS_S3_BUCKET"),
            "endpoint_url": env_str("CQMS_S3_ENDPOINT_URL") or None,
            "region_name": env_str("CQMS_S3_REGION") or None,
            "access_key": env_secret("CQMS_S3_ACCESS_KEY"),
            "secret_key": env_secret("CQMS_S3_SECRET_KEY"),
            "default_acl": "private",
            "querystring_auth": True,
            "querystring_expire": 300,
            "file_overwrite": False,
        },
    }
else:
    # No base_url: attachments are never public, they go through permission-checked views.
    _files_storage = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": FILES_DIR, "base_url": None},
    }
STORAGES = {
    "default": _files_storage,
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
MAX_UPLOAD_MB = env_int("CQMS_MAX_UPLOAD_MB", 20)

# --- E-mail -----------------------------------------------------------------------------------

EMAIL_HOST = env_str("EMAIL_HOST")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
else:
    # Without a mail server, each mail is kept as a file to read (the demo alone sends over a
    # hundred; printed to the console they would bury the URL and logins of `make run`).
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = DATA_DIR / "mail"
EMAIL_PORT = env_int("EMAIL_PORT", 465)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_secret("EMAIL_HOST_PASSWORD")
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", EMAIL_PORT == 465)
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", EMAIL_PORT == 587)
EMAIL_TIMEOUT = 30
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "CQMS <cqms@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- API --------------------------------------------------------------------------------------

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["cqms.api.permissions.ModelPermissions"],
    "DEFAULT_PARSER_CLASSES": [
        "cqms.api.parsers.ObjectJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "cqms.api.pagination.Pagination",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "cqms.api.errors.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {"anon": "60/minute", "user": "2000/minute"},
}
SPECTACULAR_SETTINGS = {
    "TITLE": "CQMS API",
    "DESCRIPTION": "Customer Quality Management System, REST API version 1.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Several models have a "status"; name each enumeration after its model.
    "ENUM_NAME_OVERRIDES": {
        "CustomerStatusEnum": "cqms.customers.models.Customer.Status",
        "ComplaintStatusEnum": "cqms.complaints.models.Complaint.Status",
    },
}

# --- Forms and lists --------------------------------------------------------------------------

# Widgets drawn in Python where the templates cost most (core/renderers.py); project templates
# may override widget templates (cqms/templates/django/forms/).
FORM_RENDERER = "cqms.core.renderers.FormRenderer"
FORMS_URLFIELD_ASSUME_HTTPS = True  # Django 6 default: "example.com" means https://
CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"
DJANGO_TABLES2_TEMPLATE = "components/table.html"

# --- Security headers -------------------------------------------------------------------------

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        # Bootstrap and ECharts set style attributes; scripts stay strict.
        "style-src": [SELF, "'unsafe-inline'"],
        "img-src": [SELF, "data:", "blob:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("CQMS_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("CQMS_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = False
    SECURE_HSTS_PRELOAD = False
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
    # HSTS without includeSubDomains and preload is a deliberate choice: factory intranets
    # often serve other plain-HTTP hosts under the same domain.
    SILENCED_SYSTEM_CHECKS = ["security.W005", "security.W021"]
if env_bool("CQMS_BEHIND_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    USE_X_FORWARDED_HOST = True
    AXES_IPWARE_PROXY_COUNT = 1
    AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]

# --- Logging ----------------------------------------------------------------------------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("CQMS_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "axes": {"level": "WARNING"},
    },
}
