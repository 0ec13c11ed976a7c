"""The certificate events: a second append-only chain beside the attestation ledger. A
certificate's issue (with every fact a verifier relies on: holder, policy version, issue and
expiry), its revocation and its supersession are rows here, each sealed with the seal of the row
before (``chain.seal``); the certificate's state is read from them, never from a column."""

from __future__ import annotations

import datetime
import json
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone

from core.append_only import AppendOnlyModel, append_only_triggers

from ..chain import seal, seal_problem

GENESIS = "0" * 64


def certificate_facts(certificate) -> dict[str, Any]:
    """What a certificate row says, as its issue event records it. Reads only field values, so
    it works on a migration's historical model too."""
    return {
        "serial": certificate.serial,
        "user": certificate.user_id,
        "attestation": certificate.attestation_id,
        "policy_version": certificate.policy_version_id,
        "module": certificate.module_id,
        "module_title": certificate.module_title,
        "holder_name": certificate.holder_name,
        "warrant_number": certificate.warrant_number,
        "issued_at": certificate.issued_at.astimezone(datetime.UTC).isoformat(),
        "expires_on": certificate.expires_on.isoformat(),
    }


def event_canonical(event) -> str:
    """The text an event's seal covers. Reads only field values (see ``certificate_facts``)."""
    return json.dumps(
        {
            "sequence": event.sequence,
            "certificate": event.certificate_id,
            "kind": event.kind,
            "at": event.at.astimezone(datetime.UTC).isoformat(),
            "by": event.by_id,
            "facts": event.facts,
            "previous_hash": event.previous_hash,
        },
        sort_keys=True,
        separators=(",", ":"),
    )


class CertificateEvent(AppendOnlyModel):
    """One thing that happened to a certificate, as a sealed row of the certificate events chain.

    ``sequence`` counts the rows from 1 with no gap, so a row taken out shows however the
    seals were redone; ``previous_hash`` is the seal of the row before.
    """

    class Kind(models.TextChoices):
        ISSUED = "issued", "Issued"
        REVOKED = "revoked", "Revoked"
        SUPERSEDED = "superseded", "Marked superseded"

    sequence = models.PositiveIntegerField(unique=True)
    certificate = models.ForeignKey("certificates.Certificate", on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    facts = models.JSONField(default=dict, help_text="Issued: the certificate's facts. Revoked: the reason.")
    previous_hash = models.CharField(max_length=100)
    row_hash = models.CharField(max_length=100, unique=True)

    class Meta:
        ordering = ["sequence"]
        triggers = append_only_triggers()

    def __str__(self) -> str:
        return f"Certificate event {self.sequence}: {self.get_kind_display().lower()} at {self.at:%Y-%m-%d %H:%M}"

    def canonical(self) -> str:
        return event_canonical(self)

    def seal(self) -> str:
        return seal(self.canonical())

    def seal_problem(self) -> str | None:
        """Why the row is not as it was sealed, in words; None when it is. The chain began after
        keys existed, so wherever a key is set (production requires one) every event must carry
        a keyed seal: a plain one is an event resealed by someone without the key."""
        return seal_problem(self.canonical(), self.row_hash, keyed_due=bool(settings.LEDGER_KEYS))

    @property
    def sealed(self) -> bool:
        """Whether the row is as it was sealed, with a key this server holds."""
        return self.seal_problem() is None
