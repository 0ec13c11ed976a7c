from django.db import transaction
from django.template.loader import render_to_string
from wagtail import hooks
from wagtail.admin.views.generic.models import InspectView
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import CreateView, EditView, SnippetViewSet

from .models import PolicyDocument
from .services import VersionConflict


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


class PolicyCreateView(PublishesAtomically, CreateView):
    pass


class PolicyEditView(PublishesAtomically, EditView):
    pass


class PolicyDocumentViewSet(SnippetViewSet):
    model = PolicyDocument
    icon = "doc-full"
    menu_label = "Policies"
    menu_order = 300
    add_to_admin_menu = True
    list_display = ["title", "reference", "owner"]
    search_fields = ["title", "reference"]
    inspect_view_enabled = True
    inspect_view_class = PolicyDocumentInspectView
    add_view_class = PolicyCreateView
    edit_view_class = PolicyEditView
    inspect_view_fields = ["title", "reference", "owner", "versions"]


register_snippet(PolicyDocumentViewSet)


@hooks.register("register_log_actions")
def register_certificate_actions(actions):
    actions.register_action("attest.certificate.revoke", "Revoke certificate", "Certificate revoked")
