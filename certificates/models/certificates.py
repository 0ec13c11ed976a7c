"""Certificates: the printable proof of one attestation, and its state on a day."""

from __future__ import annotations

import datetime
import itertools

from django.conf import settings
from django.db import models
from django.dispatch import Signal
from django.utils import timezone

from core.append_only import AppendOnlyQuerySet, append_only_triggers

from ..serials import grouped
from .events import CertificateEvent, certificate_facts
from .ledger import Attestation
from .policies import PolicyVersion

# Sent when HR revokes a certificate, with ``certificate`` and ``retake_due`` (the day its holder
# must have trained again by, or None for the default), so that whoever keeps track of training
# can send the holder back to it.
certificate_revoked = Signal()

# Sent inside the transaction that appends any event to a certificate's chain (issued, revoked,
# marked superseded), with ``certificate`` and ``event``: for whoever mirrors certificates
# elsewhere (a learning record store).
certificate_event_appended = Signal()

# Sent inside the transaction that appends an attestation to the ledger, with ``attestation``.
attested = Signal()


class CertificateQuerySet(AppendOnlyQuerySet):
    def with_events(self) -> CertificateQuerySet:
        return self.prefetch_related(models.Prefetch("events", queryset=CertificateEvent.objects.order_by("sequence")))


class CertificateManager(models.Manager.from_queryset(CertificateQuerySet)):
    """Every query reads the certificates' events with them (one more query however many):
    a certificate's state needs them."""

    def get_queryset(self) -> CertificateQuerySet:
        return super().get_queryset().with_events()


class Certificate(models.Model):
    """Proof that a person completed a module and attested to a policy version.

    The row holds facts written once (the table is append-only); what happened to it since
    (revoked, marked superseded) is in its ``events``, and its issue event repeats the row's
    facts under a seal, so a row changed afterwards no longer matches and is not trusted.
    """

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

    objects = CertificateManager()

    class Meta:
        ordering = ["-issued_at"]
        permissions = [("revoke_certificate", "Can revoke certificates")]
        triggers = append_only_triggers()

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

    # What happened to it, from its events ---------------------------------------------------

    def event_list(self) -> list[CertificateEvent]:
        """Its events in order (prefetched with ``with_events``, or read once and kept)."""
        cache = getattr(self, "_prefetched_objects_cache", {})
        if "events" in cache:
            return list(cache["events"])
        if not hasattr(self, "_events"):
            self._events = list(self.events.order_by("sequence")) if self.pk else []
        return self._events

    def forget_events(self) -> None:
        """Read the events afresh next time (after appending one)."""
        getattr(self, "_prefetched_objects_cache", {}).pop("events", None)
        self.__dict__.pop("_events", None)

    def _event(self, kind: str) -> CertificateEvent | None:
        return next((event for event in self.event_list() if event.kind == kind), None)

    @property
    def trusted(self) -> bool:
        """Whether the record is as it was made: exactly one issue event, first, whose facts are
        the row's, and every event as it was sealed, in time order. (``events.first_broken``
        checks the chain as a whole: links between rows, and rows missing.)"""
        events = self.event_list()
        issued = [event for event in events if event.kind == CertificateEvent.Kind.ISSUED]
        if len(issued) != 1 or events[0] is not issued[0] or issued[0].facts != certificate_facts(self):
            return False
        in_time_order = all(earlier.at <= later.at for earlier, later in itertools.pairwise(events))
        return in_time_order and all(event.sealed for event in events)

    @property
    def revocation(self) -> CertificateEvent | None:
        return self._event(CertificateEvent.Kind.REVOKED)

    @property
    def status(self) -> str:
        """Revoked or marked superseded by an event; otherwise valid (before expiry and policy
        changes, which ``state_on`` adds)."""
        if self.revocation:
            return self.Status.REVOKED
        if self._event(CertificateEvent.Kind.SUPERSEDED):
            return self.Status.SUPERSEDED
        return self.Status.VALID

    def get_status_display(self) -> str:
        return self.Status(self.status).label

    @property
    def revoked_at(self) -> datetime.datetime | None:
        return self.revocation.at if self.revocation else None

    @property
    def revoked_reason(self) -> str:
        return self.revocation.facts.get("reason", "") if self.revocation else ""

    @property
    def revoked_by(self):
        return self.revocation.by if self.revocation else None

    @property
    def revoked_by_id(self) -> int | None:
        return self.revocation.by_id if self.revocation else None

    @property
    def current_state(self) -> str:
        """The state today, as a verifier should read it (``state_on``)."""
        return self.state_on()

    def state_on(self, day: datetime.date | None = None) -> str:
        """valid, expired, superseded, revoked or untrusted on ``day`` (default today), a day on
        or after its issue. Untrusted when the record is not as it was made (``trusted``);
        revoked from the day it was revoked; expired after its expiry date; superseded once a
        material change to its policy has taken effect (or when marked so); otherwise valid."""
        return self.state_given(self.policy_version.document.binding_versions(on=day), on=day)

    def state_given(self, binding: list[PolicyVersion], on: datetime.date | None = None) -> str:
        """As ``state_on(on)``, given its policy's versions binding that day
        (``document.binding_versions(on)``), which a caller listing many certificates of one
        policy looks up once."""
        day = on or timezone.localdate()
        if not self.trusted:
            return UNTRUSTED
        if (revocation := self.revocation) and timezone.localdate(revocation.at) <= day:
            return self.Status.REVOKED
        if self._event(CertificateEvent.Kind.SUPERSEDED):
            return self.Status.SUPERSEDED  # marked so: it has no date
        if self.expires_on < day:
            return "expired"
        if self.policy_version_id not in {version.pk for version in binding}:
            return self.Status.SUPERSEDED
        return "valid"


# The state of a certificate whose record is not as it was made: no one should rely on it.
UNTRUSTED = "untrusted"
