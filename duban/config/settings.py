"""Settings read from the environment (see README, "Configuration")."""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env_positive_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    if not value.isdigit() or int(value) < 1:
        raise ImproperlyConfigured(f"{name} must be a whole number of 1 or more, not {value!r}")
    return int(value)


DATA_DIR = Path(os.environ.get("DUBAN_DATA_DIR", "./var")).resolve()
DEBUG = _env_bool("DUBAN_DEBUG", False)
# A fixed development key is only acceptable when DEBUG is on or while testing; a real
# installation sets DUBAN_SECRET_KEY (the demo command generates one under DATA_DIR).
SECRET_KEY = os.environ.get("DUBAN_SECRET_KEY", "")
if not SECRET_KEY:
    key_file = DATA_DIR / "secret_key"
    if key_file.exists():
        SECRET_KEY = key_file.read_text().strip()
    else:
        SECRET_KEY = "insecure-development-key-set-DUBAN_SECRET_KEY"  # noqa: S105
ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("DUBAN_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")
    if h.strip()
]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("DUBAN_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "simple_history",
    "axes",
    "csp",
    # For its templates and static files: the API docs are served locally, never from a CDN.
    "ninja",
    "duban.core",
    "duban.org",
    "duban.ledger",
    "duban.sheets",
    "duban.reporting",
    "duban.transfer",
    "duban.problems",
    "duban.liaison",
    "duban.bulletins",
    "duban.supervision",
    "duban.assessment",
    "duban.notify",
    # Background work (notify.tasks): Django's task framework and its database backend.
    "django_tasks",
    "django_tasks_db",
    "duban.api",
    "duban.web",
    "duban.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # A request's committed events reach notify together, in one pass at its end.
    "duban.core.events.EventBatchMiddleware",
    # A database too busy to write: the request runs again, then 503 with Retry-After.
    "duban.core.db_busy.DatabaseBusyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "duban.web.middleware.ChineseFirstMiddleware",
    "duban.web.middleware.ControlCharactersMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "duban.api.idempotency.IdempotencyMiddleware",
    "duban.core.db_router.ReplicaMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "duban.web.middleware.SessionTimeoutMiddleware",
    "duban.web.middleware.PasswordChangeRequiredMiddleware",
    "duban.web.middleware.NoStoreMiddleware",
    "duban.web.middleware.DownloadAuditMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last: it answers a locked-out sign-in (django-axes).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "duban.config.urls"
WSGI_APPLICATION = "duban.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
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

DATABASE_URL = os.environ.get("DATABASE_URL", "").strip()
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(DATA_DIR / "duban.sqlite3"),
            "OPTIONS": {
                # WAL lets readers go on while one writer writes; IMMEDIATE makes a
                # transaction take the write lock up front instead of failing mid-way.
                # A writer waits up to the busy timeout for the lock; a request that still
                # finds it locked runs again twice, then answers 503 (core.db_busy).
                "transaction_mode": "IMMEDIATE",
                "timeout": _env_positive_int("DUBAN_SQLITE_BUSY_TIMEOUT", 10),
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
                ),
            },
        }
    }
DATABASES["default"].setdefault("TEST", {})

# Several processes and machines (docs/deploy.md): persistent PostgreSQL connections checked
# before reuse, an optional read replica for reads that may lag (never right after a write),
# and Redis for the cache when DUBAN_REDIS_URL is set. Sessions, sign-in lockouts and
# idempotency keys live in the database; nothing shared stays in a process's memory.
if DATABASE_URL:
    DATABASES["default"]["CONN_MAX_AGE"] = _env_positive_int("DUBAN_DB_CONN_MAX_AGE", 60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASE_REPLICA_URL = os.environ.get("DATABASE_REPLICA_URL", "").strip()
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = dj_database_url.parse(
        DATABASE_REPLICA_URL, conn_max_age=60, conn_health_checks=True
    )
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["duban.core.db_router.ReplicaRouter"]
DUBAN_REPLICA_PIN_SECONDS = _env_positive_int("DUBAN_REPLICA_PIN_SECONDS", 10)
DUBAN_REDIS_URL = os.environ.get("DUBAN_REDIS_URL", "").strip()
if DUBAN_REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": DUBAN_REDIS_URL,
            "KEY_PREFIX": "duban",
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "org.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "login"

# Password rules: set them to the district's policy (e.g. 等保2.0: at least 8 characters
# of three kinds, changed after an office reset).
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": _env_positive_int("DUBAN_PASSWORD_MIN_LENGTH", 10)},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {
        "NAME": "duban.org.validators.CharacterClassesValidator",
        "OPTIONS": {"min_classes": int(os.environ.get("DUBAN_PASSWORD_CHARACTER_CLASSES", "3"))},
    },
]

# Sign-in throttling (django-axes): after DUBAN_LOGIN_FAILURE_LIMIT failed sign-ins an
# account is locked for DUBAN_LOGIN_LOCKOUT_MINUTES, whatever address they come from.
AUTHENTICATION_BACKENDS = [
    "duban.org.auth.SignInThrottleBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = _env_positive_int("DUBAN_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = _env_positive_int("DUBAN_LOGIN_LOCKOUT_MINUTES", 15) / 60  # hours
# Per account, not per address: offices sit behind one NAT address, so locking an address
# would lock a whole bureau out after five typos, while an account is what is guessed.
# axes.W006 warns that User-Agent or cookie rotation bypasses limits keyed on those; a
# username key has no such bypass, so the warning does not apply here.
AXES_LOCKOUT_PARAMETERS = ["username"]
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "duban.web.views.locked_out_view"
AXES_VERBOSE = False
# Sign-ins are logged in duban's own audit log (org.AuditEvent), not twice.
AXES_DISABLE_ACCESS_LOG = True

# Sessions: signed out after DUBAN_SESSION_IDLE_MINUTES without a request, and in any case
# DUBAN_SESSION_MAX_HOURS after signing in; the cookie dies with the browser.
DUBAN_SESSION_IDLE_MINUTES = _env_positive_int("DUBAN_SESSION_IDLE_MINUTES", 30)
DUBAN_SESSION_MAX_HOURS = _env_positive_int("DUBAN_SESSION_MAX_HOURS", 10)
SESSION_COOKIE_AGE = DUBAN_SESSION_MAX_HOURS * 3600
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("DUBAN_TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
# The data directory holds the database, uploads and the secret key: owner-only.
DATA_DIR.mkdir(mode=0o700, parents=True, exist_ok=True)
# WhiteNoise serves from the apps' folders (finders) and only warns when STATIC_ROOT is absent.
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
MEDIA_ROOT = DATA_DIR / "media"
MEDIA_URL = "media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Serve straight from the installed apps' static folders: no collectstatic step to forget.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# A refused form post says why, in the interface language (templates/403_csrf.html).
CSRF_FAILURE_VIEW = "duban.web.views.csrf_failure_view"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Behind HTTPS (DUBAN_HTTPS=true): HSTS, Secure cookies, plain HTTP redirected. When a proxy
# terminates TLS it must send X-Forwarded-Proto (DUBAN_BEHIND_PROXY=true trusts it).
DUBAN_HTTPS = _env_bool("DUBAN_HTTPS", False)
if DUBAN_HTTPS:
    SECURE_HSTS_SECONDS = _env_positive_int("DUBAN_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = _env_bool("DUBAN_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = _env_bool("DUBAN_HSTS_PRELOAD", True)
    SECURE_SSL_REDIRECT = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
if _env_bool("DUBAN_BEHIND_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Content-Security-Policy (django-csp): scripts, styles, images and fonts only from the app
# itself, no inline script and no eval; forms post only here; no framing.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        # Bar widths on the overview are inline style attributes (no script runs from them).
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DUBAN_LOG_LEVEL", "WARNING")},
}

# Product settings (defaults from DOMAIN.md §4; the district may override in the admin
# where a model holds them, or here from the environment).
DUBAN_LANGUAGE_FROM_BROWSER = _env_bool("DUBAN_LANGUAGE_FROM_BROWSER", False)
# How the office writes figures in bulletins and on pages (core.formatting.office_style):
# 46.20亿元 → 46.2亿元 and 130.0% → 130% (most offices), growth of 100% or more as 倍.
DUBAN_FIGURES_DROP_ZEROS = _env_bool("DUBAN_FIGURES_DROP_ZEROS", True)
DUBAN_FIGURES_TIMES_FROM_100 = _env_bool("DUBAN_FIGURES_TIMES_FROM_100", False)
DUBAN_PAGE_SIZE = 50
DUBAN_API_PAGE_SIZE = 100
DUBAN_STEWARD_THRESHOLD = "2000"  # 万元: projects above this get a steward
DUBAN_MAX_AMOUNT = "100000000"  # 万元 (one trillion yuan): anything above is a typing slip
# The largest spreadsheet an import takes (page, API and CLI).
DUBAN_IMPORT_MAX_BYTES = _env_positive_int("DUBAN_IMPORT_MAX_MB", 20) * 1024 * 1024
# Upload limits checked before a file is read (duban/core/uploads.py, duban/sheets/limits.py).
DUBAN_UPLOAD_MAX_UNPACKED_BYTES = (
    _env_positive_int("DUBAN_UPLOAD_MAX_UNPACKED_MB", 200) * 1024 * 1024
)
DUBAN_IMPORT_MAX_ROWS = _env_positive_int("DUBAN_IMPORT_MAX_ROWS", 100_000)
DUBAN_IMPORT_MAX_CELLS = _env_positive_int("DUBAN_IMPORT_MAX_CELLS", 4_000_000)
DUBAN_EVIDENCE_MAX_BYTES = _env_positive_int("DUBAN_EVIDENCE_MAX_MB", 20) * 1024 * 1024
DUBAN_VISIT_PHOTO_MAX_BYTES = _env_positive_int("DUBAN_VISIT_PHOTO_MAX_MB", 8) * 1024 * 1024
# The time reading one uploaded file may take (unpacking, loading, parsing its rows).
DUBAN_UPLOAD_MAX_SECONDS = _env_positive_int("DUBAN_UPLOAD_MAX_SECONDS", 30)

# Email reminders (notify): SMTP when DUBAN_EMAIL_HOST is set, else printed to the console so
# that nothing leaves a demo or a test machine.
EMAIL_HOST = os.environ.get("DUBAN_EMAIL_HOST", "")
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend"
)
EMAIL_PORT = int(os.environ.get("DUBAN_EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("DUBAN_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("DUBAN_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = _env_bool("DUBAN_EMAIL_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("DUBAN_EMAIL_FROM", "duban@localhost")
DUBAN_REMIND_DAYS_BEFORE = _env_positive_int("DUBAN_REMIND_DAYS_BEFORE", 3)
DUBAN_DEMO_ROBOT_PORT = _env_positive_int("DUBAN_DEMO_ROBOT_PORT", 8765)
# Robot URLs and secrets are encrypted at rest (notify.crypto): with these Fernet keys (first
# encrypts, all decrypt) when set, else with keys derived from SECRET_KEY and its fallbacks.
DUBAN_ROBOT_KEYS = [k for k in os.environ.get("DUBAN_ROBOT_KEYS", "").split(",") if k.strip()]
SECRET_KEY_FALLBACKS = [
    k for k in os.environ.get("DUBAN_SECRET_KEY_FALLBACKS", "").split(",") if k.strip()
]

# Background work (notify.tasks): Django's task framework with its database backend
# (django-tasks-db, `duban worker`) by default; Celery through a broker (Redis) when
# DUBAN_TASKS=celery and DUBAN_CELERY_BROKER_URL are set (a worker on each machine).
DUBAN_CELERY_BROKER_URL = os.environ.get("DUBAN_CELERY_BROKER_URL", "").strip()
DUBAN_TASKS = (
    "celery"
    if os.environ.get("DUBAN_TASKS", "").strip().lower() == "celery" and DUBAN_CELERY_BROKER_URL
    else "db"
)
TASKS = {
    "default": (
        {
            "BACKEND": "duban.notify.queue.CeleryBackend",
            "OPTIONS": {"BROKER_URL": DUBAN_CELERY_BROKER_URL},
        }
        if DUBAN_TASKS == "celery"
        else {"BACKEND": "django_tasks_db.DatabaseBackend"}
    )
}
