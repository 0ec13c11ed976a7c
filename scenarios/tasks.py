"""Background work for scenarios, run by the configured django-tasks backend."""

from django_tasks import task

from .citations import tell_trainers


@task()
def tell_trainers_of_citations_to_check(version_id: int) -> int:
    """Email the trainers the citations a newly published policy version left out of date.
    Returns how many people were emailed."""
    return tell_trainers(version_id)
