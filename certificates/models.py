"""Policy versions, the attestation ledger and certificates."""

from __future__ import annotations

import datetime
import hashlib
import json
import re

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.dispatch import Signal
from django.utils import timezone
from wagtail.admin.panels import FieldPanel, HelpPanel, MultiFieldPanel
from wagtail.models import DraftStateMixin, LockableMixin, RevisionMixin, WorkflowMixin

from core.append_only import AppendOnlyModel, append_only_triggers

from .serials import grouped

CLAUSE_NUMBER = re.compile(r"^(\d+)\.\s")


def body_hash(body: str) -> str:
    """SHA-256 of a policy body, normalised so whitespace-only edits hash the same."""
    lines = [" ".join(line.split()) for line in body.replace("\r\n", "\n").split("\n")]
    normalised = "\n".join(lines).strip()
    return hashlib.sha256(normalised.encode("utf-8")).hexdigest()


# Sent once for each policy version a publish stores, with ``version``.
policy_version_published = Signal()


class PolicyDocument(WorkflowMixin, DraftStateMixin, LockableMixin, RevisionMixin, models.Model):
    """A force policy officers attest to, such as the Personal devices policy.

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
        MultiFieldPanel(
            [
                HelpPanel(template="certificates/admin/stored_versions_panel.html"),
                FieldPanel("version_label"),
                FieldPanel("effective_date"),
                FieldPanel("material"),
                FieldPanel("reattest_within_days"),
                FieldPanel("body"),
                FieldPanel("statement"),
            ],
            heading="Next version",
        ),
    ]

    class Meta:
        verbose_name = "policy"
        verbose_name_plural = "policies"

    def __str__(self) -> str:
        return self.title

    def current_version(self, on: datetime.date | None = None) -> PolicyVersion | None:
        """The version in force on ``on`` (default today): the latest that has taken effect."""
        return self.versions.in_force(on=on).first()

    def versions_in_force(self, on: datetime.date | None = None) -> list[PolicyVersion]:
        """Every version that has taken effect by ``on`` (default today), newest first."""
        return list(self.versions.in_force(on=on))

    def binding_versions(self, on: datetime.date | None = None) -> list[PolicyVersion]:
        """The versions an attestation to which still counts on ``on`` (default today), newest
        first: the first is the version in force. See ``still_binding``."""
        return still_binding(self.versions_in_force(on=on))

    def latest_version(self) -> PolicyVersion | None:
        """The version stored last, whether or not it has taken effect."""
        return self.versions.order_by("-pk").first() if self.pk else None

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


class Attestation(AppendOnlyModel):
    """One person's attestation to one policy version: a row of an append-only ledger.

    ``row_hash`` covers the canonical fields and ``previous_hash``, chaining every row to
    the one before it, so an edit anywhere breaks the chain from that row on.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="attestations")
    policy_version = models.ForeignKey(PolicyVersion, on_delete=models.PROTECT, related_name="attestations")
    statement = models.TextField()
    typed_name = models.CharField(max_length=200)
    body_sha256 = models.CharField(max_length=64)
    module_id = models.PositiveIntegerField(null=True)
    attempt_id = models.UUIDField(null=True)
    created_at = models.DateTimeField(default=timezone.now)
    ip_address = models.GenericIPAddressField(null=True)
    user_agent = models.CharField(max_length=500, blank=True)
    previous_hash = models.CharField(max_length=64)
    row_hash = models.CharField(max_length=64, unique=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "policy_version"], name="one_attestation_per_version"),
        ]
        ordering = ["pk"]
        # On PostgreSQL the database itself refuses to change the ledger, whatever the client.
        triggers = append_only_triggers()

    def __str__(self) -> str:
        return f"{self.user} attested {self.policy_version} at {self.created_at:%Y-%m-%d %H:%M}"

    def canonical(self) -> str:
        return json.dumps(
            {
                "user": self.user_id,
                "policy_version": self.policy_version_id,
                "statement": self.statement,
                "typed_name": self.typed_name,
                "body_sha256": self.body_sha256,
                "module": self.module_id,
                "attempt": str(self.attempt_id) if self.attempt_id else None,
                "created_at": self.created_at.astimezone(datetime.UTC).isoformat(),
                "ip_address": self.ip_address,
                "user_agent": self.user_agent,
                "previous_hash": self.previous_hash,
            },
            sort_keys=True,
            separators=(",", ":"),
        )

    def compute_hash(self) -> str:
        return hashlib.sha256(self.canonical().encode("utf-8")).hexdigest()


class LedgerAnchor(AppendOnlyModel):
    """The ledger's row count and head hash at one moment, recorded daily and sent outside the
    database: a chain rewritten after that moment, hashes and all, no longer reaches this head."""

    created_at = models.DateTimeField(default=timezone.now)
    row_count = models.PositiveIntegerField()
    head_hash = models.CharField(max_length=64)
    sent_to = models.CharField(max_length=254, blank=True)

    class Meta:
        ordering = ["pk"]
        triggers = append_only_triggers()

    def __str__(self) -> str:
        return f"{self.row_count} rows, head {self.head_hash[:12]}… at {self.created_at:%Y-%m-%d %H:%M}"


class Certificate(models.Model):
    """Proof that a person completed a module and attested to a policy version."""

    class Status(models.TextChoices):
        VALID = "valid", "Valid"
        SUPERSEDED = "superseded", "Superseded"
        REVOKED = "revoked", "Revoked"

    serial = models.CharField(max_length=32, unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="certificates")
    attestation = models.OneToOneField(Attestation, on_delete=models.PROTECT, related_name="certificate")
    policy_version = models.ForeignKey(PolicyVersion, on_delete=models.PROTECT, related_name="certificates")
    module_id = models.PositiveIntegerField()
    module_title = models.CharField(max_length=255)
    holder_name = models.CharField(max_length=200)
    warrant_number = models.CharField(max_length=20, blank=True)
    issued_at = models.DateTimeField(default=timezone.now)
    expires_on = models.DateField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.VALID)
    revoked_reason = models.TextField(blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-issued_at"]
        permissions = [("revoke_certificate", "Can revoke certificates")]

    def __str__(self) -> str:
        return self.display_serial

    @property
    def display_serial(self) -> str:
        return grouped(self.serial)

    @property
    def public_holder(self) -> str:
        """The holder as the public verification page names them: initial and surname only."""
        first, last = self.user.first_name.strip(), self.user.last_name.strip()
        if not last:
            return f"{self.holder_name.strip()[:1]}." if self.holder_name.strip() else ""
        return f"{first[:1]}. {last}" if first else last

    @property
    def current_state(self) -> str:
        """The state today, as a verifier should read it (``state_on``)."""
        return self.state_on()

    def state_on(self, day: datetime.date | None = None) -> str:
        """valid, expired, superseded or revoked on ``day`` (default today), a day on or after
        its issue. Revoked from the day it was revoked; expired after its expiry date; superseded
        once a material change to its policy has taken effect (or when marked so); otherwise
        valid."""
        return self.state_given(self.policy_version.document.binding_versions(on=day), on=day)

    def state_given(self, binding: list[PolicyVersion], on: datetime.date | None = None) -> str:
        """As ``state_on(on)``, given its policy's versions binding that day
        (``document.binding_versions(on)``), which a caller listing many certificates of one
        policy looks up once."""
        day = on or timezone.localdate()
        if self.status == self.Status.REVOKED:
            if self.revoked_at is None or timezone.localdate(self.revoked_at) <= day:
                return self.Status.REVOKED
        elif self.status != self.Status.VALID:
            return self.status  # marked superseded on the record itself: it has no date
        if self.expires_on < day:
            return "expired"
        if self.policy_version_id not in {version.pk for version in binding}:
            return self.Status.SUPERSEDED
        return "valid"
