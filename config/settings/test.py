"""The test suite: fast hashing, in-memory email, tasks run immediately."""

from .base import *  # noqa: F403
from .base import env

DEBUG = False
SECRET_KEY = "attest-test-key-not-secret-0123456789-abcdefghijklmnopqrstuvwxyz"  # noqa: S105
ALLOWED_HOSTS = ["*"]
# The ledger is sealed with a key, as in production; a test that needs no key or others sets its own.
LEDGER_KEYS = {"test1": "attest-test-ledger-key-not-secret-0123456789"}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
SITE_URL = env("SITE_URL", default="http://testserver").rstrip("/")
WAGTAILADMIN_BASE_URL = SITE_URL

# Static files come straight from the finders (frontend/build and the apps); no collectstatic.
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True

DEMO_DATA_ALLOWED = True
# Files (certificate PDFs) are kept in memory: a test run leaves nothing behind.
STORAGES = {**STORAGES, "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"}}
# Certificate PDFs unsigned, whatever a developer's var/ holds: tests that sign configure a key
# pair of their own (tests/certificates/test_signing.py).
CERTIFICATE_DEMO_SIGNING_DIR = None
