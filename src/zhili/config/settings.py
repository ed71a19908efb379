"""Settings come from the environment and fail fast on a bad value.

Defaults are the embedded ones (SQLite, files under the data directory, tasks on SQLite);
production sets DATABASE_URL, ZHILI_TASKS_URL (redis://…) and ZHILI_SECRET_KEY.
"""

from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

PACKAGE_DIR = Path(__file__).resolve().parent.parent  # src/zhili
REPO_DIR = PACKAGE_DIR.parent.parent

env = environ.Env()
_TRUE, _FALSE = {"1", "true", "yes", "on"}, {"0", "false", "no", "off", ""}


def env_bool(name: str, default: bool) -> bool:
    """Like env.bool, but a value that is neither true nor false stops the start."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    if raw.strip().lower() in _TRUE:
        return True
    if raw.strip().lower() in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a yes/no value (use 1/0, true/false, yes/no, on/off)")


DATA_DIR = Path(env.str("ZHILI_DATA_DIR", default=str(REPO_DIR / "data"))).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    """The key from the environment, else one generated once and kept in the data directory."""
    if key := env.str("ZHILI_SECRET_KEY", default=""):
        if len(key) < 32:
            raise ImproperlyConfigured("ZHILI_SECRET_KEY must be at least 32 characters long")
        return key
    path = DATA_DIR / "secret_key"
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_urlsafe(50))
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = env_bool("ZHILI_DEBUG", False)
ALLOWED_HOSTS = env.list("ZHILI_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("ZHILI_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "zhili.core.apps.AxesConfig",
    "huey.contrib.djhuey",
    "ninja",  # so that /api/docs serves its bundled Swagger UI, not the CDN copy
    "zhili.core",
    "zhili.geo",
    "zhili.org",
    "zhili.hub",
    "zhili.casework",
    "zhili.index",
    "zhili.mediation",
    "zhili.web",
    "zhili.demo",  # the top layer: `zhili demo`
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "zhili.core.locale.ChineseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "zhili.core.context.RequestContextMiddleware",
    "zhili.core.api.MethodNotAllowedAsError",
    "zhili.core.api.RefuseNulCharacters",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "zhili.config.urls"
WSGI_APPLICATION = "zhili.config.wsgi.application"
ASGI_APPLICATION = "zhili.config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # The admin's own templates come before the apps': web/admin_templates overrides one.
        "DIRS": [PACKAGE_DIR / "web" / "admin_templates"],
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

# --- database -------------------------------------------------------------------------------
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{DATA_DIR / 'zhili.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers (the web UI) go on while a writer (an import) works.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "timeout": 20,
            # Take the write lock when a transaction begins: a deferred transaction that reads,
            # then writes, fails at once under WAL when another writer went first ("database is
            # locked", not retried by the timeout). Concurrent API batches hit exactly that.
            "transaction_mode": "IMMEDIATE",
        }
    )
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"].setdefault("CONN_MAX_AGE", 60)
    DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
else:
    raise ImproperlyConfigured(
        f"DATABASE_URL must point to SQLite or PostgreSQL, not {DATABASES['default']['ENGINE']}"
    )
DATABASES["default"]["TEST"] = {"NAME": env.str("ZHILI_TEST_DATABASE", default=None)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- users, passwords, sessions, lockout ----------------------------------------------------
AUTH_USER_MODEL = "org.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:home"

# Idle timeout: the cookie's age is renewed on every request, so it expires after inactivity.
SESSION_COOKIE_AGE = env.int("ZHILI_SESSION_IDLE_SECONDS", default=30 * 60)
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env_bool("ZHILI_SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

AXES_FAILURE_LIMIT = env.int("ZHILI_LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("ZHILI_LOGIN_LOCKOUT_HOURS", default=0.25)  # hours
# Lock the account, not the address: a whole town office often shares one NAT address, and an
# address lockout would lock every cadre in it out because of one person's typos.
AXES_LOCKOUT_PARAMETERS = ["username"]
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "zhili.org.auth.lockout_response"
AXES_VERBOSE = False

# --- i18n -----------------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = env.str("ZHILI_TIME_ZONE", default="Asia/Shanghai")
USE_TZ = True

# --- static files (served by WhiteNoise, nothing from a CDN) --------------------------------
STATIC_URL = "static/"
STATIC_ROOT = Path(env.str("ZHILI_STATIC_ROOT", default=str(DATA_DIR / "static")))
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(DATA_DIR / "media")},
    },
    "staticfiles": {"BACKEND": "zhili.core.staticfiles.StaticStorage"},  # hashed, gzipped
}


def _vendor_static() -> list[tuple[str, str]]:
    """Front-end libraries installed from PyPI (XStatic packages), served by us: never a CDN."""
    import xstatic.pkg.leaflet as leaflet

    return [("vendor/leaflet", leaflet.BASE_DIR)]


STATICFILES_DIRS = _vendor_static()
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
    "zhili.core.staticfiles.VendorFileFinder",  # single files of PyPI packages (plotly.min.js)
]
TESTING = "pytest" in sys.modules or env_bool("ZHILI_TESTING", False)
if TESTING or DEBUG:
    # Tests and DEBUG run without collectstatic; the manifest would not exist yet.
    STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"
    WHITENOISE_USE_FINDERS = True
    WHITENOISE_AUTOREFRESH = True

# --- background and scheduled jobs: huey, on SQLite embedded, on Redis in production --------
_tasks_url = env.str("ZHILI_TASKS_URL", default="")
HUEY = {
    "name": "zhili",
    "immediate": env_bool("ZHILI_TASKS_IMMEDIATE", TESTING),
    "utc": True,
    "consumer": {"workers": 2, "worker_type": "thread", "periodic": True},
}
if _tasks_url.startswith(("redis://", "rediss://")):
    HUEY.update({"huey_class": "huey.RedisHuey", "url": _tasks_url})
elif _tasks_url in ("", "sqlite"):
    HUEY.update({"huey_class": "huey.SqliteHuey", "filename": str(DATA_DIR / "tasks.sqlite3")})
else:
    raise ImproperlyConfigured(f"ZHILI_TASKS_URL must be empty, 'sqlite' or redis://…, not {_tasks_url!r}")

# --- cache ----------------------------------------------------------------------------------
_cache_url = env.str("ZHILI_CACHE_URL", default="")
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": _cache_url}
        if _cache_url
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "zhili"}
    )
}

# --- security headers -----------------------------------------------------------------------
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"


# --- data hub -------------------------------------------------------------------------------
HUB_CUTOFF = env.str("ZHILI_HUB_CUTOFF", default="06:00")  # the next day's local time that closes a day
HUB_FUTURE_TOLERANCE_SECONDS = env.int("ZHILI_HUB_FUTURE_TOLERANCE_SECONDS", default=600)
HUB_OLDEST_YEAR = env.int("ZHILI_HUB_OLDEST_YEAR", default=2000)
HUB_MAX_BATCH = 10_000
# Validate big files in a second process while the first writes (needs two cores).
HUB_VALIDATION_WORKER = env_bool("ZHILI_HUB_VALIDATION_WORKER", True)
HUB_VALIDATION_WORKER_MIN_BYTES = env.int("ZHILI_HUB_VALIDATION_WORKER_MIN_BYTES", default=4 * 1024 * 1024)
HUB_MAX_UPLOAD_BYTES = env.int("ZHILI_HUB_MAX_UPLOAD_BYTES", default=2 * 1024**3)
LAKE_DIR = Path(env.str("ZHILI_LAKE_DIR", default=str(DATA_DIR / "lake")))
# Keys the HMAC-SHA256 pseudonyms of personal fields in the lake; empty: a secret made once in
# DATA_DIR (pseudonym.key). Changing it rewrites every lake day at the next export.
PSEUDONYM_KEY = env.str("ZHILI_PSEUDONYM_KEY", default="")
if PSEUDONYM_KEY and len(PSEUDONYM_KEY) < 32:
    raise ImproperlyConfigured("ZHILI_PSEUDONYM_KEY must be at least 32 characters long")

# --- mediation ---------------------------------------------------------------------------------
# Seals the signers' private keys; empty: a secret made once in DATA_DIR (signing.secret).
ZHILI_SIGNING_SECRET = env.str("ZHILI_SIGNING_SECRET", default="")
# Text messages (codes, overdue alerts): a class with send(phone, text); the default writes them
# to DATA_DIR/outbox/sms.log.
ZHILI_SMS_SENDER = env.str("ZHILI_SMS_SENDER", default="zhili.org.phone.DevSender")
# The address printed on a signed agreement for checking it.
ZHILI_PUBLIC_URL = env.str("ZHILI_PUBLIC_URL", default="http://127.0.0.1:8000")
# The index's Spark engine (the spark extra): a cluster URL (spark://host:7077, yarn) in
# production; local threads by default. The cube's result is small, so few shuffle partitions.
INDEX_SPARK_MASTER = env.str("ZHILI_SPARK_MASTER", default="local[2]")
INDEX_SPARK_PARTITIONS = env.int("ZHILI_SPARK_PARTITIONS", default=4)
INDEX_SPARK_DRIVER_MEMORY = env.str("ZHILI_SPARK_DRIVER_MEMORY", default="1g")
# A batch of 10,000 events is about 3 MB of JSON.
DATA_UPLOAD_MAX_MEMORY_SIZE = 32 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 20_000
FILE_UPLOAD_MAX_MEMORY_SIZE = 8 * 1024 * 1024  # larger uploads stream to a temporary file

NINJA_PAGINATION_PER_PAGE = 100
NINJA_MAX_PER_PAGE_SIZE = 1000

NINJA_PAGINATION_CLASS = "zhili.core.api.Pages"  # page numbers whose offset fits the database

_LOG_LEVEL = env.str("ZHILI_LOG_LEVEL", default="WARNING")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # 4xx answers are logged as one line each (Django attaches a traceback to a 403).
    "filters": {"one_line_4xx": {"()": "zhili.core.logs.OneLineClientErrors"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["one_line_4xx"]}},
    "root": {"handlers": ["console"], "level": _LOG_LEVEL},
    # Django's own console handler (DEBUG only) and mail_admins would print the same record
    # again, traceback and all: Django's records go through ours alone.
    "loggers": {"django": {"handlers": ["console"], "level": _LOG_LEVEL, "propagate": False}},
}
