"""Modules, their assignments and exemptions, and each person's enrolment on a module."""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.contrib.admin import display as admin_display
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Page

from certificates.models import Attestation, Certificate, PolicyVersion, binding_today
from core.append_only import AppendOnlyModel, append_only_triggers
from core.compiled import Compiled
from core.kept import Kept
from core.sites import ViewRestrictionsIfAnyMixin
from people.models import OrgUnit, User
from scenarios.models import Attempt
from scenarios.services import can_start

from .pages import LoginRequiredPageMixin

# Each module's policy address, by page id (``ModulePage.policy_url_for``).
_policy_urls: Kept[str] = Kept(size=256, seconds=60)
# Each module's live scenarios' titles, by page id (``ModulePage.scenario_titles``).
_scenario_titles: Kept[tuple[str, ...]] = Kept(size=256, seconds=60)


class ModuleIndexPage(LoginRequiredPageMixin, ViewRestrictionsIfAnyMixin, Page):
    """The home of all training modules."""

    intro = RichTextField(blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    subpage_types = ["learning.ModulePage"]
    max_count = 1

    template = "learning/module_index_page.html"

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["modules"] = ModulePage.objects.child_of(self).live().order_by("title")
        return context

    def route(self, request, path_components):
        # A module in one query (Wagtail's route reads the child's base row, then its specific
        # row), its SQL compiled once per process: the modules at this depth with the slug, of
        # which the one below this page (there is one index, so there is only that one).
        if path_components:
            found = _modules_by_slug(slug=path_components[0], depth=self.depth + 1)
            module = next((page for page in found if page.path.startswith(self.path)), None)
            if module is not None:
                module._cached_parent_obj = self
                return module.route(request, path_components[1:])
        return super().route(request, path_components)


class ModulePage(LoginRequiredPageMixin, ViewRestrictionsIfAnyMixin, Page):
    """A training module: its scenarios are its child pages, in order."""

    summary = models.TextField(help_text="One or two sentences shown on the officer's dashboard.")
    learning_outcomes = RichTextField(blank=True, features=["ul", "ol", "bold", "italic", "link"])
    estimated_minutes = models.PositiveSmallIntegerField(default=15)
    pass_mark = models.PositiveSmallIntegerField(
        default=80,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text="Percentage of steps answered correctly needed to pass (1 to 100).",
    )
    max_attempts = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1)], help_text="Leave blank for unlimited attempts."
    )
    policy_document = models.ForeignKey(
        "certificates.PolicyDocument",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The policy officers attest to after passing. Its version in force is shown.",
    )
    certificate_validity_months = models.PositiveSmallIntegerField(default=12, validators=[MinValueValidator(1)])
    # Said, not inferred from having no scenarios: a module whose scenarios are all unpublished
    # for a while must not let officers attest without passing them.
    attestation_only = models.BooleanField(
        "attestation only: no scenarios",
        default=False,
        help_text=(
            "A policy to read and acknowledge: officers read the policy version in force and attest, "
            "with no scenarios to pass. The module must have no live scenarios, and a policy."
        ),
    )

    content_panels = [
        *Page.content_panels,
        FieldPanel("summary"),
        FieldPanel("learning_outcomes"),
        MultiFieldPanel(
            [
                FieldPanel("attestation_only"),
                FieldPanel("estimated_minutes"),
                FieldPanel("pass_mark"),
                FieldPanel("max_attempts"),
                FieldPanel("policy_document"),
                FieldPanel("certificate_validity_months"),
            ],
            heading="Completion",
        ),
    ]
    parent_page_types = ["learning.ModuleIndexPage"]
    subpage_types = ["scenarios.ScenarioPage"]

    template = "learning/module_page.html"

    def clean(self):
        super().clean()
        if not self.attestation_only:
            return
        errors = {}
        if not self.policy_document_id:
            errors["policy_document"] = "An attestation-only module needs the policy officers read and attest to."
        if self.pk and self.get_children().live().exists():
            errors["attestation_only"] = (
                "This module has live scenarios: unpublish them, or leave “attestation only” unticked "
                "so officers pass them before they attest."
            )
        if errors:
            raise ValidationError(errors)

    def policy_url(self) -> str:
        """Where a cited clause of this module's policy can be read; "" without a policy."""
        if not self.policy_document_id:
            return ""
        return reverse("certificates:policy", args=[self.policy_document.reference])

    @classmethod
    def policy_url_for(cls, page_id: int) -> str:
        """``policy_url`` of the module page ``page_id`` as published, kept by the process for a
        minute (a step's feedback cites the policy on every answer): a policy given another
        reference, or a module another policy, is cited at its new address within a minute, at
        once in the process that saved it (``learning.receivers``)."""

        def read() -> str:
            reference = (
                cls.objects.filter(pk=page_id, policy_document__isnull=False)
                .values_list("policy_document__reference", flat=True)
                .first()
            )
            return reverse("certificates:policy", args=[reference]) if reference else ""

        return _policy_urls.get(page_id, read)

    def attempt_limit_for(self, user, progress: ModuleProgress | None = None) -> int | None:
        """How many attempts ``user`` may have made before a new one is refused: ``max_attempts``,
        counting only attempts made since HR last revoked their certificate (a retake HR asked
        for is never refused for attempts used before). None for no limit. ``progress``: the
        person's ``module_progress``, if the caller has it already."""
        if self.max_attempts is None:
            return None
        revoked = (progress or module_progress(user, self)).revoked
        if revoked is None:
            return self.max_attempts
        before = Attempt.objects.filter(user=user, module=self, started_at__lte=revoked.revoked_at).count()
        return self.max_attempts + before

    def scenario_pages(self) -> list[Page]:
        """The live scenarios of this module, in the order the trainer arranged them."""
        return list(self.get_children().live().specific())

    def scenario_titles(self) -> list[str]:
        """The titles of the live scenarios, in order: all the module page shows of them (not
        every step of every scenario). Kept by the process for a minute; a publish or unpublish
        is seen at once in the process that made it (``learning.receivers``)."""

        def read() -> tuple[str, ...]:
            return tuple(self.get_children().live().values_list("title", flat=True))

        return list(_scenario_titles.get(self.pk, read))

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["progress"] = progress = module_progress(request.user, self)
        if self.attestation_only:  # nothing to start: the page leads to the policy
            return context
        context["scenario_titles"] = self.scenario_titles()
        if request.user.is_authenticated:
            context["can_start"] = can_start(request.user, self, self.attempt_limit_for(request.user, progress))
        return context


def lines(text: str) -> list[str]:
    """The non-blank lines of ``text``, trimmed: how a list of ranks or roles is typed."""
    return [line.strip() for line in text.splitlines() if line.strip()]


class Assignment(models.Model):
    """A module assigned to an audience: everyone, or the people in some org units (and every
    unit below them), narrowed to some ranks or roles if any are given. Each person is due by a
    fixed date, or a number of days after they joined; a recurring assignment asks again every
    so many months after each completion."""

    module = models.ForeignKey(ModulePage, on_delete=models.CASCADE, related_name="assignments")
    everyone = models.BooleanField("everyone in the force", default=False)
    org_units = models.ManyToManyField(
        "people.OrgUnit",
        blank=True,
        related_name="assignments",
        help_text="The people in these org units and every unit below them.",
    )
    ranks = models.TextField(
        "ranks or grades", blank=True, help_text="One per line, as the HR system names them. Blank: every rank."
    )
    roles = models.TextField(blank=True, help_text="One per line, as the HR system names them. Blank: every role.")
    due_date = models.DateField(null=True, blank=True, help_text="Everyone is due by this date.")
    due_days_after_joining = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(3650)],
        help_text="Or: each person is due this many days after they joined, or after today if they joined before.",
    )
    recurrence_months = models.PositiveSmallIntegerField(
        "repeat every (months)",
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(120)],
        help_text="Leave blank for once only.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.module.title} → {self.audience_description()}"

    def clean(self):
        errors = {}
        if (self.due_date is None) == (self.due_days_after_joining is None):
            errors["due_date"] = "Give a due date, or a number of days after joining, but not both."
        elif self.due_date and self.due_date < timezone.localdate() and self._due_date_changed():
            errors["due_date"] = "The due date has passed: choose today or a later day."
        if errors:
            raise ValidationError(errors)

    def _due_date_changed(self) -> bool:
        if self.pk is None:
            return True
        return Assignment.objects.filter(pk=self.pk).values_list("due_date", flat=True).first() != self.due_date

    def audience_description(self) -> str:
        units = ", ".join(unit.name for unit in self.org_units.all()) if self.pk else ""
        parts = ["everyone" if self.everyone else units or "every unit"]
        if self.ranks.strip():
            parts.append("ranks " + ", ".join(lines(self.ranks)))
        if self.roles.strip():
            parts.append("roles " + ", ".join(lines(self.roles)))
        return "; ".join(parts)

    def audience(self, units=None) -> models.QuerySet:
        """The active people this assignment is for. ``units`` are its org units, if the caller
        has them (a form's cleaned data, before they are saved)."""
        people = User.objects.filter(is_active=True)
        units = [] if self.everyone else list(self.org_units.all()) if units is None else list(units)
        if not (self.everyone or units or lines(self.ranks) or lines(self.roles)):
            return people.none()  # nobody chosen
        if units:
            people = people.within(*units)
        if lines(self.ranks):
            people = people.filter(rank__in=lines(self.ranks))
        if lines(self.roles):
            people = people.filter(role__in=lines(self.roles))
        return people

    def due_for(self, joined_on: datetime.date) -> datetime.date:
        if self.due_date is not None:
            return self.due_date
        # Counted from the later of the day they joined and the day the module was assigned, so
        # nobody is overdue on the day a module is first assigned to them.
        start = max(joined_on, timezone.localdate(self.created_at))
        return start + datetime.timedelta(days=self.due_days_after_joining)


class ExemptionQuerySet(models.QuerySet):
    def in_force(self, on: datetime.date | None = None) -> ExemptionQuerySet:
        """Excusing their person on ``on`` (default today): no end date, or ending that day or
        later (``Exemption.in_force_q``)."""
        return self.filter(Exemption.in_force_q(on=on))

    def ended(self, on: datetime.date | None = None) -> ExemptionQuerySet:
        """Ended before ``on`` (default today): their person is asked again from the day after."""
        return self.exclude(Exemption.in_force_q(on=on))


class Exemption(models.Model):
    """A person excused from a module, with the reason, who decided and when, and the last day
    it excuses them (none: for good). Kept once it ends, so the record shows why they were not
    asked in the meantime; the daily enrolment run asks them again from the day after."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="exemptions")
    module = models.ForeignKey(ModulePage, on_delete=models.CASCADE, related_name="exemptions")
    reason = models.TextField()
    exempt_until = models.DateField(
        "exempt until",
        null=True,
        blank=True,
        help_text="The last day of the exemption: they are enrolled again the day after. Blank: no end date.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = ExemptionQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "module"], name="one_exemption_per_module")]

    def __str__(self) -> str:
        return f"{self.user} exempt from {self.module.title}"

    # The rule, written once: for queries, and for an exemption in hand.

    @staticmethod
    def in_force_q(on: datetime.date | None = None, prefix: str = "") -> models.Q:
        """Excusing its person on ``on`` (default today): no end date, or ending that day or
        later. ``prefix``: the path to the exemption from the model queried (``"exemptions__"``)."""
        day = on or timezone.localdate()
        return models.Q(**{f"{prefix}exempt_until__isnull": True}) | models.Q(**{f"{prefix}exempt_until__gte": day})

    def is_in_force_on(self, day: datetime.date) -> bool:
        return self.exempt_until is None or self.exempt_until >= day

    @property
    def is_in_force(self) -> bool:
        return self.is_in_force_on(timezone.localdate())

    @admin_display(description="Exempt until", ordering="exempt_until")
    def until(self) -> str:
        """The listing's column: the last day, "ended" once past, or "No end date"."""
        if self.exempt_until is None:
            return "No end date"
        ended = "" if self.is_in_force else " (ended)"
        return f"{self.exempt_until:%d %b %Y}{ended}"


class EnrolmentQuerySet(models.QuerySet):
    def open(self) -> EnrolmentQuerySet:
        """Still to do: neither complete nor exempt (``Enrolment.open_q``)."""
        return self.filter(Enrolment.open_q())

    def overdue(self, on: datetime.date | None = None) -> EnrolmentQuerySet:
        """Open and past the due date on ``on`` (``Enrolment.overdue_q``)."""
        return self.filter(Enrolment.overdue_q(on=on))

    def within(self, *units) -> EnrolmentQuerySet:
        """The enrolments of people in any of ``units`` or a unit below one of them."""
        return self.filter(OrgUnit.within_q(*units, field="user__org_unit"))

    def for_user(self, user):
        return self.filter(user=user)

    def current(self):
        """Each person's latest cycle of each module: the one that says where they stand now
        (``latest_cycles`` is the same rule for rows already read)."""
        later = Enrolment.objects.filter(user=models.OuterRef("user"), module=models.OuterRef("module"))
        return self.exclude(models.Exists(later.filter(cycle__gt=models.OuterRef("cycle"))))


def latest_cycles(enrolments) -> list[Enrolment]:
    """``current()`` worked out in Python from rows already read (one person's few enrolments):
    the latest cycle of each module among them."""
    latest: dict[tuple[int, int], Enrolment] = {}
    for enrolment in enrolments:
        key = (enrolment.user_id, enrolment.module_id)
        if key not in latest or enrolment.cycle > latest[key].cycle:
            latest[key] = enrolment
    return list(latest.values())


class Enrolment(models.Model):
    """One person on one module for one cycle, with its status kept up to date so
    completion reports are a single query."""

    class Status(models.TextChoices):
        NOT_STARTED = "not_started", "Not started"
        IN_PROGRESS = "in_progress", "In progress"
        PASSED = "passed", "Passed: attestation needed"
        COMPLETE = "complete", "Complete"
        EXEMPT = "exempt", "Exempt"

    # An enrolment in either status asks nothing more of its person.
    CLOSED = (Status.COMPLETE, Status.EXEMPT)

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="enrolments")
    module = models.ForeignKey(ModulePage, on_delete=models.PROTECT, related_name="enrolments")
    assignment = models.ForeignKey(Assignment, null=True, blank=True, on_delete=models.SET_NULL)
    cycle = models.PositiveSmallIntegerField(default=1)
    due_date = models.DateField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.NOT_STARTED)
    started_at = models.DateTimeField(null=True, blank=True)
    passed_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    certificate_serial = models.CharField(max_length=32, blank=True)
    # Set on a cycle opened because HR revoked the certificate the cycle before ended with.
    revoked_certificate = models.ForeignKey(
        Certificate,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The revoked certificate this cycle was opened to replace.",
    )

    objects = EnrolmentQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "module", "cycle"], name="one_enrolment_per_cycle"),
        ]
        indexes = [models.Index(fields=["module", "status", "due_date"])]
        permissions = [("view_reports", "Can see completion reports for the whole force")]

    def __str__(self) -> str:
        return f"{self.user} on {self.module.title} (cycle {self.cycle})"

    # The domain's rules for an enrolment, written once: as conditions for queries (reports,
    # counts, reminders) and, beside each, the same rule for an enrolment in hand (pages).

    @staticmethod
    def open_q() -> models.Q:
        """Still to do: neither complete nor exempt."""
        return ~models.Q(status__in=Enrolment.CLOSED)

    @staticmethod
    def overdue_q(on: datetime.date | None = None) -> models.Q:
        """Open, and due before ``on`` (default today): due today is not yet overdue."""
        return models.Q(due_date__lt=on or timezone.localdate()) & Enrolment.open_q()

    @property
    def is_open(self) -> bool:
        return self.status not in self.CLOSED

    def is_overdue_on(self, day: datetime.date) -> bool:
        return self.is_open and self.due_date < day

    @property
    def is_overdue(self) -> bool:
        return self.is_overdue_on(timezone.localdate())


class ReattestationCycle(models.Model):
    """A material policy version taking effect: everyone who had completed a module using the
    policy gets a new enrolment cycle, due by ``due_date``, to read the new version and attest
    again. One per version, so opening it twice does nothing."""

    policy_version = models.OneToOneField(
        "certificates.PolicyVersion", on_delete=models.PROTECT, related_name="reattestation_cycle"
    )
    opened_at = models.DateTimeField(default=timezone.now)
    due_date = models.DateField()
    enrolled = models.PositiveIntegerField(default=0, help_text="People asked to attest again.")

    def __str__(self) -> str:
        return f"Attest again to {self.policy_version} by {self.due_date:%d %B %Y}"


class Reminder(models.Model):
    """One reminder or escalation sent about one enrolment: recorded as it is sent, so each is
    sent once. ``kind`` is before-14, before-7, before-1, due, overdue-week-N or escalated (the
    daily run), or team-YYYY-MM-DD (a line manager's reminder from *My team* that day, so a
    person hears from it at most once a day). One email may carry several: a person's digest
    lists every module, a manager's escalation every overdue person."""

    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(max_length=30)
    sent_at = models.DateTimeField(default=timezone.now)
    sent_to = models.CharField(max_length=254)
    # The line manager who pressed "send a reminder" on My team; blank for the daily run.
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["enrolment", "kind"], name="one_reminder_of_each_kind")]

    def __str__(self) -> str:
        return f"{self.kind} to {self.sent_to} at {self.sent_at:%Y-%m-%d %H:%M}"


# Where one person stands on one module: read by the module page, the dashboard and the
# services that move a person on. Here, beside the models it reads, so pages need no services.


@dataclass(frozen=True)
class ModuleProgress:
    """Where one person stands on one module, and what they should do next."""

    enrolment: Enrolment | None
    attempt_in_progress: Attempt | None
    last_finished: Attempt | None
    passed_attempt: Attempt | None
    policy_version: PolicyVersion | None
    attestation: Attestation | None
    certificate: Certificate | None
    attempts_made: int
    earlier_attestation: Attestation | None = None
    revoked: Certificate | None = None
    # The module asks only for the attestation: reading the policy in force stands for passing.
    attestation_only: bool = False

    @property
    def ready_to_attest(self) -> bool:
        """Nothing stands before the attestation: the scenarios passed, or none to pass."""
        return self.attestation_only or self.passed_attempt is not None

    @property
    def retake(self) -> bool:
        """HR revoked the certificate of their latest attestation: they must pass the scenarios
        again (an attempt finished after the revocation) and attest again."""
        return self.revoked is not None and not self.complete

    @property
    def reattest(self) -> bool:
        """Attested to an earlier version, and a material change has taken effect since."""
        return self.earlier_attestation is not None and self.can_attest

    @property
    def complete(self) -> bool:
        return self.certificate is not None

    @property
    def awaiting_policy(self) -> bool:
        """Passed (or nothing to pass), but the module has no policy version in force to attest to."""
        return self.ready_to_attest and self.policy_version is None

    @property
    def can_attest(self) -> bool:
        return self.ready_to_attest and self.policy_version is not None and not self.complete


# The queries of every module page and attestation form, compiled once per process
# (``core.compiled``: the ORM's compiling costs more than PostgreSQL's running them).
_modules_by_slug = Compiled(lambda slug, depth: ModulePage.objects.filter(slug=slug, depth=depth))
_attempts_at = Compiled(
    lambda user_id, module_id: Attempt.objects.filter(user_id=user_id, module_id=module_id).order_by("-number")
)
_attestations_to = Compiled(
    lambda user_id, document_id: Attestation.objects.filter(user_id=user_id, policy_version__document_id=document_id)
)
_latest_enrolment = Compiled(
    lambda user_id, module_id: Enrolment.objects.filter(user_id=user_id, module_id=module_id).order_by("-cycle")[:1]
)


def current_enrolment(user, module: ModulePage | int) -> Enrolment | None:
    """The person's enrolment in the module's latest cycle, if they have one."""
    module_id = module if isinstance(module, int) else module.pk
    return next(iter(_latest_enrolment(user_id=user.pk, module_id=module_id)), None)


def module_progress(user, module: ModulePage) -> ModuleProgress:
    attempts = (  # an attestation-only module has none to read
        list(_attempts_at(user_id=user.pk, module_id=module.pk))
        if user.is_authenticated and not module.attestation_only
        else []
    )
    enrolment = current_enrolment(user, module) if user.is_authenticated else None
    binding = binding_today(module.policy_document_id) if module.policy_document_id else []
    own = (
        list(_attestations_to(user_id=user.pk, document_id=module.policy_document_id))
        if binding and user.is_authenticated
        else []
    )
    binding_ids = {version.pk for version in binding}
    attestation = max((row for row in own if row.policy_version_id in binding_ids), key=_pk, default=None)
    latest = max(own, key=_pk, default=None)
    certificates = _certificates_of(attestation, latest)
    certificate = certificates.get(attestation.pk) if attestation else None
    revoked = _revoked(certificates.get(latest.pk) if latest else None)
    if revoked is not None:  # it no longer counts, nor does any pass before it was revoked
        attestation = certificate = None
        attempts = [a for a in attempts if not a.is_finished or a.completed_at > revoked.revoked_at]
    return ModuleProgress(
        enrolment=enrolment,
        attempt_in_progress=next((a for a in attempts if not a.is_finished), None),
        last_finished=next((a for a in attempts if a.is_finished), None),
        passed_attempt=next((a for a in attempts if a.passed), None),
        policy_version=binding[0] if binding else None,  # the version in force
        attestation=attestation,
        certificate=certificate,
        attempts_made=len(attempts),
        earlier_attestation=None if attestation or revoked else latest,
        revoked=revoked,
        attestation_only=module.attestation_only,
    )


def _certificates_of(*attestations: Attestation | None) -> dict[int, Certificate]:
    """The certificates of these attestations, with their events, by attestation: none read when
    there is no attestation (most people on the module page on a deadline day)."""
    ids = {attestation.pk for attestation in attestations if attestation is not None}
    if not ids:
        return {}
    return {
        certificate.attestation_id: certificate
        for certificate in Certificate.objects.filter(attestation_id__in=ids)  # with their events, as always
    }


def _revoked(certificate: Certificate | None) -> Certificate | None:
    """The certificate of the person's latest attestation to the module's policy, if HR has
    revoked it: the one they must now train again to replace."""
    if certificate is not None and certificate.status == Certificate.Status.REVOKED:
        return certificate
    return None


def _pk(row) -> int:
    return row.pk


def _evidence_name(instance, filename: str) -> str:
    """A name nobody can guess from the person, the module or the original file's name."""
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"recorded-completions/{uuid.uuid4().hex}.{extension}"


class RecordedCompletion(AppendOnlyModel):
    """HR's record that a person completed a module by training done elsewhere (a classroom
    session, an equivalent course), with the evidence and who recorded it. Kept apart from the
    attestation ledger: it completes the enrolment but is no attestation and earns no
    certificate. Written once; a correction is a new row that withdraws this one, with a reason."""

    class Kind(models.TextChoices):
        CLASSROOM = "classroom", "Classroom session"
        EQUIVALENT = "equivalent", "Equivalent course"
        OTHER = "other", "Other"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="recorded_completions")
    module = models.ForeignKey(ModulePage, on_delete=models.PROTECT, related_name="recorded_completions")
    enrolment = models.ForeignKey(Enrolment, on_delete=models.PROTECT, related_name="recorded_completions")
    completed_on = models.DateField("completed on")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    description = models.CharField(max_length=300)
    evidence = models.FileField(upload_to=_evidence_name, max_length=200)
    evidence_sha256 = models.CharField("evidence SHA-256", max_length=64)
    evidence_name = models.CharField("evidence file name", max_length=255)
    evidence_size = models.PositiveIntegerField("evidence size in bytes")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)
    # A correction: this row withdraws an earlier one, which stays as it was.
    withdraws = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="withdrawn_by"
    )
    withdrawal_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["recorded_at", "pk"]
        # Recorded and read; never changed or deleted (a correction is a new row).
        default_permissions = ("add", "view")
        # On PostgreSQL the database itself refuses to change, delete or truncate it, whatever
        # the client (the test suite's flush lets these through: tests/conftest.py).
        triggers = append_only_triggers()

    def __str__(self) -> str:
        return f"{self.user} completed {self.module.title} elsewhere on {self.completed_on:%d %b %Y}"

    def transcript_line(self) -> str:
        recorder = self.recorded_by.get_full_name() or self.recorded_by.get_username()
        return (
            f"Completed elsewhere, recorded by HR: {self.get_kind_display()}, {self.completed_on:%d %b %Y}, "
            f"evidence SHA-256 {self.evidence_sha256}, recorded by {recorder}"
        )
