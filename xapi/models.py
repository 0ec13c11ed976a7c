"""The outbox: each xAPI statement as it will be sent, written in the same transaction as the fact
it reports, and sent later by the task worker (``xapi.sending``)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone


class OutboxStatementQuerySet(models.QuerySet):
    def due(self, now=None) -> OutboxStatementQuerySet:
        """Waiting to be sent and due now: never tried, or its backoff has passed."""
        return self.filter(status=OutboxStatement.Status.PENDING, next_try_at__lte=now or timezone.now())

    def resting(self, now=None) -> OutboxStatementQuerySet:
        """Waiting out a backoff after a failed try: the LRS failed lately."""
        return self.filter(status=OutboxStatement.Status.PENDING, tries__gt=0, next_try_at__gt=now or timezone.now())

    def unsent(self) -> OutboxStatementQuerySet:
        """Not (yet) in the learning record store: pending, or refused by it."""
        return self.exclude(status=OutboxStatement.Status.SENT)


class OutboxStatement(models.Model):
    """One statement for the learning record store.

    ``body`` is the statement exactly as sent, built once when the fact was recorded and never
    changed: a resend (after a lost reply, a retry) sends the same statement under the same
    ``statement_id``. Only the delivery columns change. A statement that no longer stands is
    voided by another statement, never edited.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting to be sent"
        SENT = "sent", "Sent"
        REJECTED = "rejected", "Refused by the LRS"

    statement_id = models.UUIDField(unique=True)
    verb = models.CharField(max_length=40, help_text="What the statement says, in short: answered, passed...")
    body = models.JSONField()
    created_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    tries = models.PositiveIntegerField(default=0)
    next_try_at = models.DateTimeField(default=timezone.now)
    last_error = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    objects = OutboxStatementQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = "statement for the learning record store"
        verbose_name_plural = "statements for the learning record store"
        default_permissions = ("view", "change")
        indexes = [
            # The worker's one question: what is due, oldest first.
            models.Index(
                fields=["next_try_at", "created_at"], condition=Q(status="pending"), name="xapi_statement_due"
            ),
            models.Index(fields=["status", "created_at"], name="xapi_statement_by_status"),
        ]

    def __str__(self) -> str:
        return f"{self.verb} statement {self.statement_id}"
