from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models.functions import Upper
from django.utils import timezone

from core.append_only import AppendOnlyModel, append_only_triggers


class AuditEvent(AppendOnlyModel):
    """One security-relevant event: who did what to what, when and from where.

    Written once and never changed or removed (on PostgreSQL the database refuses too), so the
    log can stand as evidence. It never holds a password, token or session key: ``details`` is
    scrubbed by ``access.audit.record`` before it is written.
    """

    class Action(models.TextChoices):
        SIGN_IN = "sign-in", "Signed in"
        SIGN_IN_FAILED = "sign-in-failed", "Sign-in failed"
        SIGN_IN_REFUSED = "sign-in-refused", "Sign-in refused"
        SIGN_OUT = "sign-out", "Signed out"
        SESSION_EXPIRED = "session-expired", "Session expired"
        SESSIONS_ENDED = "sessions-ended", "Sessions ended"
        PASSWORD_CHANGED = "password-changed", "Password changed"
        MFA_ADDED = "mfa-added", "MFA method added"
        MFA_REMOVED = "mfa-removed", "MFA method removed"
        MFA_PASSED = "mfa-passed", "MFA passed"
        MFA_FAILED = "mfa-failed", "MFA failed"
        MFA_RECOVERY_CODES = "mfa-recovery-codes", "Recovery codes generated"
        ACCESS_DENIED = "access-denied", "Access denied"
        CHANGE = "change", "Changed"
        EXPORT = "export", "Exported"

    at = models.DateTimeField(default=timezone.now)
    action = models.CharField(max_length=32, choices=Action.choices)
    # No database constraint: a row must outlive the account it names (an administrator may
    # delete a person who never trained), and an append-only row cannot be set to null.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
    )
    # As it was at the time, so the row reads the same after a rename; and for a failed
    # sign-in, the name that was typed (there may be no such account).
    actor_label = models.CharField(max_length=254, blank=True)
    # What the event was about: a Wagtail action ("wagtail.edit") or a short verb, the kind
    # and id of the object, and how it read at the time.
    verb = models.CharField(max_length=100, blank=True)
    object_type = models.CharField(max_length=100, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    object_label = models.CharField(max_length=255, blank=True)
    path = models.CharField(max_length=500, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=500, blank=True)
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [
            models.Index(fields=["at"], name="audit_at"),
            models.Index(fields=["action", "at"], name="audit_action_at"),
            models.Index(fields=["actor", "at"], name="audit_actor_at"),
            # The admin's "who" filter matches the name case-insensitively.
            models.Index(Upper("actor_label"), "at", name="audit_actor_label_at"),
        ]
        triggers = append_only_triggers()

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.get_action_display()} {self.actor_label}".strip()
