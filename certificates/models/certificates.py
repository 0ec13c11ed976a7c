"""Certificates: the printable proof of one attestation, and its state on a day."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.dispatch import Signal
from django.utils import timezone

from ..serials import grouped
from .ledger import Attestation
from .policies import PolicyVersion

# Sent when HR revokes a certificate, with ``certificate`` and ``retake_due`` (the day its holder
# must have trained again by, or None for the default), so that whoever keeps track of training
# can send the holder back to it.
certificate_revoked = Signal()


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
