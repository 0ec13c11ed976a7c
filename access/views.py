"""Pages Django shows for access refusals of its own."""

from django.shortcuts import render


def csrf_failure(request, reason: str = ""):
    """A form sent with a missing or stale security token: explain, and save nothing."""
    return render(request, "403_csrf.html", status=403)
