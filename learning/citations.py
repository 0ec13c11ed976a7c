"""Citations to check: scenario feedback that cites a version of the module's policy no longer
in force.

Feedback cites a clause as "Personally owned devices and police information v2.0, clause 6".
When version 3.0 takes effect, that citation is out of date, though the scenario still works:
nothing fails, so nobody notices. ``stale_citations`` finds every option (and true-or-false
statement) of a module's scenarios whose ``clause_reference`` names a version of the module's
policy that does not bind today (``certificates.models.binding_today``: the version in force
and those before it back to the last material change), or a version the policy never had.
A citation with no version in it, or one of a version not yet in force, is not listed.

The scenarios are read as the trainer last saved them (the latest revision): a citation fixed
in a draft awaiting approval is not listed again.

Trainers see the list as a notice on a scenario's and a module's edit page
(``learning/wagtail_hooks.py``) and as the "Citations to check" report
(``CitationsToCheckView``), with ``scenarios.view_analytics``; and they are emailed it when a
policy version that leaves citations out of date is published (``tell_trainers``, from the task
``learning.tasks.tell_trainers_of_citations_to_check``).

It lives in ``learning`` because it reads both ``scenarios`` (the feedback) and
``certificates`` (which versions bind today), which do not import each other. A module is read
as the scenario's parent page, by its ``policy_document_id``.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage, get_connection
from django.template.defaultfilters import pluralize
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from wagtail.models import Page

from certificates.models import PolicyVersion, binding_today
from core.reports import AdminReport
from scenarios.models import ScenarioPage

PERMISSION = "scenarios.view_analytics"

# "… v2.0, clause 6", "… version 3, clause 1"; or a bare "UMCS 2.0 clause 4".
_LABELLED = re.compile(r"\bv(?:ersion)?\s*(\d+(?:\.\d+)*)\b", re.IGNORECASE)
_BARE = re.compile(r"\b(\d+(?:\.\d+)+)\s*,?\s*clause\b", re.IGNORECASE)


def cited_version(reference: str | None) -> str:
    """The version label a clause reference names ("… v2.0, clause 6" → "2.0"); "" if none."""
    text = reference or ""
    match = _LABELLED.search(text) or _BARE.search(text)
    return match[1] if match else ""


def same_label(one: str, other: str) -> bool:
    """Whether two version labels name one version: "2.0", "v2.0" and "2" do."""

    def normal(label: str) -> str:
        label = label.strip().lower().removeprefix("v").strip()
        while label.endswith(".0"):
            label = label[:-2]
        return label

    return normal(one) == normal(other)


@dataclass(frozen=True)
class StaleCitation:
    """One option's citation of a policy version that no longer binds."""

    module_id: int
    module_title: str
    policy_document_id: int
    scenario_id: int
    scenario_title: str
    step_number: int
    option: str  # the option's text, or "The statement" for a true-or-false step
    reference: str
    cited_label: str
    in_force_label: str  # "" if the policy has no version in force
    in_force_since: datetime.date | None
    known: bool  # False: the policy never had the cited version

    @property
    def why(self) -> str:
        cited = f"v{self.cited_label}"
        if not self.known:
            return f"The policy has no version {cited}."
        if not self.in_force_label:
            return f"{cited} is no longer in force, and no version is in force now."
        return f"{cited} is no longer in force: v{self.in_force_label} took effect on {self.in_force_since:%-d %B %Y}."


@dataclass(frozen=True)
class _Policy:
    binding: tuple[str, ...]  # labels of the versions binding today
    stored: tuple[tuple[str, datetime.date], ...]  # every version's label and effective date
    in_force_label: str
    in_force_since: datetime.date | None

    def stale(self, label: str) -> tuple[bool, bool]:
        """(stale, known): whether a citation of ``label`` needs checking, and whether the
        policy has that version at all. A version stored but not yet in force is not stale."""
        if any(same_label(label, bound) for bound in self.binding):
            return False, True
        days = [day for stored, day in self.stored if same_label(label, stored)]
        if days and min(days) > timezone.localdate():
            return False, True
        return True, bool(days)


def _policies(document_ids: Iterable[int]) -> dict[int, _Policy]:
    """Each policy's versions binding today and every version it has, in one query plus
    ``binding_today`` (kept by the process for a minute) for each policy."""
    ids = sorted(set(document_ids))
    stored: dict[int, list[tuple[str, datetime.date]]] = {document_id: [] for document_id in ids}
    for document_id, label, day in PolicyVersion.objects.filter(document_id__in=ids).values_list(
        "document_id", "version_label", "effective_date"
    ):
        stored[document_id].append((label, day))
    policies = {}
    for document_id in ids:
        binding = binding_today(document_id)
        policies[document_id] = _Policy(
            binding=tuple(version.version_label for version in binding),
            stored=tuple(stored[document_id]),
            in_force_label=binding[0].version_label if binding else "",
            in_force_since=binding[0].effective_date if binding else None,
        )
    return policies


def _citations(steps) -> Iterator[tuple[int, str, str]]:
    """(step number, option, clause reference) for every cited clause of a scenario's steps."""
    for number, child in enumerate(steps, start=1):
        if child.block_type == "true_false":
            if child.value.get("clause_reference"):
                yield number, "The statement", child.value["clause_reference"]
            continue
        for option in child.value.options():
            if option.clause_reference:
                yield number, option.text, option.clause_reference


def _steps_as_last_saved(scenario: ScenarioPage):
    """The scenario's steps in its latest revision, read from the revision's content alone
    (``with_content_json`` would read the page's comments, locale and type for each one)."""
    revision = scenario.latest_revision
    if revision is None or "steps" not in revision.content:
        return scenario.steps
    return ScenarioPage._meta.get_field("steps").to_python(revision.content["steps"])


def stale_citations(within: Page | None = None) -> list[StaleCitation]:
    """Every citation to check in the scenarios under ``within`` (a module, a scenario, or the
    whole site by default), module by module, scenario by scenario, in the trainer's order.

    A fixed number of queries whatever the number of scenarios and options: the scenarios with
    their latest revisions, their modules, and the policies' versions (one query, plus one per
    policy when ``binding_today`` has not kept it)."""
    scenarios = ScenarioPage.objects.select_related("latest_revision").order_by("path")
    if within is not None:
        if isinstance(within.specific_deferred, ScenarioPage):
            scenarios = scenarios.filter(pk=within.pk)
        else:
            scenarios = scenarios.descendant_of(within)
    scenarios = list(scenarios)
    parent_paths = {scenario.path[: -ScenarioPage.steplen] for scenario in scenarios}
    modules = {
        module.path: module
        for module in Page.objects.filter(path__in=parent_paths).specific()
        if getattr(module, "policy_document_id", None)
    }
    policies = _policies(module.policy_document_id for module in modules.values())
    found = []
    for scenario in scenarios:
        module = modules.get(scenario.path[: -ScenarioPage.steplen])
        if module is None:
            continue
        policy = policies[module.policy_document_id]
        for step_number, option, reference in _citations(_steps_as_last_saved(scenario)):
            label = cited_version(reference)
            if not label:
                continue
            stale, known = policy.stale(label)
            if stale:
                found.append(
                    StaleCitation(
                        module_id=module.pk,
                        module_title=module.title,
                        policy_document_id=module.policy_document_id,
                        scenario_id=scenario.pk,
                        scenario_title=scenario.title,
                        step_number=step_number,
                        option=option,
                        reference=reference,
                        cited_label=label,
                        in_force_label=policy.in_force_label,
                        in_force_since=policy.in_force_since,
                        known=known,
                    )
                )
    return found


class CitationsToCheckView(AdminReport):
    """The "Citations to check" report: every stale citation, module by module."""

    permission = PERMISSION
    page_title = "Citations to check"
    header_icon = "warning"
    template_name = "learning/admin/citations.html"
    results_template_name = "learning/admin/citations_results.html"
    verbose_name = "citation"
    verbose_name_plural = "citations"
    index_url_name = "scenario_citations"
    index_results_url_name = "scenario_citations_results"
    export_filename = "citations-to-check"
    list_export = [
        "module_title",
        "scenario_title",
        "step_number",
        "option",
        "reference",
        "why",
    ]
    export_headings = {
        "module_title": "Module",
        "scenario_title": "Scenario",
        "step_number": "Step",
        "option": "Option",
        "reference": "Cites",
        "why": "Why it needs checking",
    }

    def get_queryset(self) -> list[StaleCitation]:
        return stale_citations()

    def get_filtered_queryset(self) -> list[StaleCitation]:
        return self.get_queryset()

    def export_queryset(self) -> list[StaleCitation]:
        return self.get_queryset()


EMAIL_LIMIT = 50  # citations listed in the email; the report has them all


def tell_trainers(version_id: int) -> int:
    """Email every active holder of ``scenarios.view_analytics`` (not superusers) the citations
    in the scenarios of the modules using the policy of version ``version_id`` that name a
    version no longer in force. Sends nothing when there are none. Returns how many people
    were emailed (one message each, so no one sees the others' addresses)."""
    version = PolicyVersion.objects.select_related("document").filter(pk=version_id).first()
    if version is None:
        return 0
    found = [row for row in stale_citations() if row.policy_document_id == version.document_id]
    if not found:
        return 0
    # Held through a group or directly (the model backend): other backends grant nothing here.
    trainers = get_user_model().objects.with_perm(
        PERMISSION, include_superusers=False, backend="django.contrib.auth.backends.ModelBackend"
    )
    trainers = trainers.filter(is_active=True)
    addresses = sorted({trainer.email for trainer in trainers if trainer.email})
    context = {
        "version": version,
        "citations": found[:EMAIL_LIMIT],
        "more": max(len(found) - EMAIL_LIMIT, 0),
        "total": len(found),
        "report_url": settings.SITE_URL + reverse(CitationsToCheckView.index_url_name),
    }
    subject = f"{len(found)} scenario citation{pluralize(len(found))} to check: {version} is in force"
    text = render_to_string("learning/admin/citations_email.txt", context)
    connection = get_connection()
    messages = [EmailMessage(subject, text, None, [address], connection=connection) for address in addresses]
    return connection.send_messages(messages) or 0
