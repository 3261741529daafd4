"""Settings, all from the environment (12-factor).

With nothing set, the portal runs on embedded defaults: a SQLite file under
var/ and a broker that needs no server. DATABASE_URL and REDIS_URL switch it to
PostgreSQL and Redis.
"""

import datetime
import ipaddress
from pathlib import Path

import environ
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(environ.Env().str("UNIONPLAN_VAR_DIR", default=str(BASE_DIR / "var")))

env = environ.Env(
    DEBUG=(bool, True),
    ALLOWED_HOSTS=(list, ["127.0.0.1", "localhost", "[::1]"]),
)


def _dev_secret_key() -> str:
    # A key generated once per checkout, so a fresh clone runs without setup
    # and sessions survive restarts; production sets SECRET_KEY.
    from django.core.management.utils import get_random_secret_key

    path = VAR_DIR / "secret_key"
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(get_random_secret_key())
    return path.read_text().strip()


# DJANGO_ENV=production: DEBUG off, SECRET_KEY required, HTTPS-only cookies and HSTS
# (`manage.py check --deploy` passes with no warning); anything else is development.
PRODUCTION = env.str("DJANGO_ENV", default="development") == "production"
DEBUG = False if PRODUCTION else env("DEBUG")
SECRET_KEY = env.str("SECRET_KEY") if PRODUCTION else (env.str("SECRET_KEY", default="") or _dev_secret_key())
ALLOWED_HOSTS = env("ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
if PRODUCTION:
    # Behind the intranet's reverse proxy, which terminates TLS and sets X-Forwarded-Proto.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_REFERRER_POLICY = "same-origin"
    X_FRAME_OPTIONS = "DENY"
# The container's health check asks over plain HTTP (docker-compose.yml): answered, never redirected.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
# Content-Security-Policy in every mode, so the tests see the header users get. Pages have no
# inline script or style="" (bars and the Gantt board are sized by data attributes that
# unionplan.css maps); images may be data: URIs (ECharts' and Swagger UI's icons).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}
# A working day's session, ended when the browser closes (shared office PCs).
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 3600)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

DJANGO_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
]
THIRD_PARTY_APPS = [
    "guardian",
    "simple_history",
    "django_celery_beat",
    # production hardening: the Content-Security-Policy header; log-in lock-out
    "csp",
    "axes",
    # REST API: DRF with expiring, hashed, per-device tokens (django-rest-knox), django-filter,
    # OpenAPI with a self-hosted Swagger UI
    "rest_framework",
    "knox",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
]
# In the order of the house (README, "Where things live"): each may import only those before it
# (and core/, a package of helpers with no models).
LOCAL_APPS = ["departments", "notifications", "tasks", "progress", "supervision", "assessment", "dashboard", "brands", "search",
              "ops"]
INSTALLED_APPS = DJANGO_APPS + THIRD_PARTY_APPS + LOCAL_APPS

MIDDLEWARE = [
    # First, so it times the whole request and every log line of it carries the request id.
    "unionplan.logging.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # django-csp's, its header built once (unionplan.middleware)
    "unionplan.middleware.ContentSecurityPolicyMiddleware",
    # Health checks answer before the host check (the container's own probe; see SECURE_REDIRECT_EXEMPT).
    "unionplan.health.HealthCheckMiddleware",
    # Before anything reads a body: a Content-Length above the largest legitimate upload is a 413.
    "unionplan.middleware.RequestSizeLimitMiddleware",
    # 403s (refused pages, API calls, CSRF failures) become security events; the client address for all.
    "unionplan.middleware.SecurityAuditMiddleware",
    # Just before the session is read: the session, the user's frame and the page's first entries in one
    # cache round trip (core.prefetch).
    "unionplan.middleware.PrefetchMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "unionplan.middleware.PortalLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # A person on an initial password an admin gave them chooses their own before anything else.
    "departments.passwords.InitialPasswordMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as axes requires: turns a refused log-in into the lock-out page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "unionplan.urls"
WSGI_APPLICATION = "unionplan.wsgi.application"

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
                "notifications.context_processors.unread_notifications",
                "unionplan.context_processors.portal_roles",
            ],
            # {{ user|display_name }}, {{ value|percent }} and {{ value|quantity:unit }} everywhere, without a {% load %}.
            "builtins": ["core.templatetags.people", "core.templatetags.numbers"],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'unionplan.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# Production keeps each process's connection for 10 minutes: opening one (a PostgreSQL backend
# forked per request) cost more than the dashboard itself in the load run (bench/load.py: p95
# 135 ms -> 68 ms). Checked before reuse, so a restarted database costs one failed check, not a 500.
# runserver starts a thread per request, where kept connections would only pile up: 0 there.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=600 if PRODUCTION else 0)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out username + address before any password is checked (django-axes).
    "unionplan.backends.LockoutBackend",
    # ModelBackend that also loads the unread-notification count with the user (no extra query per page).
    "notifications.backends.UserWithUnreadCountBackend",
    "guardian.backends.ObjectPermissionBackend",
]
# Guardian's anonymous user is not needed: anonymous visitors see the login page only.
ANONYMOUS_USER_NAME = None
GUARDIAN_MONKEY_PATCH_USER = False

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    # OWASP ASVS 2.1.1: at least 12 characters (the initial passwords given by admins have 12).
    # Django's rule with its message in Chinese (departments.passwords).
    {"NAME": "departments.passwords.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "supervision:landing"  # each role where its work is
LOGOUT_REDIRECT_URL = "login"

# Log-in lock-out (django-axes): a username is locked at one address after AXES_FAILURE_LIMIT
# failures, for AXES_COOLOFF_MINUTES; locking by username + address, not address alone, because
# a whole office reaches the portal from one address. Attempts live in the database (a Redis
# outage must not lift the lock-out); admins unlock under "Access attempts" in the admin site.
# Security events (departments.SecurityEvent) are kept this long, then swept by the daily job.
SECURITY_EVENT_RETENTION_DAYS = env.int("SECURITY_EVENT_RETENTION_DAYS", default=3 * 365)
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=30))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_RESET_ON_SUCCESS = True
# The lock lasts the stated time from the last counted failure; tries while locked do not extend it.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# No "AXES: BEGIN version …" line on every manage.py command (make run printed it five times).
AXES_VERBOSE = False
# The client's address comes from the socket, unless the deployment says it has reverse proxies:
# TRUSTED_PROXY_HOPS of them append to X-Forwarded-For (docker-compose.yml: its nginx, 1), and the
# header counts only on a connection from TRUSTED_PROXIES (addresses or networks; compose: nginx's).
TRUSTED_PROXY_HOPS = env.int("TRUSTED_PROXY_HOPS", default=0)
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=["127.0.0.1", "::1"])
for _proxy in TRUSTED_PROXIES:
    ipaddress.ip_network(_proxy, strict=False)  # a mistyped entry stops the start, not a log-in later
AXES_CLIENT_IP_CALLABLE = "unionplan.backends.client_address"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Shanghai"
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
if PRODUCTION:
    # Behind docker-compose's nginx, nginx serves /static/ itself; whitenoise serves them wherever
    # gunicorn runs without it.
    MIDDLEWARE.insert(MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
                      "whitenoise.middleware.WhiteNoiseMiddleware")
    # Hashed, compressed files from `collectstatic`, cached for a year by browsers.
    STORAGES = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
# Behind nginx (docker-compose.yml) evidence files are sent by nginx from an internal location
# (X-Accel-Redirect) once the portal has checked who may have them; empty: Django sends them.
UNIONPLAN_EVIDENCE_ACCEL_REDIRECT = env.str("UNIONPLAN_EVIDENCE_ACCEL_REDIRECT", default="")

# Request bodies. The largest legitimate one is a report with five evidence files of 10 MB
# (progress.evidence); a body that is not multipart (a form, the API's JSON) is at most 2.5 MB,
# Django's default made explicit. unionplan.middleware.RequestSizeLimitMiddleware refuses larger
# ones before reading them, and nginx the same (client_max_body_size).
UNIONPLAN_MAX_REQUEST_BYTES = env.int("UNIONPLAN_MAX_REQUEST_BYTES", default=51 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=2_621_440)
# Uploaded files up to 2.5 MB stay in memory; larger ones are spooled to a temporary file.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# Sessions live in the database: a Redis outage must not log everyone out. With Redis, they are read
# through the cache (cached_db: written to both, read from Redis, from the database on a miss or an
# outage), so a page view does not wait on the session table.
SESSION_ENGINE = "django.contrib.sessions.backends.db"

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    # django-redis rather than Django's RedisCache: IGNORE_EXCEPTIONS makes a Redis outage a
    # cache miss instead of a 500, and the short timeouts keep pages from waiting on it.
    CACHES = {
        "default": {
            "BACKEND": "core.prefetch.TrackedRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"IGNORE_EXCEPTIONS": True, "SOCKET_CONNECT_TIMEOUT": 1, "SOCKET_TIMEOUT": 1},
            # Each pytest-xdist worker keys its own entries (tests empty only theirs); empty elsewhere.
            "KEY_PREFIX": env.str("PYTEST_XDIST_WORKER", default=""),
        }
    }
    DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
    # Django's cached_db, reading the entry the prefetch middleware read with the rest (core.prefetch).
    SESSION_ENGINE = "core.session_store"
PREFETCH_USER_COOKIE = "portal_user"

# Celery: Redis when REDIS_URL is set, otherwise a filesystem broker that
# needs no server (the embedded default of `make run`).
CELERY_BROKER_DIR = VAR_DIR / "broker"
CELERY_BROKER_URL = REDIS_URL or "filesystem://"
CELERY_BROKER_TRANSPORT_OPTIONS = (
    {}
    if REDIS_URL
    else {
        "data_folder_in": str(CELERY_BROKER_DIR / "out"),
        "data_folder_out": str(CELERY_BROKER_DIR / "out"),
        "processed_folder": str(CELERY_BROKER_DIR / "processed"),
        "control_folder": str(CELERY_BROKER_DIR / "control"),
        "store_processed": False,
    }
)
CELERY_RESULT_BACKEND = None
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Periodic schedules live in the database (editable in admin); one beat process only.
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# A broker that is down must not hold a web request: fail fast, the outbox keeps the message.
CELERY_BROKER_CONNECTION_TIMEOUT = env.float("CELERY_BROKER_CONNECTION_TIMEOUT", default=2.0)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
if REDIS_URL:
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        # Longer than any countdown a task uses (retries back off to at most an hour).
        "visibility_timeout": 2 * 3600,
        "socket_connect_timeout": CELERY_BROKER_CONNECTION_TIMEOUT,
        "socket_timeout": 5,
    }

# Reminders and notifications (notifications app, supervision.reminders).
UNIONPLAN_REMINDER_CATCH_UP_DAYS = env.int("UNIONPLAN_REMINDER_CATCH_UP_DAYS", default=7)
UNIONPLAN_DELIVERY_MAX_ATTEMPTS = env.int("UNIONPLAN_DELIVERY_MAX_ATTEMPTS", default=6)
UNIONPLAN_WEBHOOK_TIMEOUT = env.float("UNIONPLAN_WEBHOOK_TIMEOUT", default=5.0)
UNIONPLAN_SITE_URL = env.str("UNIONPLAN_SITE_URL", default="http://127.0.0.1:8000")

EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="unionplan@localhost")
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
# 忘记密码 by e-mail is offered only where mail really goes out: EMAIL_HOST given in the environment (or a
# backend other than the console's or the dummy); elsewhere the log-in page says to ask a plan admin, who
# resets it on the people page. PASSWORD_RESET_BY_EMAIL says so outright either way.
PASSWORD_RESET_BY_EMAIL = env.bool("PASSWORD_RESET_BY_EMAIL", default="EMAIL_HOST" in env.ENVIRON or EMAIL_BACKEND not in (
    "django.core.mail.backends.console.EmailBackend", "django.core.mail.backends.dummy.EmailBackend"))
PASSWORD_RESET_PER_HOUR = env.int("PASSWORD_RESET_PER_HOUR", default=3)  # mails an hour to one address, or from one client

# The shipped plan document that `make run` imports.
SEED_PLAN_DOCUMENT = BASE_DIR / "tasks" / "plans" / "2020-city-union-work-plan.txt"

# Logs. Production: one JSON object per line on stdout (unionplan.logging.JsonFormatter), from the
# web processes, gunicorn itself (unionplan/gunicorn_conf.py) and Celery (unionplan/celery.py); each
# request is logged once by unionplan.logging.RequestLogMiddleware, with its X-Request-ID.
# Development: plain lines on the console, and no request lines (runserver prints its own).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "unionplan.logging.JsonFormatter"}},
    "handlers": {
        "console": (
            {"class": "logging.StreamHandler", "stream": "ext://sys.stdout", "formatter": "json"}
            if PRODUCTION
            else {"class": "logging.StreamHandler"}
        ),
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "unionplan.request": {"level": "INFO" if PRODUCTION else "WARNING"},
        # gunicorn's own lines (start-up, worker timeouts) go through the root handler like the rest.
        "gunicorn.error": {"level": "INFO", "propagate": True},
        "gunicorn.access": {"handlers": [], "propagate": False},
        # runserver's "Watching for file changes with StatReloader" on every start and reload.
        "django.utils.autoreload": {"level": "WARNING"},
        # django-axes writes a line for every log-in and every sweep; lock-outs (its warnings) still show.
        "axes": {"level": "WARNING"},
    },
}


# REST API (/api/v1/). Token first: a client without credentials gets 401 with
# "WWW-Authenticate: Token"; the browser's session works too (with CSRF).
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "departments.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["core.api.IsActiveUser"],
    "DEFAULT_PAGINATION_CLASS": "core.api.Pagination",
    "DEFAULT_FILTER_BACKENDS": [
        # django-filter, strict about the filters' types (a wrong one is a 400, not an unfiltered list)
        "core.api.FilterBackend",
        "rest_framework.filters.OrderingFilter",
        "rest_framework.filters.SearchFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # JSON only: /api/v1/docs/ is the page to try the API in (DRF's browsable pages need inline styles, refused by the CSP).
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "EXCEPTION_HANDLER": "core.api.exception_handler",
}
# API tokens (django-rest-knox): only their hash is stored; each expires API_TOKEN_DAYS after it
# was issued (a client asks POST /api/v1/auth/token/ again); "Authorization: Token <token>" as before.
API_TOKEN_DAYS = env.int("API_TOKEN_DAYS", default=30)
REST_KNOX = {
    "TOKEN_TTL": datetime.timedelta(days=API_TOKEN_DAYS),
    "AUTH_HEADER_PREFIX": "Token",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "unionplan API",
    "DESCRIPTION": "Work plans, items, targets, progress reports, reviews, instructions, departments and roll-ups.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    # Government intranets have no internet: Swagger UI comes from drf-spectacular-sidecar's static files.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Links between operations (a created report → read it, review it; unionplan/openapi.py).
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "unionplan.openapi.add_links"],
    "ENUM_NAME_OVERRIDES": {
        "WorkItemStatusEnum": "tasks.models.WorkItem.Status",
        "LightEnum": "progress.models.Light",
        "ReportStateEnum": "progress.models.ProgressReport.State",
        "PlanStatusEnum": "tasks.models.WorkPlan.Status",
        "VisibilityEnum": "tasks.models.Visibility",
    },
}
