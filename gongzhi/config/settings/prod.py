"""Production settings: refuses to start without its required variables.

Required: GONGZHI_SECRET_KEY (50+ characters), GONGZHI_ALLOWED_HOSTS, DATABASE_URL.
"""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import env

_missing = [
    name
    for name in ("GONGZHI_SECRET_KEY", "GONGZHI_ALLOWED_HOSTS", "DATABASE_URL")
    if not env.str(name, default="")
]
if _missing:
    raise ImproperlyConfigured(
        "Production settings need these environment variables: " + ", ".join(_missing)
        + ". See README.md, section 'Configuration'."
    )

DEBUG = False
SECRET_KEY = env.str("GONGZHI_SECRET_KEY")
if len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5:
    raise ImproperlyConfigured("GONGZHI_SECRET_KEY must be at least 50 random characters.")
ALLOWED_HOSTS = env.list("GONGZHI_ALLOWED_HOSTS")

SECURE_SSL_REDIRECT = env.bool("GONGZHI_SECURE_SSL_REDIRECT", default=True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env.int("GONGZHI_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
# Only `make run-prod` on loopback (plain HTTP) turns this on; never in a real deployment.
_insecure_cookies = env.bool("GONGZHI_INSECURE_COOKIES", default=False)
SESSION_COOKIE_SECURE = not _insecure_cookies
CSRF_COOKIE_SECURE = not _insecure_cookies
GONGZHI_REQUEST_LOG = env.bool("GONGZHI_REQUEST_LOG", default=True)
EMAIL_BACKEND = env.str("GONGZHI_EMAIL_BACKEND", default="django.core.mail.backends.smtp.EmailBackend")
