"""Settings for Data Academy — the only settings module.

Everything is configured by environment variables (see docs/configuration.md); the
helpers in lms.env fail loudly on values they cannot parse. With no variables set
except DEBUG=1 the site runs on one machine with SQLite, a file-system Celery broker
and a file-based cache, so `make run` needs no external service.
"""

from __future__ import annotations

from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from lms.env import env_bool, env_choice, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
# Local state for the embedded setup: SQLite file, media, broker queue, cache.
DATA_DIR = Path(env_str("DATA_DIR", str(BASE_DIR / "var"))).resolve()

DEBUG = env_bool("DEBUG", False)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is required when DEBUG is off (set SECRET_KEY or SECRET_KEY_FILE)."
        )
    SECRET_KEY = "django-insecure-local-development-only"  # noqa: S105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
# Public base URL, used in e-mails, QR codes and OAuth redirects.
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "lms",
    "lms.accounts",
    "lms.agencies",
    "lms.tracking",
    "courses",
    "labs",
    "certificates",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_filters",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sites",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "oauth2_provider",
    "django_celery_beat",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "lms.middleware.RejectNulBytesMiddleware",
    "lms.csp.AcademyCSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "lms.pagecache.AnonymousPageCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "lms.middleware.VietnameseFirstMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "lms.accounts.middleware.ConsentRequiredMiddleware",
    "lms.accounts.mfa.MFARequiredMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    # Innermost, so it sees each view's own answer: logs 401/403 and login redirects.
    "lms.security.RefusalLogMiddleware",
]

ROOT_URLCONF = "lms.urls"
WSGI_APPLICATION = "lms.wsgi.application"
SITE_ID = 1

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
                "lms.context_processors.academy",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{DATA_DIR / 'academy.sqlite3'}")
try:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL)}
except ValueError as exc:
    raise ImproperlyConfigured(
        f"DATABASE_URL is not a valid database URL: {exc}"
    ) from exc
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web server, the Celery worker and beat share one SQLite file: WAL lets
    # readers run beside a writer, IMMEDIATE transactions take the write lock up
    # front (no "database is locked" on upgrade), and a busy timeout waits for it.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
            "PRAGMA busy_timeout=20000; PRAGMA foreign_keys=ON;"
        ),
    }
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env_int("DB_CONN_MAX_AGE", 60, minimum=0)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache, Redis and Celery ----------------------------------------------------------
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    # lms.cache: Django's RedisCache that answers from memory while Redis is down,
    # so pages and sign-in keep working; short timeouts so a lost host cannot hang.
    CACHES = {
        "default": {
            "BACKEND": "lms.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "academy",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
else:
    # A file cache is shared by every process on the machine, so login throttling
    # still holds across gunicorn workers without Redis (LocMem would not).
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(DATA_DIR / "cache"),
        }
    }

CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", REDIS_URL or "filesystem://")
CELERY_RESULT_BACKEND = env_str(
    "CELERY_RESULT_BACKEND", REDIS_URL or f"file://{DATA_DIR / 'celery-results'}"
)
if CELERY_BROKER_URL == "filesystem://":
    # Embedded broker for one machine: kombu's file-system transport, so `make run`
    # has a real queue and a real worker without Redis or RabbitMQ.
    _broker_dir = DATA_DIR / "broker"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
        # kombu polls the folder; 0.1 s keeps submit-to-grade latency low.
        "polling_interval": 0.1,
    }
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": 3600,
        # Publishing gives up on a dead broker in well under a second (kombu's
        # default keeps retrying for ~6 s) so a web request never hangs on it; the
        # work is already in the database and a sweeper publishes it later. The
        # worker's own reconnection uses broker_connection_max_retries instead.
        "max_retries": 1,
        "interval_start": 0,
        "interval_step": 0.2,
        "interval_max": 0.5,
    }
CELERY_TASK_SERIALIZER = "json"


def embedded_dirs_ensure(*paths: str) -> None:
    """Create the folders of the embedded broker/result store (kombu won't)."""
    for path in paths:
        Path(path).mkdir(parents=True, exist_ok=True)


if CELERY_BROKER_URL == "filesystem://":
    embedded_dirs_ensure(CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_in"])
if CELERY_RESULT_BACKEND.startswith("file://"):
    embedded_dirs_ensure(CELERY_RESULT_BACKEND.removeprefix("file://"))
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 600, minimum=10)
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 540, minimum=5)
CELERY_RESULT_EXPIRES = 3600
CELERY_TIMEZONE = "Asia/Ho_Chi_Minh"
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"

# --- Authentication -------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"
    },
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/"
ACCOUNT_LOGIN_METHODS = {"username", "email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "username*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = env_choice(
    "ACCOUNT_EMAIL_VERIFICATION", "optional", {"none", "optional", "mandatory"}
)
ACCOUNT_ADAPTER = "lms.accounts.adapters.AccountAdapter"
# Self sign-up: the officer chooses an agency and the account stays inactive until
# that agency's manager (or DOST) approves it, so it can be open by default.
ACCOUNT_SIGNUP_OPEN = env_bool("ACCOUNT_SIGNUP_OPEN", True)
ACCOUNT_FORMS = {"signup": "lms.accounts.forms.SignupForm"}
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_LOGIN_ON_PASSWORD_RESET = True
ACCOUNT_SESSION_REMEMBER = None
# Throttling lives in the cache above (Redis in production): failed logins are
# limited per IP and per account, password-reset mails per address.
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": env_str("LOGIN_FAILED_RATE_LIMIT", "10/m/ip,5/5m/key"),
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "signup": "20/m/ip",
}
# Personal-data consent (Law 91/2025/QH15): bump the version when the notice changes
# and every user is asked again at their next request.
PERSONAL_DATA_CONSENT_VERSION = env_str("PERSONAL_DATA_CONSENT_VERSION", "2026-01")
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 3600, minimum=300)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
# Read from the cache (Redis in production), written through to the database: one
# query less on every signed-in page, nothing lost if the cache is flushed.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

# Second factor (allauth.mfa): an authenticator app (TOTP) with recovery codes. Members
# of these roles, and superusers, must activate it before anything else
# (lms/accounts/mfa.py); an empty value turns the requirement off. One 30-second step
# of phone clock drift is accepted.
MFA_REQUIRED_ROLES = env_list("MFA_REQUIRED_ROLES", ["DOST admin", "Instructor"])
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_TOLERANCE = 1
# Wagtail's own password reset would send mails past allauth's reset_password limit;
# its login form is replaced by the academy's (lms/urls.py), which links to allauth's.
WAGTAIL_PASSWORD_RESET_ENABLED = False

# The academy is the identity provider for JupyterHub (authorization code + PKCE).
# Every RFC 9700 (OAuth 2.0 Security BCP) gate is on; plain-http redirect URIs are
# allowed only for the loopback hub of `make run`.
OAUTH2_PROVIDER = {
    "SCOPES": {"read": "Read your profile"},
    "DEFAULT_SCOPES": ["read"],
    "PKCE_REQUIRED": True,
    "ACCESS_TOKEN_EXPIRE_SECONDS": 3600,
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    "ALLOWED_REDIRECT_URI_SCHEMES": ["http", "https"]
    if env_bool("OAUTH_ALLOW_HTTP_REDIRECTS", DEBUG)
    else ["https"],
    **{
        f"COMPLIANT_BCP_RFC9700_{gate}": True
        for gate in [
            "IMPLICIT_GRANT",
            "PASSWORD_GRANT",
            "PKCE_METHOD",
            "ACCESS_TOKEN_TRANSPORT",
            "AUTHZ_RESPONSE_ISS",
            "TOKEN_STORAGE",
            "REFRESH_TOKEN",
            "REDIRECT_URI_MATCHING",
            "PKCE_REQUIRED",
        ]
    },
    "COMPLIANT_BCP_RFC9700_REDIRECT_URI_SCHEME": not env_bool(
        "OAUTH_ALLOW_HTTP_REDIRECTS", DEBUG
    ),
}

# --- Internationalisation -------------------------------------------------------------
LANGUAGE_CODE = env_str("LANGUAGE_CODE", "vi")
LANGUAGES = [("vi", "Tiếng Việt"), ("en", "English")]
if LANGUAGE_CODE not in dict(LANGUAGES):
    raise ImproperlyConfigured(f"LANGUAGE_CODE={LANGUAGE_CODE!r} must be 'vi' or 'en'.")
# Our own strings are written in Vietnamese and translated to English in locale/;
# Wagtail's Vietnamese catalog covers a fraction of its admin, so locale_wagtail/
# completes it; django-allauth ships none, so locale_allauth/ provides one. The two
# agree on shared words, except Wagtail's "Usage" and "Public" (unused by allauth
# here), hence locale_wagtail/ first.
LOCALE_PATHS = [
    BASE_DIR / "locale",
    BASE_DIR / "locale_wagtail",
    BASE_DIR / "locale_allauth",
]
TIME_ZONE = env_str("TIME_ZONE", "Asia/Ho_Chi_Minh")
USE_I18N = True
USE_TZ = True
WAGTAIL_I18N_ENABLED = False
WAGTAILADMIN_PERMITTED_LANGUAGES = LANGUAGES

# --- Static and media -----------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(DATA_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
FILE_UPLOAD_PERMISSIONS = 0o640
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 10 * 1024 * 1024)

# --- Wagtail --------------------------------------------------------------------------
WAGTAIL_SITE_NAME = "Học viện Dữ liệu"
WAGTAILADMIN_BASE_URL = SITE_URL
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAILDOCS_EXTENSIONS = ["csv", "docx", "odt", "pdf", "pptx", "txt", "xlsx", "zip"]
WAGTAILDOCS_MAX_UPLOAD_SIZE = 20 * 1024 * 1024
WAGTAILDOCS_SERVE_METHOD = "serve_view"
# Every document downloads as an attachment: a PDF or text file shown inline would
# run under the academy's origin (PDFs can carry scripts and forms).
WAGTAILDOCS_INLINE_CONTENT_TYPES: list[str] = []
WAGTAIL_ENABLE_UPDATE_CHECK = False
# No avatars from gravatar.com: the data centre may be offline, and it would send
# a hash of every admin's e-mail address to a third party.
WAGTAIL_GRAVATAR_PROVIDER_URL = None
WAGTAIL_MODERATION_ENABLED = True

# --- E-mail ---------------------------------------------------------------------------
# Why SMTP unless DEBUG: the console backend would print password-reset links (a
# login token) into the production log stream.
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1, maximum=65535)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str(
    "DEFAULT_FROM_EMAIL", "Học viện Dữ liệu <no-reply@localhost>"
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Security -------------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
if env_bool("SECURE_PROXY_SSL_HEADER", False):
    # Only behind a proxy (nginx) that sets X-Forwarded-Proto itself.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SILENCED_SYSTEM_CHECKS = env_list("SILENCED_SYSTEM_CHECKS")

# No inline scripts: every script is a static file. Inline style *attributes* are
# allowed (progress bars set their width), <style> elements are not.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "style-src-attr": ["'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "frame-src": [
            "'self'",
            "https://www.youtube.com",
            "https://www.youtube-nocookie.com",
            "https://player.vimeo.com",
        ],
        "frame-ancestors": ["'none'"],
        # lms.csp adds the hub's origin (settings.JUPYTERHUB_URL) per request.
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

# --- Logging --------------------------------------------------------------------------
LOG_LEVEL = env_choice("LOG_LEVEL", "INFO", {"DEBUG", "INFO", "WARNING", "ERROR"})
# "json" gives one JSON object per line for a log collector (Loki, ELK, Graylog).
LOG_FORMAT = env_choice("LOG_FORMAT", "plain" if DEBUG else "json", {"plain", "json"})
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "lms.logging.JsonFormatter"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT},
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.request": {"level": "ERROR"},
        "lms.security": {"level": "INFO"},
        # Wagtail's inline django-tasks log every search-index update at INFO.
        "django_tasks": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

# --- Academy --------------------------------------------------------------------------
JUPYTERHUB_URL = env_str("JUPYTERHUB_URL", "http://127.0.0.1:18000")
JUPYTERHUB_API_TOKEN = env_str("JUPYTERHUB_API_TOKEN")

# --- Certificates ---------------------------------------------------------------------
CERTIFICATE_SERIAL_PREFIX = env_str("CERTIFICATE_SERIAL_PREFIX", "BN")
CERTIFICATE_ISSUER_NAME = env_str(
    "CERTIFICATE_ISSUER_NAME", "Sở Khoa học và Công nghệ tỉnh Bắc Ninh"
)
CERTIFICATE_SIGNER_NAME = env_str("CERTIFICATE_SIGNER_NAME", "")
CERTIFICATE_SIGNER_TITLE = env_str("CERTIFICATE_SIGNER_TITLE", "Giám đốc")
# Verify pages per IP per minute (0 turns the limit off).
CERTIFICATE_VERIFY_RATE_LIMIT = env_int("CERTIFICATE_VERIFY_RATE_LIMIT", 60, minimum=0)
# Ed25519 key that signs Open Badges 3.0 credentials; created on first use (0600).
OPENBADGES_ISSUER_KEY_FILE = Path(
    env_str("OPENBADGES_ISSUER_KEY_FILE", str(DATA_DIR / "openbadges-issuer.pem"))
)

# --- Tracking -------------------------------------------------------------------------
# Day of the month the monthly report to DOST is frozen (the plan's deadline is the 25th).
MONTHLY_REPORT_DAY = env_int("MONTHLY_REPORT_DAY", 20, minimum=1, maximum=28)

# --- Labs -----------------------------------------------------------------------------
LABS_MAX_NOTEBOOK_BYTES = env_int(
    "LABS_MAX_NOTEBOOK_BYTES", 5 * 1024 * 1024, minimum=1024
)
LABS_MAX_PENDING_PER_USER = env_int("LABS_MAX_PENDING_PER_USER", 3, minimum=1)
LABS_MAX_ATTEMPTS = env_int("LABS_MAX_ATTEMPTS", 4, minimum=1)
LABS_GRADING_QUEUE = env_str("LABS_GRADING_QUEUE") or None
LABS_GRADE_SOFT_TIME_LIMIT = env_int("LABS_GRADE_SOFT_TIME_LIMIT", 300, minimum=10)
LABS_GRADE_TIME_LIMIT = env_int("LABS_GRADE_TIME_LIMIT", 360, minimum=15)
LABS_SWEEP_EVERY_SECONDS = env_int("LABS_SWEEP_EVERY_SECONDS", 60, minimum=5)
LABS_SWEEP_QUEUED_AFTER = env_int("LABS_SWEEP_QUEUED_AFTER", 1800, minimum=30)
LABS_SWEEP_RUNNING_AFTER = env_int("LABS_SWEEP_RUNNING_AFTER", 900, minimum=30)
LABS_SWEEP_UNPUBLISHED_AFTER = env_int("LABS_SWEEP_UNPUBLISHED_AFTER", 10, minimum=1)
# Anonymous visitors' course pages are kept this many seconds (0 = off); publishing
# any page retires them at once (lms/pagecache.py).
PAGE_CACHE_SECONDS = env_int("PAGE_CACHE_SECONDS", 300, minimum=0)
# The header's facts (agency, roles, which menus to show) cost four queries on every
# page; a role change shows in the menu within this many seconds. Access checks never
# read this cache.
HEADER_CACHE_SECONDS = env_int("HEADER_CACHE_SECONDS", 60, minimum=0)
# A course's lesson outline (titles, links, modules) is shared by all its learners;
# saving, publishing, moving or deleting a lesson, module or course retires it.
COURSE_OUTLINE_CACHE_SECONDS = env_int("COURSE_OUTLINE_CACHE_SECONDS", 3600, minimum=0)
COURSE_REMINDERS_HOUR = env_int("COURSE_REMINDERS_HOUR", 7, minimum=0, maximum=23)

# --- Personal data retention (Law 91/2025) --------------------------------------------
# Days each kind of data is kept before the nightly `purge_expired_data` job removes it;
# 0 keeps it forever. Anonymising an account no sooner than its access-log entries
# expire keeps "who viewed this" readable for as long as the log is kept.
ACCESS_LOG_RETENTION_DAYS = env_int("ACCESS_LOG_RETENTION_DAYS", 730, minimum=0)
CORRECTION_REQUEST_RETENTION_DAYS = env_int(
    "CORRECTION_REQUEST_RETENTION_DAYS", 365, minimum=0
)
LAB_FILE_RETENTION_DAYS = env_int("LAB_FILE_RETENTION_DAYS", 365, minimum=0)
UPLOAD_FILE_RETENTION_DAYS = env_int("UPLOAD_FILE_RETENTION_DAYS", 180, minimum=0)
DEACTIVATED_ACCOUNT_RETENTION_DAYS = env_int(
    "DEACTIVATED_ACCOUNT_RETENTION_DAYS", 730, minimum=0
)
DATA_RETENTION_HOUR = env_int("DATA_RETENTION_HOUR", 3, minimum=0, maximum=23)
