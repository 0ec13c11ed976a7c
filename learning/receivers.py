from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone
from wagtail.signals import page_published, page_unpublished, post_page_move

from certificates.models import PolicyDocument, certificate_revoked, policy_version_published
from certificates.publishing import reattestation_asked
from people.signals import people_imported
from scenarios.models import ScenarioPage
from scenarios.signals import attempt_finished

from . import models
from .models import Assignment, Exemption
from .services import (
    open_reattestation_cycle,
    reattestation_asked_of,
    record_attempt_result,
    reopen_after_exemption,
    reopen_after_revocation,
)
from .tasks import enrol_assignments, tell_trainers_of_citations_to_check


@receiver(attempt_finished, dispatch_uid="learning.record_attempt_result")
def on_attempt_finished(sender, attempt, **kwargs):
    record_attempt_result(attempt)


@receiver(policy_version_published, dispatch_uid="learning.open_reattestation_cycle")
def on_policy_version_published(sender, version, **kwargs):
    # A version taking effect on a later day opens its cycle then, from the daily task.
    open_reattestation_cycle(version)


@receiver(policy_version_published, dispatch_uid="learning.tell_trainers_of_citations_to_check")
def on_policy_version_in_force(sender, version, **kwargs):
    # Trainers are emailed the citations the version leaves out of date (learning/citations.py),
    # by the task worker once the publish commits. A version taking effect on a later day leaves
    # nothing out of date yet: the report and the edit pages' notice list its citations from then.
    if version.effective_date <= timezone.localdate():
        transaction.on_commit(lambda: tell_trainers_of_citations_to_check.enqueue(version.pk))


@receiver(reattestation_asked, dispatch_uid="learning.reattestation_asked")
def on_reattestation_asked(sender, version, **kwargs):
    return reattestation_asked_of(sender, version, **kwargs)


@receiver(certificate_revoked, dispatch_uid="learning.reopen_after_revocation")
def on_certificate_revoked(sender, certificate, retake_due=None, **kwargs):
    reopen_after_revocation(certificate, due=retake_due)


@receiver(post_save, sender=Assignment, dispatch_uid="learning.enrol_on_save")
@receiver(m2m_changed, sender=Assignment.org_units.through, dispatch_uid="learning.enrol_on_units")
def on_assignment_changed(sender, action=None, **kwargs):
    if action is None or action.startswith("post_"):  # saved, or its units changed (not the pre_ signals)
        transaction.on_commit(enrol_assignments.enqueue)


@receiver(post_delete, sender=Exemption, dispatch_uid="learning.exemption_lifted")
def on_exemption_deleted(sender, instance, **kwargs):
    reopen_after_exemption(instance)


@receiver(people_imported, dispatch_uid="learning.enrol_after_import")
def on_people_imported(sender, **kwargs):
    enrol_assignments.enqueue()  # joiners are enrolled on what is assigned to them


@receiver(post_save, sender=PolicyDocument, dispatch_uid="learning.policy_renamed")
@receiver(page_published, dispatch_uid="learning.module_published")
@receiver(page_unpublished, dispatch_uid="learning.module_unpublished")
@receiver(post_page_move, dispatch_uid="learning.page_moved")
@receiver(post_delete, sender=ScenarioPage, dispatch_uid="learning.scenario_deleted")
def on_module_changed(sender, **kwargs):
    # What a module page keeps (its policy's address, its scenarios' titles) is read afresh
    # here; other processes catch up within the minute they keep it.
    models._policy_urls.clear()
    models._scenario_titles.clear()
