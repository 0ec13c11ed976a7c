"""Background work for modules and enrolments, run by the configured django-tasks backend."""

from django_tasks import task

from .services import open_due_reattestation_cycles


@task()
def open_reattestation_cycles() -> int:
    """Open the re-attestation cycle of each material policy version that has taken effect
    (daily, from cron: ``manage.py open_reattestation_cycles``). Returns how many opened."""
    return len(open_due_reattestation_cycles())
