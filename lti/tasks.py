"""Grades owed to learning platforms, sent by the configured django-tasks backend."""

from django_tasks import task

from .models import GradeReturn
from .services import send_grade_return


@task()
def send_grade(grade_return_id: int) -> str:
    """Send one owed grade (queued when the pass or attestation commits)."""
    return send_grade_return(grade_return_id)


@task()
def send_due_grades() -> dict[str, int]:
    """Send every owed grade that is due (every few minutes, from cron: ``manage.py send_lti_grades``)."""
    outcomes: dict[str, int] = {}
    for pk in GradeReturn.objects.due().order_by("next_try_at").values_list("pk", flat=True)[:500]:
        status = send_grade_return(pk)
        outcomes[status] = outcomes.get(status, 0) + 1
    return outcomes
