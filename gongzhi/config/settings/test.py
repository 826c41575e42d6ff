"""Settings for the test suite: fast hashing, in-memory mail, tasks run inline."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from .base import *  # noqa: F403
from .base import DATABASES, HUEY, env

DEBUG = False
SECRET_KEY = "test-only-secret-key-8d4b1e0f"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
GONGZHI_STAFF_REQUIRE_2FA = False
ALLOWED_HOSTS = ["*"]
MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="gongzhi-test-media-"))
HUEY = {**HUEY, "huey_class": "huey.MemoryHuey", "immediate": True}
HUEY.pop("filename", None)
HUEY.pop("url", None)
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "gongzhi-test"}}

# Several checkouts may share one PostgreSQL server: the test database is named after
# the checkout so parallel runs never drop each other's database.
if DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3":
    suffix = env.str("GONGZHI_TEST_DB_SUFFIX", default=Path(os.getcwd()).name)
    DATABASES["default"]["TEST"] = {"NAME": f"test_gongzhi_{suffix}".replace("-", "_")}
    DATABASES["default"]["CONN_MAX_AGE"] = 0
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
