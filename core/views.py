"""Pages that belong to the service as a whole rather than to one domain: the accessibility
statement."""

from __future__ import annotations

import datetime
from email.utils import parseaddr

from django.conf import settings
from django.shortcuts import render
from django.views.decorators.http import require_safe

# When the statement was prepared and last reviewed against the service (the regulations ask
# for both dates). Change them when the statement is reviewed, with the text.
STATEMENT_PREPARED = datetime.date(2026, 12, 1)
STATEMENT_REVIEWED = datetime.date(2026, 12, 1)

# How soon the force answers a request for another format or a reported problem.
REPLY_WORKING_DAYS = 5


def accessibility_contact_email() -> str:
    """Where requests for another format and reports of problems go: ACCESSIBILITY_CONTACT_EMAIL,
    or else the address the site's mail comes from."""
    return settings.ACCESSIBILITY_CONTACT_EMAIL or parseaddr(settings.DEFAULT_FROM_EMAIL)[1]


@require_safe
def accessibility_statement(request):
    """The accessibility statement, in the UK public-sector model. Public, like the
    certificate check: someone asking for another format may have no account."""
    return render(
        request,
        "core/accessibility.html",
        {
            "contact_email": accessibility_contact_email(),
            "reply_working_days": REPLY_WORKING_DAYS,
            "prepared": STATEMENT_PREPARED,
            "reviewed": STATEMENT_REVIEWED,
            "site_url": settings.SITE_URL,
            "idle_minutes": settings.SESSION_IDLE_MINUTES,
            "absolute_hours": settings.SESSION_ABSOLUTE_HOURS,
        },
    )
