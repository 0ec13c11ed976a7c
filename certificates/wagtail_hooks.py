from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from .models import PolicyDocument


class PolicyDocumentViewSet(SnippetViewSet):
    model = PolicyDocument
    icon = "doc-full"
    menu_label = "Policies"
    menu_order = 300
    add_to_admin_menu = True
    list_display = ["title", "reference", "owner"]
    search_fields = ["title", "reference"]


register_snippet(PolicyDocumentViewSet)
