"""The one settings module, read from the environment (and an optional `.env`).

Every variable is listed in the README. The embedded default (SQLite, local-memory
cache, console email and SMS, the Halo sandbox) needs only what `make run` writes
to `.env`. With DEBUG off, missing secrets stop start-up instead of falling back.
"""

from __future__ import annotations

import re
from datetime import timedelta
from email.utils import parseaddr
from pathlib import Path

import environ
from cryptography.fernet import Fernet
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.validators import validate_email

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
# Halo's variables in the custom tab URL: the ticket, the viewing agent and that
# agent's signature with the tab secret. Halo substitutes them raw; none is in Halo's
# official docs (../shared/halo/README.md), so each can be changed without a release.
HALO_TAB_TICKET_VARIABLE = _raw("HALO_TAB_TICKET_VARIABLE", "$FAULTID")
HALO_TAB_AGENT_VARIABLE = _raw("HALO_TAB_AGENT_VARIABLE", "$LOGGEDINAGENTID")
HALO_TAB_HMAC_VARIABLE = _raw("HALO_TAB_HMAC_VARIABLE", "$HMAC")
for _name in ("HALO_TAB_TICKET_VARIABLE", "HALO_TAB_AGENT_VARIABLE", "HALO_TAB_HMAC_VARIABLE"):
    if not re.fullmatch(r"\$[A-Za-z_]{1,40}", globals()[_name]):
        raise ImproperlyConfigured(f"{_name} must be a Halo variable such as $FAULTID.")

# One slow Halo must not stall every worker thread (integrations/halo/resilience.py):
# a tab request's Halo calls share a total deadline (background work keeps the
# client's 5 s connect / 15 s read timeouts); at most HALO_BULKHEAD calls per Halo
# instance in flight per process, more are refused at once; after
# HALO_BREAKER_FAILURES timeouts within HALO_BREAKER_WINDOW seconds an instance's
# calls fail fast for HALO_BREAKER_COOLOFF seconds, then one probe may go.
HALO_INTERACTIVE_DEADLINE = env.float("HALO_INTERACTIVE_DEADLINE", default=4.0)
HALO_BULKHEAD = env.int("HALO_BULKHEAD", default=4)
HALO_BREAKER_FAILURES = env.int("HALO_BREAKER_FAILURES", default=5)
HALO_BREAKER_WINDOW = env.float("HALO_BREAKER_WINDOW", default=30.0)
HALO_BREAKER_COOLOFF = env.float("HALO_BREAKER_COOLOFF", default=15.0)

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
    # django-csp: the Content-Security-Policy header (CONTENT_SECURITY_POLICY below).
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "mspprocess.core",
    "integrations",
    "integrations.sandbox",
    "integrations.duo_sandbox",
    "integrations.okta_sandbox",
    "identity",
    "tickettab",
    "alerts",
    "mspprocess.console",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Below WhiteNoise (static files need no policy), above the rest, so that every
    # page, including the other middleware's own replies, gets the policy.
    "mspprocess.csp.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Marks request.user verified once a TOTP code was entered in this session...
    "django_otp.middleware.OTPMiddleware",
    # ...which staff need before the admin opens (see STAFF_REQUIRE_2FA).
    "mspprocess.core.staff_auth.StaffTwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as axes asks: it turns a lockout flagged during sign-in into its page.
    "axes.middleware.AxesMiddleware",
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
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    # Redis holds only caches: with it down, reads miss and writes drop instead of
    # answering 500 (mspprocess/cache.py). Short timeouts, so an unreachable Redis
    # costs a fraction of a second; a healthy one answers in under a millisecond.
    CACHES["default"]["BACKEND"] = "mspprocess.cache.ResilientRedisCache"
    CACHES["default"]["OPTIONS"] = {
        "socket_connect_timeout": 0.25,
        "socket_timeout": 0.5,
        **CACHES["default"].get("OPTIONS", {}),  # CACHE_URL's own options win
    }

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
if HALO_SANDBOX and "EMAIL_URL" not in env.ENVIRON:
    EMAIL_BACKEND = "integrations.sandbox.devices.SandboxEmailBackend"
# The sender of every email (invitations, codes, links, password resets). It must be
# an address the mail provider lets us send as, which only the operator knows: a
# made-up one (no-reply@ the site's host, once no-reply@127.0.0.1) lands in spam or
# bounces. So production must name it; development uses a placeholder.
DEFAULT_FROM_EMAIL = _raw("DEFAULT_FROM_EMAIL") or (
    "MSP Process <no-reply@example.com>" if DEBUG else ""
)
if not DEFAULT_FROM_EMAIL:
    raise ImproperlyConfigured(
        "DEFAULT_FROM_EMAIL is not set. Set it to the address our email is sent from, "
        'e.g. "MSP Process <no-reply@mspprocess.example.com>".'
    )
try:
    validate_email(parseaddr(DEFAULT_FROM_EMAIL)[1])
except ValidationError as e:
    raise ImproperlyConfigured(
        "DEFAULT_FROM_EMAIL is not an email address: use the form "
        '"MSP Process <no-reply@mspprocess.example.com>" or a bare address.'
    ) from e
SERVER_EMAIL = DEFAULT_FROM_EMAIL

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Axes first: it refuses a locked-out sign-in before any password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
PASSWORD_RESET_TIMEOUT = 3 * 24 * 3600  # invitations are password resets; give them 3 days
# /signup/: an MSP's admin creates its workspace alone. Off for operators who only
# onboard by hand (the page is then a 404).
SIGNUP_ENABLED = env.bool("SIGNUP_ENABLED", default=True)

# Failed sign-ins (the sign-in page, the admin's, the tab's) are throttled per
# username and client address together: guessing one account's password stops
# after 5 failures, and only for that account from that address, so one person's
# typos do not lock out everyone else in the same office (one NAT address).
AXES_FAILURE_LIMIT = 5
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_COOLOFF_TIME = timedelta(minutes=15)  # the lockout page says 15 minutes
# Spraying one password over many accounts from one address stops at this many
# failures per address within the cool-off: far above what an office makes by typos.
# Axes has one limit for all its parameters, so this one is checked by
# mspprocess.core.staff_auth.LoginThrottleHandler.
SIGNIN_ADDRESS_FAILURE_LIMIT = 50
# A correct password forgives this client's own typos for that account only (not
# everything from its address, which would let an attacker with an account of his
# own reset the count between guesses at someone else's): see LoginThrottleHandler.
AXES_RESET_ON_SUCCESS = True
AXES_HANDLER = "mspprocess.core.staff_auth.LoginThrottleHandler"
# Retries during a lockout are refused without being counted: the wait never grows
# past 15 minutes, and an attacker's hammering writes nothing.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# Behind a proxy, the client's address is the one the proxy added to
# X-Forwarded-For; the audit trail and the tab use the same helper.
AXES_CLIENT_IP_CALLABLE = "mspprocess.client_ip.client_ip"
# How many proxies in front of us append to X-Forwarded-For (one load balancer).
# Read only when SECURE_PROXY_SSL_HEADER says we are behind a proxy.
TRUSTED_PROXY_COUNT = 1
# Our page (or the tab's JSON), status 429, naming neither the account nor whether
# it exists.
AXES_LOCKOUT_CALLABLE = "mspprocess.core.staff_auth.lockout_response"
# Successful sign-ins are not kept (a row per sign-in, forever); failures are, only
# until their cool-off ends.
AXES_DISABLE_ACCESS_LOG = True
# No start-up banner on stdout (commands print there); log lines name the client by
# the masked lockout parameters only.
AXES_VERBOSE = False

# Staff pass a TOTP check after their password before the admin opens. Off in
# development so the demo logins work as printed; staff may still enrol at
# /accounts/2fa/, and once they have, they are asked for a code.
STAFF_REQUIRE_2FA = env.bool("STAFF_REQUIRE_2FA", default=not DEBUG)
OTP_TOTP_ISSUER = "MSP Process"
# The TOTP admin (where a lost authenticator is deleted) never shows a stored secret.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

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

# Notes to Halo are posted in a background thread after the response (see
# tickettab/outbox.py); the test-suite posts them inline.
OUTBOX_SEND_INLINE = False

X_FRAME_OPTIONS = "DENY"
# The Content-Security-Policy of every page (django-csp 4). Scripts and styles come
# from our own static files only: no inline script, style or event handler, so an
# injected tag does nothing. frame-ancestors 'none' says what X_FRAME_OPTIONS says;
# the tab replaces it per tenant (tickettab/framing.py), and the Halo sandbox's pages
# may frame our tab (integrations/sandbox/csp.py). Django's admin needs no exception.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        # data: for small images written into the page (icons, QR codes as data URIs).
        "img-src": [SELF, "data:"],
        "connect-src": [SELF],
        "form-action": [SELF],
        "base-uri": [SELF],
        "object-src": [NONE],
        "frame-ancestors": [NONE],
    },
}
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
