"""Settings of the officer input and commentary app (docs/webapp.md).

Everything comes from the environment (read by webapp/configuration.py; any secret NAME may be
given as NAME_FILE, the path of a file holding it):

- BDC_WAREHOUSE_URL: the warehouse; the app's tables live in its `input` schema.
- BDC_WEB_SECRET_KEY: signs sessions and CSRF tokens. Development: a random one per process
  when unset (everyone is signed out on restart). Production: required, 50+ random characters.
- BDC_WEB_HTTPS=1: production, served behind the council's HTTPS proxy: secure cookies, HSTS,
  redirect to HTTPS, and BDC_WEB_SECRET_KEY, BDC_WEB_ALLOWED_HOSTS and BDC_WAREHOUSE_URL
  required (the app refuses to start without them, saying which).
- BDC_WEB_ALLOWED_HOSTS: the host names people open the app at (comma-separated).
- BDC_WEB_CSRF_TRUSTED_ORIGINS: other origins whose forms are accepted (rarely needed).
- BDC_WEB_HSTS_INCLUDE_SUBDOMAINS, BDC_WEB_HSTS_PRELOAD: 1 (default) or 0.
- BDC_WEB_TRUSTED_PROXIES: how many proxies in front of the app append to X-Forwarded-For
  (0 = use the connection's address).
- BDC_WEB_DEBUG=1: Django's debug pages (development only).
- BDC_OIDC_*: sign-in through the council's identity provider (configuration.oidc).
"""

import os
from datetime import timedelta

import dj_database_url

from webapp import configuration
from webapp.officer import stylesheet

# Production = served behind the council's HTTPS proxy (BDC_WEB_HTTPS=1).
PRODUCTION = configuration.flag("BDC_WEB_HTTPS")
DEBUG = configuration.flag("BDC_WEB_DEBUG")
if PRODUCTION and DEBUG:
    raise configuration.ConfigurationError(
        "BDC_WEB_DEBUG=1 with BDC_WEB_HTTPS=1: debug pages show settings and code to anyone; "
        "never turn them on in production."
    )
SECRET_KEY = configuration.secret_key(PRODUCTION)
ALLOWED_HOSTS = configuration.allowed_hosts(PRODUCTION)
CSRF_TRUSTED_ORIGINS = configuration.trusted_origins()
# Sign-in through the council's identity provider: on when BDC_OIDC_CLIENT_ID is set
# (webapp/officer/sign_in.py), with the OIDC_* settings of mozilla-django-oidc.
_oidc = configuration.oidc(PRODUCTION)
globals().update(_oidc)
BDC_OIDC_ENABLED = bool(_oidc)

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "simple_history",
    "axes",
    "webapp.officer",
]

MIDDLEWARE = [
    # /healthz answers before host checks and the HTTPS redirect (container health checks).
    "webapp.officer.security.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "webapp.officer.security.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "webapp.urls"
WSGI_APPLICATION = "webapp.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "webapp.officer.context.roles",
            ]
        },
    }
]


def _database() -> dict:
    url = configuration.database_url(PRODUCTION)
    # Health checks: a connection the database dropped (a restart) is replaced, not reused.
    config = dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
    config["ENGINE"] = "webapp.db_backend"
    config["ATOMIC_REQUESTS"] = True
    return config


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses locked-out sign-ins
    "django.contrib.auth.backends.ModelBackend",
] + (["webapp.officer.sign_in.CouncilAccountBackend"] if _oidc else [])
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# The client's address: behind the council's proxy, the X-Forwarded-For entry its outermost
# trusted proxy added (webapp.officer.security.client_address); never a client-supplied one.
BDC_TRUSTED_PROXIES = int(os.environ.get("BDC_WEB_TRUSTED_PROXIES", "0") or 0)

# Repeated failed sign-ins (django-axes, webapp.officer.security.LockoutHandler): five failures
# for one username, from any addresses, lock that username; twenty failures from one address,
# for any usernames, lock that address. Each for fifteen minutes (docs/webapp.md: trade-offs).
AXES_HANDLER = "webapp.officer.security.LockoutHandler"
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # this order: LockoutHandler relies on it
AXES_FAILURE_LIMIT = 5
BDC_ADDRESS_FAILURE_LIMIT = 20
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_CLIENT_IP_CALLABLE = "webapp.officer.security.client_address"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked.html"
AXES_VERBOSE = False

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 8 * 60 * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
CSRF_COOKIE_SAMESITE = "Lax"
# Production: the proxy must set X-Forwarded-Proto: https (replacing any the client sent);
# Django then knows the request is secure, sends HSTS and does not redirect it. A request the
# proxy did not mark (plain HTTP that reached the app) is redirected to HTTPS. Never on in
# development: HSTS would pin http://127.0.0.1 to HTTPS.
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = PRODUCTION
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    SECURE_HSTS_SECONDS = 365 * 24 * 60 * 60
    # Subdomains of the app's own host name (e.g. *.performance.council.gov.uk), not its
    # siblings: set 0 only when the app is served on a bare domain other sites share.
    SECURE_HSTS_INCLUDE_SUBDOMAINS = configuration.flag(
        "BDC_WEB_HSTS_INCLUDE_SUBDOMAINS", default=True
    )
    # Only says the host agrees to be preloaded; nothing is submitted to the browsers' list.
    SECURE_HSTS_PRELOAD = configuration.flag("BDC_WEB_HSTS_PRELOAD", default=True)
    # Errors and warnings to the process's stderr, where the container collects them (Django
    # logs to the console only with DEBUG on, and there are no ADMINS to mail).
    LOGGING = {
        "version": 1,
        "disable_existing_loggers": False,
        "handlers": {"stderr": {"class": "logging.StreamHandler"}},
        "loggers": {
            name: {"handlers": ["stderr"], "level": "WARNING", "propagate": False}
            for name in ("django", "axes", "mozilla_django_oidc", "webapp")
        },
    }
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Content-Security-Policy: webapp.officer.security.ContentSecurityPolicyMiddleware.

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# The app's stylesheet, compiled from GOV.UK Frontend when the app is set up or started
# (webapp/officer/stylesheet.py; in a container image, when the image is built) and served by
# the app itself (webapp/urls.py), under gunicorn as under waitress. BDC_WEB_STATIC_ROOT, if
# set, is where `manage.py collectstatic` copies it for a proxy that serves /static/ itself.
STATICFILES_DIRS = [stylesheet.BUILT_DIR]
STATIC_ROOT = os.environ.get("BDC_WEB_STATIC_ROOT") or None
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

# Reminder emails (webapp/officer/emails.py). With BDC_WEB_EMAIL_HOST set they go to that SMTP
# server; without it, each message is written as a file under build/emails/ (BDC_OUTPUT_DIR),
# so a local or demo run sends nothing anywhere.
EMAIL_HOST = os.environ.get("BDC_WEB_EMAIL_HOST", "")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = int(os.environ.get("BDC_WEB_EMAIL_PORT", "25") or 25)
    EMAIL_HOST_USER = os.environ.get("BDC_WEB_EMAIL_USER", "")
    EMAIL_HOST_PASSWORD = configuration.secret("BDC_WEB_EMAIL_PASSWORD") or ""
    EMAIL_USE_TLS = os.environ.get("BDC_WEB_EMAIL_TLS", "") == "1"
    EMAIL_TIMEOUT = 30
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = os.path.join(
        os.environ.get("BDC_OUTPUT_DIR")
        or os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "build"),
        "emails",
    )
DEFAULT_FROM_EMAIL = os.environ.get(
    "BDC_WEB_EMAIL_FROM", "Performance Dashboard <performance-dashboard@localhost>"
)
# The app's address as people open it, for the links in emails.
BDC_SITE_URL = os.environ.get("BDC_WEB_EMAIL_SITE_URL", "http://127.0.0.1:8765").rstrip("/")
