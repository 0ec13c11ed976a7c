"""What every request passes through: session limits, MFA for privileged pages, a record of
refusals, and the Content Security Policy."""

from __future__ import annotations

import time
from urllib.parse import urlencode

from csp.constants import SELF
from csp.middleware import CSPMiddleware
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.core.cache import cache
from django.core.exceptions import BadRequest
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.cache import patch_cache_control

from . import audit
from .mfa import (
    NEXT_SESSION_KEY,
    MFARequired,
    admin_prefix,
    changes_mfa_methods,
    has_authenticator,
    is_verified,
    needs_mfa_for,
)
from .sessions import current_session_key

SIGNED_IN_AT = "attest_signed_in_at"
LAST_SEEN = "attest_last_seen"
# Noting the time of every request in the session would write the session on every request: the
# session keeps it to the minute, and a signed cookie, rewritten with every response, keeps it to
# the second. The cookie is signed for this session alone, so it cannot be forged or carried to
# another; an old copy sent back only makes the session look idle for longer.
LAST_SEEN_PRECISION = 60
ACTIVITY_COOKIE = "attest_activity"

# No route's segment is anywhere near this long; a longer one is noise (or an attack).
LONGEST_SEGMENT = 255


class MalformedRequestMiddleware:
    """Refuses, before any view or database sees it, a request no one could mean: a path with a
    NUL or another control character, or a segment longer than ``LONGEST_SEGMENT`` (404), and a
    query string carrying a NUL (400). PostgreSQL cannot store or compare a NUL in text, so
    without this such a URL reaches a query and fails as a server error."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        path = request.path_info
        if any(ord(char) < 32 or ord(char) == 127 for char in path):
            raise Http404("This address contains characters no page has.")
        if any(len(segment) > LONGEST_SEGMENT for segment in path.split("/")):
            raise Http404("This address is longer than any page's.")
        if any("\x00" in key or any("\x00" in value for value in values) for key, values in request.GET.lists()):
            raise BadRequest("The address's query contains a NUL character.")
        return self.get_response(request)


class SessionLimitsMiddleware:
    """Signs a person out after ``SESSION_IDLE_MINUTES`` without a request, and
    ``SESSION_ABSOLUTE_HOURS`` after they signed in, whatever they are doing. A shared terminal
    left signed in is the commonest way someone else's record gets touched."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = current_session_key.set(request.session.session_key)
        try:
            return self.limit(request)
        finally:
            current_session_key.reset(token)

    def limit(self, request):
        if not request.user.is_authenticated:
            return self.get_response(request)
        now = int(time.time())
        session = request.session
        signed_in_at = session.setdefault(SIGNED_IN_AT, now)
        last_seen = max(session.get(LAST_SEEN, now), self.seen_to_the_second(request))
        expired = None
        if now - signed_in_at >= settings.SESSION_ABSOLUTE_HOURS * 3600:
            expired = f"{settings.SESSION_ABSOLUTE_HOURS} hours after signing in"
        elif now - last_seen >= settings.SESSION_IDLE_MINUTES * 60:
            expired = f"after {settings.SESSION_IDLE_MINUTES} minutes without activity"
        if expired:
            return self.end(request, expired)
        if is_heartbeat(request):
            return self.get_response(request)
        if now - session.get(LAST_SEEN, 0) >= LAST_SEEN_PRECISION:
            session[LAST_SEEN] = now
        response = self.get_response(request)
        if request.session.session_key and request.user.is_authenticated:  # still signed in, in this session
            response.set_signed_cookie(
                ACTIVITY_COOKIE,
                str(now),
                salt=self.cookie_salt(request),
                httponly=True,
                secure=settings.SESSION_COOKIE_SECURE,
                samesite="Lax",
            )
        return response

    @staticmethod
    def cookie_salt(request) -> str:
        return f"{ACTIVITY_COOKIE}:{request.session.session_key}"

    def seen_to_the_second(self, request) -> int:
        """The time of the session's last request, from its signed cookie; 0 without a valid one."""
        value = request.get_signed_cookie(ACTIVITY_COOKIE, default="", salt=self.cookie_salt(request))
        return int(value) if value.isdigit() else 0

    def end(self, request, why: str):
        audit.record(audit.Action.SESSION_EXPIRED, request=request, details={"why": why})
        request.attest_session_expired = True  # the sign-out receiver records nothing more
        logout(request)
        messages.info(request, f"You were signed out {why}. Sign in again to carry on.")
        return redirect_to_login(request.get_full_path())


def is_heartbeat(request) -> bool:
    """A request a page makes by itself, not the person: the Wagtail editor's ping every few
    seconds while it is open. It must not keep an unattended session alive."""
    return request.path.startswith(admin_prefix() + "editing-sessions/")


class MFARequiredMiddleware:
    """Privileged pages (the Wagtail admin, My team, anyone else's records) need a session in
    which the person has passed MFA. Without it they are sent to set up an authenticator, or,
    if they have one, to confirm with it, and then brought back."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = request.user
        if not user.is_authenticated or is_verified(request):
            return None
        if needs_mfa_for(request) or (changes_mfa_methods(request) and has_authenticator(user)):
            return self.challenge(request)
        return None

    def process_exception(self, request, exception):
        return self.challenge(request) if isinstance(exception, MFARequired) else None

    @staticmethod
    def challenge(request):
        note_mfa_challenge(request)
        query = urlencode({"next": request.get_full_path()})
        if has_authenticator(request.user):
            return redirect(f"{reverse('mfa_reauthenticate')}?{query}")
        messages.warning(
            request,
            "Your role lets you change training or see other people's records, so it needs a second "
            "step at sign-in. Set up an authenticator app to carry on.",
        )
        request.session[NEXT_SESSION_KEY] = request.get_full_path()
        return redirect(f"{reverse('mfa_activate_totp')}?{query}")


# A page that keeps being asked for without the MFA step (a tab reloading, a script) would fill
# the audit log: each session's refusals of one page are logged once in this many seconds.
MFA_CHALLENGE_LOG_EVERY = 600


def note_mfa_challenge(request) -> None:
    """Log that this session was sent to its MFA step instead of the page it asked for: once per
    session and page in ``MFA_CHALLENGE_LOG_EVERY`` seconds."""
    key = f"attest:mfa-challenge:{request.session.session_key}:{request.path}"
    if cache.add(key, True, MFA_CHALLENGE_LOG_EVERY):
        audit.denied(
            request,
            "mfa-required",
            method=request.method,
            logged_once_in_seconds=MFA_CHALLENGE_LOG_EVERY,
        )


class AccessDeniedMiddleware:
    """Every refusal (403) goes in the audit log, whichever view refused."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        # A view that recorded its own refusal, with its reason, marks the response (lti/views.py).
        if response.status_code == 403 and not getattr(response, "refusal_audited", False):
            audit.denied(request, "page", method=request.method, status=403)
        return response


# A preview keeps the page's own policy, but the admin's preview panel (this site) may frame it.
PREVIEW_CSP_REPLACE = {"frame-ancestors": [SELF]}


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's policy, relaxed on the Wagtail admin by ``ADMIN_CSP_REPLACE``: its editors
    rely on inline styles and scripts, and it previews pages in a frame of itself. Officer
    pages keep the strict policy.

    A preview is the page rendered through the whole middleware stack again, for a pretend
    request to the page's own address (Wagtail's ``make_preview_request``, which marks it
    ``is_preview``): it gets the officer page's policy, and its headers are kept by the admin's
    response around it. Only its framing changes (``PREVIEW_CSP_REPLACE`` and X-Frame-Options
    SAMEORIGIN), or the editor's preview panel stays blank."""

    def process_response(self, request, response):
        if getattr(response, "_csp_replace", None) is None:
            if getattr(request, "is_preview", False):
                response._csp_replace = PREVIEW_CSP_REPLACE
                response.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
            elif request.path.startswith(admin_prefix()):
                response._csp_replace = settings.ADMIN_CSP_REPLACE
        return super().process_response(request, response)


class PrivatePagesMiddleware:
    """Pages shown to a signed-in person are theirs alone: no browser or proxy may keep a copy.

    Officers often use shared terminals; after signing out, the back button must not bring
    back someone's answers or certificate.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if getattr(request, "user", None) is not None and request.user.is_authenticated:
            patch_cache_control(response, private=True, no_store=True)
        return response
