"""Attest as an LTI 1.3 tool: how each registered platform names its people, the platform
accounts HR has linked, where each person launched a module from, and the grades owed back.

The registrations, deployments and the tool's own signing keys are django-lti's models
(``lti_tool.LtiRegistration``, ``LtiDeployment``, ``Key``); these add what Attest needs.
"""

from __future__ import annotations

import datetime
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone


def origin_of(url: str) -> str:
    """``https://moodle.example:8443`` from any address on that site; "" if it is not one."""
    parts = urlsplit(url or "")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return ""
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{parts.hostname}{port}"


class Platform(models.Model):
    """How Attest treats one registered platform: which launch claim names the person, and
    which web origin may show Attest's pages in a frame. A registration without one matches
    by the warrant number in the ``warrant_number`` custom parameter and may be framed by its
    issuer's origin."""

    class PersonClaim(models.TextChoices):
        WARRANT_CUSTOM = "warrant-custom", "Warrant number, in a custom parameter"
        WARRANT_SOURCEDID = "warrant-sourcedid", "Warrant number, as the LIS person sourcedid"
        LINKED_ACCOUNT = "linked-account", "Platform account (sub), linked to a person by HR"

    registration = models.OneToOneField(
        "lti_tool.LtiRegistration", on_delete=models.CASCADE, related_name="attest_platform"
    )
    person_claim = models.CharField(
        "match the person by",
        max_length=32,
        choices=PersonClaim.choices,
        default=PersonClaim.WARRANT_CUSTOM,
        help_text="Never by email: a launch whose claim names nobody in Attest is refused.",
    )
    custom_parameter = models.CharField(
        max_length=64,
        default="warrant_number",
        help_text="The custom parameter holding the warrant number "
        "(Moodle: warrant_number=$Person.sourcedId, the ID number field of the person's profile).",
    )
    frame_origin = models.CharField(
        max_length=200,
        blank=True,
        help_text="The platform's web address (https://moodle.example) if it differs from its issuer. "
        "Only this origin may show Attest in a frame.",
    )

    class Meta:
        verbose_name = "platform rules"
        verbose_name_plural = "platform rules"

    def __str__(self) -> str:
        return f"{self.registration}: {self.get_person_claim_display()}"

    def clean(self) -> None:
        if self.frame_origin and origin_of(self.frame_origin) != self.frame_origin.rstrip("/"):
            raise ValidationError({"frame_origin": "Give only the scheme and host, e.g. https://moodle.example"})
        self.frame_origin = self.frame_origin.rstrip("/")

    @classmethod
    def rules_for(cls, registration) -> Platform:
        """The registration's rules, or the defaults (unsaved) if it has none."""
        try:
            return registration.attest_platform
        except cls.DoesNotExist:
            return cls(registration=registration)

    def origin(self) -> str:
        return self.frame_origin or origin_of(self.registration.issuer) or origin_of(self.registration.auth_url)


class PlatformAccountLink(models.Model):
    """HR's link from one platform account (its ``sub``) to one person, made once."""

    registration = models.ForeignKey("lti_tool.LtiRegistration", on_delete=models.CASCADE, related_name="+")
    sub = models.CharField("platform user id (sub)", max_length=255)
    user = models.ForeignKey("people.User", on_delete=models.CASCADE, related_name="+", verbose_name="person")
    linked_by = models.ForeignKey(
        "people.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )
    linked_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = "linked platform account"
        constraints = [
            models.UniqueConstraint(fields=["registration", "sub"], name="lti_one_person_per_platform_account"),
            models.UniqueConstraint(fields=["registration", "user"], name="lti_one_platform_account_per_person"),
        ]

    def __str__(self) -> str:
        return f"{self.registration}: {self.sub} → {self.user}"


class Launch(models.Model):
    """Where a person last launched a module from (one row per resource link and person): the
    only place a grade for that module may be sent."""

    registration = models.ForeignKey("lti_tool.LtiRegistration", on_delete=models.CASCADE, related_name="+")
    deployment = models.ForeignKey("lti_tool.LtiDeployment", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey("people.User", on_delete=models.CASCADE, related_name="+")
    module_id = models.PositiveIntegerField()
    resource_link_id = models.CharField(max_length=255)
    context_id = models.CharField(max_length=255, blank=True)
    sub = models.CharField(max_length=255)
    lineitem_url = models.URLField(max_length=1000, blank=True)
    lineitems_url = models.URLField(max_length=1000, blank=True)
    scopes = models.JSONField(default=list)
    last_launched_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["deployment", "resource_link_id", "user"], name="lti_one_launch_per_link_and_person"
            )
        ]
        indexes = [models.Index(fields=["user", "module_id"])]

    def __str__(self) -> str:
        return f"{self.user} from {self.registration} ({self.resource_link_id})"

    @property
    def can_send_scores(self) -> bool:
        return "https://purl.imsglobal.org/spec/lti-ags/scope/score" in self.scopes and bool(
            self.lineitem_url or self.lineitems_url
        )

    def ags_claim(self) -> dict:
        claim = {"scope": list(self.scopes)}
        if self.lineitem_url:
            claim["lineitem"] = self.lineitem_url
        if self.lineitems_url:
            claim["lineitems"] = self.lineitems_url
        return claim


class GradeReturnQuerySet(models.QuerySet):
    def due(self, now: datetime.datetime | None = None) -> GradeReturnQuerySet:
        """Owed and due to be tried now."""
        return self.filter(status=GradeReturn.Status.PENDING, next_try_at__lte=now or timezone.now())


class GradeReturn(models.Model):
    """One score owed to a platform (the outbox): written in the transaction that passed the
    scenarios or attested, sent by a task after it commits, tried again with backoff until the
    platform takes it. Nothing is deleted; a row that ran out of tries waits for an administrator."""

    class Kind(models.TextChoices):
        SCORE = "score", "Scenarios passed (score)"
        COMPLETION = "completion", "Attested (completed)"

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting to be sent"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed (retry from the admin)"

    launch = models.ForeignKey(Launch, on_delete=models.PROTECT, related_name="grade_returns")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    # What was passed or attested (an attempt or attestation id): the same event is owed once.
    source_id = models.PositiveBigIntegerField()
    score_given = models.FloatField(null=True, blank=True)
    score_maximum = models.FloatField(default=100)
    activity_progress = models.CharField(max_length=32)
    grading_progress = models.CharField(max_length=32)
    happened_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING, db_index=True)
    tries = models.PositiveIntegerField(default=0)
    next_try_at = models.DateTimeField(default=timezone.now)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    objects = GradeReturnQuerySet.as_manager()

    class Meta:
        verbose_name = "grade return"
        constraints = [
            models.UniqueConstraint(fields=["launch", "kind", "source_id"], name="lti_one_grade_return_per_event")
        ]
        indexes = [models.Index(fields=["status", "next_try_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.launch.user} to {self.launch.registration}"

    def backoff(self) -> datetime.timedelta:
        return datetime.timedelta(minutes=2 ** max(self.tries - 1, 0))

    @property
    def out_of_tries(self) -> bool:
        return self.tries >= settings.LTI_GRADE_MAX_TRIES
