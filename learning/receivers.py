from django.dispatch import receiver

from scenarios.signals import attempt_finished

from .services import record_attempt_result


@receiver(attempt_finished, dispatch_uid="learning.record_attempt_result")
def on_attempt_finished(sender, attempt, **kwargs):
    record_attempt_result(attempt)
