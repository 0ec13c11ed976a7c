"""Background work for the records: data-protection retention."""

from django_tasks import task

from .privacy import remove_old_responses


@task()
def apply_retention() -> int:
    """Remove answers to scenario steps past RESPONSE_RETENTION_YEARS, keeping scores, the ledger
    and certificates (daily, from cron: ``manage.py apply_retention``). Returns how many went."""
    return remove_old_responses()
