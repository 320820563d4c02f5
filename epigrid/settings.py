"""Django settings: everything comes from ``epigrid.config`` (the environment), read once."""

from __future__ import annotations

import sys

from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

from epigrid import config

try:
    CONFIG = config.load()
except config.ConfigError as exc:
    # One line for the operator instead of a traceback through Django's import machinery.
    sys.stderr.write(f"epigrid: configuration error: {exc}\n")
    raise SystemExit(2) from None

BASE_DIR = config.BASE_DIR
DATA_DIR = CONFIG.data_dir
EPIGRID_MODE = CONFIG.mode
EPIGRID_OUTBREAK_AREAS = CONFIG.outbreak_areas
EPIGRID_REPORT_CUTOFF = CONFIG.report_cutoff
EPIGRID_REPORT_GRACE_MINUTES = CONFIG.report_grace_minutes
SECRET_KEY = CONFIG.secret_key
DEBUG = CONFIG.debug
ALLOWED_HOSTS = ["testserver", *CONFIG.allowed_hosts] if CONFIG.mode == "test" else CONFIG.allowed_hosts
CSRF_TRUSTED_ORIGINS = CONFIG.csrf_trusted_origins

INSTALLED_APPS = [
    "epigrid.core",
    "epigrid.regions",
    "epigrid.people",
    "epigrid.lists",
    "epigrid.monitoring",
    "epigrid.cases",
    "epigrid.checkpoints",
    "epigrid.resources",
    "epigrid.reports",
    "epigrid.dashboard",
    "epigrid.measurelog",
    "epigrid.volunteers",
    "epigrid.followups",
    "epigrid.clues",
    "epigrid.triage",
    "epigrid.risk",
    "epigrid.publicinfo",
    "epigrid.deptforms",
    "epigrid.privacy",
    "epigrid.demo",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "django_tasks_db",
    # Serves Swagger UI's script and style from the wheel's static files instead of a CDN (/api/v1/docs).
    "ninja",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, so it sees the resolved view: refuses any view not declared scope-checked or public.
    "epigrid.core.middleware.ScopeDeclarationMiddleware",
]

ROOT_URLCONF = "epigrid.urls"
WSGI_APPLICATION = "epigrid.wsgi.application"
AUTH_USER_MODEL = "core.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "epigrid.core.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {"default": CONFIG.database}
if CONFIG.database["ENGINE"] == "django.db.backends.sqlite3":
    # The SQLite file lives in the local data folder; a fresh clone has none yet.
    from pathlib import Path

    Path(str(CONFIG.database["NAME"])).parent.mkdir(parents=True, exist_ok=True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if CONFIG.mode == "test":
    # Hashing with the production hasher would dominate the suite's run time.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

LANGUAGE_CODE = CONFIG.language
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "epigrid" / "locale"]
TIME_ZONE = CONFIG.time_zone
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns on a missing root
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Serve straight from the app folders: `epigrid demo` needs no collectstatic step.
WHITENOISE_USE_FINDERS = True
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
    # plotly.js from the plotly wheel (vendor/plotly.min.js): the charts need no CDN.
    "epigrid.dashboard.vendor.PlotlyFinder",
]
WHITENOISE_AUTOREFRESH = CONFIG.debug
MEDIA_ROOT = DATA_DIR / "uploads"
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024

# Nothing is loaded from anywhere but this site; inline scripts and styles are refused.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 12 * 60 * 60
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if CONFIG.https:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = True
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # Government intranet host names must not go on the browsers' public HSTS preload list.
    SILENCED_SYSTEM_CHECKS = ["security.W021"]

EPIGRID_LOGIN_MAX_FAILURES = CONFIG.login_max_failures
EPIGRID_SUPPLY_WARN_DAYS = CONFIG.supply_warn_days
EPIGRID_DASHBOARD_REFRESH = CONFIG.dashboard_refresh
EPIGRID_PUBLIC_MIN_COUNT = CONFIG.public_min_count
EPIGRID_PUBLIC_CACHE_SECONDS = CONFIG.public_cache_seconds
EPIGRID_LOGIN_LOCKOUT_MINUTES = CONFIG.login_lockout_minutes

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": CONFIG.log_level},
    "loggers": {
        # Request logs carry URLs only; personal data never goes into a URL (ids, not ID numbers).
        "django.request": {"level": "ERROR"},
        "django.db.backends": {"level": "INFO"},
    },
}
