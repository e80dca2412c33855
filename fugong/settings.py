"""Settings from environment variables, with safe defaults for the embedded mode.

FUGONG_ENV=production turns on the deployment checks (HTTPS cookies, HSTS) and refuses the
embedded defaults: a missing SECRET_KEY or DEBUG.
"""

import os
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(os.environ.get("FUGONG_VAR_DIR", BASE_DIR.parent / "var"))

ENV = os.environ.get("FUGONG_ENV", "development")
PRODUCTION = ENV == "production"
DEBUG = os.environ.get("DEBUG", "0" if PRODUCTION else "1") == "1"

_DEV_SECRET = "insecure-embedded-mode-only-do-not-use-in-production"
SECRET_KEY = os.environ.get("SECRET_KEY", "" if PRODUCTION else _DEV_SECRET)
if PRODUCTION and (not SECRET_KEY or SECRET_KEY == _DEV_SECRET or DEBUG):
    raise ImproperlyConfigured("FUGONG_ENV=production needs SECRET_KEY set and DEBUG off")

# Personal data (ID card numbers, phones of employees and visitors) is encrypted at rest with
# FUGONG_DATA_KEYS (comma-separated Fernet keys; the first encrypts, all decrypt, so a new key
# is put first and `fugong health rotate-keys` re-encrypts) and found by a keyed hash under
# FUGONG_HASH_KEY. The embedded mode derives both from the development secret key.
FUGONG_DATA_KEYS = [k.strip() for k in os.environ.get("FUGONG_DATA_KEYS", "").split(",") if k]
FUGONG_HASH_KEY = os.environ.get("FUGONG_HASH_KEY", "")
if PRODUCTION and (not FUGONG_DATA_KEYS or not FUGONG_HASH_KEY):
    raise ImproperlyConfigured("FUGONG_ENV=production needs FUGONG_DATA_KEYS and FUGONG_HASH_KEY")

ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("ALLOWED_HOSTS", "" if PRODUCTION else "*").split(",")
    if h.strip()
]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "ninja",
    "huey.contrib.djhuey",
    "fugong.core",
    "fugong.registry",
    "fugong.reporting",
    "fugong.workorders",
    "fugong.approvals",
    "fugong.passes",
    "fugong.health",
    "fugong.policies",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "fugong.core.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "fugong.core.security.SecurityMiddleware",
    "fugong.core.middleware.ServiceErrorMiddleware",
]

ROOT_URLCONF = "fugong.urls"
WSGI_APPLICATION = "fugong.wsgi.application"

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
                "fugong.core.views.unread",
            ],
        },
    },
]

# SQLite (WAL) when DATABASE_URL is unset; PostgreSQL in production and CI.
_SQLITE_PATH = VAR_DIR / "fugong.sqlite3"
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{_SQLITE_PATH}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", 60)),
        conn_health_checks=True,
    )
}
VAR_DIR.mkdir(parents=True, exist_ok=True)
if PRODUCTION and DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    raise ImproperlyConfigured("FUGONG_ENV=production needs DATABASE_URL (PostgreSQL)")
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }

REDIS_URL = os.environ.get("FUGONG_REDIS_URL", "")

# The task queue (huey): SQLite-backed and embedded by default (`fugong run_huey` in a second
# process, started by `make run`), Redis-backed when FUGONG_REDIS_URL is set, so that workers
# can run on many machines. Periodic jobs are declared in each app's tasks.py.
HUEY = {
    "name": os.environ.get("FUGONG_QUEUE_NAME", "fugong"),
    "huey_class": "huey.RedisHuey" if REDIS_URL else "huey.SqliteHuey",
    "immediate": False,
    "utc": False,
    "connection": {"url": REDIS_URL} if REDIS_URL else {"filename": str(VAR_DIR / "queue.sqlite3")},
    "consumer": {"workers": 2, "worker_type": "thread", "periodic": True},
}

AUTH_USER_MODEL = "core.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "fugong.core.security.PasswordPolicyValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True
USE_THOUSAND_SEPARATOR = False

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = True  # serve app static files without collectstatic in embedded mode
MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "/media/"
DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024
FUGONG_UPLOAD_MAX_BYTES = int(os.environ.get("FUGONG_UPLOAD_MAX_BYTES", 20 * 1024 * 1024))
FUGONG_IMPORT_MAX_BYTES = int(os.environ.get("FUGONG_IMPORT_MAX_BYTES", 20 * 1024 * 1024))

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 30 * 60  # logged out after 30 idle minutes
SESSION_SAVE_EVERY_REQUEST = True  # every request renews the 30 minutes
PASSWORD_CHANGE_URL = "/accounts/password/"

# The shared cache (rate-limit counters): Redis (its next database after the queue's) when
# FUGONG_REDIS_URL is set, so that every app server counts together; in-process otherwise.
_cache_url = os.environ.get("FUGONG_CACHE_URL", "")
if not _cache_url and REDIS_URL:
    _base, _sep, _db = REDIS_URL.rpartition("/")
    _cache_url = f"{_base}/{int(_db) + 1}" if _db.isdigit() else f"{REDIS_URL.rstrip('/')}/1"
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": _cache_url}
    if _cache_url
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
}
# requests per minute per client address (login: per address and user name)
FUGONG_RATE_LIMITS = {
    "login": int(os.environ.get("FUGONG_RATE_LOGIN", 10)),
    "declare": int(os.environ.get("FUGONG_RATE_DECLARE", 30)),
    "verify": int(os.environ.get("FUGONG_RATE_VERIFY", 120)),
    "public_api": int(os.environ.get("FUGONG_RATE_PUBLIC_API", 120)),
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if PRODUCTION:
    SECURE_SSL_REDIRECT = os.environ.get("SECURE_SSL_REDIRECT", "1") == "1"
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", 31536000))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "fugong.core.logs.JsonFormatter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            # JSON lines in production (or FUGONG_LOG_FORMAT=json), plain text otherwise
            **(
                {"formatter": "json"}
                if os.environ.get("FUGONG_LOG_FORMAT", "json" if PRODUCTION else "text") == "json"
                else {}
            ),
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

NINJA_PAGINATION_PER_PAGE = 50

# Outgoing e-mail (work-order steps, decisions). EMAIL_URL=smtp://user:pass@host:25 (smtps://
# for TLS); without it mail is written to the log, as on a machine with no mail relay.
_email = urlsplit(os.environ["EMAIL_URL"]) if os.environ.get("EMAIL_URL") else None
if _email:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST, EMAIL_PORT = _email.hostname, _email.port or 25
    EMAIL_HOST_USER, EMAIL_HOST_PASSWORD = _email.username or "", _email.password or ""
    EMAIL_USE_SSL = _email.scheme == "smtps"
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
EMAIL_TIMEOUT = 15
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "fugong@localhost")
SITE_URL = os.environ.get("FUGONG_SITE_URL", "http://127.0.0.1:8000")
PAGE_SIZE = 50

FUGONG_SITE_NAME = _("复工复产服务平台")
