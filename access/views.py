"""Pages Django shows for access refusals of its own, and the refusal the Wagtail admin lacks."""

import functools
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render, resolve_url


def csrf_failure(request, reason: str = ""):
    """A form sent with a missing or stale security token: explain, and save nothing."""
    return render(request, "403_csrf.html", status=403)


def refuse_rather_than_sign_in_again(view_func):
    """Wrap a Wagtail admin view so that a signed-in person it turns away gets the 403 page.

    Wagtail sends anyone without ``wagtailadmin.access_admin`` (officers, line managers) to
    ``WAGTAILADMIN_LOGIN_URL``, as if they were not signed in; our sign-in page sends a signed-in
    person straight on to ``next``, back to the admin, and round again until the browser gives up
    (issue 15). Someone not signed in is still sent to sign in."""

    @functools.wraps(view_func)
    def wrapped(request, *args, **kwargs):
        response = view_func(request, *args, **kwargs)
        if request.user.is_authenticated and _sends_to_sign_in(response):
            raise PermissionDenied("Your account does not give you access to the training admin.")
        return response

    return wrapped


def _sends_to_sign_in(response) -> bool:
    if response.status_code not in (301, 302):
        return False
    return urlsplit(response["Location"]).path == resolve_url(settings.WAGTAILADMIN_LOGIN_URL)


@login_required
def email_from_hr(request):
    """In place of allauth's email management: a person's email address comes from their HR
    record (the people import or HR's screens), so nobody adds, removes or swaps their own. A
    form sent here anyway is refused, and the refusal is in the audit log."""
    if request.method != "GET":
        raise PermissionDenied("Your email address comes from your HR record: ask HR to change it.")
    return render(request, "access/email_from_hr.html", {"email": request.user.email})
