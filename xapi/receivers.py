"""What xapi hears: each fact worth a statement, inside the transaction that records it.

| signal | statement |
|---|---|
| ``scenarios.signals.attempt_started`` | attempted the module (registration: the attempt) |
| ``scenarios.signals.response_recorded`` | answered the step (the choices, and whether right) |
| ``scenarios.signals.attempt_finished`` | passed or failed the module (score, duration) |
| ``certificates.models.attested`` | attested to the policy version |
| ``certificates.models.certificate_event_appended`` | certificate issued, revoked or superseded |
| ``post_save`` of ``learning.RecordedCompletion`` | completed the module (done elsewhere, recorded by HR) |
| the same, for the row withdrawing it | voided: the "completed" statement |

Nothing is done unless the LRS is configured (``outbox.enabled``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.db.models.signals import post_save
from django.dispatch import receiver

from certificates.models import attested, certificate_event_appended
from learning.models import RecordedCompletion
from scenarios.models import Attempt
from scenarios.signals import attempt_finished, attempt_started, response_recorded

from . import outbox, statements

logger = logging.getLogger("attest.xapi")


def _write(build: Callable[[], dict[str, Any]], what: str) -> None:
    """Build a statement and add it to the outbox. A statement that cannot be built (a bug, or
    content we did not foresee) is logged and left out rather than failing the officer's
    answer; the outbox write itself is part of the transaction, and fails with it."""
    try:
        body = build()
    except Exception:
        logger.exception("No xAPI statement could be built for %s", what)
        return
    outbox.write(body)


def _module(attempt: Attempt):
    # The module as start_attempt was given it, when this instance still holds it (no query).
    return attempt.module if Attempt.module.is_cached(attempt) else None


@receiver(attempt_started, dispatch_uid="xapi.attempt_started")
def on_attempt_started(sender, attempt: Attempt, **kwargs) -> None:
    if not outbox.enabled():
        return
    actor = outbox.actor_of(attempt.user)
    title = outbox.module_title(attempt.module_id, _module(attempt))
    _write(lambda: statements.attempt_started(attempt, actor, title), f"attempt {attempt.public_id} started")


@receiver(response_recorded, dispatch_uid="xapi.response_recorded")
def on_response_recorded(sender, attempt: Attempt, response, step, **kwargs) -> None:
    if not outbox.enabled():
        return
    actor = outbox.actor_by_id(attempt.user_id)
    _write(
        lambda: statements.response_recorded(attempt, response, step, actor),
        f"attempt {attempt.public_id} step {response.position}",
    )


@receiver(attempt_finished, dispatch_uid="xapi.attempt_finished")
def on_attempt_finished(sender, attempt: Attempt, **kwargs) -> None:
    if not outbox.enabled():
        return
    actor = outbox.actor_by_id(attempt.user_id)
    title = outbox.module_title(attempt.module_id, _module(attempt))
    _write(lambda: statements.attempt_finished(attempt, actor, title), f"attempt {attempt.public_id} finished")


@receiver(attested, dispatch_uid="xapi.attested")
def on_attested(sender, attestation, **kwargs) -> None:
    if not outbox.enabled():
        return
    actor = outbox.actor_of(attestation.user)
    _write(lambda: statements.attested(attestation, actor), f"attestation {attestation.pk}")


@receiver(certificate_event_appended, dispatch_uid="xapi.certificate_event_appended")
def on_certificate_event(sender, certificate, event, **kwargs) -> None:
    if not outbox.enabled():
        return
    actor = outbox.actor_of(certificate.user)
    _write(lambda: statements.certificate_event(certificate, event, actor), f"certificate event {event.pk}")


@receiver(post_save, sender=RecordedCompletion, dispatch_uid="xapi.recorded_completion")
def on_recorded_completion(sender, instance: RecordedCompletion, created: bool, **kwargs) -> None:
    """A completion HR records is a "completed" statement. Withdrawing it says the record was a
    mistake, never true: the statement no longer stands, so it is voided (by the HR person who
    withdrew it), not answered with a second fact as a revocation is."""
    if not created or not outbox.enabled() or kwargs.get("raw"):
        return
    if instance.withdraws_id is None:
        actor = outbox.actor_of(instance.user)
        _write(lambda: statements.completed_elsewhere(instance, actor), f"recorded completion {instance.pk}")
        return
    voided = statements.statement_id("completed-elsewhere", instance.withdraws_id)
    actor = outbox.actor_of(instance.recorded_by)
    _write(lambda: statements.voiding(voided, actor, instance.recorded_at), f"withdrawal {instance.pk}")
