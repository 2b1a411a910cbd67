"""Seatdesk settings, all read from the environment (see .env.example)."""

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env")

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("Set SECRET_KEY: production refuses to start without one.")
    SECRET_KEY = "django-insecure-development-only-key"
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# Under /api/ a CSRF refusal answers JSON like every other API error.
CSRF_FAILURE_VIEW = "config.errors.csrf_failure"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "knox",
    "axes",
    "csp",
    "django_filters",
    "django_htmx",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_countries",
    "simple_history",
    "accounts",
    "licensing",
    "sales",
    "onboarding",
]

MIDDLEWARE = [
    "config.health.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "accounts.middleware.refuse_large_bodies",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "accounts.middleware.no_store_for_personal_data",
    # Who made a change: the signed-in user of pages, admin and API alike (DRF sets the
    # authenticated user on the underlying request).
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, so it turns a locked-out sign-in (marked by its backend) into the lockout answer.
    "axes.middleware.AxesMiddleware",
]

# History is a record, not an undo: a revert from the admin would bypass the services' rules
# (a sent quote is frozen), so the admin shows history read-only.
SIMPLE_HISTORY_REVERT_DISABLED = True

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "accounts.context_processors.roles",
            ],
        },
    }
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
# Each web or worker process keeps its database connection for CONN_MAX_AGE seconds instead
# of opening one per request (a PostgreSQL connection costs the server a new backend process:
# about 14 ms a request under load); one checked before reuse, so a restarted server costs
# one failed check, not an error. 0 closes the connection after every request.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Axes first: it refuses a locked-out account or address before any password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = env("TIME_ZONE", default="Europe/Paris")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
# Stored files (quote PDFs): the local MEDIA_ROOT on one machine; an S3-compatible bucket
# (django-storages) when several machines must read the same files.
AWS_STORAGE_BUCKET_NAME = env("AWS_STORAGE_BUCKET_NAME", default="")
AWS_S3_ENDPOINT_URL = env("AWS_S3_ENDPOINT_URL", default=None)
AWS_S3_REGION_NAME = env("AWS_S3_REGION_NAME", default=None)
AWS_ACCESS_KEY_ID = env("AWS_ACCESS_KEY_ID", default=None)
AWS_SECRET_ACCESS_KEY = env("AWS_SECRET_ACCESS_KEY", default=None)
AWS_LOCATION = env("AWS_LOCATION", default="media")
# Quote PDFs are private: no public ACL, links signed and short-lived, no overwriting.
AWS_DEFAULT_ACL = None
AWS_QUERYSTRING_AUTH = True
AWS_QUERYSTRING_EXPIRE = 300
AWS_S3_FILE_OVERWRITE = False
STORAGES = {
    "default": {
        "BACKEND": "storages.backends.s3.S3Storage"
        if AWS_STORAGE_BUCKET_NAME
        else "django.core.files.storage.FileSystemStorage"
    },
    "staticfiles": {
        "BACKEND": env(
            "STATICFILES_STORAGE",
            default="django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage",
        )
    },
}

# Sessions live in the database, which every web process shares: several machines need
# nothing more, and a Redis outage signs nobody out. SESSION_ENGINE may choose
# django.contrib.sessions.backends.cached_db (with CACHE_URL on Redis) to spare the reads.
SESSION_ENGINE = env("SESSION_ENGINE", default="django.contrib.sessions.backends.db")
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}

vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Seatdesk <seatdesk@localhost>")
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")

# Celery: without REDIS_URL tasks run eagerly in-process, so a bare machine needs no broker.
REDIS_URL = env("REDIS_URL", default="")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_DEFAULT_QUEUE = env("CELERY_TASK_DEFAULT_QUEUE", default="seatdesk")
# A task is acknowledged only once it has run, and put back when its worker process dies; the
# outbox row's claim makes a second delivery harmless.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=120)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=180)
# The dashboard's book snapshots are refreshed this many seconds after a change to their
# records, once for all the changes meanwhile (sales/metrics/snapshot.py); pages say "as of".
BOOK_SNAPSHOT_REFRESH_DELAY = env.int("BOOK_SNAPSHOT_REFRESH_DELAY", default=60)
# At most the broker's visibility timeout (below): a task waiting longer is delivered twice.
if not 0 <= BOOK_SNAPSHOT_REFRESH_DELAY <= 600:
    raise ImproperlyConfigured("BOOK_SNAPSHOT_REFRESH_DELAY must be 0 to 600 seconds.")
CELERY_BEAT_SCHEDULE = {
    "send-reminders": {
        "task": "licensing.tasks.sweep_reminders",
        "schedule": crontab(hour=env.int("REMINDER_SWEEP_HOUR", default=7), minute=0),
    },
    # The dashboard's book snapshots for the new day (sales/metrics/snapshot.py), so that the
    # first look of the day reads them too.
    "refresh-book-snapshots": {
        "task": "sales.tasks.refresh_book_snapshots",
        "schedule": crontab(hour=0, minute=5),
    },
    # The companies' lowest utilisation for the new day (licensing.models.CompanyUtilisation):
    # reports grow stale and renewed terms end overnight.
    "refresh-stored-utilisation": {
        "task": "licensing.tasks.refresh_stored_utilisation",
        "schedule": crontab(hour=0, minute=1),
    },
    "send-onboarding-digests": {
        "task": "onboarding.tasks.send_onboarding_digests",
        "schedule": crontab(hour=env.int("ONBOARDING_DIGEST_HOUR", default=8), minute=0),
    },
    "send-follow-up-digests": {
        "task": "sales.tasks.send_follow_up_digests",
        "schedule": crontab(hour=env.int("FOLLOW_UP_DIGEST_HOUR", default=8), minute=0),
    },
    # Adoption after go-live: the "user education" tasks of onboardings whose users never
    # reached half the seats, also on a day the usage feed sends nothing.
    "check-adoption": {
        "task": "onboarding.tasks.check_adoption",
        "schedule": crontab(hour=env.int("ADOPTION_CHECK_HOUR", default=6), minute=30),
    },
}

# Reminders: days before a trial's last day / a license's term end (0 = on the last day).
REMINDER_TRIAL_OFFSETS = env.list("REMINDER_TRIAL_OFFSETS", cast=int, default=[7, 3, 1, 0])
REMINDER_RENEWAL_OFFSETS = env.list("REMINDER_RENEWAL_OFFSETS", cast=int, default=[90, 60, 30, 7])
# The email outbox (accounts/outbox.py). Every email is a row; the broker only wakes workers.
# A send waits at most EMAIL_TIMEOUT seconds for each answer of the mail server and at most
# OUTBOX_SEND_TIME_LIMIT seconds in all; a row left `sending` longer than OUTBOX_LEASE_SECONDS
# (a worker died) is sent again. A temporary failure is retried after OUTBOX_RETRY_DELAY
# seconds, doubling up to OUTBOX_RETRY_MAX_DELAY, OUTBOX_MAX_ATTEMPTS tries in all (about
# four hours with the defaults), then the email is failed and shown to administrators.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
OUTBOX_SEND_TIME_LIMIT = env.int("OUTBOX_SEND_TIME_LIMIT", default=40)
OUTBOX_LEASE_SECONDS = env.int("OUTBOX_LEASE_SECONDS", default=60)
if OUTBOX_LEASE_SECONDS <= OUTBOX_SEND_TIME_LIMIT + 5:
    raise ImproperlyConfigured("OUTBOX_LEASE_SECONDS must outlast OUTBOX_SEND_TIME_LIMIT + 5.")
OUTBOX_RETRY_DELAY = env.int("OUTBOX_RETRY_DELAY", default=60)
OUTBOX_RETRY_MAX_DELAY = env.int("OUTBOX_RETRY_MAX_DELAY", default=3600)
OUTBOX_MAX_ATTEMPTS = env.int("OUTBOX_MAX_ATTEMPTS", default=10)
OUTBOX_DISPATCH_SECONDS = env.float("OUTBOX_DISPATCH_SECONDS", default=60)
# Monitoring (/readyz, `manage.py check_emails`): emails due and unsent for longer than this.
OUTBOX_ALERT_MINUTES = env.int("OUTBOX_ALERT_MINUTES", default=15)
CELERY_BEAT_SCHEDULE["dispatch-emails"] = {
    "task": "accounts.tasks.dispatch_outbox",
    "schedule": OUTBOX_DISPATCH_SECONDS,
}
# Nothing relies on the broker redelivering a lost task (beat's dispatch finds the row), so
# the visibility timeout only needs to outlast one send.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 600}

# Business settings.
SEATDESK_CURRENCY = env("SEATDESK_CURRENCY", default="EUR")
QUOTE_APPROVAL_THRESHOLD_PERCENT = Decimal(env("QUOTE_APPROVAL_THRESHOLD_PERCENT", default="15"))
QUOTE_VALIDITY_DAYS = env.int("QUOTE_VALIDITY_DAYS", default=30)
# Answers posted from a quote's link (/q/<token>/): per link and per address, per hour.
QUOTE_LINK_POSTS_PER_HOUR = env.int("QUOTE_LINK_POSTS_PER_HOUR", default=20)
QUOTE_LINK_POSTS_PER_HOUR_PER_ADDRESS = env.int("QUOTE_LINK_POSTS_PER_HOUR_PER_ADDRESS", default=60)
TRIAL_DEFAULT_DAYS = env.int("TRIAL_DEFAULT_DAYS", default=30)
# The longest a trial may run, from its first to its last day, extensions included.
TRIAL_MAX_DAYS = env.int("TRIAL_MAX_DAYS", default=90)
# Whether account managers read each other's companies, quotes and figures: "team" (they do;
# edits stay owner-checked) or "own" (another's records answer 404 everywhere). Administrators,
# Finance and Support see everything either way.
ACCOUNT_MANAGER_VISIBILITY = env("ACCOUNT_MANAGER_VISIBILITY", default="team").strip().lower()
if ACCOUNT_MANAGER_VISIBILITY not in ("team", "own"):
    raise ImproperlyConfigured('ACCOUNT_MANAGER_VISIBILITY must be "team" or "own".')
SELLER = {
    "name": env("SELLER_NAME", default="Seatdesk Software SAS"),
    "address": env("SELLER_ADDRESS", default="12 rue de la Paix, 75002 Paris, France"),
    "registration_id": env("SELLER_REGISTRATION_ID", default="RCS Paris 912 345 678"),
    "vat_id": env("SELLER_VAT_ID", default="FR12912345678"),
    "email": env("SELLER_EMAIL", default="sales@seatdesk.example"),
    "logo": env("SELLER_LOGO", default=""),
    "payment_terms": env("SELLER_PAYMENT_TERMS", default="Payment within 30 days of invoice."),
}

# Sign-in throttling (django-axes): after AXES_FAILURE_LIMIT failed sign-ins for one username
# (from anywhere), or from one address (whatever the usernames), that username or address is
# refused for AXES_COOLOFF_MINUTES, on the login page and the API's token endpoint alike. An
# administrator unlocks at once by deleting the attempts (admin -> Axes -> Access attempts).
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=10)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "accounts.signin.lockout_response"
AXES_CLIENT_IP_CALLABLE = "accounts.signin.client_ip"
# How many proxies of ours append to X-Forwarded-For in front of the app (0: none, the
# address is REMOTE_ADDR). Only those entries are trusted; a client's own are ignored.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

# Caches: throttle counters. Per process by default; with several web processes point
# CACHE_URL at Redis (e.g. redis://127.0.0.1:6379/1) so that every process counts together.
CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://")}
if CACHES["default"]["BACKEND"] == "django_redis.cache.RedisCache":
    CACHES["default"]["BACKEND"] = "django.core.cache.backends.redis.RedisCache"

# API tokens (django-rest-knox, stored hashed): named, read-only or read-write, expiring.
KNOX_TOKEN_MODEL = "accounts.ApiToken"
# knox's own migrations create its AuthToken table even though accounts.ApiToken replaces it;
# an unused table with a key to auth_user blocks PostgreSQL's flush of the users table. With no
# migrations of its own, knox gets no table: its one model is swapped out.
MIGRATION_MODULES = {"knox": None}
REST_KNOX = {
    "TOKEN_TTL": timedelta(days=env.int("API_TOKEN_DAYS", default=90)),
    "AUTH_HEADER_PREFIX": "Token",
}

REST_FRAMEWORK = {
    # Token first, so a request without credentials answers 401 with a WWW-Authenticate header.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.tokens.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # Per signed-in user (whatever the credentials) and per token; anonymous callers (the
    # token endpoint) per address. 429 with Retry-After beyond.
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
        "accounts.tokens.TokenRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env("API_THROTTLE_ANON_RATE", default="60/minute"),
        "user": env("API_THROTTLE_USER_RATE", default="3000/hour"),
        "token": env("API_THROTTLE_TOKEN_RATE", default="2000/hour"),
    },
    # The address counted is REMOTE_ADDR, or what our own proxies saw: never a client's own
    # X-Forwarded-For (DRF would believe it without this).
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "accounts.tokens.TokenScopePermission",
    ],
    "DEFAULT_FILTER_BACKENDS": [
        "config.api.StrictFilterBackend",
        "config.api.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    # JSON only: every answer under /api/ is JSON (the browsable API would answer HTML to a
    # browser's Accept header); people read the API at /api/docs/.
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PAGINATION_CLASS": "config.api.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "COERCE_DECIMAL_TO_STRING": True,
    "EXCEPTION_HANDLER": "config.api.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Seatdesk API",
    "DESCRIPTION": (
        "Companies, contacts, the price book, trials, licenses and quotes of Seatdesk. "
        "Authenticate with `Authorization: Token <key>` (a token from the API tokens page, "
        "`POST /api/v1/auth/token/` or `manage.py create_api_token <username>`) or a browser "
        "session. Read-only tokens may only read (GET). Money is a decimal string, dates are ISO 8601."
    ),
    "VERSION": "1.0.0",
    "COMPONENT_SPLIT_REQUEST": True,
    # Tags and operation ids by resource (companies, quotes...), not by the version prefix.
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "config.api.document_errors",
        "config.api.accept_decimal_numbers",
    ],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Several models have a `status` field with their own choices: name each enum.
    "ENUM_NAME_OVERRIDES": {
        "OnboardingStatusEnum": "onboarding.models.Onboarding.Status",
        "OnboardingTaskStatusEnum": "onboarding.models.Task.Status",
        "TrialStatusEnum": "licensing.models.Trial.Status",
        "LicenseStatusEnum": "licensing.models.License.Status",
        "LicenseStateEnum": "licensing.models.LICENSE_STATES",
        "DeclineReasonEnum": "sales.models.Quote.DeclineReason",
    },
}

# Request limits: a body above DATA_UPLOAD_MAX_MEMORY_SIZE bytes answers 413 before anything
# reads it (JSON bodies included), more form fields than DATA_UPLOAD_MAX_NUMBER_FIELDS a 400.
# The largest legitimate body (a quote of a few hundred lines) is a few tens of kilobytes.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=1024 * 1024)
DATA_UPLOAD_MAX_NUMBER_FIELDS = env.int("DATA_UPLOAD_MAX_NUMBER_FIELDS", default=1000)
# The usage feed and its CSV upload take a batch of 10,000 rows in one body.
USAGE_UPLOAD_MAX_SIZE = env.int("USAGE_UPLOAD_MAX_SIZE", default=8 * 1024 * 1024)
# A company and contact import (CSV or XLSX): the largest file, in bytes (10,000 rows of a
# dozen columns take about 2 MB).
IMPORT_MAX_BYTES = env.int("IMPORT_MAX_BYTES", default=5 * 1024 * 1024)

# Seat usage: a license is expansion-ready when its utilisation (active users ÷ licensed
# seats) stays at or above USAGE_EXPANSION_THRESHOLD (percent) for USAGE_EXPANSION_DAYS days;
# its renewal is at risk when, within USAGE_RENEWAL_WINDOW_DAYS of its end, utilisation is
# below USAGE_RISK_THRESHOLD (percent).
USAGE_EXPANSION_THRESHOLD = env.int("USAGE_EXPANSION_THRESHOLD", default=90)
USAGE_EXPANSION_DAYS = env.int("USAGE_EXPANSION_DAYS", default=14)
USAGE_RISK_THRESHOLD = env.int("USAGE_RISK_THRESHOLD", default=60)
USAGE_RENEWAL_WINDOW_DAYS = env.int("USAGE_RENEWAL_WINDOW_DAYS", default=90)

# The pipeline's weighted forecast: the chance (percent) that a deal in each column closes.
PIPELINE_STAGE_PROBABILITIES = {
    stage: int(percent)
    for stage, percent in env.dict(
        "PIPELINE_STAGE_PROBABILITIES",
        default={"draft": 10, "awaiting_approval": 20, "sent": 40, "viewed": 60, "renewal": 80},
    ).items()
}
PIPELINE_COLUMNS = {"draft", "awaiting_approval", "sent", "viewed", "renewal"}
if set(PIPELINE_STAGE_PROBABILITIES) != PIPELINE_COLUMNS or not all(
    0 <= percent <= 100 for percent in PIPELINE_STAGE_PROBABILITIES.values()
):
    raise ImproperlyConfigured(
        "PIPELINE_STAGE_PROBABILITIES names each of "
        + ", ".join(sorted(PIPELINE_COLUMNS))
        + " once with a percentage from 0 to 100."
    )

# Content-Security-Policy: every script and style is a static file of our own; nothing inline.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        # Bootstrap draws its icons (menu, close, select arrow) as data: SVG images.
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    # WeasyPrint logs every rendering step at INFO.
    "loggers": {"weasyprint.progress": {"level": "WARNING"}},
}

if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
