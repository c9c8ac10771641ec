"""Settings for zongzhi, read from the environment.

With nothing set this is the embedded default a newcomer starts with: a SQLite file in the
project folder, Celery tasks run eagerly in-process, e-mail to the console, DEBUG on and a
generated development secret. ``DATABASE_URL`` and ``CELERY_BROKER_URL`` switch to
PostgreSQL and Redis. Production overrides live in ``zongzhi.settings.production``.
"""

import os
import secrets
from pathlib import Path

import environ
from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)


def _dev_secret_key() -> str:
    """Return a per-checkout development secret, generated once and kept out of git."""
    path = BASE_DIR / ".secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
    return path.read_text().strip()


def _derived_key(purpose: str) -> str:
    """Return a development key derived from SECRET_KEY (production sets its own)."""
    from common.pii import derive_key

    return derive_key(SECRET_KEY, purpose)


DEBUG = env.bool("DJANGO_DEBUG", default=True)
SECRET_KEY = env("DJANGO_SECRET_KEY", default="") or _dev_secret_key()
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

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
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "django_celery_beat",
    "common.vendor_apps.CeleryResultsConfig",  # django_celery_results, with Chinese names
    "simple_history",
    "django_fsm",
    "common",
    "audit",
    "integrations",
    "departments",
    "cases",
    "supervision",
    "risk",
    "demo",
    "common.vendor_apps.AxesConfig",  # axes, with Chinese names
    "csp",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "common.middleware.RejectNulBytesMiddleware",
    # Its process_exception turns a view's "database unavailable" into a 503 (pages and the API).
    "common.middleware.DatabaseUnavailableMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "common.sessions.StaffSessionIdleMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last: it turns a log-in that axes refused into the lockout answer.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "zongzhi.urls"
WSGI_APPLICATION = "zongzhi.wsgi.application"

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
                "django.template.context_processors.i18n",
                "common.context_processors.site",
                "zongzhi.navigation.navigation",
            ],
            # {{ value|deadline }} everywhere: the one way a deadline reads (common/when.py).
            "builtins": ["common.templatetags.when"],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
if env("DATABASE_HOST", default="") and not env("DATABASE_URL", default=""):
    # PostgreSQL from its parts (docker compose): a password with @ : / % needs no URL quoting.
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.postgresql",
            "HOST": env("DATABASE_HOST"),
            "PORT": env("DATABASE_PORT", default="5432"),
            "NAME": env("DATABASE_NAME", default="zongzhi"),
            "USER": env("DATABASE_USER", default="zongzhi"),
            # Read as is: django-environ would take a value starting with "$" for another variable.
            "PASSWORD": os.environ.get("DATABASE_PASSWORD", ""),
        }
    }
else:
    DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # psycopg 3 with Django's connection pool; the pool requires CONN_MAX_AGE = 0.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # With a pool this becomes psycopg_pool's ``check``: every connection is tried before it is handed
    # out, so one left dead by a PostgreSQL restart is replaced instead of failing the request
    # (without a pool: checked once per request). Django's backend, with a check that on the first
    # dead connection checks all the idle ones at once (common/postgresql/base.py says why).
    DATABASES["default"]["ENGINE"] = "common.postgresql"
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    DATABASES["default"].setdefault("OPTIONS", {})
    if env.bool("DATABASE_POOL", default=True):
        DATABASES["default"]["OPTIONS"]["pool"] = {
            "min_size": env.int("DATABASE_POOL_MIN", default=2),
            "max_size": env.int("DATABASE_POOL_MAX", default=20),
            # Seconds a request waits for a connection before it is answered 503 (common.middleware).
            "timeout": env.float("DATABASE_POOL_TIMEOUT", default=10.0),
        }
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Wait for a writer instead of failing at once; SQLite serialises writes.
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache ----------------------------------------------------------------------------------
REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Auth -----------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
# axes first: it refuses a locked-out user before the password is even checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# --- Log-in lockout (django-axes; zongzhi.login) -----------------------------------------------
# Failures per user name before that user is locked out, and the much higher ceiling per client
# address (behind the proxy the whole hall shares one); both end this many minutes after the
# last failure. An administrator unlocks earlier: docs/login.md.
ZONGZHI_LOGIN_MAX_FAILURES = env.int("ZONGZHI_LOGIN_MAX_FAILURES", default=5)
ZONGZHI_LOGIN_MAX_ADDRESS_FAILURES = env.int("ZONGZHI_LOGIN_MAX_ADDRESS_FAILURES", default=100)
ZONGZHI_LOGIN_COOLOFF_MINUTES = env.int("ZONGZHI_LOGIN_COOLOFF_MINUTES", default=30)
AXES_FAILURE_LIMIT = ZONGZHI_LOGIN_MAX_FAILURES
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_HANDLER = "zongzhi.login.LoginLockoutHandler"
AXES_CLIENT_IP_CALLABLE = "zongzhi.login.client_ip"
AXES_LOCKOUT_CALLABLE = "zongzhi.login.lockout_response"
AXES_COOLOFF_TIME = "zongzhi.login.cooloff"
AXES_RESET_ON_SUCCESS = True
# A locked-out user's further tries do not push the end of the lockout back.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# No start-up banner on every manage.py command.
AXES_VERBOSE = False

# --- Staff sessions -------------------------------------------------------------------------
# Signed out after this many idle minutes (common.sessions) and, by default, when the browser
# closes; the cookie lives no longer than the longest use of a session (a party's verification).
ZONGZHI_SESSION_IDLE_MINUTES = env.int("ZONGZHI_SESSION_IDLE_MINUTES", default=30)
ZONGZHI_SESSION_EXPIRE_AT_BROWSER_CLOSE = env.bool("ZONGZHI_SESSION_EXPIRE_AT_BROWSER_CLOSE", default=True)
SESSION_EXPIRE_AT_BROWSER_CLOSE = ZONGZHI_SESSION_EXPIRE_AT_BROWSER_CLOSE

# --- Language and time ----------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static and media -----------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("DJANGO_MEDIA_ROOT", default=BASE_DIR / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# --- E-mail ---------------------------------------------------------------------------------
EMAIL_BACKEND = env("DJANGO_EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env("DJANGO_DEFAULT_FROM_EMAIL", default="zongzhi@localhost")
if env("EMAIL_URL", default=""):
    vars().update(env.email_url("EMAIL_URL"))

# --- Celery ---------------------------------------------------------------------------------
BROKER_CONFIGURED = bool(env("CELERY_BROKER_URL", default=""))
# No broker: run tasks in-process, and let their errors surface (the honest embedded fallback).
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="") or "memory://"
CELERY_TASK_ALWAYS_EAGER = not BROKER_CONFIGURED
CELERY_TASK_EAGER_PROPAGATES = not BROKER_CONFIGURED
CELERY_RESULT_BACKEND = "django-db"
CELERY_RESULT_EXTENDED = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# Publishing after a commit must never turn a saved action into an error: retry briefly, then give up.
CELERY_TASK_PUBLISH_RETRY = True
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 2, "socket_timeout": 5, "max_retries": 2}

# --- REST API -------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "common.api.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # Machines read the API; people read /api/docs/. JSON in, JSON out (uploads where a view says).
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["common.parsers.JSONParser"],  # bounded depth, no U+0000
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "EXCEPTION_HANDLER": "common.api.exception_handler",
    # The public endpoints, per client address; failed verifications have their own, stricter
    # limit (cases.ratelimit, shared with the tracking pages).
    "DEFAULT_THROTTLE_RATES": {
        "public": env("API_THROTTLE_PUBLIC", default="120/min"),
        "public_verify": env("API_THROTTLE_PUBLIC_VERIFY", default="30/min"),
    },
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "zongzhi API",
    "DESCRIPTION": (
        "综治中心案件管理系统接口 / County integrated governance center case API.\n\n"
        "认证：`Authorization: Token <key>`（`manage.py drf_create_token <用户名>`）。"
        '错误统一为 `{"error": {"code", "message", "fields"}}`，按 Accept-Language 给出中文或英文。'
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SWAGGER_UI_SETTINGS": {"persistAuthorization": True, "displayOperationId": True},
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "ENUM_NAME_OVERRIDES": {
        "StateEnum": "cases.models.State",
        "RiskColourEnum": "cases.models.RiskColour",
        "CategoryEnum": "cases.models.Category",
        "SourceEnum": "cases.models.Source",
        "RatingEnum": "cases.models.Rating",
        "PartyRoleEnum": "cases.models.Party.Role",
        "PartyKindEnum": "cases.models.Party.Kind",
        "RecordKindEnum": "cases.models.HandlingRecord.Kind",
        "RedirectTargetEnum": "cases.models.RedirectTarget",
        "DepartmentKindEnum": "departments.models.Department.Kind",
        "DutyPositionEnum": "departments.models.DutyAssignment.Position",
        "OrderStatusEnum": "supervision.models.OrderStatus",
        "OrderLevelEnum": "supervision.models.Level",
        "OrderReasonEnum": "supervision.models.Reason",
        "OrderActionEnum": "supervision.models.SupervisionOrderEvent.Action",
        "CallbackStatusEnum": "supervision.models.Callback.Status",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "common.api.add_common_error_responses",
    ],
}

# /api/docs/ and /api/schema/: open to anyone here, signed-in staff only in production.
ZONGZHI_API_DOCS_REQUIRE_LOGIN = env.bool("ZONGZHI_API_DOCS_REQUIRE_LOGIN", default=False)

# --- Content-Security-Policy (django-csp) ----------------------------------------------------
# Scripts and styles only from our own static files: no inline <script>, <style>, style="…" or
# on…= handler anywhere (Chart.js reads its data from a json_script block).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [SELF],
    }
}

# --- History -------------------------------------------------------------------------------
# django-simple-history keeps every edit of cases, parties, departments, deadline rules, the duty
# board and the calendar; the admin shows it. No revert from the admin: a case changes only
# through its services.
SIMPLE_HISTORY_REVERT_DISABLED = True

# --- The center -----------------------------------------------------------------------------
# Base of the links printed in receipts' QR codes: what a party's phone opens. Production refuses
# to start without it; `make run` passes one that follows HOST/PORT; the admin warns while it is
# a loopback address (common.public_url).
PUBLIC_BASE_URL = (env("PUBLIC_BASE_URL", default="").strip() or "http://127.0.0.1:8000").rstrip("/")
# Parties sampled for the monthly callbacks (the report's district calls back 30 a month).
ZONGZHI_CALLBACK_SAMPLE_SIZE = env.int("ZONGZHI_CALLBACK_SAMPLE_SIZE", default=30)
# The county whose center this deployment runs (6-digit administrative division code).
ZONGZHI_COUNTY_CODE = env("ZONGZHI_COUNTY_CODE", default="420923")
# Reverse proxies in front of Django that append to X-Forwarded-For (0: use REMOTE_ADDR only).
# The rate limits count the client that many entries from the right; never more than you run.
ZONGZHI_TRUSTED_PROXY_COUNT = env.int("ZONGZHI_TRUSTED_PROXY_COUNT", default=0)

# --- Personal data at rest (phone and ID numbers; see docs/crypto.md) -------------------------
# Comma-separated Fernet keys: the first encrypts, all decrypt (rotate: manage.py rotate_pii_keys).
# Development and tests derive stable keys from SECRET_KEY when these are unset (changing the
# development secret then makes the local database's personal data unreadable); production
# refuses to start without them.
ZONGZHI_PII_KEYS = env.list("ZONGZHI_PII_KEYS", default=[]) or [_derived_key("pii-encryption")]
# Comma-separated keys of the blind index (the keyed hash exact lookups search): first writes.
ZONGZHI_PII_INDEX_KEYS = env.list("ZONGZHI_PII_INDEX_KEYS", default=[]) or [_derived_key("pii-index")]
# The secret the receipts' QR keys are derived from (with each case's code and random nonce);
# only a hash of each key is stored. Changing it makes reprinted receipts carry new keys.
ZONGZHI_TRACKING_SECRET = env("ZONGZHI_TRACKING_SECRET", default="") or _derived_key("tracking-key")

# --- Access log (audit) ------------------------------------------------------------------------
# Days the access log is kept at least (default three years; six months is the legal floor).
# Nothing deletes rows automatically: `manage.py audit_purge` removes only older rows, by hand.
ZONGZHI_AUDIT_RETENTION_DAYS = env.int("ZONGZHI_AUDIT_RETENTION_DAYS", default=3 * 365)

# --- Public tracking (the party's second factor) -----------------------------------------------
# Phone-digit guesses checked per case code within the window, and per day (a right one is given back).
ZONGZHI_TRACKING_MAX_FAILURES = env.int("ZONGZHI_TRACKING_MAX_FAILURES", default=5)
ZONGZHI_TRACKING_WINDOW_SECONDS = env.int("ZONGZHI_TRACKING_WINDOW_SECONDS", default=15 * 60)
ZONGZHI_TRACKING_MAX_DAILY_FAILURES = env.int("ZONGZHI_TRACKING_MAX_DAILY_FAILURES", default=20)
# Per client address, only a ceiling: behind a proxy (or a village's one uplink) parties share it.
ZONGZHI_TRACKING_MAX_ADDRESS_FAILURES = env.int("ZONGZHI_TRACKING_MAX_ADDRESS_FAILURES", default=100)
# Distinct codes one address may open without verifying them (stage-only pages), per window.
ZONGZHI_TRACKING_MAX_CODES_VIEWED = env.int("ZONGZHI_TRACKING_MAX_CODES_VIEWED", default=30)
ZONGZHI_TRACKING_CODES_VIEWED_WINDOW_SECONDS = env.int(
    "ZONGZHI_TRACKING_CODES_VIEWED_WINDOW_SECONDS", default=60 * 60
)
# How long a verified party sees the full case page without verifying again.
ZONGZHI_TRACKING_VERIFIED_SECONDS = env.int("ZONGZHI_TRACKING_VERIFIED_SECONDS", default=2 * 60 * 60)
SESSION_COOKIE_AGE = max(ZONGZHI_SESSION_IDLE_MINUTES * 60, ZONGZHI_TRACKING_VERIFIED_SECONDS)

# --- Attachments -------------------------------------------------------------------------------
ZONGZHI_ATTACHMENT_MAX_MB = env.int("ZONGZHI_ATTACHMENT_MAX_MB", default=10)
ZONGZHI_ATTACHMENT_MAX_FILES = env.int("ZONGZHI_ATTACHMENT_MAX_FILES", default=10)

# --- Webhooks out --------------------------------------------------------------------------------
# Seconds to wait for a subscriber's answer; how long a failing delivery is retried.
ZONGZHI_WEBHOOK_TIMEOUT = env.float("ZONGZHI_WEBHOOK_TIMEOUT", default=5.0)
ZONGZHI_WEBHOOK_RETRY_BUDGET = env.int("ZONGZHI_WEBHOOK_RETRY_BUDGET", default=60 * 60)

# --- The outbox (common.outbox) ------------------------------------------------------------------
# Attempts at a queued side effect (notices, texts, e-mail) before it is marked failed for an
# operator to retry from the admin; retries back off from 30 s doubling to 15 min.
ZONGZHI_OUTBOX_MAX_ATTEMPTS = env.int("ZONGZHI_OUTBOX_MAX_ATTEMPTS", default=10)
# Days a delivered row is kept (its dedupe key, and a record of what was sent) before the nightly
# purge deletes it; pending and failed rows are never purged. At least 1.
ZONGZHI_OUTBOX_RETENTION_DAYS = env.int("ZONGZHI_OUTBOX_RETENTION_DAYS", default=30)

# Every handler masks phone and ID numbers and drops secret keys (common.redact); runserver's
# request lines (django.server) get the same filter, since they carry query strings.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact": {"()": "common.redact.RedactingFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "django.server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        },
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["redact"]},
        "django.server": {
            "class": "logging.StreamHandler",
            "formatter": "django.server",
            "filters": ["redact"],
        },
    },
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False},
    },
}

# Serve static files straight from the apps and static/ while developing (no collectstatic needed).
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG
# Files served at the site's root: /favicon.ico, which browsers ask for on pages without an icon link.
WHITENOISE_ROOT = BASE_DIR / "static" / "root"

# --- Text messages to parties ----------------------------------------------------------------
ZONGZHI_SMS_BACKEND = env("ZONGZHI_SMS_BACKEND", default="cases.sms.ConsoleSmsBackend")
ZONGZHI_SMS_FILE_PATH = env("ZONGZHI_SMS_FILE_PATH", default=str(BASE_DIR / "sms-outbox.log"))
ZONGZHI_SMS_GATEWAY_URL = env("ZONGZHI_SMS_GATEWAY_URL", default="")
ZONGZHI_SMS_GATEWAY_TOKEN = env("ZONGZHI_SMS_GATEWAY_TOKEN", default="")
ZONGZHI_SMS_TIMEOUT = env.int("ZONGZHI_SMS_TIMEOUT", default=5)
