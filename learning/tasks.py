"""Background work for modules, enrolments and the citations to check, run by the configured
django-tasks backend."""

from django_tasks import task

from .citations import tell_trainers
from .reminders import send_reminders
from .services import enrol_everyone, open_due_reattestation_cycles


@task()
def open_reattestation_cycles() -> int:
    """Open the re-attestation cycle of each material policy version that has taken effect
    (daily, from cron: ``manage.py open_reattestation_cycles``). Returns how many opened."""
    return len(open_due_reattestation_cycles())


@task()
def enrol_assignments() -> int:
    """Enrol each assignment's audience: exemptions that have ended (the day after their last
    day), joiners, moved dates, recurrences (after every change to an assignment or to the
    people, and daily: ``manage.py enrol_assignments``). Returns how many enrolments were
    created or reopened."""
    return enrol_everyone()


@task()
def send_due_reminders() -> dict[str, int]:
    """Send today's reminders and escalations (daily, from cron: ``manage.py send_reminders``)."""
    sent = send_reminders()
    return {"reminders": sent.reminders, "escalations": sent.escalations}


@task()
def tell_trainers_of_citations_to_check(version_id: int) -> int:
    """Email the trainers the citations a newly published policy version left out of date
    (``learning.citations.tell_trainers``). Returns how many people were emailed."""
    return tell_trainers(version_id)
