"""Production: refuses to start without its secrets; HTTPS only; hashed static files."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import env

DEBUG = False

# Without LEDGER_KEYS the ledger's seals are plain SHA-256, which anyone with the database can redo.
for required in ("SECRET_KEY", "ALLOWED_HOSTS", "LEDGER_KEYS"):
    if not env(required):
        raise ImproperlyConfigured(f"Set the {required} environment variable to run in production.")
# Certificates print this address and encode it in their QR codes for as long as they exist.
if not env.str("SITE_URL", default="").startswith("https://"):
    raise ImproperlyConfigured("Set the SITE_URL environment variable to the site's public https:// address.")

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env("SECURE_SSL_REDIRECT")
SECURE_HSTS_SECONDS = env("SECURE_HSTS_SECONDS")
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
CSRF_COOKIE_HTTPONLY = True

# Each process keeps a pool of PostgreSQL connections its threads share (psycopg 3's pool, through
# Django's "pool" option): a request no longer opens a connection of its own. DATABASE_POOL_SIZE
# should be at least the threads per process (gunicorn.conf.py); set it to 0 to open one per request.
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env("DATABASE_POOL_SIZE"):
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": 1,
        "max_size": env("DATABASE_POOL_SIZE"),
        "timeout": 10,  # seconds a request waits for a free connection before it fails
    }

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
