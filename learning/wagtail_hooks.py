"""Keep the training record whole: pages with attempts or enrolments are unpublished, not deleted."""

from django.contrib import messages
from django.shortcuts import redirect
from wagtail import hooks
from wagtail.models import Page

from scenarios.models import Attempt, PinnedScenario

from . import assignment_admin
from .models import Enrolment


def pages_with_training_records(pages) -> list[Page]:
    """Those of ``pages`` (or their descendants) that officers' attempts or enrolments refer to."""
    ids = set()
    for page in pages:
        ids |= set(page.get_descendants(inclusive=True).values_list("pk", flat=True))
    used = (
        set(Attempt.objects.filter(module_id__in=ids).values_list("module_id", flat=True))
        | set(PinnedScenario.objects.filter(scenario_id__in=ids).values_list("scenario_id", flat=True))
        | set(Enrolment.objects.filter(module_id__in=ids).values_list("module_id", flat=True))
    )
    return list(Page.objects.filter(pk__in=used).order_by("title"))


def _refuse(request, pages, back_to):
    titles = ", ".join(f"“{page.title}”" for page in pages)
    messages.error(
        request,
        f"{titles} cannot be deleted: officers' attempts or enrolments refer to it, and the training "
        "record is kept as evidence. Unpublish it instead.",
    )
    return redirect("wagtailadmin_explore", back_to)


@hooks.register("before_delete_page")
def keep_pages_with_training_records(request, page):
    used = pages_with_training_records([page])
    if used:
        return _refuse(request, used, page.get_parent().pk)
    return None


@hooks.register("before_bulk_action")
def keep_pages_with_training_records_in_bulk(request, action_type, objects, action):
    if action_type != "delete" or not objects or not isinstance(objects[0], Page):
        return None
    used = pages_with_training_records(objects)
    if used:
        return _refuse(request, used, objects[0].get_parent().pk)
    return None


@hooks.register("register_admin_viewset")
def register_assignment_viewset():
    return assignment_admin.AssignmentViewSet("assignments")


@hooks.register("register_admin_viewset")
def register_exemption_viewset():
    return assignment_admin.ExemptionViewSet("exemptions")
