"""Template context about the person's sign-in security."""

from __future__ import annotations

from django.utils.http import url_has_allowed_host_and_scheme

from .mfa import NEXT_SESSION_KEY as MFA_NEXT_SESSION_KEY
from .mfa import admin_prefix, is_verified
from .middleware import LAST_SEEN


def mfa_continue(request) -> dict:
    """``mfa_continue_url``: the page to carry on to, for a "Continue" button on the recovery
    codes page and Sign-in security, once this session has passed MFA.

    Only a path on this site is offered: the value came from the person's own request, but a
    link is no place to find out it was not. On arrival there the note is forgotten.
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    target = request.session.get(MFA_NEXT_SESSION_KEY)
    if not isinstance(target, str) or not target or not is_verified(request):
        return {}
    if not (target.startswith("/") and url_has_allowed_host_and_scheme(target, allowed_hosts=None)):
        request.session.pop(MFA_NEXT_SESSION_KEY, None)
        return {}
    if target == request.get_full_path():
        request.session.pop(MFA_NEXT_SESSION_KEY, None)
        return {}
    return {"mfa_continue_url": target}


TEAM_LINK = "attest_team_link"


def team_link(request) -> dict:
    """``show_team_link``: whether the header offers "My team" (``people.view_team``).

    Asking for the permission costs two queries on every page. The answer is kept in the
    session beside the minute the session was last seen (``SessionLimitsMiddleware`` notes it
    once a minute, and the session is saved then anyway), so it is asked again once a minute
    at most: a new line manager sees the link within a minute. The link only shows the way;
    My team itself asks for the permission on every request."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or request.path.startswith(admin_prefix()):
        return {}  # the Wagtail admin has a menu of its own
    seen = request.session.get(LAST_SEEN)
    kept = request.session.get(TEAM_LINK)
    if isinstance(kept, list) and len(kept) == 2 and kept[0] == seen and seen is not None:
        return {"show_team_link": bool(kept[1])}
    shown = user.has_perm("people.view_team")
    request.session[TEAM_LINK] = [seen, shown]
    return {"show_team_link": shown}
