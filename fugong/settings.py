"""Settings from environment variables, with safe defaults for the embedded mode.

FUGONG_ENV=production turns on the deployment checks (HTTPS cookies, HSTS) and refuses the
embedded defaults: a missing SECRET_KEY or DEBUG.
"""

from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from fugong.env import env_bool, env_choice, env_int, env_list, env_str, redis_database

BASE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(env_str("FUGONG_VAR_DIR", str(BASE_DIR.parent / "var")))

ENV = env_choice("FUGONG_ENV", "development", ("development", "test", "production"))
PRODUCTION = ENV == "production"
# Off unless asked for: `make run` (the local demo) asks with DEBUG=1; no other entry point
# (manage.py, gunicorn, `make serve`, the Procfile) shows debug pages.
DEBUG = env_bool("DEBUG", False)

_DEV_SECRET = "insecure-embedded-mode-only-do-not-use-in-production"
SECRET_KEY = env_str("SECRET_KEY", "" if PRODUCTION else _DEV_SECRET)
if PRODUCTION and (not SECRET_KEY or SECRET_KEY == _DEV_SECRET or DEBUG):
    raise ImproperlyConfigured("FUGONG_ENV=production needs SECRET_KEY set and DEBUG off")

# Personal data (ID card numbers, phones of employees and visitors) is encrypted at rest with
# FUGONG_DATA_KEYS (comma-separated Fernet keys; the first encrypts, all decrypt, so a new key
# is put first and `fugong health rotate-keys` re-encrypts) and found by a keyed hash under
# FUGONG_HASH_KEY. The embedded mode derives both from the development secret key.
FUGONG_DATA_KEYS = env_list("FUGONG_DATA_KEYS")
FUGONG_HASH_KEY = env_str("FUGONG_HASH_KEY")
if PRODUCTION and (not FUGONG_DATA_KEYS or not FUGONG_HASH_KEY):
    raise ImproperlyConfigured("FUGONG_ENV=production needs FUGONG_DATA_KEYS and FUGONG_HASH_KEY")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "" if PRODUCTION else "*")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",  # its widget templates, found by the TemplatesSetting form renderer
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
    "fugong.power",
    "fugong.financing",
    "fugong.supplies",
    "fugong.consultations",
    "fugong.inspections",
    "fugong.projects",
    "fugong.workforce",
    "fugong.dashboard",
]

MIDDLEWARE = [
    "fugong.core.errors.InputGuardMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "fugong.core.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "fugong.core.replicas.ReplicaReadsMiddleware",
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
                "fugong.dashboard.navigation.navigation",
            ],
        },
    },
]

# SQLite (WAL) when DATABASE_URL is unset; PostgreSQL in production and CI.
_SQLITE_PATH = VAR_DIR / "fugong.sqlite3"
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{_SQLITE_PATH}",
        conn_max_age=env_int("CONN_MAX_AGE", 60),
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

# A streaming read replica (the province tier, README "Read replicas"): the list and statistics
# pages of FUGONG_REPLICA_VIEWS read from it, everything else (writes, reads after a write, a
# client's reads for a few seconds after it wrote, the worker, the API) uses the primary.
# FUGONG_REPLICA_URL is the documented name; DATABASE_REPLICA_URL is accepted as an alias.
_REPLICA_URL = env_str("FUGONG_REPLICA_URL") or env_str("DATABASE_REPLICA_URL")
if _REPLICA_URL:
    DATABASES["replica"] = dj_database_url.parse(
        _REPLICA_URL, conn_max_age=env_int("CONN_MAX_AGE", 60), conn_health_checks=True
    )
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}  # tests: the primary's test database
DATABASE_ROUTERS = ["fugong.core.replicas.ReplicaRouter"]
FUGONG_REPLICA_VIEWS = env_list(
    "FUGONG_REPLICA_VIEWS",
    "dashboard:dashboard,dashboard:brief,dashboard:power,dashboard:map,reporting:stats,"
    "reporting:drill_down,reporting:completeness,registry:enterprise_list,"
    "registry:assignment_list,registry:list_detail,approvals:index,passes:index",
)
# the audit log's independent hash chains: each audited write locks the head of one chain that
# no other transaction holds (SKIP LOCKED), so concurrent writers do not queue behind one lock
FUGONG_AUDIT_CHAINS = env_int("FUGONG_AUDIT_CHAINS", 16, minimum=1)
FUGONG_READ_YOUR_WRITES_SECONDS = env_int("FUGONG_READ_YOUR_WRITES_SECONDS", 10, minimum=1)
FUGONG_REPLICA_MAX_LAG_BYTES = env_int("FUGONG_REPLICA_MAX_LAG_BYTES", 16 * 1024 * 1024)
FUGONG_REPLICA_CHECK_SECONDS = env_int("FUGONG_REPLICA_CHECK_SECONDS", 5)

REDIS_URL = env_str("FUGONG_REDIS_URL")

# The task queue (huey): SQLite-backed and embedded by default (`fugong run_huey` in a second
# process, started by `make run`), Redis-backed when FUGONG_REDIS_URL is set, so that workers
# can run on many machines. Periodic jobs are declared in each app's tasks.py.
HUEY = {
    "name": env_str("FUGONG_QUEUE_NAME", "fugong"),
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
TIME_ZONE = env_str("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True
USE_THOUSAND_SEPARATOR = False
# ISO first among the input formats: the value of every <input type=date> (fugong/formats/).
FORMAT_MODULE_PATH = ["fugong.formats"]
# Forms render through fugong/templates/django/forms/ (error summary, 请选择…, fieldsets).
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

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
FUGONG_UPLOAD_MAX_BYTES = env_int("FUGONG_UPLOAD_MAX_BYTES", 20 * 1024 * 1024, minimum=1)
FUGONG_IMPORT_MAX_BYTES = env_int("FUGONG_IMPORT_MAX_BYTES", 20 * 1024 * 1024, minimum=1)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 30 * 60  # logged out after 30 idle minutes
SESSION_SAVE_EVERY_REQUEST = True  # every request renews the 30 minutes
PASSWORD_CHANGE_URL = "/accounts/password/"

# The shared cache (rate-limit counters): Redis (its next database after the queue's) when
# FUGONG_REDIS_URL is set, so that every app server counts together; in-process otherwise.
_cache_url = env_str("FUGONG_CACHE_URL")
if not _cache_url and REDIS_URL:
    _base, _db = redis_database(REDIS_URL)
    _cache_url = f"{_base}/{_db + 1}"
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": _cache_url}
    if _cache_url
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
}
# requests per minute per client address (login: per address and user name)
FUGONG_RATE_LIMITS = {
    "login": env_int("FUGONG_RATE_LOGIN", 10, minimum=1),
    "declare": env_int("FUGONG_RATE_DECLARE", 30, minimum=1),
    "verify": env_int("FUGONG_RATE_VERIFY", 120, minimum=1),
    "public_api": env_int("FUGONG_RATE_PUBLIC_API", 120, minimum=1),
}
# The client address behind a reverse proxy: X-Forwarded-For is believed only when the request
# comes from one of these addresses or networks (comma-separated, e.g. "127.0.0.1,10.0.0.0/8").
# The default, loopback, is the nginx of deploy/ on the same machine (no outside client has a
# loopback address); empty means REMOTE_ADDR is always the client.
FUGONG_TRUSTED_PROXIES = env_list("FUGONG_TRUSTED_PROXIES", "127.0.0.1,::1")
# /healthz tells everyone only up or down; what is down needs this token (header
# `Authorization: Bearer <token>`) or a request from FUGONG_HEALTH_NETWORKS (comma-separated
# networks; empty by default, since behind a local proxy every request comes from loopback).
FUGONG_HEALTH_TOKEN = env_str("FUGONG_HEALTH_TOKEN", "")
FUGONG_HEALTH_NETWORKS = env_list("FUGONG_HEALTH_NETWORKS", "")
# Group bots and SMS (core.bots, core.sms; README "Bots and SMS"). A bot takes about 20
# messages a minute (DingTalk, WeCom); more wait in the outbox and go out merged. SMS needs the
# provider's approved signature (签名) and template codes (FUGONG_SMS_TEMPLATES="report_pending=
# SMS_123,report_overdue=SMS_456"); without FUGONG_SMS_PROVIDER messages go to the log.
FUGONG_BOTS = {"per_minute": env_int("FUGONG_BOT_PER_MINUTE", 20, minimum=1)}
FUGONG_SMS = {
    "provider": env_str("FUGONG_SMS_PROVIDER", "log"),  # aliyun | log | dotted.Class
    "endpoint": env_str("FUGONG_SMS_ENDPOINT", "https://dysmsapi.aliyuncs.com/"),
    "access_key_id": env_str("FUGONG_SMS_ACCESS_KEY_ID", ""),
    "access_key_secret": env_str("FUGONG_SMS_ACCESS_KEY_SECRET", ""),
    "sign_name": env_str("FUGONG_SMS_SIGN_NAME", ""),
    "templates": dict(p.split("=", 1) for p in env_list("FUGONG_SMS_TEMPLATES", "") if "=" in p),
    "per_phone": [(1, 60), (5, 3600), (10, 86400)],  # (messages, seconds) per phone
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

_LOG_FORMAT = "json" if PRODUCTION else "text"
_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
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
                if env_choice(
                    "FUGONG_LOG_FORMAT", "json" if PRODUCTION else "text", ("json", "text")
                )
                == "json"
                else {}
            ),
        }
    },
    "root": {
        "handlers": ["console"],
        "level": env_choice("LOG_LEVEL", "INFO", ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")),
    },
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# One page size for every list: the pages, the API (ninja pagination) and the exports' previews
PAGE_SIZE = env_int("FUGONG_PAGE_SIZE", 50, minimum=1)
NINJA_PAGINATION_PER_PAGE = PAGE_SIZE

# Outgoing e-mail (work-order steps, decisions). EMAIL_URL=smtp://user:pass@host:25 (smtps://
# for TLS); without it mail is written to the log, as on a machine with no mail relay.
_email = urlsplit(env_str("EMAIL_URL")) if env_str("EMAIL_URL") else None
if _email:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST, EMAIL_PORT = _email.hostname, _email.port or 25
    EMAIL_HOST_USER, EMAIL_HOST_PASSWORD = _email.username or "", _email.password or ""
    EMAIL_USE_SSL = _email.scheme == "smtps"
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
EMAIL_TIMEOUT = 15
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "fugong@localhost")
SITE_URL = env_str("FUGONG_SITE_URL", "http://127.0.0.1:8000")

FUGONG_SITE_NAME = _("复工复产服务平台")
