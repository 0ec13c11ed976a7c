"""The background task that sends the outbox to the learning record store."""

from __future__ import annotations

from django_tasks import task

from .sending import send_due


@task()
def send_statements(batches: int = 1) -> int:
    """Send up to ``batches`` batches of the statements due (queued after each transaction
    that writes one; ``manage.py send_statements`` drains the rest). Returns how many were
    stored by the LRS. Never raises for the LRS's sake: a failure is written to the outbox rows
    and they are tried again later, so an officer's request never fails because of the LRS."""
    return send_due(max_batches=batches).sent
