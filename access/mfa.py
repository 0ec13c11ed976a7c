"""Who must have passed MFA, and whether this session has.

A session counts as MFA-verified once, in it, the person has used an authenticator (at sign-in
or to confirm), added one (which needs a code from it), or signed in through the force's
identity provider with a token that says MFA was done (``amr`` holds ``mfa``).
"""

from __future__ import annotations

import time

from django.conf import settings

SESSION_KEY = "attest_mfa"
# Where a person was going when they were sent to set up an authenticator (allauth then shows
# their recovery codes, not that page): offered as "Continue" by access.context_processors.
NEXT_SESSION_KEY = "attest_mfa_next"


def mark_verified(request, method: str) -> None:
    """Note in the session that its person has passed MFA, and how ("totp", "sso"...)."""
    request.session[SESSION_KEY] = {"method": method, "at": int(time.time())}


def forget_verified(request) -> None:
    """The session no longer counts as MFA-verified (its person removed an authenticator)."""
    request.session.pop(SESSION_KEY, None)


def is_verified(request) -> bool:
    return bool(request.session.get(SESSION_KEY))


SIGN_IN_AND_OUT = {"wagtailadmin_login", "wagtailadmin_logout"}


def requires_mfa(user) -> bool:
    """Whether this person's role makes MFA mandatory: anyone who can reach the Wagtail admin
    (trainers, policy owners, HR, reporting, administrators) or see a team's training."""
    return user.is_superuser or any(user.has_perm(permission) for permission in settings.MFA_REQUIRED_PERMISSIONS)


def needs_mfa_for(request) -> bool:
    """Whether this request is for a privileged page by a person whose role requires MFA."""
    match = request.resolver_match
    if match is not None and match.view_name in SIGN_IN_AND_OUT:
        return False
    # Pages about one person are privileged when the person is someone else: their views call
    # ``require_for_someone_elses``.
    # The admin is privileged for those who may use it; anyone else (a line manager) is refused
    # it (access.views.refuse_rather_than_sign_in_again), not asked for MFA first.
    in_admin = request.path.startswith(admin_prefix()) and request.user.has_perm("wagtailadmin.access_admin")
    privileged = in_admin or (match is not None and match.view_name in set(settings.MFA_REQUIRED_URL_NAMES))
    return privileged and requires_mfa(request.user)


# allauth's pages that change a person's MFA methods. With an authenticator already set up,
# they need a session that has used it: otherwise a password alone (a session that began before
# the authenticator was added) could remove it, or add another and so pass as verified.
MANAGE_MFA_EXCEPT = {"mfa_index", "mfa_authenticate", "mfa_reauthenticate", "mfa_trust"}


def changes_mfa_methods(request) -> bool:
    match = request.resolver_match
    name = match.url_name if match is not None else None
    return bool(name) and name.startswith("mfa_") and name not in MANAGE_MFA_EXCEPT


def has_authenticator(user) -> bool:
    from allauth.mfa.models import Authenticator

    return Authenticator.objects.filter(user=user).exists()


def admin_prefix() -> str:
    """Where the Wagtail admin is mounted ("/admin/")."""
    from django.urls import reverse

    return reverse("wagtailadmin_home")


class MFARequired(Exception):
    """Raised by a view about one person's record, when the record is someone else's and the
    session has not passed MFA; ``access.middleware.MFARequiredMiddleware`` turns it into the
    MFA challenge (or set-up) and back."""


def require_for_someone_elses(request, owner_id: int) -> None:
    """Raise ``MFARequired`` if the record belongs to someone else and this person's role needs
    MFA that the session has not passed. A person's own records never need it."""
    if owner_id != request.user.pk and not is_verified(request) and requires_mfa(request.user):
        raise MFARequired
