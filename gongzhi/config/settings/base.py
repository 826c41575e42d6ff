"""Settings shared by every environment.

Every value that differs between deployments is read from the environment with
strict parsing (django-environ): a malformed value stops start-up with a message
naming the variable instead of running with a surprise.
"""

from __future__ import annotations

from pathlib import Path

import environ
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parents[3]
PACKAGE_DIR = BASE_DIR / "gongzhi"

env = environ.Env()

DEBUG = env.bool("GONGZHI_DEBUG", default=False)
SECRET_KEY = env.str("GONGZHI_SECRET_KEY", default="dev-only-not-secret-6f1d0c2e9b")
ALLOWED_HOSTS: list[str] = env.list("GONGZHI_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS: list[str] = env.list("GONGZHI_CSRF_TRUSTED_ORIGINS", default=[])
DATA_DIR = Path(env.str("GONGZHI_DATA_DIR", default=str(BASE_DIR / "var")))
SITE_URL = env.str("GONGZHI_SITE_URL", default="http://127.0.0.1:8000")

INSTALLED_APPS = [
    "gongzhi.core",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rules.apps.AutodiscoverRulesConfig",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "huey.contrib.djhuey",
    "gongzhi.accounts",
    "gongzhi.territory",
    "gongzhi.organizations",
    "gongzhi.audit",
    "gongzhi.notifications",
    "gongzhi.cases",
    "gongzhi.consultations",
    "gongzhi.volunteering",
    "gongzhi.mediation",
    "gongzhi.safety",
    "gongzhi.intelligence",
    "gongzhi.analytics",
    "gongzhi.api",
    "gongzhi.open311",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "gongzhi.audit.security.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "gongzhi.core.metrics.MetricsMiddleware",
    "gongzhi.core.middleware.RequestLogMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "gongzhi.accounts.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "gongzhi.accounts.middleware.StaffTwoFactorMiddleware",
    "gongzhi.core.middleware.DomainErrorMiddleware",
]

ROOT_URLCONF = "gongzhi.config.urls"
WSGI_APPLICATION = "gongzhi.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "core" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "gongzhi.core.context_processors.navigation",
            ],
        },
    }
]

# --- Database -------------------------------------------------------------------------
# SQLite in WAL mode is the embedded default; DATABASE_URL selects PostgreSQL.
DATA_DIR.mkdir(parents=True, exist_ok=True)
(DATA_DIR / "static").mkdir(exist_ok=True)
DATABASES = {
    "default": env.db_url(
        "DATABASE_URL", default=f"sqlite:///{DATA_DIR / 'gongzhi.sqlite3'}"
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": (
                "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;"
                "PRAGMA busy_timeout=20000;PRAGMA foreign_keys=ON;"
            ),
        }
    )
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("GONGZHI_CONN_MAX_AGE", default=600)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache and background work ----------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 2, "SOCKET_TIMEOUT": 2},
        }
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.cache"
    HUEY = {
        "huey_class": "huey.RedisHuey",
        "name": "gongzhi",
        "url": REDIS_URL,
        "immediate": False,
        "consumer": {"workers": env.int("GONGZHI_HUEY_WORKERS", default=2), "worker_type": "thread"},
    }
else:
    # Shared by the web workers and the background worker on one host.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(DATA_DIR / "cache"),
        }
    }
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "gongzhi",
        "filename": str(DATA_DIR / "huey.sqlite3"),
        "immediate": env.bool("GONGZHI_HUEY_IMMEDIATE", default=False),
        "consumer": {"workers": env.int("GONGZHI_HUEY_WORKERS", default=2), "worker_type": "thread"},
    }

# --- Accounts ---------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
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
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "core:home"
ACCOUNT_LOGOUT_REDIRECT_URL = "core:home"
ACCOUNT_LOGIN_METHODS = {"email", "username"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_UNIQUE_EMAIL = True
# Sign-up says plainly when an address is taken (the issue asks for a field error);
# log-in and reset are still rate-limited per address and per IP.
ACCOUNT_PREVENT_ENUMERATION = False
ACCOUNT_SIGNUP_FORM_CLASS = "gongzhi.accounts.forms.SignupExtraForm"
ACCOUNT_ADAPTER = "gongzhi.accounts.adapter.AccountAdapter"
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Gongzhi] "
ACCOUNT_RATE_LIMITS = {
    "login_failed": env.str("GONGZHI_LOGIN_RATE", default="5/5m/ip,5/5m/key"),
    "signup": "20/h/ip",
    "reset_password": "10/h/ip,5/h/key",
    "confirm_email": "1/3m/key",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Gongzhi"
# Staff (anyone holding a non-resident membership) must enrol TOTP; the demo relaxes it.
GONGZHI_STAFF_REQUIRE_2FA = env.bool("GONGZHI_STAFF_REQUIRE_2FA", default=True)

# --- Internationalisation -------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LANGUAGE_COOKIE_NAME = "gongzhi_language"
# Our own catalogues come first (LOCALE_PATHS outrank app catalogues), so a word we
# translate ourselves ("Filter" -> 筛选) is never replaced by Django admin's or allauth's.
LOCALE_PATHS = [
    PACKAGE_DIR / app.removeprefix("gongzhi.") / "locale"
    for app in INSTALLED_APPS
    if app.startswith("gongzhi.") and (PACKAGE_DIR / app.removeprefix("gongzhi.") / "locale").is_dir()
]
TIME_ZONE = env.str("GONGZHI_TIME_ZONE", default="Asia/Shanghai")
USE_I18N = True
USE_TZ = True

# --- Static and uploaded files ------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env.str("GONGZHI_MEDIA_ROOT", default=str(DATA_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- E-mail -----------------------------------------------------------------------------------
EMAIL_BACKEND = env.str("GONGZHI_EMAIL_BACKEND", default="django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = DATA_DIR / "mail"
DEFAULT_FROM_EMAIL = env.str("GONGZHI_FROM_EMAIL", default="Gongzhi <noreply@gongzhi.invalid>")
if env.str("GONGZHI_EMAIL_URL", default=""):
    vars().update(env.email_url("GONGZHI_EMAIL_URL"))

# --- Maps -------------------------------------------------------------------------------------
# Tiles come only from the configured server; empty means maps draw areas without tiles.
GONGZHI_TILE_URL = env.str("GONGZHI_TILE_URL", default="")
GONGZHI_TILE_ATTRIBUTION = env.str("GONGZHI_TILE_ATTRIBUTION", default="")
GONGZHI_MAP_CENTER = (31.2304, 121.4737)

# --- Security -----------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "gongzhi.core.logging.JsonFormatter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json"}},
    "loggers": {
        "gongzhi.request": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django.request": {"handlers": ["console"], "level": "ERROR", "propagate": False},
    },
    "root": {"handlers": ["console"], "level": "WARNING"},
}
GONGZHI_REQUEST_LOG = env.bool("GONGZHI_REQUEST_LOG", default=False)
GONGZHI_METRICS_TOKEN = env.str("GONGZHI_METRICS_TOKEN", default="")

# --- APIs ---------------------------------------------------------------------------------------
GONGZHI_CORS_ORIGINS: list[str] = env.list("GONGZHI_CORS_ORIGINS", default=[])
GONGZHI_API_RATE_TOKEN = env.str("GONGZHI_API_RATE_TOKEN", default="600/60")
GONGZHI_API_RATE_IP = env.str("GONGZHI_API_RATE_IP", default="1200/60")
GONGZHI_API_MAX_BODY = env.int("GONGZHI_API_MAX_BODY", default=12 * 1024 * 1024)
GONGZHI_OPEN311_JURISDICTION = env.str("GONGZHI_OPEN311_JURISDICTION", default="gongzhi")
GONGZHI_OPEN311_CONTACT = env.str("GONGZHI_OPEN311_CONTACT", default="")

# Read replicas for dashboards: GONGZHI_READ_REPLICA_URLS=postgres://...,postgres://...
for _i, _url in enumerate(env.list("GONGZHI_READ_REPLICA_URLS", default=[])):
    DATABASES[f"replica{_i}"] = {**env.db_url_config(_url), "CONN_MAX_AGE": 600, "CONN_HEALTH_CHECKS": True,
                                  "TEST": {"MIRROR": "default"}}
DATABASE_ROUTERS = ["gongzhi.core.db.ReplicaRouter"]
