"""Settings for Sclero Clinic, read from environment variables.

The defaults are production's: DEBUG off, secure cookies, SSL redirect and
HSTS, and no start without a real DJANGO_SECRET_KEY. Development says so
explicitly: `make run` and `make test` set DJANGO_DEBUG=1 (plain HTTP), the
test suite uses sclero_clinic.settings_test. manage.py and the WSGI app read
a `.env` file first (sclero_clinic.envfile); every variable is listed in
OPERATIONS.md.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def envbool(name: str, default: str) -> bool:
    value = os.getenv(name, default).strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off", ""):
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean, got {value!r}")


def envint(name: str, default: str) -> int:
    try:
        return int(os.getenv(name, default))
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer") from exc


def envsecret(name: str, default: str) -> str:
    """Return NAME, or the contents of the file named by NAME_FILE."""
    path = os.getenv(f"{name}_FILE")
    if path:
        return Path(path).read_text().strip()
    return os.getenv(name, default)


def database_from_url(url: str) -> dict:
    """Return a DATABASES entry for a postgres:// or sqlite:// URL."""
    parsed = urlparse(url)
    if parsed.scheme in ("postgres", "postgresql"):
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(parsed.path.lstrip("/")) or "sclero_clinic",
            "USER": unquote(parsed.username or ""),
            "PASSWORD": unquote(parsed.password or ""),
            "HOST": parsed.hostname or "",
            "PORT": str(parsed.port or ""),
            "CONN_MAX_AGE": envint("DB_CONN_MAX_AGE", "60"),
            "CONN_HEALTH_CHECKS": envbool("DB_CONN_HEALTH_CHECKS", "1"),
            # Behind PgBouncer in transaction mode each transaction may get
            # another server connection, but Django's server-side cursors
            # (QuerySet.iterator() outside a transaction) outlive theirs:
            # DB_DISABLE_SERVER_SIDE_CURSORS=1 there, with DB_CONN_MAX_AGE=0
            # (OPERATIONS.md, More than one app server).
            "DISABLE_SERVER_SIDE_CURSORS": envbool(
                "DB_DISABLE_SERVER_SIDE_CURSORS", "0"
            ),
            # JIT compiling costs ~40 ms on each run of the worklist's
            # correlated subqueries once the estimate passes jit_above_cost
            # (20,000 sessions), more than it saves on these short queries.
            "OPTIONS": {"options": os.getenv("DB_OPTIONS", "-c jit=off")},
        }
    if parsed.scheme == "sqlite":
        return sqlite_database(Path(unquote(parsed.path)) if parsed.path else None)
    raise ImproperlyConfigured(f"Unsupported DATABASE_URL scheme {parsed.scheme!r}")


def sqlite_database(path: Path | None) -> dict:
    # WAL lets readers work while a session is being saved; IMMEDIATE takes
    # the write lock at BEGIN so two writers queue instead of failing late
    # with "database is locked".
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": path or BASE_DIR / "db.sqlite3",
        "OPTIONS": {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        },
    }


DEBUG = envbool("DJANGO_DEBUG", "0")
# The key of development only; with DEBUG off the app refuses to start on it.
DEVELOPMENT_SECRET_KEY = "dev-only-insecure-key-change-me"
SECRET_KEY = envsecret("DJANGO_SECRET_KEY", DEVELOPMENT_SECRET_KEY if DEBUG else "")
if not DEBUG and (
    SECRET_KEY in ("", DEVELOPMENT_SECRET_KEY, "change-me")
    or len(SECRET_KEY) < 40
    or len(set(SECRET_KEY)) < 10
):
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY (or DJANGO_SECRET_KEY_FILE) must be a random secret "
        "of at least 40 characters when DJANGO_DEBUG is off; make one with "
        "`python -c 'import secrets; print(secrets.token_urlsafe(50))'`. "
        "For development, set DJANGO_DEBUG=1 (make run does)."
    )
ALLOWED_HOSTS = [
    h.strip()
    for h in os.getenv("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(
        ","
    )
    if h.strip()
]
CSRF_TRUSTED_ORIGINS = [
    o.strip()
    for o in os.getenv("DJANGO_CSRF_TRUSTED_ORIGINS", "").split(",")
    if o.strip()
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_bootstrap5",
    "simple_history",
    # The Content-Security-Policy header (CONTENT_SECURITY_POLICY below).
    "csp",
    "django_htmx",
    # Login lockout and two-factor authentication (see README, Login and sessions).
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    # Background tasks (reminders): Django's task framework, backported, with
    # its database queue; `manage.py db_worker` is the worker process.
    "django_tasks",
    "django_tasks_db",
    # One-way layers, lowest first (see README, Layout; import-linter checks).
    "core",
    "clinics",
    "patients",
    "accesslog",
    "consent",
    "doppler",
    "treatments",
    "visits",
    "photos",
    "outcomes",
    "printing",
    "reporting",
    "records",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # The Content-Security-Policy, on every page (not on static files).
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Permissions-Policy; no-store on what a user or patient data is in (core.headers).
    "core.headers.SecurityHeadersMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Log out after SCLERO_IDLE_TIMEOUT_MINUTES, keeping a form posted late;
    # then the second factor before any page (core.idle, core.twofactor).
    "core.idle.IdleTimeoutMiddleware",
    "core.twofactor.TwoFactorMiddleware",
    "accesslog.middleware.AccessLogMiddleware",
    # request.htmx (django-htmx): a fragment or the whole page from one view.
    "django_htmx.middleware.HtmxMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: turns a locked-out attempt into the lockout page.
    "axes.middleware.AxesMiddleware",
]

# Content-Security-Policy (django-csp): everything from the site itself, no
# inline script, style or event handler (no 'unsafe-inline', no nonces): CSS
# and JS live in static/; data-driven widths are SVG attributes; htmx's own
# indicator <style> is off (base.html). data: images are Bootstrap's icons
# (its CSS draws the select arrow, the close button and the navbar toggler
# as data: SVGs). Nothing may frame the site.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
    },
}

ROOT_URLCONF = "sclero_clinic.urls"
WSGI_APPLICATION = "sclero_clinic.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "core.idle.session_context",
            ],
        },
    },
]

DATABASE_URL = os.getenv("DATABASE_URL", "")
DATABASES = {
    "default": database_from_url(DATABASE_URL)
    if DATABASE_URL
    else sqlite_database(None)
}

# Rendered fragments of long pages (the agenda's visit blocks and cells, the
# timeline's entries; core.fragments). Their keys hold what they show, so
# local memory per process is enough and never stale; the default cache is
# Django's own default.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "fragments": {
        # Strings kept as they are, many read under one lock (core/cache.py).
        "BACKEND": "core.cache.ProcessCache",
        "LOCATION": "fragments",
        "TIMEOUT": 24 * 3600,
        "OPTIONS": {"MAX_ENTRIES": envint("SCLERO_FRAGMENT_CACHE_ENTRIES", "10000")},
    },
}

AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": (
            "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"
        )
    },
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": envint("SCLERO_PASSWORD_MIN_LENGTH", "12")},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "patients:list"
LOGOUT_REDIRECT_URL = "login"
# The absolute limit of a login (core.idle enforces it even while the user
# works); SCLERO_IDLE_TIMEOUT_MINUTES without a request ends it earlier.
SESSION_COOKIE_AGE = envint("SESSION_COOKIE_AGE", str(8 * 3600))
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SCLERO_IDLE_TIMEOUT_MINUTES = envint("SCLERO_IDLE_TIMEOUT_MINUTES", "15")

# --- Login and sessions (README, Login and sessions) ------------------------
# axes first: it refuses a locked-out username+address before any password check.
# core.backends.AccessBackend: ModelBackend reading the user's groups and
# permissions in one query per request; ModelBackend stays after it for the
# sessions logged in through it (it reads the same per-request caches).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "core.backends.AccessBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = envint("AXES_FAILURE_LIMIT", "5")
AXES_COOLOFF_TIME = timedelta(minutes=envint("AXES_COOLOFF_MINUTES", "15"))
# Lock the username from the address the failures came from: a stranger
# cannot lock a clinician out from elsewhere, and colleagues behind the
# clinic's one address do not lock each other out.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_LOCKOUT_TEMPLATE = "registration/lockout.html"
AXES_HTTP_RESPONSE_CODE = 429
# The client's address: REMOTE_ADDR, or the proxy's X-Forwarded-For behind
# the TLS proxy (never a header a client could set directly).
if envbool("DJANGO_BEHIND_TLS_PROXY", "0"):
    AXES_IPWARE_PROXY_COUNT = envint("AXES_PROXY_COUNT", "1")
    AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]
else:
    AXES_IPWARE_META_PRECEDENCE_ORDER = ["REMOTE_ADDR"]

# Second factor (TOTP app, recovery codes) required for clinicians, managers
# and superusers when on; front desk may set it up. `make run` turns it off.
SCLERO_2FA_REQUIRED = envbool("SCLERO_2FA_REQUIRED", "1")
OTP_TOTP_ISSUER = "Sclero Clinic"
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("it", _("Italian"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.getenv("CLINIC_TIME_ZONE", "Europe/Rome")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
# Private files (clinical photos, signed consent forms): never under static/
# or a public URL; served only by views that check the role and write the
# access log. The local filesystem by default (SCLERO_PRIVATE_MEDIA_ROOT);
# S3-compatible object storage when SCLERO_S3_BUCKET is set (django-storages
# with boto3: `pip install -e '.[s3]'`), with the usual AWS_* credentials.
SCLERO_PRIVATE_MEDIA_ROOT = os.getenv(
    "SCLERO_PRIVATE_MEDIA_ROOT", str(BASE_DIR / "private_media")
)
SCLERO_S3_BUCKET = os.getenv("SCLERO_S3_BUCKET", "")
if SCLERO_S3_BUCKET:
    _PRIVATE_STORAGE: dict[str, Any] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": SCLERO_S3_BUCKET,
            "endpoint_url": os.getenv("SCLERO_S3_ENDPOINT_URL") or None,
            "region_name": os.getenv("SCLERO_S3_REGION") or None,
            "location": os.getenv("SCLERO_S3_PREFIX", "private"),
            # Private objects; a URL is only ever made by the app's own views.
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
else:
    _PRIVATE_STORAGE = {
        # No URL at all: url() raises (core.storage).
        "BACKEND": "core.storage.PrivateFileSystemStorage",
        "OPTIONS": {
            "location": SCLERO_PRIVATE_MEDIA_ROOT,
            "base_url": None,
            "file_permissions_mode": 0o600,
            "directory_permissions_mode": 0o700,
        },
    }

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "private": _PRIVATE_STORAGE,
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
# HTTPS only whenever DEBUG is off, unless explicitly turned off (a test
# server on plain HTTP); development is plain HTTP unless turned on.
_HTTPS_DEFAULT = "0" if DEBUG else "1"
SESSION_COOKIE_SECURE = envbool("DJANGO_SECURE_COOKIES", _HTTPS_DEFAULT)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
# Behind the reverse proxy that terminates TLS (see OPERATIONS.md).
SECURE_SSL_REDIRECT = envbool("DJANGO_SSL_REDIRECT", _HTTPS_DEFAULT)
SECURE_HSTS_SECONDS = envint(
    "DJANGO_HSTS_SECONDS", "0" if _HTTPS_DEFAULT == "0" else str(365 * 24 * 3600)
)
SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", "1")
SECURE_HSTS_PRELOAD = envbool("DJANGO_HSTS_PRELOAD", "0")
# Preloading puts the domain in the browsers' built-in HTTPS list, which
# is slow to undo and binds every subdomain: the operator opts in with
# DJANGO_HSTS_PRELOAD=1. Without it, check --deploy's W021 ("preload not
# set") is a decision, not an oversight.
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
# The sessions' covering indexes (INCLUDE columns, for the statistics'
# index-only scans) are PostgreSQL's; SQLite builds them on their key
# columns alone, which is all the embedded database needs.
SILENCED_SYSTEM_CHECKS.append("models.W040")
if envbool("DJANGO_BEHIND_TLS_PROXY", "0"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Backups (`manage.py backup`, OPERATIONS.md): encrypted with a key kept
# outside the database and away from the backup files.
SCLERO_BACKUP_KEY = envsecret("SCLERO_BACKUP_KEY", "")
SCLERO_BACKUP_DIR = os.getenv("SCLERO_BACKUP_DIR", str(BASE_DIR / "backups"))
# How long clinical records are kept after the last contact
# (`manage.py retention_report` lists the patients past it; nothing is
# deleted by the app). Ten years: the usual minimum for outpatient records.
SCLERO_RETENTION_YEARS = envint("SCLERO_RETENTION_YEARS", "10")

# Outgoing mail (password-set links): SMTP in production, the console while
# developing unless EMAIL_HOST is set.
EMAIL_HOST = os.getenv("EMAIL_HOST", "")
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST or not DEBUG
    else "django.core.mail.backends.console.EmailBackend"
)
EMAIL_PORT = envint("EMAIL_PORT", "587")
EMAIL_HOST_USER = os.getenv("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = envsecret("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", "1")
EMAIL_TIMEOUT = envint("EMAIL_TIMEOUT", "10")
DEFAULT_FROM_EMAIL = os.getenv(
    "DEFAULT_FROM_EMAIL", "Sclero Clinic <noreply@localhost>"
)

# Background tasks: the database queue; `manage.py db_worker` (a second
# process beside the web server, OPERATIONS.md) runs them.
TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default"],
    }
}

# A day's aftercare sheets: up to this many are rendered by the day page's own
# request; a longer day by the task worker, in the background, its PDF kept
# for SCLERO_DAY_SHEETS_KEEP_HOURS (printing/dayjobs.py).
SCLERO_DAY_SHEETS_INLINE = envint("SCLERO_DAY_SHEETS_INLINE", "40")
SCLERO_DAY_SHEETS_KEEP_HOURS = envint("SCLERO_DAY_SHEETS_KEEP_HOURS", "24")

# Visit reminders: how many hours before the visit, how often a failed send
# is tried, and how long a message may stay "being sent" before it is marked
# unknown (never re-sent on its own).
SCLERO_REMINDER_HOURS = envint("SCLERO_REMINDER_HOURS", "24")
SCLERO_REMINDER_MAX_ATTEMPTS = envint("SCLERO_REMINDER_MAX_ATTEMPTS", "3")
SCLERO_REMINDER_RETRY_MINUTES = envint("SCLERO_REMINDER_RETRY_MINUTES", "15")
SCLERO_REMINDER_CLAIM_TIMEOUT_MINUTES = envint(
    "SCLERO_REMINDER_CLAIM_TIMEOUT_MINUTES", "10"
)
# How long a reminder's confirm/cancel link works (days).
SCLERO_CONFIRM_LINK_DAYS = envint("SCLERO_CONFIRM_LINK_DAYS", "14")
# How long the link in a questionnaire invitation works once sent (days).
SCLERO_QUESTIONNAIRE_LINK_DAYS = envint("SCLERO_QUESTIONNAIRE_LINK_DAYS", "30")
# The clinic's address as patients reach it (scheme and host, no trailing
# slash): the links in reminders and the calendar feed's URL start with it.
SCLERO_SITE_URL = os.getenv("SCLERO_SITE_URL", "http://127.0.0.1:8000").rstrip("/")
# Text messages: "log" writes them to the log; "http" posts them to an SMS
# provider's HTTP API (SCLERO_SMS_URL, SCLERO_SMS_TOKEN, SCLERO_SMS_SENDER).
SCLERO_SMS_BACKEND = os.getenv("SCLERO_SMS_BACKEND", "log")
SCLERO_SMS_URL = os.getenv("SCLERO_SMS_URL", "")
SCLERO_SMS_TOKEN = envsecret("SCLERO_SMS_TOKEN", "")
SCLERO_SMS_SENDER = os.getenv("SCLERO_SMS_SENDER", "SclClinic")
SCLERO_SMS_TIMEOUT = envint("SCLERO_SMS_TIMEOUT", "10")
# Phone numbers are read in this region when typed without a country code.
SCLERO_PHONE_REGION = os.getenv("SCLERO_PHONE_REGION", "IT")

# One line per event on stderr, with time, level and logger: the service
# manager (journald, docker) keeps and rotates it (OPERATIONS.md, Logs).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "line": {
            "format": "%(asctime)s %(levelname)s %(name)s %(process)d %(message)s",
        }
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "line"}},
    "loggers": {
        "weasyprint": {"handlers": ["console"], "level": "ERROR", "propagate": False},
        "django.security": {"level": "INFO"},
    },
    "root": {"handlers": ["console"], "level": os.getenv("LOG_LEVEL", "WARNING")},
}
