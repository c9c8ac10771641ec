"""Production settings: a real secret, allowed hosts and the public address are required; HTTPS by default.

``DJANGO_SECURE_HTTPS=false`` is the one switch for a plain-HTTP intranet deployment (no TLS
terminator in front): it turns off HSTS, the HTTPS redirect and secure-only cookies.
"""

import re

from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env("DJANGO_SECRET_KEY", default="")
if len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5 or SECRET_KEY.startswith("django-insecure-"):
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY must be set to a random value of at least 50 characters in production."
    )
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=[])
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured("DJANGO_ALLOWED_HOSTS must list the host names this deployment serves.")
# The base of the links in receipts' QR codes: a forgotten one prints receipts no phone can open.
PUBLIC_BASE_URL = env("PUBLIC_BASE_URL", default="").strip().rstrip("/")
if not re.fullmatch(r"https?://[^/?#\s]+(/[^?#\s]*)?", PUBLIC_BASE_URL):
    raise ImproperlyConfigured(
        "PUBLIC_BASE_URL must be set in production to the address parties' phones open, "
        "e.g. https://zongzhi.example.gov.cn (it is printed in every receipt's QR code)."
    )
# Personal data and receipt keys: never keys derived from the secret key in production.
ZONGZHI_PII_KEYS = env.list("ZONGZHI_PII_KEYS", default=[])
ZONGZHI_PII_INDEX_KEYS = env.list("ZONGZHI_PII_INDEX_KEYS", default=[])
ZONGZHI_TRACKING_SECRET = env("ZONGZHI_TRACKING_SECRET", default="")
if not ZONGZHI_PII_KEYS or not ZONGZHI_PII_INDEX_KEYS or len(ZONGZHI_TRACKING_SECRET) < 32:
    raise ImproperlyConfigured(
        "ZONGZHI_PII_KEYS, ZONGZHI_PII_INDEX_KEYS and ZONGZHI_TRACKING_SECRET must be set in production "
        "(generate with: manage.py rotate_pii_keys --generate)."
    )
try:
    [Fernet(key.encode()) for key in ZONGZHI_PII_KEYS]
except ValueError as exc:
    raise ImproperlyConfigured(
        "ZONGZHI_PII_KEYS must be Fernet keys (manage.py rotate_pii_keys --generate)."
    ) from exc

SECURE_HTTPS = env.bool("DJANGO_SECURE_HTTPS", default=True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = SECURE_HTTPS
SESSION_COOKIE_SECURE = SECURE_HTTPS
CSRF_COOKIE_SECURE = SECURE_HTTPS
SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=31536000 if SECURE_HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HTTPS
SECURE_HSTS_PRELOAD = SECURE_HTTPS
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
# The API's documentation and schema only for signed-in staff: they map every endpoint.
ZONGZHI_API_DOCS_REQUIRE_LOGIN = env.bool("ZONGZHI_API_DOCS_REQUIRE_LOGIN", default=True)
if not SECURE_HTTPS:
    # Plain-HTTP intranet: check --deploy would warn about these; silence exactly those.
    SILENCED_SYSTEM_CHECKS = ["security.W004", "security.W008", "security.W012", "security.W016"]

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
