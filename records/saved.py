"""Saved report filters and the weekly email of a saved report.

An HR or reporting user (``learning.view_reports``) saves the filters of the completion report
in front of them under a name, in their own list ("Saved reports" in the Reports menu), and
reopens it with one click. A saved summary report (by org unit, module or rank, as at a day, or
week by week) may be emailed every week, as the CSV its "Download CSV" would give its owner, to
one active person in Attest named by warrant or staff number (never a typed address). The
people list is not emailed: it names people, and its recipient may not be allowed to see them.

``send_due_reports`` (the daily task ``records.tasks.send_saved_reports``, from cron:
``manage.py send_saved_reports``) sends each scheduled report once a week: the first run of a
week (Monday to Sunday) records the send and emails it; a second run that week finds the send
recorded and does nothing. Each send is in the audit log twice: the owner's export (as any
download) and the email to its recipient.
"""

from __future__ import annotations

import datetime
import logging

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.http import HttpRequest, QueryDict
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.test import RequestFactory
from django.urls import Resolver404, path, resolve, reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from access.audit import Action, record
from core.dates import long_date
from people.models import User

from .models import ReportSend, SavedReport
from .reports import PERMISSION, CompletionByModule, CompletionByRank, CompletionByUnit, PeopleReport
from .trend_reports import CompletionAsAtByModule, CompletionAsAtByUnit, CompletionTrend

logger = logging.getLogger(__name__)

#: The reports whose filters can be saved, by URL name: the report, and whether it may be emailed.
SAVABLE = {
    report.index_url_name: (report, emailed)
    for report, emailed in [
        (CompletionByUnit, True),
        (CompletionByModule, True),
        (CompletionByRank, True),
        (CompletionAsAtByUnit, True),
        (CompletionAsAtByModule, True),
        (CompletionTrend, True),
        (PeopleReport, False),
    ]
}
#: A report's results (the part its filters refresh) stand for the report itself.
RESULTS = {report.index_results_url_name: name for name, (report, _) in SAVABLE.items()}
#: Query parameters that are not filters: the page shown and a download.
NOT_FILTERS = ("page", "export")
MOST_SAVED = 100  # per person: a list, not an archive


class SavedReportError(ValueError):
    """A saved report or its schedule refused, with the reason to show."""


def filters_of(query: str) -> str:
    """The query string's filters, without the page or a download, in a stable order."""
    kept = QueryDict(query, mutable=True)
    for name in NOT_FILTERS:
        kept.pop(name, None)
    return kept.urlencode()


def report_of(report_path: str) -> str:
    """The URL name of the savable report at ``report_path``; raises ``SavedReportError``."""
    try:
        name = resolve(report_path).url_name
    except Resolver404:
        name = None
    name = RESULTS.get(name, name)
    if name not in SAVABLE:
        raise SavedReportError("Only a completion report's filters can be saved.")
    return name


@transaction.atomic
def save_report(owner: User, *, name: str, report_path: str, query: str) -> SavedReport:
    """Save ``owner``'s filters (``query``) of the report at ``report_path`` as ``name``.
    Raises ``SavedReportError`` for a blank or taken name, a page that is not a savable report,
    filters too long to keep, or a full list; saves nothing then."""
    name = " ".join(name.split())
    if not name:
        raise SavedReportError("Give the saved report a name.")
    if len(name) > 100:
        raise SavedReportError("Give the saved report a name of at most 100 characters.")
    report = report_of(report_path)
    if not SAVABLE[report][0].allows(owner):
        raise PermissionDenied
    query = filters_of(query)
    if len(query) > 2000:
        raise SavedReportError("These filters are too long to save.")
    if SavedReport.objects.filter(owner=owner, name__iexact=name).exists():
        raise SavedReportError(f"You already have a saved report called “{name}”: choose another name.")
    if SavedReport.objects.filter(owner=owner).count() >= MOST_SAVED:
        raise SavedReportError(f"You have {MOST_SAVED} saved reports: delete one before saving another.")
    return SavedReport.objects.create(owner=owner, name=name, report=report, query=query)


def schedule(saved: SavedReport, number: str) -> SavedReport:
    """Email ``saved`` every week to the active person with warrant or staff number ``number``
    (blank: stop sending). Raises ``SavedReportError`` for a report that cannot be emailed, a
    number that is no active person, or a person with no email address; changes nothing then."""
    number = number.strip()
    if not number:
        saved.send_weekly_to = None
        saved.save(update_fields=["send_weekly_to"])
        return saved
    if not SAVABLE.get(saved.report, (None, False))[1]:
        raise SavedReportError("The people list names people, so it is not emailed: download it instead.")
    recipient = User.objects.filter(warrant_number__iexact=number, is_active=True).first()
    if recipient is None:
        raise SavedReportError(f"No active person in Attest has the warrant or staff number “{number}”.")
    if not recipient.email:
        raise SavedReportError(f"{recipient.get_full_name() or recipient} has no email address in Attest.")
    saved.send_weekly_to = recipient
    saved.save(update_fields=["send_weekly_to"])
    return saved


def url_of(saved: SavedReport) -> str:
    return reverse(saved.report) + (f"?{saved.query}" if saved.query else "")


def week_of(day: datetime.date) -> datetime.date:
    """The Monday of ``day``'s week."""
    return day - datetime.timedelta(days=day.weekday())


def report_csv(saved: SavedReport) -> bytes:
    """The CSV the report's "Download CSV" gives its owner, with the saved filters. Raises
    ``PermissionDenied`` if the owner may no longer see the report; its download is audited
    as the owner's, as any download is."""
    data = QueryDict(saved.query, mutable=True)
    data["export"] = "csv"
    request = RequestFactory().get(reverse(saved.report), data=data)
    request.user = saved.owner
    response = SAVABLE[saved.report][0].as_view()(request)
    if not getattr(response, "streaming", False):
        raise SavedReportError("Its filters are no longer valid: open it, correct them and save it again.")
    return b"".join(response.streaming_content)


def send_due_reports(today: datetime.date | None = None) -> int:
    """Email each scheduled saved report not yet sent this week (Monday to Sunday) to its
    recipient, if both the owner and the recipient are still active and the owner may still
    see the report. Each send is recorded before the email leaves, in one transaction with
    it, so running twice (or at the same moment) sends each report once a week; a failed email
    is not recorded and is tried again on the next run. Returns how many were sent."""
    monday = week_of(today or timezone.localdate())
    due = (
        SavedReport.objects.filter(send_weekly_to__is_active=True, owner__is_active=True)
        .exclude(sends__week_of=monday)
        .select_related("owner", "send_weekly_to")
    )
    sent = 0
    for saved in due:
        try:
            with transaction.atomic():
                ReportSend.objects.create(saved_report=saved, week_of=monday, sent_to=saved.send_weekly_to.email)
                attachment = report_csv(saved)
                send_email(saved, attachment, monday)
                record(
                    Action.EXPORT,
                    actor=saved.owner,
                    verb="scheduled report emailed",
                    object=saved,
                    details={
                        "report": saved.report,
                        "filters": saved.query,
                        "recipient": saved.send_weekly_to.warrant_number or saved.send_weekly_to.username,
                        "week_of": monday.isoformat(),
                    },
                )
        except IntegrityError:
            continue  # sent this week by a run at the same moment
        except (PermissionDenied, SavedReportError) as refused:
            logger.warning("Saved report %s not sent: %s", saved.pk, refused or "the owner may no longer see it")
            continue
        except OSError:  # the mail server refused or was away (smtplib's errors are OSErrors): next run
            logger.exception("Saved report %s not sent; it will be tried again on the next run", saved.pk)
            continue
        sent += 1
    return sent


def send_email(saved: SavedReport, attachment: bytes, monday: datetime.date) -> None:
    title = str(SAVABLE[saved.report][0].page_title)
    owner = saved.owner.get_full_name() or saved.owner.username
    body = (
        f"{title}: “{saved.name}”, saved by {owner}, for the week beginning {long_date(monday)}.\n\n"
        "The figures are attached as a CSV file. Sign in to Attest to see the report with its chart:\n"
        f"{url_of(saved)}\n\n"
        f"You receive this each week because {owner} chose to send it to you. Ask them to stop it if you no "
        "longer need it."
    )
    message = EmailMessage(f"Attest: {saved.name} (weekly report)", body, None, [saved.send_weekly_to.email])
    message.attach(f"{SAVABLE[saved.report][0].export_filename}-{monday.isoformat()}.csv", attachment, "text/csv")
    message.send()


# The admin pages: the user's own list, saving, scheduling and deleting.


def _may_use(request: HttpRequest) -> None:
    if not request.user.has_perm(PERMISSION):
        raise PermissionDenied


class ScheduleForm(forms.Form):
    recipient = forms.CharField(
        label="Email it every week to (warrant or staff number)",
        max_length=20,
        required=False,
        help_text="An active person in Attest, such as the unit's commander. Blank: stop sending.",
    )


def saved_reports(request: HttpRequest):
    _may_use(request)
    reports = SavedReport.objects.filter(owner=request.user).select_related("send_weekly_to")
    rows = [
        {
            "saved": saved,
            "url": url_of(saved),
            "title": SAVABLE[saved.report][0].page_title if saved.report in SAVABLE else saved.report,
            "emailed": SAVABLE.get(saved.report, (None, False))[1],
            "form": ScheduleForm(
                prefix=f"s{saved.pk}",
                initial={"recipient": saved.send_weekly_to.warrant_number if saved.send_weekly_to else ""},
            ),
        }
        for saved in reports
    ]
    return TemplateResponse(request, "records/admin/saved_reports.html", {"rows": rows})


def _back_to(request: HttpRequest) -> str:
    """The report the save came from, if it is one; the saved list otherwise."""
    report_path = request.POST.get("report_path", "")
    try:
        report_of(report_path)
    except SavedReportError:
        return reverse("saved_reports")
    query = filters_of(request.POST.get("query", ""))
    return reverse(report_of(report_path)) + (f"?{query}" if query else "")


@require_POST
def save(request: HttpRequest):
    _may_use(request)
    try:
        saved = save_report(
            request.user,
            name=request.POST.get("name", ""),
            report_path=request.POST.get("report_path", ""),
            query=request.POST.get("query", ""),
        )
    except SavedReportError as refused:
        messages.error(request, f"Not saved: {refused}")
        return redirect(_back_to(request))
    messages.success(request, f"Saved as “{saved.name}”: find it in Reports, Saved reports.")
    return redirect(url_of(saved))


@require_POST
def schedule_view(request: HttpRequest, pk: int):
    _may_use(request)
    saved = get_object_or_404(SavedReport, pk=pk, owner=request.user)
    form = ScheduleForm(request.POST, prefix=f"s{saved.pk}")
    try:
        if not form.is_valid():
            raise SavedReportError("; ".join(form.errors["recipient"]))
        schedule(saved, form.cleaned_data["recipient"])
    except SavedReportError as refused:
        messages.error(request, f"“{saved.name}”: {refused}")
        return redirect("saved_reports")
    if saved.send_weekly_to:
        who = saved.send_weekly_to.get_full_name() or saved.send_weekly_to.username
        messages.success(request, f"“{saved.name}” will be emailed to {who} each week.")
    else:
        messages.success(request, f"“{saved.name}” is no longer emailed.")
    return redirect("saved_reports")


@require_POST
def delete_view(request: HttpRequest, pk: int):
    _may_use(request)
    saved = get_object_or_404(SavedReport, pk=pk, owner=request.user)
    saved.delete()
    messages.success(request, f"“{saved.name}” deleted.")
    return redirect("saved_reports")


urlpatterns = [
    path("", saved_reports, name="saved_reports"),
    path("save/", save, name="save_report"),
    path("<int:pk>/schedule/", schedule_view, name="schedule_saved_report"),
    path("<int:pk>/delete/", delete_view, name="delete_saved_report"),
]
