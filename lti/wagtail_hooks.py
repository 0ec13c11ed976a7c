"""Learning platforms in the Wagtail admin.

Administrators (the model permissions of django-lti's and this app's models, which no group is
given: superusers) register platforms, approve their deployments, set how each names its people,
and see the grades owed to platforms, retrying one that failed. HR (whoever may import people)
links a platform account to a person, once."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.views.decorators.http import require_POST
from lti_tool.models import Key, LtiDeployment, LtiRegistration
from wagtail import hooks
from wagtail.admin.panels import FieldPanel
from wagtail.admin.ui.tables import Column
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy

from access import audit
from people.admin_views import PERMISSION as HR_PERMISSION

from . import services
from .models import GradeReturn, Platform, PlatformAccountLink


class RegistrationViewSet(ModelViewSet):
    model = LtiRegistration
    icon = "link"
    menu_label = "Registrations"
    list_display = ["name", "issuer", "client_id", "is_active"]
    search_fields = ["name", "issuer", "client_id"]
    panels = [
        FieldPanel("name"),
        FieldPanel(
            "issuer", help_text="The platform's issuer (Moodle: its site address, e.g. https://moodle.example)."
        ),
        FieldPanel("client_id", help_text="The client ID Moodle shows in the tool's details."),
        FieldPanel("auth_url", help_text="Authentication request URL (Moodle: …/mod/lti/auth.php)."),
        FieldPanel("token_url", help_text="Access token URL (Moodle: …/mod/lti/token.php)."),
        FieldPanel("keyset_url", help_text="Public keyset URL (Moodle: …/mod/lti/certs.php)."),
        FieldPanel("audience", help_text="Leave empty unless the platform names another token audience."),
        FieldPanel("is_active"),
    ]


class DeploymentViewSet(ModelViewSet):
    model = LtiDeployment
    icon = "site"
    menu_label = "Deployments"
    list_display = ["registration", "deployment_id", "is_active"]
    list_filter = ["registration", "is_active"]
    panels = [FieldPanel("registration"), FieldPanel("deployment_id"), FieldPanel("is_active")]


class PlatformRulesViewSet(ModelViewSet):
    model = Platform
    icon = "user"
    menu_label = "Matching and framing"
    list_display = ["registration", "person_claim", "custom_parameter", "frame_origin"]
    panels = [
        FieldPanel("registration"),
        FieldPanel("person_claim"),
        FieldPanel("custom_parameter"),
        FieldPanel("frame_origin"),
    ]


class HRPermissionPolicy(ModelPermissionPolicy):
    """HR links platform accounts: whoever may import people may do it (as people/people_admin.py)."""

    def user_has_permission(self, user, action):
        return user.is_active and user.has_perm(HR_PERMISSION)

    def user_has_any_permission(self, user, actions):
        return self.user_has_permission(user, None)


register_permission_policy(PlatformAccountLink, HRPermissionPolicy(PlatformAccountLink))


class AccountLinkViewSet(ModelViewSet):
    model = PlatformAccountLink
    icon = "user"
    menu_label = "Linked platform accounts"
    list_display = ["user", "registration", "sub", "linked_at"]
    list_filter = ["registration"]
    search_fields = ["sub", "user__last_name", "user__warrant_number"]
    panels = [FieldPanel("registration"), FieldPanel("sub"), FieldPanel("user")]

    def get_form_class(self, for_update=False):
        form_class = super().get_form_class(for_update)

        class LinkForm(form_class):
            def save(self, commit=True):
                if self.instance.linked_by_id is None and self.for_user is not None:
                    self.instance.linked_by = self.for_user
                return super().save(commit)

        return LinkForm


class OnlyPolicy(ModelPermissionPolicy):
    """The model's own permissions (administrators), for these actions only."""

    def __init__(self, model, actions):
        super().__init__(model)
        self.actions = set(actions)

    def user_has_permission(self, user, action):
        return action in self.actions and super().user_has_permission(user, action)

    def user_has_any_permission(self, user, actions):
        return any(self.user_has_permission(user, action) for action in actions)


register_permission_policy(Key, OnlyPolicy(Key, {"view", "change"}))
register_permission_policy(GradeReturn, OnlyPolicy(GradeReturn, {"view"}))


class KeyViewSet(ModelViewSet):
    """The tool's signing keys: ``manage.py rotate_keys`` adds one and retires old ones; an
    administrator may retire one here (a key the platform may still hold stays until then)."""

    model = Key
    icon = "key"
    menu_label = "Attest's signing keys"
    list_display = ["__str__", "is_active", "datetime_created"]
    panels = [FieldPanel("is_active")]


class RetryColumn(Column):
    cell_template_name = "lti/admin/retry_cell.html"

    def get_cell_context_data(self, instance, parent_context):
        context = super().get_cell_context_data(instance, parent_context)
        context["retry_url"] = reverse("lti-grade-returns:retry", args=[instance.pk])
        return context


class GradeReturnViewSet(ModelViewSet):
    """What is owed to platforms: pending, sent and failed grades, each retried from here."""

    model = GradeReturn
    icon = "upload"
    menu_label = "Grade returns"
    list_display = [
        "__str__",
        "kind",
        "score_given",
        "status",
        "tries",
        "next_try_at",
        "last_error",
        RetryColumn("retry", label="Retry"),
    ]
    list_filter = ["status", "kind"]
    inspect_view_enabled = True
    panels = [FieldPanel("status", read_only=True)]

    def get_urlpatterns(self):
        return [*super().get_urlpatterns(), path("retry/<int:pk>/", self.retry_view, name="retry")]

    def retry_view(self, request, pk):
        return _retry(request, pk, self.get_url_name("index"))


@require_POST
def _retry(request, pk, index_url_name):
    if not request.user.has_perm("lti.change_gradereturn"):
        raise PermissionDenied
    grade_return = get_object_or_404(GradeReturn, pk=pk)
    services.retry(grade_return)
    audit.record(audit.Action.CHANGE, request=request, verb="retry grade return", object=grade_return)
    from .tasks import send_grade

    send_grade.enqueue(grade_return.pk)
    messages.success(request, "The grade will be sent again now.")
    return redirect(index_url_name)


class LearningPlatformsGroup(ViewSetGroup):
    menu_label = "Learning platforms"
    menu_icon = "link"
    menu_order = 850
    items = (
        RegistrationViewSet("lti-registrations"),
        DeploymentViewSet("lti-deployments"),
        PlatformRulesViewSet("lti-platform-rules"),
        AccountLinkViewSet("lti-account-links"),
        GradeReturnViewSet("lti-grade-returns"),
        KeyViewSet("lti-keys"),
    )


@hooks.register("register_admin_viewset")
def register_learning_platforms():
    return LearningPlatformsGroup()
