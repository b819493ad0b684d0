"""Django settings. Operator-facing values come from ``undersigned.config`` (the environment)."""

from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import dj_database_url
from django.utils.translation import gettext_lazy as _

from undersigned import config as _config

CONFIG = _config.load()
BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = CONFIG.data_dir

SECRET_KEY = CONFIG.secret_key
DEBUG = CONFIG.debug
BASE_URL = CONFIG.base_url
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]", urlsplit(BASE_URL).hostname or "localhost"]
ALLOWED_HOSTS += CONFIG.allowed_hosts

INSTALLED_APPS = [
    "core",
    "statements",
    "signatures",
    "comments",
    # What happens after signing: updates to signers, the list handed over, the editors' view.
    "updates",
    "delivery",
    "dashboard",
    # Open to the movement's tools: the OSDI-compatible API and signed webhooks (docs/api.md).
    "api",
    "webhooks",
    "accounts",
    "privacy",
    # How statements travel: share cards, feeds, sitemap, embeds (reach/).
    "reach",
    # The page cache: remove it and the site still works, rendering every page (pages/).
    "pages",
    # Site operations: serve, scheduler, backup, restore, demo, import (ops/).
    "ops",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    # These three under names for editors (accounts/apps.py).
    "accounts.apps.BackgroundTasksConfig",
    "django_otp",
    "accounts.apps.TwoFactorDevicesConfig",
    # Recovery codes for a lost phone (single-use, django-otp's own static tokens).
    "accounts.apps.RecoveryCodesConfig",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Headers first, so that even an early 400 from RequestLimits carries them.
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "core.middleware.PublicHeadersMiddleware",
    "core.middleware.RequestLimitsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "accounts.middleware.TwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

if "pages" in INSTALLED_APPS:
    # First: serves cached public pages and stores what the rest of the stack answered.
    MIDDLEWARE.insert(0, "pages.middleware.PageCacheMiddleware")

# POSTs to the public forms (views marked core.handlers.public_form) go through this shorter
# chain: what shapes the answer, without sessions, users, messages or CSRF (core/handlers.py).
PUBLIC_FORM_MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "core.middleware.PublicHeadersMiddleware",
    "core.middleware.RequestLimitsMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
]

ROOT_URLCONF = "undersigned.urls"
WSGI_APPLICATION = "undersigned.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "core.context_processors.site",
            ],
        },
    },
]

# --- database -------------------------------------------------------------------------------
DATABASES = {"default": dj_database_url.parse(CONFIG.database_url, conn_max_age=600)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = None
    # Django's SQLite backend, with writers queued on a lock file (see its docstring).
    DATABASES["default"]["ENGINE"] = "core.backends.sqlite3"
    # Tests run on an in-memory database, as Django does for its own SQLite engine (test
    # runners recognise that engine by name only).
    DATABASES["default"]["TEST"] = {"NAME": ":memory:"}
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets readers run beside the one writer; IMMEDIATE takes the write lock at the
        # start of a transaction so two writers queue instead of failing with "locked".
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL;"
            "PRAGMA synchronous=NORMAL;"
            "PRAGMA foreign_keys=ON;"
            "PRAGMA busy_timeout=20000;"
            "PRAGMA cache_size=-32000;"
            # No temp_store=MEMORY and no mmap: sorting a million-row export in memory and
            # mapped database pages both count as the process's RSS (measured: 544 MB for the
            # CSV export of 1M signatures); the OS page cache serves reads without that.
            # Keep the WAL file from growing without bound after a burst of writes.
            "PRAGMA journal_size_limit=67108864;"
        ),
    }
else:
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # Django's, with a health check that needs no round trip (see its docstring).
        DATABASES["default"]["ENGINE"] = "core.backends.postgresql"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- cache ----------------------------------------------------------------------------------
CACHES: dict[str, dict[str, Any]]
if CONFIG.cache_url.startswith(("redis://", "rediss://", "unix://")):
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                    "LOCATION": CONFIG.cache_url}
    }
else:
    # Shared by every app process on one server, without another service to run: a SQLite
    # file of its own (FileBasedCache lists its directory on every write: see core/sqlitecache).
    CACHES = {
        "default": {
            "BACKEND": "core.sqlitecache.SQLiteCache",
            "LOCATION": str(DATA_DIR / "cache.sqlite3"),
            "OPTIONS": {"MAX_ENTRIES": 200000},
        }
    }

# --- background tasks -----------------------------------------------------------------------
# core.mail queues on "mail"; the worker runs every queue (serve: --queue-name "*").
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend",
                     "QUEUES": ["default", "mail"]}}

# --- email ----------------------------------------------------------------------------------
# Django 6.1's MAILERS (the EMAIL_* settings are deprecated); core.mail sends through "default".
_email = urlsplit(CONFIG.email_url)
if _email.scheme in ("smtp", "smtps", "smtp+tls"):
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.smtp.EmailBackend", "OPTIONS": {
        "host": _email.hostname or "127.0.0.1",
        "port": _email.port or (465 if _email.scheme == "smtps" else 25),
        "username": unquote(_email.username or ""),
        "password": unquote(_email.password or ""),
        "use_ssl": _email.scheme == "smtps",
        "use_tls": _email.scheme == "smtp+tls",
        "timeout": 20,
    }}}
elif _email.scheme == "file":
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.filebased.EmailBackend",
                           "OPTIONS": {"file_path": _email.path or str(DATA_DIR / "mail")}}}
else:
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
DEFAULT_FROM_EMAIL = CONFIG.default_from_email
SERVER_EMAIL = CONFIG.default_from_email

# --- auth -----------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
SESSION_COOKIE_AGE = 60 * 60 * 12
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Strict"
CSRF_FAILURE_VIEW = "core.views.csrf_failure"
LOGIN_URL = "admin:login"

# --- languages ------------------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("es", _("Spanish"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = CONFIG.time_zone

# --- static and media -----------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
MEDIA_URL = "/media/"
MEDIA_ROOT = DATA_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_MAX_AGE = 3600
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 2000

# --- security -------------------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "no-referrer"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if CONFIG.is_https:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365
    SECURE_HSTS_INCLUDE_SUBDOMAINS = False
    CSRF_TRUSTED_ORIGINS = [BASE_URL]
SECURE_CSP = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
    "base-uri": ["'none'"],
    "object-src": ["'none'"],
}

# --- product settings -----------------------------------------------------------------------
UNDERSIGNED: dict[str, Any] = {
    "UNCONFIRMED_EXPIRY_DAYS": CONFIG.unconfirmed_expiry_days,
    "IP_HASH_RETENTION_DAYS": CONFIG.ip_hash_retention_days,
    "EMAIL_RETENTION_DAYS_AFTER_ARCHIVE": CONFIG.email_retention_days_after_archive,
    "REQUIRE_2FA": CONFIG.require_2fa,
    "TRUST_X_FORWARDED_FOR": CONFIG.trust_x_forwarded_for,
    # Public pages also written as files for nginx to serve (pages/files.py).
    "PAGE_FILES": CONFIG.page_files,
    "PAGE_FILES_ROOT": DATA_DIR / "pages",
    # Sign-on floods (signatures/views.py, signatures/surge.py).
    "SIGN_STATEMENT_PER_MINUTE": CONFIG.sign_statement_per_minute,
    "SIGN_SITE_PER_MINUTE": CONFIG.sign_site_per_minute,
    "SIGN_SURGE_PER_MINUTE": CONFIG.sign_surge_per_minute,
    "SIGN_SURGE_MINUTES": CONFIG.sign_surge_minutes,
    # The sites that may frame the embeds (reach/embeds.py); no other page may be framed.
    "EMBED_FRAME_ANCESTORS": CONFIG.embed_frame_ancestors,
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {"undersigned": {"level": "INFO"}, "django_tasks_db": {"level": "INFO"}},
}
