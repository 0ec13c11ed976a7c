from django.template.loader import render_to_string
from wagtail import hooks
from wagtail.admin.views.generic.models import InspectView
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from .models import PolicyDocument


class PolicyDocumentInspectView(InspectView):
    """A policy read-only, every version in full: for trainers citing clauses, and anyone
    without the right to change it."""

    def get_versions_display_value(self):
        versions = self.object.versions.order_by("effective_date", "pk")
        return render_to_string("certificates/admin/policy_versions.html", {"versions": versions})


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
    inspect_view_fields = ["title", "reference", "owner", "versions"]


register_snippet(PolicyDocumentViewSet)


@hooks.register("register_log_actions")
def register_certificate_actions(actions):
    actions.register_action("attest.certificate.revoke", "Revoke certificate", "Certificate revoked")
