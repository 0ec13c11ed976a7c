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
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.views.decorators.http import require_POST, require_safe

from access import audit
from access.audit import export
from access.mfa import require_for_someone_elses
from core.export import csv_response
from learning.models import Enrolment
from learning.reminders import (
    TEAM_REMINDERS_PER_DAY,
    TeamReminders,
    remind_from_team,
    reminded_today,
    team_reminders_left,
)
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
TEAM_CSV_HEADINGS = ("Person", "Warrant or staff number", "Rank", "Org unit", "Module", "Due", "Status")


def _team_unit(request):
    """The signed-in line manager's org unit: My team is theirs and the units below it."""
    if not request.user.has_perm("people.view_team") or request.user.org_unit_id is None:
        raise PermissionDenied("My team is for line managers.")
    return request.user.org_unit


def team_enrolments(manager: User):
    """Where each of ``manager``'s people stands on each module (their latest cycle): everyone
    active in the manager's unit and the units below it, but not the manager."""
    return (
        Enrolment.objects.current()
        .filter(user__is_active=True)
        .within(manager.org_unit)
        .exclude(user=manager)
        .select_related("user__org_unit", "module")
    )


@login_required
@require_safe
def team(request):
    """A line manager's people: everyone active in their org unit and the units below it, with
    where each stands on each module (their latest cycle), the overdue first. Nobody else's.
    ``?export=csv`` downloads the same list (recorded in the audit log)."""
    unit = _team_unit(request)
    enrolments = team_enrolments(request.user)
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
        "pk",
    )
    if request.GET.get("export") == "csv":
        return _team_csv(request, unit, enrolments, status, rows=counts[status or "assigned"])
    page = Paginator(enrolments, TEAM_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "records/team.html",
        {
            "unit": unit,
            "page": page,
            "counts": counts,
            "status": status,
            "statuses": Enrolment.Status.choices,
            "reminded_today": reminded_today({enrolment.user_id for enrolment in page.object_list}),
            "reminders_left": team_reminders_left(request.user),
            "reminders_per_day": TEAM_REMINDERS_PER_DAY,
        },
    )


def team_counts(enrolments) -> dict[str, int]:
    """How many of the team's enrolments are in each status, and overdue (and how many people
    that is), in one query."""
    return enrolments.aggregate(
        assigned=Count("pk"),
        **{value: Count("pk", filter=Q(status=value)) for value in Enrolment.Status.values},
        overdue=Count("pk", filter=Enrolment.overdue_q()),
        overdue_people=Count("user", filter=Enrolment.overdue_q(), distinct=True),
    )


def team_status(enrolment: Enrolment, today) -> str:
    """An enrolment's status as My team's tag shows it (components/status_tag.html)."""
    overdue = enrolment.is_overdue_on(today)
    if enrolment.revoked_certificate_id and enrolment.is_open and enrolment.status != Enrolment.Status.PASSED:
        return "Revoked: retake, overdue" if overdue else "Revoked: retake"
    if enrolment.status == Enrolment.Status.COMPLETE:
        return "Complete"
    if enrolment.status == Enrolment.Status.EXEMPT:
        return "Exempt"
    if overdue:
        return "Overdue"
    if enrolment.status == Enrolment.Status.PASSED:
        return "Attestation needed"
    return enrolment.get_status_display()


def _team_csv(request, unit, enrolments, status: str, rows: int):
    today = timezone.localdate()
    audit.export(request, "My team CSV", rows=rows, org_unit=unit.code)
    lines = (
        (
            enrolment.user.get_full_name(),
            enrolment.user.warrant_number,
            enrolment.user.rank,
            str(enrolment.user.org_unit or ""),
            enrolment.module.title,
            enrolment.due_date,
            team_status(enrolment, today),
        )
        for enrolment in enrolments.iterator(chunk_size=1000)
    )
    name = "-".join(part for part in ("my-team", slugify(unit.code or unit.name), status.replace("_", "-")) if part)
    return csv_response(TEAM_CSV_HEADINGS, lines, f"{name}-{today:%Y-%m-%d}.csv")


@login_required
@require_POST
def team_reminders(request):
    """Send a reminder from My team: to one person (``person``, their id) or to everyone
    overdue (``overdue=all``), through ``learning.reminders.remind_from_team``, which limits
    each person to one a day and each manager to ``TEAM_REMINDERS_PER_DAY`` people a day.
    Anyone outside the manager's units is refused and nothing is sent. Every reminder sent is
    recorded in the audit log."""
    unit = _team_unit(request)
    manager = request.user
    status = request.POST.get("status", "")
    back = reverse("records:team") + (
        f"?status={status}" if status == "overdue" or status in Enrolment.Status.values else ""
    )
    managed = User.objects.within(unit).filter(is_active=True).exclude(pk=manager.pk)
    raw_person = request.POST.get("person", "")
    if raw_person:
        well_formed = raw_person.isascii() and raw_person.isdigit() and len(raw_person) < 12
        person = managed.filter(pk=int(raw_person)).first() if well_formed else None
        if person is None:
            audit.denied(request, "training reminder", person=raw_person)
            messages.error(request, "No reminder sent: you can only remind people in your units.")
            return redirect(back)
        people = managed.filter(pk=person.pk)
    elif request.POST.get("overdue") == "all":
        person = None
        people = managed.filter(pk__in=Enrolment.objects.current().overdue().values("user"))
    else:
        messages.error(request, "No reminder sent: choose a person, or everyone overdue.")
        return redirect(back)
    done = remind_from_team(manager, people)
    if done.sent:
        audit.record(
            audit.Action.CHANGE,
            request=request,
            verb="training reminder",
            object=person,
            object_type="" if person else "people.user",
            object_label="" if person else f"{len(done.sent)} overdue in {unit}",
            details={
                "people": [{"id": someone.pk, "warrant_number": someone.warrant_number} for someone in done.sent],
                "already_reminded_today": len(done.already_today),
                "over_daily_limit": len(done.over_limit),
            },
        )
    _say_what_was_sent(request, done, person)
    return redirect(back)


def _names(people: list[User]) -> str:
    names = [someone.get_full_name() for someone in people[:3]]
    more = len(people) - len(names)
    return ", ".join(names) + (f" and {more} more" if more else "")


def _say_what_was_sent(request, done: TeamReminders, person: User | None) -> None:
    if done.sent:
        if person is not None:
            messages.success(request, f"Reminder sent to {person.get_full_name()}.")
        else:
            count = len(done.sent)
            messages.success(request, f"Reminder sent to {count} {'person' if count == 1 else 'people'}.")
    if done.already_today:
        messages.info(
            request,
            f"Not sent to {_names(done.already_today)}: already reminded from My team today. "
            "You can remind each person once a day.",
        )
    if done.over_limit:
        messages.warning(
            request,
            f"Not sent to {_names(done.over_limit)}: you have reached today's limit of "
            f"{TEAM_REMINDERS_PER_DAY} people. Try again tomorrow.",
        )
    if done.no_email:
        messages.warning(
            request, f"Not sent to {_names(done.no_email)}: Attest has no email address. Tell HR to add one."
        )
    if done.refused:
        messages.error(request, f"Not sent to {_names(done.refused)}: the mail server refused. Try again later.")
    if not (done.sent or done.not_sent):
        if person is not None:
            messages.info(request, f"No reminder sent: {person.get_full_name()} has no training to do.")
        else:
            messages.info(request, "No reminder sent: nobody in your team is overdue.")
