"""The one settings module, read from the environment (and an optional `.env`).

Every variable is listed in the README. The embedded default (SQLite, local-memory
cache, console email and SMS, the Halo sandbox) needs only what `make run` writes
to `.env`. With DEBUG off, missing secrets stop start-up instead of falling back.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import environ
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# Real environment variables win over the file: read_env only fills what is unset.
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)


def _raw(name: str, default: str = "") -> str:
    # django-environ treats values starting with "$" as references to other
    # variables; secrets and Halo's "$FAULTID" must be read as they are.
    return env.ENVIRON.get(name, default).strip()


def _required(name: str, hint: str) -> str:
    value = _raw(name)
    if not value:
        raise ImproperlyConfigured(f"{name} is not set. {hint}")
    return value


DEBUG = env.bool("DEBUG", default=False)

SECRET_KEY = _required(
    "SECRET_KEY",
    "Set it to a long random string (`make .env` writes one for development).",
)

# Comma-separated Fernet keys, newest first: the first encrypts, all decrypt.
FIELD_ENCRYPTION_KEYS = [
    k.strip()
    for k in _required(
        "FIELD_ENCRYPTION_KEYS",
        "Set it to one or more comma-separated Fernet keys, newest first "
        "(`make .env` writes one for development).",
    ).split(",")
    if k.strip()
]
for _key in FIELD_ENCRYPTION_KEYS:
    try:
        Fernet(_key)
    except (ValueError, TypeError) as e:
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEYS holds a value that is not a Fernet key "
            "(32 url-safe base64-encoded bytes)."
        ) from e

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS is not set. List the host names this site serves.")

# Where customers and Halo reach us; used to build tab URLs and links in emails.
PUBLIC_BASE_URL = env.str("PUBLIC_BASE_URL", default="http://127.0.0.1:8000" if DEBUG else "")
PUBLIC_BASE_URL = PUBLIC_BASE_URL.strip().rstrip("/")
if not PUBLIC_BASE_URL:
    raise ImproperlyConfigured(
        "PUBLIC_BASE_URL is not set. Set it to the https:// address customers reach us at."
    )

# The Halo sandbox (a local stand-in for Halo) and private addresses for Halo are
# for development and tests; both are on in the embedded default, off otherwise.
HALO_SANDBOX = env.bool("HALO_SANDBOX", default=DEBUG)
HALO_ALLOW_PRIVATE_ADDRESSES = env.bool("HALO_ALLOW_PRIVATE_ADDRESSES", default=DEBUG)
# Halo's variable for the ticket id in the custom tab URL (unconfirmed by Halo's docs).
HALO_TAB_TICKET_VARIABLE = _raw("HALO_TAB_TICKET_VARIABLE", "$FAULTID")

# With the sandbox on, codes land on the sandbox's "devices" page (and the console),
# so the demo can be played end to end; otherwise the console, unless configured.
SMS_BACKEND = env.str(
    "SMS_BACKEND",
    default="integrations.sandbox.devices.SandboxSmsBackend"
    if HALO_SANDBOX
    else "tickettab.sms.ConsoleBackend",
)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "mspprocess",
    "integrations",
    "integrations.sandbox",
    "tickettab",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "mspprocess.urls"
WSGI_APPLICATION = "mspprocess.wsgi.application"

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
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
# Persistent connections save a connect per request; health checks drop dead ones.
DATABASES["default"]["CONN_MAX_AGE"] = 0 if DEBUG else 60
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://mspprocess")}

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
if HALO_SANDBOX and "EMAIL_URL" not in env.ENVIRON:
    EMAIL_BACKEND = "integrations.sandbox.devices.SandboxEmailBackend"
DEFAULT_FROM_EMAIL = f"MSP Process <no-reply@{urlsplit(PUBLIC_BASE_URL).hostname or 'localhost'}>"
SERVER_EMAIL = DEFAULT_FROM_EMAIL

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
PASSWORD_RESET_TIMEOUT = 3 * 24 * 3600  # invitations are password resets; give them 3 days

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True

if not DEBUG:
    # Behind a TLS-terminating proxy, say which header carries the original scheme,
    # e.g. SECURE_PROXY_SSL_HEADER=HTTP_X_FORWARDED_PROTO,https
    _proxy_header = env.list("SECURE_PROXY_SSL_HEADER", default=[])
    if _proxy_header:
        if len(_proxy_header) != 2:
            raise ImproperlyConfigured(
                "SECURE_PROXY_SSL_HEADER must be a header and a value, "
                "e.g. HTTP_X_FORWARDED_PROTO,https"
            )
        SECURE_PROXY_SSL_HEADER = tuple(_proxy_header)
    SECURE_SSL_REDIRECT = True
    # Load balancers probe /healthz over plain HTTP.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "line": {
            "()": "mspprocess.logging.OneLineFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(message)s",
        },
    },
    "handlers": {
        "stdout": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": "line",
        },
    },
    "root": {"handlers": ["stdout"], "level": "INFO"},
}
