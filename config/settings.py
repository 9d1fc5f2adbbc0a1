"""
Settings for Rectify, read from the environment.

With nothing set, Rectify runs on SQLite, writes mail to files under var/mail and runs
Celery on an embedded file-system broker, so a fresh machine needs no services. Each
section names the variables it reads; the README lists them all.

https://docs.djangoproject.com/en/5.2/topics/settings/
https://docs.djangoproject.com/en/5.2/ref/settings/
"""

import datetime
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(environ.Env().str("RECTIFY_VAR_DIR", default=str(BASE_DIR / "var")))

env = environ.Env()
# Runtime data (SQLite database, mail files, embedded broker, uploads) lives here by default.
VAR_DIR.mkdir(parents=True, exist_ok=True)

# RECTIFY_ENV selects the mode: "development" (default), "production" or "test".
# Production refuses to start without a real secret key and turns on every HTTPS guard
# that `manage.py check --deploy` asks for.
RECTIFY_ENV = env.str("RECTIFY_ENV", default="development")
PRODUCTION = RECTIFY_ENV == "production"
TESTING = RECTIFY_ENV == "test"


def _secret(name: str, default: str | None = None) -> str | None:
    """Read a secret from NAME, or from the file named by NAME_FILE (Docker/K8s secrets)."""
    path = env.str(f"{name}_FILE", default="")
    if path:
        return Path(path).read_text().strip()
    return env.str(name, default=default)


# --- Core ---------------------------------------------------------------------------
if PRODUCTION:
    SECRET_KEY = _secret("SECRET_KEY")
    if not SECRET_KEY:
        raise environ.ImproperlyConfigured("SECRET_KEY (or SECRET_KEY_FILE) must be set in production")
else:
    SECRET_KEY = _secret("SECRET_KEY", default="django-insecure-rectify-development-only-key-0123456789")

DEBUG = env.bool("DEBUG", default=not PRODUCTION and not TESTING)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[] if PRODUCTION else ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# Absolute base URL used in e-mails, where there is no request to build links from.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "config.admin_site.RectifyAdminConfig",  # django.contrib.admin, with the index in working order
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    # Third party
    "simple_history",
    "accounts.lockout_app.LockoutConfig",  # django-axes, named in the interface language
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    # Ours
    "accounts",
    "cases",
    "notices",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    # With DEBUG on, a 404 shows the site's page, not Django's technical one (config/error_pages.py).
    "config.error_pages.ProductionNotFoundMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, so it sees the lockout flag the login attempt set and answers with the lockout page.
    "axes.middleware.AxesMiddleware",
]

# DEBUG only: show Django's technical 404 page (with the URL patterns) instead of the site's.
DEBUG_TECHNICAL_404 = env.bool("DEBUG_TECHNICAL_404", default=False)

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
# The admin lives at a configurable path so a production site need not expose /admin/.
ADMIN_URL = env.str("ADMIN_URL", default="admin/")

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------
# DATABASE_URL, e.g. postgres://postgres@127.0.0.1:5432/rectify or sqlite:////abs/db.sqlite3
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web process read while the worker writes; a busy timeout makes a
    # writer wait for the lock instead of failing at once.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"}
    )
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # Parallel query off for Rectify's connections (PG_PARALLEL_WORKERS raises it): its queries are
    # short, and on the 2-core machine a province runs on, the two helper processes PostgreSQL starts
    # for a count of 81,000 overdue items made it slower (20 ms) than one process scanning alone
    # (11 ms), idle or not; under twenty concurrent requests each would start its own.
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        parallel = env.int("PG_PARALLEL_WORKERS", default=0)
        options = DATABASES["default"].setdefault("OPTIONS", {})
        options["options"] = f"{options.get('options', '')} -c max_parallel_workers_per_gather={parallel}".strip()
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Accounts -----------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AUTHENTICATION_BACKENDS = [
    # django-axes first: a locked-out login is refused before the password is even checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# --- Internationalisation -----------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
# One catalogue per area (locale/<area>/zh_Hans/LC_MESSAGES/django.po), so translations of
# different parts can be kept and compiled independently.
LOCALE_PATHS = sorted(p for p in (BASE_DIR / "locale").glob("*") if p.is_dir())
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static and uploaded files ------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
# Files served at the site's root by whitenoise: /favicon.ico, which browsers ask for on every page.
WHITENOISE_ROOT = BASE_DIR / "static" / "root"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns on every request without it
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
# Evidence files (佐证材料): size limit and the extensions accepted. Executables and
# scripts are refused by extension and by their leading bytes, whatever their name.
EVIDENCE_MAX_BYTES = env.int("EVIDENCE_MAX_BYTES", default=20 * 1024 * 1024)
EVIDENCE_EXTENSIONS = env.list(
    "EVIDENCE_EXTENSIONS",
    default=["pdf", "ofd", "jpg", "jpeg", "png", "gif", "webp", "doc", "docx", "xls", "xlsx", "wps", "et",
             "ppt", "pptx", "txt", "csv", "zip", "rar", "7z", "mp4"],
)
# One update (a request) may attach at most this many files, of at most this much together;
# one item (measure) may hold at most this many files and bytes of evidence in all.
EVIDENCE_MAX_FILES_PER_REQUEST = env.int("EVIDENCE_MAX_FILES_PER_REQUEST", default=10)
EVIDENCE_MAX_REQUEST_BYTES = env.int("EVIDENCE_MAX_REQUEST_BYTES", default=50 * 1024 * 1024)
EVIDENCE_QUOTA_FILES = env.int("EVIDENCE_QUOTA_FILES", default=200)
EVIDENCE_QUOTA_BYTES = env.int("EVIDENCE_QUOTA_BYTES", default=500 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
# Django's own cap on files per request, above the evidence limit so the evidence check (with
# its clear message) answers first; beyond it the request is refused before any file is kept.
DATA_UPLOAD_MAX_NUMBER_FILES = env.int("DATA_UPLOAD_MAX_NUMBER_FILES", default=100)
# Ledger and plan-table imports (cases.limits): the work is bounded by the input's size, so
# a request finishes well inside gunicorn's timeout; bigger files are refused with a message.
IMPORT_MAX_BYTES = env.int("IMPORT_MAX_BYTES", default=10 * 1024 * 1024)
IMPORT_MAX_ROWS = env.int("IMPORT_MAX_ROWS", default=5000)
IMPORT_MAX_UNPACKED_BYTES = env.int("IMPORT_MAX_UNPACKED_BYTES", default=40 * 1024 * 1024)
IMPORT_MAX_SHEET_ROWS = env.int("IMPORT_MAX_SHEET_ROWS", default=20000)
IMPORT_BLANK_ROWS_END = env.int("IMPORT_BLANK_ROWS_END", default=200)
# Past these an import runs as a Celery job with a status page (cases.jobs), so no request
# waits on it; smaller ones stay in the request. A file past IMPORT_BACKGROUND_BYTES is not even
# read in the request: its preview (the check) is a job too.
IMPORT_BACKGROUND_ROWS = env.int("IMPORT_BACKGROUND_ROWS", default=300)
IMPORT_BACKGROUND_BYTES = env.int("IMPORT_BACKGROUND_BYTES", default=256 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# Past these many rows an export (the Excel ledger, or its CSV) is written by a Celery job with a
# progress page and a download link (cases.jobs.exports); below, it streams from the request.
# CSV costs about a tenth of xlsx per row (benchmarks/exports.py), hence its larger threshold.
EXPORT_BACKGROUND_ROWS = env.int("EXPORT_BACKGROUND_ROWS", default=20_000)
EXPORT_CSV_BACKGROUND_ROWS = env.int("EXPORT_CSV_BACKGROUND_ROWS", default=200_000)
# A finished export's file is deleted this many days after it was written (the job page then
# says so); an upload checked but never confirmed (ledger import, import job) after a day.
# The daily task cases.jobs.purge_old_files does it (beat schedule 清理过期的导出和上传文件).
EXPORT_KEEP_DAYS = env.int("EXPORT_KEEP_DAYS", default=7)
PENDING_UPLOAD_KEEP_HOURS = env.int("PENDING_UPLOAD_KEEP_HOURS", default=24)

# --- E-mail -------------------------------------------------------------------------
# EMAIL_URL, e.g. smtp+tls://user:password@mail.example.gov.cn:587 ; with nothing set,
# each message is written to a file under var/mail so the demo shows what would be sent.
if env.str("EMAIL_URL", default=""):
    vars().update(env.email_url("EMAIL_URL"))
elif env.str("EMAIL_HOST", default=""):
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = env.str("EMAIL_HOST")
    EMAIL_PORT = env.int("EMAIL_PORT", default=25)
    EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
    EMAIL_HOST_PASSWORD = _secret("EMAIL_HOST_PASSWORD", default="")
    EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
    EMAIL_USE_SSL = env.bool("EMAIL_USE_SSL", default=False)
else:
    EMAIL_BACKEND = "config.mail.EmlFileBackend"  # one .eml file per message
    EMAIL_FILE_PATH = VAR_DIR / "mail"
if TESTING:
    EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="整改台账 <rectify@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Celery -------------------------------------------------------------------------
# REDIS_URL or CELERY_BROKER_URL selects Redis. With neither, the worker and beat talk
# through kombu's file-system transport in var/celery, so `make run` needs no Redis.
REDIS_URL = env.str("REDIS_URL", default="")
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "filesystem://")
CELERY_BROKER_TRANSPORT_OPTIONS = (
    {
        "data_folder_in": str(VAR_DIR / "celery" / "queue"),
        "data_folder_out": str(VAR_DIR / "celery" / "queue"),
        "processed_folder": str(VAR_DIR / "celery" / "processed"),
        # Broadcast (control) messages too, or kombu writes them to ./control in the cwd.
        "control_folder": str(VAR_DIR / "celery" / "control"),
        "store_processed": False,
    }
    if CELERY_BROKER_URL.startswith("filesystem")
    else {}
)
if CELERY_BROKER_URL.startswith("filesystem"):
    for folder in ("queue", "processed", "control"):
        (VAR_DIR / "celery" / folder).mkdir(parents=True, exist_ok=True)
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=TESTING)
CELERY_TASK_EAGER_PROPAGATES = True
# A separate queue keeps workers of different deployments (or test runs) sharing one Redis
# from taking each other's tasks.
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_TASK_DEFAULT_QUEUE", default="celery")
# Celery's Django fix-up closes the database connection before and after every task unless this
# is set (it then closes it every this many tasks): each send of the weekly job paid a new
# PostgreSQL backend with cold catalogue caches, half of its time. With it set, `config.celery`
# treats each task as Django treats a request (`close_old_connections`): a connection older than
# CONN_MAX_AGE or broken is dropped, and CONN_HEALTH_CHECKS checks it before its first query.
CELERY_DB_REUSE_MAX = env.int("CELERY_DB_REUSE_MAX", default=1000)

# --- Cache --------------------------------------------------------------------------
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL and not TESTING
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

# --- REST API -----------------------------------------------------------------------
REST_FRAMEWORK = {
    # Token first: DRF takes the WWW-Authenticate header from the first class, so an
    # anonymous request gets 401 (not 403). A session cookie works all the same.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.tokens.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": [
        "accounts.filtering.FilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "cases.api.pagination.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "cases.api.schema.AutoSchema",
    # One error shape for every status: {"error": {"status", "code", "message", "fields"}}.
    "EXCEPTION_HANDLER": "config.api.exception_handler",
    "DEFAULT_THROTTLE_RATES": {"auth": env.str("AUTH_THROTTLE_RATE", default="20/min")},
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Rectify API",
    "DESCRIPTION": "整改台账 REST API: cases, issues, measures, progress and reminders.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # The system's fonts (ReDoc would otherwise ask for Montserrat and Roboto, which are not installed
    # and would be fetched from the internet by its stock page; see templates/drf_spectacular/redoc.html).
    "REDOC_UI_SETTINGS": {"theme": {"typography": {
        "fontFamily": '-apple-system, "Segoe UI", "PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", sans-serif',
        "headings": {"fontFamily": '-apple-system, "Segoe UI", "PingFang SC", "Microsoft YaHei", sans-serif'},
        "code": {"fontFamily": 'ui-monospace, Menlo, Consolas, "Noto Sans Mono CJK SC", monospace'},
    }}},
    "COMPONENT_SPLIT_REQUEST": True,
    # Several models have a `kind`; name each choice set after its model in the schema.
    "ENUM_NAME_OVERRIDES": {
        "StateEnum": "cases.states.State",
        "CaseKindEnum": "cases.models.Case.Kind",
        "IssueKindEnum": "cases.models.Issue.Kind",
        "MeasureKindEnum": "cases.models.Measure.Kind",
        "UnitKindEnum": "accounts.models.Unit.Kind",
        "NoticeKindEnum": "notices.models.Notice.Kind",
        "ReminderKindEnum": "cases.models.Reminder.Kind",
        "OutcomeKindEnum": "cases.outcomes.kinds.Kind",
        "JobStateEnum": "cases.jobs.models.ImportJob.State",
    },
}

# --- Rectify ------------------------------------------------------------------------
# Reminders: items due within this many days count as "due soon"; items with no progress
# for LAGGING_DAYS are "lagging"; items overdue this long escalate to the lead leader.
REMINDER_DUE_SOON_DAYS = env.int("REMINDER_DUE_SOON_DAYS", default=7)
REMINDER_LAGGING_DAYS = env.int("REMINDER_LAGGING_DAYS", default=14)
# A mail lists at most this many items (the worst first) and links the full list (issue 12: mails human-sized).
REMINDER_MAIL_MAX_ITEMS = env.int("REMINDER_MAIL_MAX_ITEMS", default=30)
REMINDER_ESCALATE_AFTER_DAYS = env.int("REMINDER_ESCALATE_AFTER_DAYS", default=14)
# Delivery (cases.delivery): group-bot and SMS HTTP calls time out after this many seconds;
# a claimed message not finished within the lease may be claimed again (a worker died).
DELIVERY_HTTP_TIMEOUT = env.float("DELIVERY_HTTP_TIMEOUT", default=10.0)
DELIVERY_CLAIM_LEASE_MINUTES = env.int("DELIVERY_CLAIM_LEASE_MINUTES", default=15)
# Messages per second (or "/m") the whole deployment sends, all workers together: a token bucket
# in Redis (cases.delivery.throttle); set it to what the mail server accepts. Without Redis one
# worker sends alone. Group bots have their own limits (a WeCom or DingTalk bot takes 20 a
# minute), answered with a rate-limit code that is retried with back-off.
DELIVERY_RATE_LIMIT = env.str("DELIVERY_RATE_LIMIT", default="200/s")
# The SMS gateway (cases.delivery.sms): JSON POST; empty = no SMS channel.
SMS_GATEWAY_URL = env.str("SMS_GATEWAY_URL", default="")
SMS_GATEWAY_TOKEN = env.str("SMS_GATEWAY_TOKEN", default="")
SMS_SIGNATURE = env.str("SMS_SIGNATURE", default="整改台账")
# Weeks before 1 January from which a year without working-day data is flagged (cases.calendar.banner).
CALENDAR_WARN_WEEKS = env.int("CALENDAR_WARN_WEEKS", default=8)
# Look-backs (cases.lookback): checks due within this many working days are queued and mailed.
LOOKBACK_REMIND_WORKING_DAYS = env.int("LOOKBACK_REMIND_WORKING_DAYS", default=5)

# --- Security -----------------------------------------------------------------------
# Reverse proxies in front of the app that append to X-Forwarded-For; 0 = the header is not
# trusted and REMOTE_ADDR is the client (config/client_ip.py). Used by the login throttle and axes.
RECTIFY_TRUSTED_PROXIES = env.int("RECTIFY_TRUSTED_PROXIES", default=0)
# django-axes: after AXES_FAILURE_LIMIT failed logins for one login name from one address,
# that pair is locked for RECTIFY_LOGIN_LOCKOUT_MINUTES (site login, admin login, API token).
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env.int("RECTIFY_LOGIN_LOCKOUT_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "config.client_ip.client_ip"
AXES_LOCKOUT_CALLABLE = "config.lockout.lockout_response"
AXES_HTTP_RESPONSE_CODE = 429
# API tokens expire this many days after they are issued (0: never); a password change revokes them.
API_TOKEN_TTL_DAYS = env.int("API_TOKEN_TTL_DAYS", default=30)
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)

# --- Logging ------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "filters": {"client_errors": {"()": "config.logfilters.ClientErrorWithoutTraceback"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["client_errors"]}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # Django's own "django" handler would print every record a second time on the way to root.
    "loggers": {"django.db.backends": {"level": "INFO"}, "django": {"handlers": [], "level": "INFO"}},
}

# --- History ------------------------------------------------------------------------
# Reverting a measure from its history would bypass the transition rules: history is read-only.
SIMPLE_HISTORY_REVERT_DISABLED = True
SIMPLE_HISTORY_EDIT = False
