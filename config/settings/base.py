"""Settings shared by every environment.

Every value that differs between machines comes from an environment variable, read through
the single typed schema below; the README lists each one. ``dev``, ``test`` and
``production`` only change defaults and switch features on or off.
"""

import re
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env(
    DEBUG=(bool, False),
    SECRET_KEY=(str, ""),
    ALLOWED_HOSTS=(list, []),
    CSRF_TRUSTED_ORIGINS=(list, []),
    DATABASE_URL=(str, f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
    CACHE_URL=(str, "dbcache://attest_cache"),
    REDIS_URL=(str, ""),
    SESSION_IDLE_MINUTES=(int, 30),
    SESSION_ABSOLUTE_HOURS=(int, 12),
    EMAIL_URL=(str, "consolemail://"),
    DEFAULT_FROM_EMAIL=(str, "Attest <attest@localhost>"),
    LEDGER_ANCHOR_EMAIL=(str, ""),
    LEDGER_ANCHOR_FILE=(str, ""),
    DATABASE_POOL_SIZE=(int, 4),
    LEDGER_KEYS=(list, []),
    LEDGER_UNKEYED_ROWS=(int, 0),
    ACCESSIBILITY_CONTACT_EMAIL=(str, ""),
    VERIFY_RATE_LIMIT=(int, 300),
    SIGN_IN_RATE_PER_ADDRESS=(int, 1200),
    FAILED_SIGN_IN_RATE_PER_ADDRESS=(int, 300),
    TASKS_BACKEND=(str, "immediate"),
    REMINDER_ESCALATE_AFTER_DAYS=(int, 14),
    RESPONSE_RETENTION_YEARS=(int, 6),
    SITE_URL=(str, "http://127.0.0.1:8000"),
    PORT=(int, 8000),
    FORCE_NAME=(str, "Metropolitan Police Service"),
    DEMO_PASSWORD=(str, "attest-demo-2026"),
    SECURE_SSL_REDIRECT=(bool, True),
    SECURE_HSTS_SECONDS=(int, 31536000),
    LOG_LEVEL=(str, "INFO"),
    ENTRA_TENANT_ID=(str, ""),
    ENTRA_CLIENT_ID=(str, ""),
    ENTRA_CLIENT_SECRET=(str, ""),
    ENTRA_AUTHORITY=(str, "https://login.microsoftonline.com"),
    ENTRA_WARRANT_CLAIM=(str, "employeeid"),
)
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env("DEBUG")
SECRET_KEY = env("SECRET_KEY")
ALLOWED_HOSTS = env("ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env("CSRF_TRUSTED_ORIGINS")

# The public address of the site: printed on certificates and encoded in their QR codes.
SITE_URL = env("SITE_URL").rstrip("/")
FORCE_NAME = env("FORCE_NAME")
# Where the accessibility statement sends requests for another format and reports of problems;
# empty: the address mail is sent from (DEFAULT_FROM_EMAIL).
ACCESSIBILITY_CONTACT_EMAIL = env("ACCESSIBILITY_CONTACT_EMAIL")
DEMO_PASSWORD = env("DEMO_PASSWORD")
# seed_demo creates accounts with a published password: never on a production database.
DEMO_DATA_ALLOWED = False

INSTALLED_APPS = [
    # Ours, in the order dependencies point: each may import those above it, never those below.
    "core",
    "access",
    "people",
    "scenarios",
    "certificates",
    "learning",
    "lti_tool",  # django-lti: platform registrations, deployments, the tool's keys (lti/)
    "lti",
    "xapi",
    "records",
    "demo",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_filters",
    "treebeard",
    "pgtrigger",
    "django_tasks",
    "django_tasks_db",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "allauth.usersessions",
    "csp",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Outside the session middleware so it sees the cookies it set: lti/middleware.py
    "lti.middleware.PlatformFrameMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "core.sites.SiteMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "access.middleware.MalformedRequestMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "allauth.usersessions.middleware.UserSessionsMiddleware",
    "access.middleware.SessionLimitsMiddleware",
    "access.middleware.MFARequiredMiddleware",
    "access.middleware.AccessDeniedMiddleware",
    "access.middleware.ContentSecurityPolicyMiddleware",
    "access.middleware.PrivatePagesMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "core.context_processors.site",
                "access.context_processors.mfa_continue",
                "access.context_processors.team_link",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Take the write lock when a transaction starts, so two concurrent submissions wait for
    # each other instead of failing with "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {})["transaction_mode"] = "IMMEDIATE"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Rate limits (sign-in, /verify/) count in the default cache, so it must be one every app
# process shares: the database by default (its table is made by `migrate`), Redis when
# REDIS_URL is set. A process-local cache would give each process its own allowance.
if env("REDIS_URL"):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": env("REDIS_URL")}}
else:
    CACHES = {"default": env.cache("CACHE_URL")}

AUTH_USER_MODEL = "people.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
    # Who may see one person's certificates and transcript: themselves, HR, their line managers.
    "people.permissions.TrainingRecordBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "learning:dashboard"

# django-allauth: people are provisioned from the HR system, so there is no public sign-up;
# they sign in with their username or their email address.
ACCOUNT_ADAPTER = "access.adapters.AccountAdapter"
ACCOUNT_FORMS = {"login": "access.forms.SignInForm"}
ACCOUNT_LOGIN_METHODS = {"username", "email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "username*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
# Rate limits. A force's officers reach the site through a few proxy or NAT addresses, so the
# limits per address are sized for a whole force behind one (a deadline day's sign-ins, and the
# wrong passwords among them), and the real protection is per account: at most 5 failed
# sign-ins per account in 5 minutes (the adapter counts a username and an email address of one
# account together). Every allauth limit is set here, none left to its defaults.
SIGN_IN_RATE_PER_ADDRESS = env("SIGN_IN_RATE_PER_ADDRESS")
FAILED_SIGN_IN_RATE_PER_ADDRESS = env("FAILED_SIGN_IN_RATE_PER_ADDRESS")
ACCOUNT_RATE_LIMITS = {
    "login": f"{SIGN_IN_RATE_PER_ADDRESS}/m/ip",
    "login_failed": f"{FAILED_SIGN_IN_RATE_PER_ADDRESS}/m/ip,5/5m/key",
    "reset_password": f"{FAILED_SIGN_IN_RATE_PER_ADDRESS}/m/ip,5/m/key",
    "reset_password_from_key": f"{FAILED_SIGN_IN_RATE_PER_ADDRESS}/m/ip",
    "change_password": "5/m/user",
    "reauthenticate": "10/m/user",
    "manage_email": "10/m/user",  # closed anyway: addresses come from HR
    "signup": "20/m/ip",  # closed anyway: people come from HR
    "request_login_code": "20/m/ip,3/m/key",  # unused: no sign-in by code
    "change_phone": "1/m/user",  # unused
}
# The Wagtail admin's own sign-in page sends people here, so its limits cannot be sidestepped.
WAGTAILADMIN_LOGIN_URL = "/accounts/login/"
WAGTAIL_FRONTEND_LOGIN_URL = "/accounts/login/"
# Passwords are reset through allauth's pages only (rate-limited, in the audit log).
WAGTAIL_PASSWORD_RESET_ENABLED = False

# MFA (allauth.mfa): an authenticator app with recovery codes, and security keys (WebAuthn)
# where the browser supports them. Privileged roles must use it (access/middleware.py).
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
MFA_PASSKEY_LOGIN_ENABLED = False
MFA_TOTP_ISSUER = "Attest"
# Who must use MFA (anyone holding one of these permissions, and superusers), and the pages
# outside the Wagtail admin that need it. Named here, where the apps meet, so that access
# knows no other app's names.
MFA_REQUIRED_PERMISSIONS = ["wagtailadmin.access_admin", "people.view_team"]
MFA_REQUIRED_URL_NAMES = ["records:team"]
# Which sessions each person has open, so ending them all (a leaver, a new password) is one
# indexed query (allauth.usersessions).
USERSESSIONS_TRACK_ACTIVITY = False

# Single sign-on with the force's Microsoft Entra ID tenant (access/sso.py). -------------------
# Off unless ENTRA_TENANT_ID is set (the demo signs in with local accounts). The tenant must be
# the force's own GUID: access.entra.providers refuses "common" and the like. Accounts are keyed
# on the token's tid and oid, and linked to an imported person only by warrant number.
from access.entra import providers as entra_providers  # noqa: E402

SOCIALACCOUNT_PROVIDERS: dict = entra_providers(
    tenant_id=env("ENTRA_TENANT_ID"),
    client_id=env("ENTRA_CLIENT_ID"),
    client_secret=env("ENTRA_CLIENT_SECRET"),
    authority=env("ENTRA_AUTHORITY"),
    warrant_claim=env("ENTRA_WARRANT_CLAIM"),
)
SOCIALACCOUNT_ADAPTER = "access.sso.SocialAccountAdapter"
# Single sign-on never creates a person (they come from HR), never matches one by email, and
# keeps no access or refresh tokens.
SOCIALACCOUNT_AUTO_SIGNUP = False
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = False
SOCIALACCOUNT_STORE_TOKENS = False
SOCIALACCOUNT_LOGIN_ON_GET = False
# ------------------------------------------------------------------------------------------------

# A session ends after SESSION_IDLE_MINUTES without a request, and SESSION_ABSOLUTE_HOURS after
# sign-in whatever happens (access.middleware.SessionLimitsMiddleware); the cookie and the
# stored session never outlive the absolute limit either.
SESSION_IDLE_MINUTES = env("SESSION_IDLE_MINUTES")
SESSION_ABSOLUTE_HOURS = env("SESSION_ABSOLUTE_HOURS")
if SESSION_IDLE_MINUTES < 1 or SESSION_ABSOLUTE_HOURS < 1:
    raise ImproperlyConfigured("SESSION_IDLE_MINUTES and SESSION_ABSOLUTE_HOURS must be 1 or more.")
SESSION_COOKIE_HTTPONLY = True
# Sessions are read from the shared cache (written to the database as well, which keeps them if
# the cache is emptied): one query less on every signed-in request. Ending a session deletes it
# from both (access.sessions.end_sessions goes through the session store).
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_COOKIE_AGE = SESSION_ABSOLUTE_HOURS * 60 * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
X_FRAME_OPTIONS = "DENY"
CSRF_FAILURE_VIEW = "access.views.csrf_failure"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# Content Security Policy (django-csp). Officer pages load only this site's own CSS and
# JavaScript: no inline script or style, no other origin. The Wagtail admin is relaxed by
# access.middleware.ContentSecurityPolicyMiddleware (ADMIN_CSP_REPLACE), because its editors
# use inline styles and it previews pages in a frame of itself.
from csp.constants import NONE, SELF  # noqa: E402

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        # The single sign-on button posts here and is sent on to the identity provider.
        "form-action": [SELF, env.str("ENTRA_AUTHORITY", default="https://login.microsoftonline.com")],
        "frame-ancestors": [NONE],
    }
}
ADMIN_CSP_REPLACE = {
    "script-src": [SELF, "'unsafe-inline'"],
    "style-src": [SELF, "'unsafe-inline'"],
    "img-src": [SELF, "data:", "blob:"],
    "frame-src": [SELF],
    "frame-ancestors": [SELF],
}

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "frontend" / "build"]
MEDIA_URL = "/media/"
MEDIA_ROOT = BASE_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

vars().update(env.email_url("EMAIL_URL"))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Where the daily ledger anchor (row count and head hash) is emailed, outside the database.
LEDGER_ANCHOR_EMAIL = env("LEDGER_ANCHOR_EMAIL")
# A file each ledger anchor is appended to as one JSON line (fsync'd), for
# `verify_ledger --anchors FILE`: keep it where the database's administrators cannot write.
LEDGER_ANCHOR_FILE = env("LEDGER_ANCHOR_FILE")


def _ledger_keys(entries: list[str]) -> dict[str, str]:
    """``id:secret`` pairs, in order: the first seals new ledger rows and anchors, the others only
    check what they sealed before a rotation."""
    keys: dict[str, str] = {}
    for entry in entries:
        key_id, _, secret = entry.strip().partition(":")
        if not re.fullmatch(r"[A-Za-z0-9_-]{1,16}", key_id) or len(secret) < 32 or key_id in keys:
            raise ImproperlyConfigured(
                "LEDGER_KEYS must be comma-separated id:secret pairs: each id 1 to 16 letters, digits, - or _ "
                "and used once, each secret at least 32 characters (no commas)."
            )
        keys[key_id] = secret
    return keys


# The HMAC keys that seal the ledger's rows and anchors, held in the environment and never in the
# database, so that nobody with only the database can reseal a changed row (docs/threat-model.md).
LEDGER_KEYS = _ledger_keys(env("LEDGER_KEYS"))
# How many rows at the start of the ledger were sealed before LEDGER_KEYS was set (0 when it was set
# from the first row): past them, with keys set, an unkeyed seal is a row resealed without the key.
LEDGER_UNKEYED_ROWS = env("LEDGER_UNKEYED_ROWS")

# Certificate checks on the public /verify/ pages allowed per client address in 10 minutes,
# counted in the default cache (shared by every app process when CACHE_URL names one).
VERIFY_RATE_LIMIT = env("VERIFY_RATE_LIMIT")
# Behind a proxy, rate limits key on REMOTE_ADDR as the WSGI server sets it: configure the
# proxy (or gunicorn's --forwarded-allow-ips) so that it is the client's address.
RATELIMIT_USE_CACHE = "default"

# A person this many days overdue is listed in an email to their line manager.
REMINDER_ESCALATE_AFTER_DAYS = env("REMINDER_ESCALATE_AFTER_DAYS")
if REMINDER_ESCALATE_AFTER_DAYS < 1:
    raise ImproperlyConfigured("REMINDER_ESCALATE_AFTER_DAYS must be 1 or more: only the overdue are escalated.")

# Background work (enrolments, ledger anchors, Wagtail's indexes) goes through Django's task
# framework. "immediate" runs each task in the request that queues it (development, tests);
# "database" queues it in the database for `manage.py db_worker` (django-tasks-db) to run.
TASK_BACKENDS = {
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
    "database": "django_tasks_db.backend.DatabaseBackend",
}
if env("TASKS_BACKEND") not in TASK_BACKENDS:
    raise ImproperlyConfigured(f"TASKS_BACKEND must be one of {', '.join(TASK_BACKENDS)}.")
TASKS = {"default": {"BACKEND": TASK_BACKENDS[env("TASKS_BACKEND")]}}

# Privacy: what a person may download about themselves, and how long quiz answers are kept. ---
# Each answer to a step is kept this many years after its attempt finished (or started, if it
# never finished), then removed by `manage.py apply_retention`. The attempt's score, the
# attestation ledger and certificates are evidence and are kept whatever this says.
RESPONSE_RETENTION_YEARS = env("RESPONSE_RETENTION_YEARS")
if RESPONSE_RETENTION_YEARS < 1:
    raise ImproperlyConfigured("RESPONSE_RETENTION_YEARS must be 1 or more: answers are kept at least a year.")
# ------------------------------------------------------------------------------------------------

DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000

WAGTAIL_SITE_NAME = "Attest"
# No avatars fetched from Gravatar: nobody's email address hash leaves the force's network.
WAGTAIL_GRAVATAR_PROVIDER_URL = None
WAGTAILADMIN_BASE_URL = SITE_URL
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAILDOCS_EXTENSIONS = ["csv", "docx", "odt", "pdf", "txt", "xlsx"]
WAGTAIL_I18N_ENABLED = False
# A change saved while a scenario awaits approval needs approving again.
WAGTAIL_WORKFLOW_REQUIRE_REAPPROVAL_ON_EDIT = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    # No reset or confirmation key from a logged path (access.log_filters).
    "filters": {"redact_secret_paths": {"()": "access.log_filters.RedactSecretPaths"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["redact_secret_paths"]}
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL")},
    # Every background task logs its start and end at INFO: too much for a console.
    "loggers": {
        "django_tasks": {"level": "WARNING"},
        "wagtail": {"level": "WARNING"},
    },
}

# --- The force's learning platform (LTI 1.3): lti/ ------------------------------------------------
# An LTI id_token older than this is refused even if the platform's exp claim is later; a used
# nonce is remembered (in the shared cache) this long, so a replay inside it is refused.
LTI_LAUNCH_MAX_AGE_SECONDS = 600
# A grade the platform refused is tried again after 1, 2, 4... minutes, up to this many tries;
# then it stays "failed" in the admin until an administrator retries it.
LTI_GRADE_MAX_TRIES = 8

# --- Statements to the force's learning record store (xAPI): xapi/ -------------------------------

# Off unless XAPI_LRS_ENDPOINT is set (the LRS's statements resource is this address plus
# "statements"). The person is named by an account on XAPI_ACCOUNT_HOMEPAGE (the force's home
# page; default SITE_URL), never by email. Docs: operators.md (the learning record store).
XAPI_LRS_ENDPOINT = env.str("XAPI_LRS_ENDPOINT", default="").strip()
if XAPI_LRS_ENDPOINT and not XAPI_LRS_ENDPOINT.endswith("/"):
    XAPI_LRS_ENDPOINT += "/"
XAPI_LRS_USERNAME = env.str("XAPI_LRS_USERNAME", default="")
XAPI_LRS_PASSWORD = env.str("XAPI_LRS_PASSWORD", default="")
# Empty: SITE_URL as each settings file leaves it (read when a statement is built).
XAPI_ACCOUNT_HOMEPAGE = env.str("XAPI_ACCOUNT_HOMEPAGE", default="").rstrip("/")
XAPI_BATCH_SIZE = env.int("XAPI_BATCH_SIZE", default=50)
XAPI_TIMEOUT_SECONDS = env.float("XAPI_TIMEOUT_SECONDS", default=5.0)
if XAPI_LRS_ENDPOINT and not re.match(r"^https?://", XAPI_LRS_ENDPOINT):
    raise ImproperlyConfigured("XAPI_LRS_ENDPOINT must be the LRS's http:// or https:// address, or empty.")
if XAPI_LRS_ENDPOINT and not (XAPI_LRS_USERNAME and XAPI_LRS_PASSWORD):
    raise ImproperlyConfigured(
        "Set XAPI_LRS_USERNAME and XAPI_LRS_PASSWORD (the LRS's basic auth) with XAPI_LRS_ENDPOINT."
    )
if not 1 <= XAPI_BATCH_SIZE <= 500:
    raise ImproperlyConfigured("XAPI_BATCH_SIZE must be between 1 and 500 statements.")


# --- Signed certificate PDFs (PAdES, pyHanko): certificates/signing.py ----------------------------
# The force's key and certificate for signing certificate PDFs (PEM or DER files; the certificate
# file may go on with its issuers). Unset: PDFs are unsigned (deployment check certificates.W001),
# except where demo data is allowed (dev), which signs with the demo pair seed_demo makes in
# CERTIFICATE_DEMO_SIGNING_DIR (var/ is outside git). With CERTIFICATE_TIMESTAMP_URL (an RFC 3161
# timestamp authority) each PDF is also timestamped when first stored. Docs: operators.md.
CERTIFICATE_SIGNING_KEY = env.str("CERTIFICATE_SIGNING_KEY", default="")
CERTIFICATE_SIGNING_CERT = env.str("CERTIFICATE_SIGNING_CERT", default="")
CERTIFICATE_SIGNING_KEY_PASSWORD = env.str("CERTIFICATE_SIGNING_KEY_PASSWORD", default="")
CERTIFICATE_TIMESTAMP_URL = env.str("CERTIFICATE_TIMESTAMP_URL", default="")
# The timestamp authority's root certificate(s), PEM; empty: the operating system's trust list.
CERTIFICATE_TIMESTAMP_ROOTS = env.str("CERTIFICATE_TIMESTAMP_ROOTS", default="")
CERTIFICATE_DEMO_SIGNING_DIR = BASE_DIR / "var" / "certificate-signing"
if bool(CERTIFICATE_SIGNING_KEY) != bool(CERTIFICATE_SIGNING_CERT):
    raise ImproperlyConfigured("Set both CERTIFICATE_SIGNING_KEY and CERTIFICATE_SIGNING_CERT, or neither.")
