"""Template context about the person's sign-in security."""

from __future__ import annotations

from django.utils.http import url_has_allowed_host_and_scheme

from .mfa import NEXT_SESSION_KEY as MFA_NEXT_SESSION_KEY
from .mfa import is_verified


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
