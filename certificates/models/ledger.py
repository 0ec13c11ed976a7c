"""The attestation ledger: append-only rows, each chained by hash to the one before, and the
anchors that record its head outside the database. Rows and anchors are sealed with the ledger
key (``chain.seal``), which the database never holds."""

from __future__ import annotations

import datetime
import json

from django.conf import settings
from django.db import models
from django.utils import timezone

from core.append_only import AppendOnlyModel, append_only_triggers

from ..chain import SEAL_MAX_LENGTH, seal
from .policies import PolicyVersion


class Attestation(AppendOnlyModel):
    """One person's attestation to one policy version: a row of an append-only ledger.

    ``row_hash`` is the seal of the canonical fields and ``previous_hash``, chaining every row
    to the one before it, so an edit anywhere breaks the chain from that row on; it names the
    ledger key that made it (``chain.seal``).
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
    previous_hash = models.CharField(max_length=SEAL_MAX_LENGTH)
    row_hash = models.CharField(max_length=SEAL_MAX_LENGTH, unique=True)
    # An attestation made again after HR revoked the certificate of an earlier one points at that
    # revoked certificate: the earlier row stays as it was, and the chain says why there are two.
    after_revocation = models.OneToOneField(
        "certificates.Certificate",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reattestation",
        help_text="The revoked certificate this attestation was made to replace.",
    )

    class Meta:
        constraints = [
            # One attestation per person per version, except the one made again after each
            # revocation (itself one per revoked certificate: the one-to-one above).
            models.UniqueConstraint(
                fields=["user", "policy_version"],
                condition=models.Q(after_revocation__isnull=True),
                name="one_attestation_per_version",
            ),
        ]
        ordering = ["pk"]
        # On PostgreSQL the database itself refuses to change the ledger, whatever the client.
        triggers = append_only_triggers()

    def __str__(self) -> str:
        return f"{self.user} attested {self.policy_version} at {self.created_at:%Y-%m-%d %H:%M}"

    def canonical(self) -> str:
        fields = {
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
        }
        if self.after_revocation_id is not None:  # absent from rows made before it existed, whose hashes stand
            fields["after_revocation"] = self.after_revocation_id
        return json.dumps(fields, sort_keys=True, separators=(",", ":"))

    def compute_hash(self) -> str:
        return seal(self.canonical())


class LedgerAnchor(AppendOnlyModel):
    """The ledger's row count and head hash at one moment, recorded daily and sent outside the
    database: a chain rewritten after that moment, hashes and all, no longer reaches this head.

    ``anchor_hash`` seals the moment, count and head with the ledger key, so an anchor made in the
    database by someone without the key does not verify; blank in anchors made before anchors
    were sealed.
    """

    created_at = models.DateTimeField(default=timezone.now)
    row_count = models.PositiveIntegerField()
    head_hash = models.CharField(max_length=SEAL_MAX_LENGTH)
    anchor_hash = models.CharField(max_length=SEAL_MAX_LENGTH, blank=True)
    sent_to = models.CharField(max_length=254, blank=True)
    # The chain of certificate events at the same moment; empty in anchors made before it existed.
    event_count = models.PositiveIntegerField(null=True, blank=True)
    event_head = models.CharField(max_length=SEAL_MAX_LENGTH, blank=True)

    class Meta:
        ordering = ["pk"]
        triggers = append_only_triggers()

    def __str__(self) -> str:
        return f"{self.row_count} rows, head {self.head_hash[:12]}… at {self.created_at:%Y-%m-%d %H:%M}"

    def canonical(self) -> str:
        fields = {
            "created_at": self.created_at.astimezone(datetime.UTC).isoformat(),
            "row_count": self.row_count,
            "head_hash": self.head_hash,
        }
        if self.event_count is not None:  # absent from anchors made before, whose seals stand
            fields.update(event_count=self.event_count, event_head=self.event_head)
        return json.dumps(fields, sort_keys=True, separators=(",", ":"))

    def compute_hash(self) -> str:
        return seal(self.canonical())

    def as_line(self, *, last_row: int | None) -> str:
        """The anchor as one JSON line for the copies kept outside the database (the anchor file,
        the log); ``last_row``, the id of the ledger's last row then, only helps name it."""
        fields = {
            "anchor": self.pk,
            "created_at": self.created_at.astimezone(datetime.UTC).isoformat(),
            "row_count": self.row_count,
            "head_hash": self.head_hash,
            "anchor_hash": self.anchor_hash,
            "last_row": last_row,
        }
        if self.event_count is not None:
            fields.update(event_count=self.event_count, event_head=self.event_head)
        return json.dumps(fields, sort_keys=True, separators=(",", ":"))

    @classmethod
    def from_line(cls, line: str) -> tuple[LedgerAnchor, int | None]:
        """The (unsaved) anchor an ``as_line`` line records, and its ``last_row``; ValueError
        (or KeyError, TypeError) if the line is not one. The anchor is the line's JSON from its
        first ``{``, so a line copied from the log, timestamp and all, does as well."""
        fields = json.loads(line[line.find("{") :])
        anchor = cls(
            pk=fields["anchor"],
            created_at=datetime.datetime.fromisoformat(fields["created_at"]),
            row_count=int(fields["row_count"]),
            head_hash=str(fields["head_hash"]),
            anchor_hash=str(fields["anchor_hash"]),
            event_count=None if fields.get("event_count") is None else int(fields["event_count"]),
            event_head=str(fields.get("event_head", "")),
        )
        return anchor, fields.get("last_row")
