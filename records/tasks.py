"""Background work for the records: data-protection retention."""

from django_tasks import task

from .privacy import remove_old_responses


@task()
def apply_retention() -> int:
    """Remove answers to scenario steps past RESPONSE_RETENTION_YEARS, keeping scores, the ledger
    and certificates (daily, from cron: ``manage.py apply_retention``). Returns how many went."""
    return remove_old_responses()


@task()
def send_saved_reports() -> int:
    """Email each saved report scheduled weekly, once a week (daily, from cron: ``manage.py
    send_saved_reports``; ``records.saved.send_due_reports``). Returns how many were sent."""
    from .saved import send_due_reports  # the admin views' module: read only when the task runs

    return send_due_reports()
