"""Local development: debug on, a fixed insecure key unless one is given, console email."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DEBUG", default=True)
SECRET_KEY = env("SECRET_KEY") or "django-insecure-attest-development-key-never-use-in-production"
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
# The verify link, QR codes and email links point at the port `make run` serves on.
SITE_URL = env("SITE_URL", default=f"http://127.0.0.1:{env('PORT')}").rstrip("/")
WAGTAILADMIN_BASE_URL = SITE_URL

# Static files come straight from the finders (frontend/build and the apps); no collectstatic.
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True

DEMO_DATA_ALLOWED = True
