"""Keep the training record whole: pages with attempts or enrolments are unpublished, not deleted.
Register the assignment and exemption admin, give a person's page in the people admin their
training record (enrolments, attempts, attestations, certificates, exemptions), and show trainers the
citations to check (learning/citations.py): the report and the notice on the edit pages."""

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from wagtail import hooks
from wagtail.models import Page

from certificates.archive import StateCache
from certificates.models import Attestation, Certificate
from core.reports import ReportViewSet
from people.people_admin import RecordSection
from scenarios.models import Attempt, PinnedScenario, ScenarioPage

from . import assignment_admin, recorded_admin
from .citations import CitationsToCheckView, stale_citations
from .models import Enrolment, Exemption, RecordedCompletion


def pages_with_training_records(pages) -> list[Page]:
    """Those of ``pages`` (or their descendants) that officers' attempts or enrolments refer to."""
    ids = set()
    for page in pages:
        ids |= set(page.get_descendants(inclusive=True).values_list("pk", flat=True))
    used = (
        set(Attempt.objects.filter(module_id__in=ids).values_list("module_id", flat=True))
        | set(PinnedScenario.objects.filter(scenario_id__in=ids).values_list("scenario_id", flat=True))
        | set(Enrolment.objects.filter(module_id__in=ids).values_list("module_id", flat=True))
    )
    return list(Page.objects.filter(pk__in=used).order_by("title"))


def _refuse(request, pages, back_to):
    titles = ", ".join(f"“{page.title}”" for page in pages)
    messages.error(
        request,
        f"{titles} cannot be deleted: officers' attempts or enrolments refer to it, and the training "
        "record is kept as evidence. Unpublish it instead.",
    )
    return redirect("wagtailadmin_explore", back_to)


@hooks.register("before_delete_page")
def keep_pages_with_training_records(request, page):
    used = pages_with_training_records([page])
    if used:
        return _refuse(request, used, page.get_parent().pk)
    return None


@hooks.register("before_bulk_action")
def keep_pages_with_training_records_in_bulk(request, action_type, objects, action):
    if action_type != "delete" or not objects or not isinstance(objects[0], Page):
        return None
    used = pages_with_training_records(objects)
    if used:
        return _refuse(request, used, objects[0].get_parent().pk)
    return None


@hooks.register("before_create_page")
def no_scenarios_in_an_attestation_only_module(request, parent_page, page_class):
    # An attestation-only module has nothing to pass: a scenario added under it would never be
    # asked, and its live scenarios would make the module refuse its own next save.
    if issubclass(page_class, ScenarioPage) and getattr(parent_page.specific, "attestation_only", False):
        messages.error(
            request,
            f"“{parent_page.title}” is attestation only: untick “attestation only” on the module "
            "before adding scenarios to it.",
        )
        return redirect("wagtailadmin_explore", parent_page.pk)
    return None


@hooks.register("register_admin_viewset")
def register_assignment_viewset():
    return assignment_admin.AssignmentViewSet("assignments")


@hooks.register("register_admin_viewset")
def register_exemption_viewset():
    return assignment_admin.ExemptionViewSet("exemptions")


recorded_completions = ReportViewSet(
    "recorded-completions",
    report=recorded_admin.RecordedCompletionListing,
    url_prefix="recorded-completions",
    urlpatterns=recorded_admin.urlpatterns,
    add_to_reports_menu=False,
    add_to_admin_menu=True,
    menu_label="Recorded completions",
    icon="tick-inverse",
    menu_order=345,  # after Exemptions
)


@hooks.register("register_admin_viewset")
def register_recorded_completions():
    return recorded_completions


# The name and URL are the ones the report had under scenarios: links and bookmarks still work.
citations_to_check = ReportViewSet(
    "scenario-citations",
    report=CitationsToCheckView,
    url_prefix="reports/scenario-citations",
    menu_label="Citations to check",
    icon="warning",
    menu_order=1300,  # after Wagtail's own reports (Page types usage is 1200)
)


@hooks.register("register_admin_viewset")
def register_citations_to_check():
    return citations_to_check


NOTICE_LIMIT = 5  # citations named in an edit page's notice; the report lists them all


@hooks.register("before_edit_page")
def notice_of_citations_to_check(request, page):
    """On a scenario's or a module's edit page, tell the trainer which feedback cites a policy
    version no longer in force. Only on opening the page: after a save, the page it sends the
    trainer to says it again."""
    if request.method != "GET" or not CitationsToCheckView.allows(request.user):
        return
    if not isinstance(page.specific_deferred, ScenarioPage) and not ScenarioPage.objects.child_of(page).exists():
        return
    found = stale_citations(within=page)
    if not found:
        return
    items = format_html_join(
        "",
        "<li>{}: step {}, “{}”: {}</li>",
        ((row.scenario_title, row.step_number, row.option[:80], row.why) for row in found[:NOTICE_LIMIT]),
    )
    more = format_html("<li>and {} more.</li>", len(found) - NOTICE_LIMIT) if len(found) > NOTICE_LIMIT else ""
    messages.warning(
        request,
        format_html(
            "{} in feedback here cite{} a policy version no longer in force. "
            "Check each clause and cite the version in force: <ul>{}{}</ul> "
            '<a href="{}">See all citations to check</a>.',
            f"{len(found)} citation{'s' if len(found) != 1 else ''}",
            "" if len(found) != 1 else "s",
            items,
            more,
            reverse(CitationsToCheckView.index_url_name),
        ),
    )


@hooks.register("person_record_sections")
def training_record(person) -> list:
    """A person's whole training record for their page in the people admin (people/people_admin.py):
    enrolments, attempts, attestations, certificates and exemptions, a fixed number of queries (plus one per
    policy for certificate states)."""

    def when(moment) -> str:
        return timezone.localtime(moment).strftime("%d %b %Y %H:%M") if moment else "Not yet"

    enrolments = list(Enrolment.objects.filter(user=person).select_related("module").order_by("module__title", "cycle"))
    attempts = list(Attempt.objects.filter(user=person).order_by("started_at", "pk"))
    titles = {enrolment.module_id: enrolment.module.title for enrolment in enrolments}
    missing = {attempt.module_id for attempt in attempts} - titles.keys()
    titles |= dict(Page.objects.filter(pk__in=missing).values_list("pk", "title"))
    attestations = Attestation.objects.filter(user=person).select_related("policy_version__document").order_by("pk")
    certificates = Certificate.objects.filter(user=person).select_related("policy_version__document")
    exemptions = Exemption.objects.filter(user=person).select_related("module", "created_by").order_by("created_at")
    recorded = RecordedCompletion.objects.filter(user=person).select_related(
        "module", "recorded_by", "withdraws", "withdrawn_by"
    )
    states = StateCache()
    return [
        RecordSection(
            "Enrolments",
            ["Module", "Cycle", "Status", "Due", "Completed"],
            [
                [
                    enrolment.module.title,
                    enrolment.cycle,
                    enrolment.get_status_display() + (" (overdue)" if enrolment.is_overdue else ""),
                    enrolment.due_date.strftime("%d %b %Y") if enrolment.due_date else "No date",
                    when(enrolment.completed_at),
                ]
                for enrolment in enrolments
            ],
            empty="Not enrolled on any module.",
        ),
        RecordSection(
            "Attempts",
            ["Module", "Attempt", "Status", "Started", "Score"],
            [
                [
                    titles.get(attempt.module_id, f"Page {attempt.module_id}"),
                    attempt.number,
                    attempt.get_status_display(),
                    when(attempt.started_at),
                    f"{attempt.score_percent}%" if attempt.score_percent is not None else "Not scored",
                ]
                for attempt in attempts
            ],
            empty="No attempts.",
        ),
        RecordSection(
            "Attestations",
            ["Policy", "Version", "Attested", "Name typed"],
            [
                [
                    row.policy_version.document.title,
                    row.policy_version.version_label,
                    when(row.created_at),
                    row.typed_name,
                ]
                for row in attestations
            ],
            empty="No attestations.",
        ),
        RecordSection(
            "Certificates",
            ["Serial", "Module", "Policy version", "Issued", "State today"],
            [
                [
                    {
                        "text": certificate.display_serial,
                        "url": reverse("certificates:detail", args=[certificate.display_serial]),
                    },
                    certificate.module_title,
                    f"{certificate.policy_version.document.title} {certificate.policy_version.version_label}",
                    when(certificate.issued_at),
                    str(states.state(certificate)).capitalize(),
                ]
                for certificate in certificates.order_by("issued_at", "pk")
            ],
            empty="No certificates.",
        ),
        RecordSection(
            "Exemptions",
            ["Module", "Reason", "Exempt until", "Recorded by", "Recorded"],
            [
                [
                    exemption.module.title,
                    exemption.reason,
                    exemption.until(),
                    exemption.created_by.get_full_name() if exemption.created_by else "Not recorded",
                    when(exemption.created_at),
                ]
                for exemption in exemptions
            ],
            empty="No exemptions.",
        ),
        RecordSection(
            "Completions recorded by HR",
            ["Module", "Training", "Completed on", "Evidence", "Recorded by", "State"],
            [
                [
                    row.module.title,
                    f"{row.get_kind_display()}: {row.description}. {recorded_admin.NOT_AN_ATTESTATION}",
                    row.completed_on.strftime("%d %b %Y"),
                    {
                        "text": f"{row.evidence_name} (SHA-256 {row.evidence_sha256[:16]}…)",
                        "url": reverse("recorded_completion_evidence", args=[row.pk]),
                    },
                    f"{row.recorded_by.get_full_name() or row.recorded_by.username}, {when(row.recorded_at)}",
                    recorded_admin.state(row).removesuffix(": withdraw it"),
                ]
                for row in recorded
            ],
            empty="No completions recorded by HR.",
        ),
    ]
