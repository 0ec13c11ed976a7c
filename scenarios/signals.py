"""Signals other apps listen to; scenarios knows nothing of who listens."""

from django.dispatch import Signal

# Sent inside the transaction that finishes an attempt, with ``attempt``.
attempt_finished = Signal()

# Sent inside the transaction that starts a new attempt (not when one in progress is resumed),
# with ``attempt``.
attempt_started = Signal()

# Sent inside the transaction that records an answer, with ``attempt``, ``response`` and ``step``
# (the step as the person saw it: its options in their order, which were right).
response_recorded = Signal()
