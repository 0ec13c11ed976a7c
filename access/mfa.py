"""Who must have passed MFA, and whether this session has.

A session counts as MFA-verified once, in it, the person has used an authenticator (at sign-in
or to confirm), added one (which needs a code from it), or signed in through the force's
identity provider with a token that says MFA was done (``amr`` holds ``mfa``).
"""

from __future__ import annotations

import time

SESSION_KEY = "attest_mfa"


def mark_verified(request, method: str) -> None:
    """Note in the session that its person has passed MFA, and how ("totp", "sso"...)."""
    request.session[SESSION_KEY] = {"method": method, "at": int(time.time())}


def is_verified(request) -> bool:
    return bool(request.session.get(SESSION_KEY))
