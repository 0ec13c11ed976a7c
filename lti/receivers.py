"""Owe the platform a grade when someone who launched a module from it passes or attests.

Both signals are sent inside the writing transaction: the outbox row is written in it (so a
grade is never owed for a pass that rolled back, nor lost for one that committed) and the task
is queued when it commits."""

from functools import partial

from django.db import transaction
from django.dispatch import receiver

from certificates.models import attested
from scenarios.signals import attempt_finished

from .models import GradeReturn
from .services import owe_grades


def _queue(owed) -> None:
    from .tasks import send_grade

    for grade_return in owed:
        transaction.on_commit(partial(send_grade.enqueue, grade_return.pk))


@receiver(attempt_finished, dispatch_uid="lti-score-on-pass")
def scenarios_passed(sender, attempt, **kwargs):
    if attempt.status != "passed" or attempt.score_percent is None:
        return
    _queue(
        owe_grades(
            user_id=attempt.user_id,
            module_id=attempt.module_id,
            kind=GradeReturn.Kind.SCORE,
            source_id=attempt.pk,
            score=float(attempt.score_percent),
        )
    )


@receiver(attested, dispatch_uid="lti-completion-on-attest")
def module_attested(sender, attestation, **kwargs):
    if attestation.module_id is None:
        return
    _queue(
        owe_grades(
            user_id=attestation.user_id,
            module_id=attestation.module_id,
            kind=GradeReturn.Kind.COMPLETION,
            source_id=attestation.pk,
            score=None,
        )
    )
