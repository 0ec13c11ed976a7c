"""Signals other apps listen to; scenarios knows nothing of who listens."""

from django.dispatch import Signal

# Sent inside the transaction that finishes an attempt, with ``attempt``.
attempt_finished = Signal()
