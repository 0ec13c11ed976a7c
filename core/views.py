"""Pages that belong to the service as a whole rather than to one domain: the accessibility
statement."""

from __future__ import annotations

import datetime
from email.utils import parseaddr

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
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


# Health checks for load balancers and orchestrators: unauthenticated, cheap, never cached, and
# answering in plain text. Neither writes anything or logs a line when all is well.


@never_cache
@require_safe
def healthz(request):
    """The process is up and answering requests: no database, no session."""
    return HttpResponse("ok\n", content_type="text/plain; charset=utf-8")


@never_cache
@require_safe
def readyz(request):
    """Ready for traffic: the database answers and every migration is applied. 503 naming what
    is wrong otherwise, so a load balancer holds traffic back from a server mid-deploy."""
    problems = []
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        problems.append("the database does not answer")
    else:
        if not migrations_applied():
            problems.append("migrations are not all applied")
    text = "ready\n" if not problems else "not ready: " + "; ".join(problems) + "\n"
    return HttpResponse(text, status=503 if problems else 200, content_type="text/plain; charset=utf-8")


_applied = False


def migrations_applied() -> bool:
    """Whether the database has every migration this code has. Once true it stays true for the
    process (a new migration comes with new code, and so a new process): read from disk once."""
    global _applied
    if not _applied:
        executor = MigrationExecutor(connection)
        _applied = not executor.migration_plan(executor.loader.graph.leaf_nodes())
    return _applied
