"""Policies and their versions: what officers attest to, which version is in force on a day,
and which versions still bind (back to the last material change)."""

from __future__ import annotations

import datetime
import hashlib
import re

from django.contrib.contenttypes.fields import GenericRelation
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.dispatch import Signal
from django.utils import timezone
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, HelpPanel, MultiFieldPanel
from wagtail.models import DraftStateMixin, LockableMixin, RevisionMixin, WorkflowMixin

from core.kept import Kept

CLAUSE_NUMBER = re.compile(r"^(\d+)\.\s")


def body_hash(body: str) -> str:
    """SHA-256 of a policy body, normalised so whitespace-only edits hash the same."""
    lines = [" ".join(line.split()) for line in body.replace("\r\n", "\n").split("\n")]
    normalised = "\n".join(lines).strip()
    return hashlib.sha256(normalised.encode("utf-8")).hexdigest()


# Sent once for each policy version a publish stores, with ``version``.
policy_version_published = Signal()

# "version 2.0", "Version 3", "v2.1": how a statement names the version it belongs to.
VERSION_NAMED = re.compile(r"\b(?:version\s+|v)(\d+(?:\.\d+)*)\b", re.IGNORECASE)


def versions_named(statement: str) -> list[str]:
    """The version labels a statement names ("I have read version 2.0 ..."), in order."""
    return [match[1] for match in VERSION_NAMED.finditer(statement)]


def _same_label(label: str) -> str:
    """ "3", "3.0" and "3.0.0" name the same version."""
    return re.sub(r"(\.0)+$", "", label.strip().lower().removeprefix("v"))


def statement_names_another_version(statement: str, label: str) -> list[str]:
    """The labels the statement names when none of them is ``label``: a statement carried over
    from the version before. Empty when it names no version, or names this one."""
    named = versions_named(statement)
    if not named or not label or _same_label(label) in {_same_label(name) for name in named}:
        return []
    return list(dict.fromkeys(named))


class ReattestationPanel(HelpPanel):
    """What publishing the draft would do: the version it stores, and for a material change how
    many people would be asked to attest again, by when, in which units."""

    def __init__(self, **kwargs):
        kwargs.setdefault("template", "certificates/admin/reattestation_panel.html")
        super().__init__(**kwargs)

    class BoundPanel(HelpPanel.BoundPanel):
        def get_context_data(self, parent_context=None):
            # The consequences are worked out by the template ({% draft_consequences %}), as
            # ``certificates.publishing`` reads these models.
            context = super().get_context_data(parent_context)
            context["policy"] = self.instance
            context["today"] = timezone.localdate()
            return context


class PolicyDocumentForm(WagtailAdminModelForm):
    """The policy's edit form. Until the owner drafts new text, the next version's label and
    effective date start empty, so the previous version's are never published again by
    mistake; saved with the text unchanged, the label stays that of the version stored last."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        latest = self.instance.latest_version() if self.instance.pk else None
        self.latest = latest
        if latest is not None and not self.is_bound and not self.instance.text_changed():
            self.initial["version_label"] = ""
            self.initial["effective_date"] = None
            if "statement" in self.fields:
                self.fields["statement"].help_text = (
                    f"The attestation statement the officer confirms. This is version {latest.version_label}'s: "
                    "rewrite it for the new version."
                )

    def clean(self):
        cleaned = super().clean()
        review = cleaned.get("next_review_date")
        if review and review != self.instance.next_review_date and review < timezone.localdate():
            self.add_error("next_review_date", "The next review cannot be in the past: choose today or a later day.")
        latest = self.latest
        body, statement = cleaned.get("body", ""), cleaned.get("statement", "")
        unchanged = latest is not None and latest.body_sha256 == body_hash(body) and latest.statement == statement
        if unchanged:
            if not cleaned.get("version_label"):
                cleaned["version_label"] = latest.version_label
            return cleaned
        label = cleaned.get("version_label", "")
        named = statement_names_another_version(statement, label)
        if named and "statement" not in self.errors:
            others = " and ".join(f"version {name}" for name in named)
            self.add_error(
                "statement",
                f"The statement names {others}, but you are publishing version {label}. Rewrite the statement "
                "for this version.",
            )
        return cleaned


class PolicyDocument(WorkflowMixin, DraftStateMixin, LockableMixin, RevisionMixin, models.Model):
    """A force policy officers attest to, such as one on personally owned devices.

    The policy owner drafts the next version's text here, with Wagtail's drafts, revisions
    and approval workflow; publishing stores it as an immutable ``PolicyVersion``. Publishing
    text that has not changed stores nothing.
    """

    title = models.CharField(max_length=200)
    reference = models.CharField(max_length=50, unique=True, help_text="The policy's own reference.")
    owner = models.CharField(max_length=200, blank=True, help_text="The team that owns the policy.")
    version_label = models.CharField(
        max_length=20, blank=True, help_text="The label of the version this text becomes when published, e.g. 2.1."
    )
    effective_date = models.DateField(
        null=True, blank=True, help_text="The day the version takes effect. Leave blank for the day it is published."
    )
    material = models.BooleanField(
        "material change",
        default=True,
        help_text="A material change asks everyone who attested to an earlier version to read this one and "
        "attest again by the due date. Untick for a minor change (wording, links) that needs no new attestation.",
    )
    reattest_within_days = models.PositiveSmallIntegerField(
        "days to attest again",
        default=28,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
        help_text="For a material change: how long people have, from the day it takes effect, to attest again.",
    )
    body = models.TextField(blank=True, help_text="The policy text. Separate paragraphs with a blank line.")
    statement = models.TextField(blank=True, help_text="The attestation statement the officer confirms.")
    owner_email = models.EmailField(
        "owner's email",
        blank=True,
        help_text="Who is reminded when the policy's review is due. Leave blank to remind the Policy owners group.",
    )
    next_review_date = models.DateField(
        null=True, blank=True, help_text="When the policy is next to be reviewed. The owner is reminded 30 days before."
    )
    # The review date each reminder was last sent for: each is sent once per review date. Kept
    # on the live row, never from a revision (see ``with_content_json``).
    review_due_reminded_for = models.DateField(null=True, blank=True, editable=False)
    review_overdue_reminded_for = models.DateField(null=True, blank=True, editable=False)

    base_form_class = PolicyDocumentForm

    workflow_states = GenericRelation(
        "wagtailcore.WorkflowState",
        content_type_field="base_content_type",
        object_id_field="object_id",
        related_query_name="policy_document",
        for_concrete_model=False,
    )
    revisions = GenericRelation(
        "wagtailcore.Revision",
        content_type_field="base_content_type",
        object_id_field="object_id",
        related_query_name="policy_document",
        for_concrete_model=False,
    )

    panels = [
        FieldPanel("title"),
        FieldPanel("reference"),
        FieldPanel("owner"),
        MultiFieldPanel([FieldPanel("owner_email"), FieldPanel("next_review_date")], heading="Review"),
        MultiFieldPanel(
            [
                HelpPanel(template="certificates/admin/stored_versions_panel.html"),
                FieldPanel("version_label"),
                FieldPanel("effective_date"),
                FieldPanel("material"),
                FieldPanel("reattest_within_days"),
                FieldPanel("body"),
                FieldPanel("statement"),
                ReattestationPanel(),
            ],
            heading="Next version",
        ),
    ]

    class Meta:
        verbose_name = "policy"
        verbose_name_plural = "policies"

    def __str__(self) -> str:
        return self.title

    def with_content_json(self, content):
        """The object a revision holds, with the reminders already sent kept as they are now:
        publishing an older draft must not send them again."""
        obj = super().with_content_json(content)
        obj.review_due_reminded_for = self.review_due_reminded_for
        obj.review_overdue_reminded_for = self.review_overdue_reminded_for
        return obj

    def current_version(self, on: datetime.date | None = None) -> PolicyVersion | None:
        """The version in force on ``on`` (default today): the latest that has taken effect."""
        return self.versions.in_force(on=on).first()

    def versions_in_force(self, on: datetime.date | None = None) -> list[PolicyVersion]:
        """Every version that has taken effect by ``on`` (default today), newest first."""
        return list(self.versions.in_force(on=on))

    def binding_versions(self, on: datetime.date | None = None) -> list[PolicyVersion]:
        """The versions an attestation to which still counts on ``on`` (default today), newest
        first: the first is the version in force. See ``still_binding``. Today's are read
        through ``binding_today``."""
        if on is None and self.pk:
            return binding_today(self.pk)
        return still_binding(self.versions_in_force(on=on))

    def latest_version(self) -> PolicyVersion | None:
        """The version stored last, whether or not it has taken effect."""
        return self.versions.order_by("-pk").first() if self.pk else None

    def next_version(self, revision=None) -> PolicyVersion:
        """The version publishing the draft as it stands stores, unsaved (``revision``: the
        published revision it comes from)."""
        return PolicyVersion(
            document=self,
            version_label=self.version_label,
            effective_date=self.effective_date or timezone.localdate(),
            material=self.material,
            reattest_within_days=self.reattest_within_days,
            body=self.body,
            statement=self.statement,
            revision=revision,
        )

    def text_changed(self) -> bool:
        """Whether the drafted text or statement differs from the version stored last."""
        latest = self.latest_version()
        return latest is None or latest.body_sha256 != body_hash(self.body) or latest.statement != self.statement

    def clean(self):
        super().clean()
        errors = self.unchanged_text_errors() if not self.text_changed() else self.new_version_errors()
        if errors:
            raise ValidationError(errors)

    def unchanged_text_errors(self) -> dict[str, str]:
        """Publishing unchanged text stores nothing, so changing only the version's other
        details would be published without effect: refuse that rather than mislead."""
        latest = self.latest_version()
        errors = {}
        if self.version_label != latest.version_label:
            errors["version_label"] = (
                f"The text and statement are those of version {latest.version_label}, so publishing would store no "
                f"new version. Change the text, or keep the label {latest.version_label}."
            )
        if self.material != latest.material:
            errors["material"] = (
                f"The text is unchanged since version {latest.version_label}: there is no change to mark."
            )
        return errors

    def new_version_errors(self) -> dict[str, str]:
        """What stops the drafted text being stored as a new version when published."""
        errors = {}
        for name in ("version_label", "body", "statement"):
            if not getattr(self, name).strip():
                errors[name] = "Required: publishing this text stores it as a new version."
        if self.version_label and self.pk and self.versions.filter(version_label=self.version_label).exists():
            errors["version_label"] = (
                f"Version {self.version_label} is already stored with different text. Give the new text a new label."
            )
        starts = self.effective_date or timezone.localdate()
        latest = self.latest_version()
        if self.effective_date and self.effective_date < timezone.localdate():
            errors["effective_date"] = "A new version cannot take effect in the past: choose today or a later day."
        elif latest is not None and starts < latest.effective_date:
            errors["effective_date"] = (
                f"Version {latest.version_label} takes effect on {latest.effective_date:%-d %B %Y}: a newer version "
                "cannot take effect before it."
            )
        return errors


def still_binding(versions_newest_first: list[PolicyVersion]) -> list[PolicyVersion]:
    """The versions an attestation to which still counts: the version in force and the ones
    before it back to the last material change. A minor change asks nobody to attest again;
    a material one makes every earlier attestation out of date. ``versions_newest_first`` are
    one policy's versions in force on a day (``PolicyVersion.objects.in_force(on=day)``)."""
    binding = []
    for version in versions_newest_first:
        binding.append(version)
        if version.material:
            break
    return binding


class PolicyVersionQuerySet(models.QuerySet):
    def in_force(self, on: datetime.date | None = None) -> PolicyVersionQuerySet:
        """The versions that have taken effect by ``on`` (default today), newest first: the
        first of a policy's is its version in force that day."""
        return self.filter(effective_date__lte=on or timezone.localdate()).order_by("-effective_date", "-pk")

    def binding_by_policy(self, on: datetime.date | None = None) -> dict[int, list[PolicyVersion]]:
        """Each policy's versions still binding on ``on`` (``still_binding``), keyed by policy
        document id, in one query: for a page that reads many policies' certificates."""
        in_force: dict[int, list[PolicyVersion]] = {}
        for version in self.in_force(on=on):
            in_force.setdefault(version.document_id, []).append(version)
        return {document_id: still_binding(versions) for document_id, versions in in_force.items()}


class PolicyVersion(models.Model):
    """One wording of a policy, stored when the policy is published. Its body hash is fixed
    when it is first saved; once someone attests to it, its words never change."""

    document = models.ForeignKey(PolicyDocument, on_delete=models.PROTECT, related_name="versions")
    version_label = models.CharField(max_length=20)
    effective_date = models.DateField()
    body = models.TextField(help_text="The policy text. Separate paragraphs with a blank line.")
    statement = models.TextField(help_text="The attestation statement the officer confirms.")
    material = models.BooleanField(
        default=True,
        help_text="A material change asks everyone who attested to an earlier version to read this one and "
        "attest again. Untick for a minor change (wording, links) that needs no new attestation.",
    )
    reattest_within_days = models.PositiveSmallIntegerField(default=28)
    # Outside the body, so outside the fingerprint: what the editor says about the text (its
    # status, an omission, a date that is demo data) is never read as the policy's own words.
    editors_note = models.TextField(
        "editor's note",
        blank=True,
        help_text="Shown beside the text, marked as an editor's note: the text's status, what it leaves out, "
        "which details are demo data. Not part of the words attested to. Separate paragraphs with a blank line.",
    )
    body_sha256 = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    revision = models.ForeignKey(
        "wagtailcore.Revision",
        null=True,
        blank=True,
        on_delete=models.PROTECT,  # the record of who drafted and approved it: purge_revisions keeps it
        related_name="+",
        help_text="The published revision of the policy this version was stored from: who drafted and approved it.",
    )

    objects = PolicyVersionQuerySet.as_manager()

    class Meta:
        ordering = ["effective_date", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["document", "version_label"], name="one_label_per_policy"),
        ]

    def __str__(self) -> str:
        return f"{self.document} v{self.version_label}"

    def save(self, *args, **kwargs):
        if self.locked_changes():
            raise PermissionError(f"{self} has attestations: its text, statement and effective date are fixed.")
        self.body_sha256 = body_hash(self.body)
        super().save(*args, **kwargs)

    def clean(self):
        if self.locked_changes():
            raise ValidationError(
                "People have attested to this version, so its text, statement, effective date and "
                "whether it is a material change are fixed. Add a new version instead."
            )

    def clauses(self) -> list[tuple[str, str, bool]]:
        """The body's paragraphs as (anchor, text, is_heading). A paragraph numbered "4." is
        anchored "clause-4" (the first of that number, so anchors stay unique); a short line
        with no full stop is a heading. Feedback links to clauses by these anchors."""
        paragraphs = [" ".join(part.split()) for part in self.body.replace("\r\n", "\n").split("\n\n")]
        seen: set[str] = set()
        result = []
        for text in filter(None, paragraphs):
            match = CLAUSE_NUMBER.match(text)
            anchor = f"clause-{match[1]}" if match else ""
            if anchor in seen:
                anchor = ""
            seen.add(anchor)
            result.append((anchor, text, not match and len(text) <= 120 and not text.endswith(".")))
        return result

    def editors_note_paragraphs(self) -> list[str]:
        """The editor's note as paragraphs, for showing it beside the text, marked as a note."""
        parts = self.editors_note.replace("\r\n", "\n").split("\n\n")
        return [" ".join(part.split()) for part in parts if part.strip()]

    def locked_changes(self) -> list[str]:
        """The fields changed since this version was stored that may not change once
        someone has attested to it: the words they read and when those words took effect."""
        if self.pk is None or not self.attestations.exists():
            return []
        stored = PolicyVersion.objects.get(pk=self.pk)
        changed = []
        if body_hash(stored.body) != body_hash(self.body):
            changed.append("body")
        changed += [
            name for name in ("statement", "effective_date", "material") if getattr(stored, name) != getattr(self, name)
        ]
        return changed


# Each policy's versions binding today, by policy document id and day (``binding_today``).
_binding_today: Kept[tuple[PolicyVersion, ...]] = Kept(size=256, seconds=60)


def binding_today(document_id: int) -> list[PolicyVersion]:
    """The versions of policy ``document_id`` binding today (``PolicyDocument.binding_versions``),
    kept by the process for a minute: the module page, the attestation form and every
    certificate's state read them on each request, and they change only when a version is
    stored or a day begins (the day is part of the key). A version stored or changed is seen at
    once by the process that saved it (``forget_binding_versions``), by the others within the
    minute; attesting itself reads the versions afresh, in its transaction."""

    def read() -> tuple[PolicyVersion, ...]:
        versions = PolicyVersion.objects.filter(document_id=document_id).binding_by_policy()
        return tuple(versions.get(document_id, ()))

    return list(_binding_today.get((document_id, timezone.localdate()), read))


def forget_binding_versions(**kwargs) -> None:
    """Receives ``post_save`` and ``post_delete`` of ``PolicyVersion``: read them afresh."""
    _binding_today.clear()
