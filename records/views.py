"""The records people may read: a transcript, a line manager's team, and *Your data* (what
Attest holds about the signed-in person, and the download of all of it).

There is no id in the *Your data* addresses: a person can only ever see and download their own
data. A transcript's address names the person; the object permission decides who may open it.
"""

from __future__ import annotations

import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Case, Count, Q, Value, When
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.text import slugify
from django.views.decorators.http import require_safe

from access import audit
from access.audit import export
from access.mfa import require_for_someone_elses
from learning.models import Enrolment
from people.models import User

from .privacy import personal_data
from .transcript import render_transcript, transcript_for


@login_required
@require_safe
def my_data(request):
    """What is kept about the person, why and for how long, with the download button."""
    return render(request, "records/my_data.html", {"retention_years": settings.RESPONSE_RETENTION_YEARS})


@login_required
@require_safe
def download_my_data(request):
    """Everything held about the person as a JSON attachment, recorded in the audit log.

    Private and never cached: PrivatePagesMiddleware marks every response to a signed-in person
    ``private, no-store``, so a shared terminal keeps no copy.
    """
    data = personal_data(request.user)
    export(request, "personal data")
    body = json.dumps(data, ensure_ascii=False, indent=2)
    response = HttpResponse(body.encode("utf-8"), content_type="application/json; charset=utf-8")
    name = slugify(request.user.warrant_number or request.user.username)
    response["Content-Disposition"] = f'attachment; filename="attest-data-{name}-{timezone.localdate():%Y-%m-%d}.json"'
    return response


@login_required
def transcript(request, person_id: int):
    """A person's training transcript as a PDF: their own, or one their role lets them see
    (HR anyone's, a line manager their units'). Anyone else's is a 404."""
    require_for_someone_elses(request, person_id)
    person = get_object_or_404(User.objects.select_related("org_unit"), pk=person_id)
    if not request.user.has_perm("people.view_transcript", person):
        audit.denied(request, "transcript", person=person.pk)
        raise Http404("No transcript you may see has this address.")
    audit.export(request, "transcript PDF", person=person.pk, warrant_number=person.warrant_number)
    response = HttpResponse(render_transcript(transcript_for(person)), content_type="application/pdf")
    name = slugify(person.warrant_number or person.username)
    response["Content-Disposition"] = f'attachment; filename="transcript-{name}-{timezone.localdate():%Y-%m-%d}.pdf"'
    return response


TEAM_PAGE_SIZE = 100


@login_required
def team(request):
    """A line manager's people: everyone active in their org unit and the units below it, with
    where each stands on each module (their latest cycle), the overdue first. Nobody else's."""
    if not request.user.has_perm("people.view_team") or request.user.org_unit_id is None:
        raise PermissionDenied("My team is for line managers.")
    unit = request.user.org_unit
    enrolments = (
        Enrolment.objects.current().filter(user__is_active=True).within(unit).select_related("user__org_unit", "module")
    )
    status = request.GET.get("status", "")
    counts = team_counts(enrolments)
    if status == "overdue":
        enrolments = enrolments.overdue()
    elif status in Enrolment.Status.values:
        enrolments = enrolments.filter(status=status)
    elif status:
        messages.error(request, "That status filter is not one of the choices: showing everyone.")
        status = ""
    enrolments = enrolments.order_by(
        Case(When(Enrolment.open_q(), then=Value(0)), default=Value(1)),
        "due_date",
        "user__last_name",
        "user__first_name",
    )
    page = Paginator(enrolments, TEAM_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "records/team.html",
        {"unit": unit, "page": page, "counts": counts, "status": status, "statuses": Enrolment.Status.choices},
    )


def team_counts(enrolments) -> dict[str, int]:
    """How many of the team's enrolments are in each status, and overdue, in one query."""
    return enrolments.aggregate(
        assigned=Count("pk"),
        **{value: Count("pk", filter=Q(status=value)) for value in Enrolment.Status.values},
        overdue=Count("pk", filter=Enrolment.overdue_q()),
    )
