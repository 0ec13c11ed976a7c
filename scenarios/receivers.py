"""What scenarios does when other apps announce something.

When a policy version is published that is already in force, the people who keep scenarios
(trainers: holders of ``scenarios.view_analytics``) are emailed the citations it has left out of
date (``scenarios.citations``). The email is sent by the task worker once the publish commits.
"""

from django.db import transaction
from django.dispatch import receiver
from django.utils import timezone

from certificates.models import policy_version_published  # see scenarios/citations.py

from .tasks import tell_trainers_of_citations_to_check


@receiver(policy_version_published, dispatch_uid="scenarios.tell_trainers_of_citations_to_check")
def on_policy_version_published(sender, version, **kwargs):
    # A version taking effect on a later day leaves nothing out of date yet: the report and the
    # edit pages' notice list its citations from that day.
    if version.effective_date <= timezone.localdate():
        transaction.on_commit(lambda: tell_trainers_of_citations_to_check.enqueue(version.pk))
