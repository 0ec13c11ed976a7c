from django.dispatch import receiver

from certificates.models import policy_version_published
from scenarios.signals import attempt_finished

from .services import open_reattestation_cycle, record_attempt_result


@receiver(attempt_finished, dispatch_uid="learning.record_attempt_result")
def on_attempt_finished(sender, attempt, **kwargs):
    record_attempt_result(attempt)


@receiver(policy_version_published, dispatch_uid="learning.open_reattestation_cycle")
def on_policy_version_published(sender, version, **kwargs):
    # A version taking effect on a later day opens its cycle then, from the daily task.
    open_reattestation_cycle(version)
