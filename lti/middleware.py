"""Attest's pages inside a registered learning platform's frame.

Every page refuses to be framed (``X-Frame-Options: DENY``, CSP ``frame-ancestors 'none'``),
except for a session that began with a launch from a registered platform: its pages (never the
admin's) may be framed by that platform's origin alone, and its session and CSRF cookies are
``SameSite=None; Secure`` so the browser sends them inside the platform's frame (Chrome does not
send ``Lax`` cookies to a cross-site frame). The CSRF token is still checked on every form; only
the cookie's same-site shortcut is given up, for these sessions only.

It sits outside the session middleware so it sees the cookies that middleware set, and runs after
the CSP middleware wrote its header, which it then narrows for these responses.
"""

from __future__ import annotations

import re

from django.conf import settings
from lti_tool.models import LtiRegistration

from access.mfa import admin_prefix
from core.kept import Kept

from .models import Platform

# The session's key naming the registration the person launched from.
FRAMED_BY = "attest:lti:registration"
_origins: Kept[str] = Kept(size=64, seconds=60)
_FRAME_ANCESTORS = re.compile(r"frame-ancestors[^;]*")
CSP_HEADERS = ("Content-Security-Policy", "Content-Security-Policy-Report-Only")


def platform_origin(registration_pk: int) -> str | None:
    """The web origin of an active registration (kept a minute per process), or None."""

    def make() -> str | None:
        registration = LtiRegistration.objects.filter(pk=registration_pk, is_active=True).first()
        if registration is None:
            return None
        return Platform.rules_for(registration).origin() or None

    return _origins.get(registration_pk, make)


def allow_framing(response, origin: str) -> None:
    """Let ``origin`` alone frame this response."""
    for header in CSP_HEADERS:
        if header in response:
            response[header] = _FRAME_ANCESTORS.sub(f"frame-ancestors {origin}", response[header])
    if "X-Frame-Options" in response:
        del response["X-Frame-Options"]


def cookies_for_frame(request, response) -> None:
    """The session and CSRF cookies this response sets, sendable inside a cross-site frame:
    only over HTTPS (a browser drops ``SameSite=None`` without ``Secure``)."""
    if not request.is_secure():
        return
    for name in (settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME):
        morsel = response.cookies.get(name)
        if morsel is not None and morsel.value:
            morsel["samesite"] = "None"
            morsel["secure"] = True


class PlatformFrameMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        origin = getattr(response, "lti_frame_origin", None)
        session = getattr(request, "session", None)
        if origin is None and session is not None and not request.path.startswith(admin_prefix()):
            registration_pk = session.get(FRAMED_BY)
            origin = platform_origin(registration_pk) if isinstance(registration_pk, int) else None
        if origin:
            allow_framing(response, origin)
            cookies_for_frame(request, response)
        return response
