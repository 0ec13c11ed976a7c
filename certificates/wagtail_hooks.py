from django.contrib import messages
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.utils import timezone
from wagtail import hooks
from wagtail.admin import messages as admin_messages
from wagtail.admin.ui.tables import Column
from wagtail.admin.views.generic.models import InspectView
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import CreateView, EditView, SnippetViewSet, UnpublishView

from .models import PolicyDocument, PolicyVersion
from .publishing import published_summary, reattestation_for
from .reviews import REMINDER_ACTION
from .services import VersionConflict

UNPUBLISH_REFUSED = (
    "Policies are not unpublished: officers attest to the stored versions, which stay in force whatever "
    "happens to the draft. To change what officers read, publish a new version."
)


class PolicyDocumentInspectView(InspectView):
    """A policy read-only, every version in full: for trainers citing clauses, and anyone
    without the right to change it."""

    def get_versions_display_value(self):
        versions = self.object.versions.order_by("effective_date", "pk")
        return render_to_string("certificates/admin/policy_versions.html", {"versions": versions})


class PublishesAtomically:
    """Saving, publishing and storing the new version happen together or not at all: if the
    version cannot be stored (another publish took its label meanwhile), nothing is saved and
    the form says why."""

    def form_valid(self, form):
        try:
            with transaction.atomic():
                return super().form_valid(form)
        except VersionConflict as conflict:
            for field, messages in conflict.message_dict.items():
                form.add_error(field if field in form.fields else None, messages)
            self.produced_error_code = "validation_error"
            self.produced_error_message = self.get_error_message()
            return self.form_invalid(form)


class SaysWhatPublishingDid:
    """After a publish, the message says which version was stored and how many people it asks to
    attest again, by when, with a link to the report of their cycle."""

    def published_version(self) -> PolicyVersion | None:
        if getattr(self, "action", None) != "publish" or getattr(self, "new_revision", None) is None:
            return None
        return PolicyVersion.objects.filter(revision=self.new_revision).first()

    def get_success_message(self, instance=None):
        if getattr(self, "action", None) != "publish":
            return super().get_success_message(instance)
        return published_summary(self.published_version(), instance or self.object)

    def get_success_buttons(self):
        buttons = super().get_success_buttons()
        version = self.published_version()
        if version is not None and version.material:
            asked = reattestation_for(version)
            if asked is not None and asked.report_url:
                buttons.append(admin_messages.button(asked.report_url, "See who is asked to attest again"))
        return buttons


class PolicyCreateView(PublishesAtomically, SaysWhatPublishingDid, CreateView):
    pass


class PolicyEditView(PublishesAtomically, SaysWhatPublishingDid, EditView):
    pass


class PolicyUnpublishView(UnpublishView):
    """Refused, for everyone allowed to publish (the others are refused before this): unpublishing
    a policy would succeed and change nothing officers see, so it is not offered at all."""

    def refuse(self):
        messages.error(self.request, UNPUBLISH_REFUSED)
        return redirect(self.edit_url_name, self.object.pk)

    def get(self, request, *args, **kwargs):
        return self.refuse()

    def post(self, request, *args, **kwargs):
        return self.refuse()


def _long_date(day) -> str:
    return f"{day:%-d %B %Y}" if day else ""


def _review_date(document) -> str:
    if not document.next_review_date:
        return "Not set"
    overdue = document.next_review_date < timezone.localdate()
    return _long_date(document.next_review_date) + (" (overdue)" if overdue else "")


class PolicyDocumentViewSet(SnippetViewSet):
    model = PolicyDocument
    icon = "doc-full"
    menu_label = "Policies"
    menu_order = 300
    add_to_admin_menu = True
    list_display = [
        "title",
        "reference",
        "owner",
        Column("in_force_label", label="Version in force", accessor=lambda p: p.in_force_label or "None yet"),
        Column("in_force_from", label="In force from", accessor=lambda p: _long_date(p.in_force_from)),
        Column("next_review_date", label="Next review", accessor=_review_date, sort_key="next_review_date"),
    ]
    search_fields = ["title", "reference"]
    inspect_view_enabled = True
    inspect_view_class = PolicyDocumentInspectView
    add_view_class = PolicyCreateView
    edit_view_class = PolicyEditView
    unpublish_view_class = PolicyUnpublishView
    inspect_view_fields = ["title", "reference", "owner", "owner_email", "next_review_date", "versions"]

    def get_queryset(self, request):
        """Each policy with its version in force today, read in the same query as the list."""
        in_force = PolicyVersion.objects.in_force().filter(document=OuterRef("pk"))
        return PolicyDocument.objects.annotate(
            in_force_label=Subquery(in_force.values("version_label")[:1]),
            in_force_from=Subquery(in_force.values("effective_date")[:1]),
        )


register_snippet(PolicyDocumentViewSet)


@hooks.register("register_log_actions")
def register_certificate_actions(actions):
    actions.register_action("attest.certificate.revoke", "Revoke certificate", "Certificate revoked")
    actions.register_action(REMINDER_ACTION, "Remind the owner of the policy's review", "Review reminder sent")


@hooks.register("construct_snippet_action_menu")
def no_unpublish_for_policies(menu_items, request, context):
    """Unpublishing a policy would change nothing officers see (see ``PolicyUnpublishView``)."""
    if context.get("model") is PolicyDocument:
        menu_items[:] = [item for item in menu_items if item.name != "action-unpublish"]
