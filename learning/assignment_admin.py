"""Assignments and exemptions in the Wagtail admin, for HR. Saving an assignment enrols its
audience through the background task; the task runs again after every people import.

A person and org units are chosen with the people app's choosers (``people/choosers.py``), which
search as you type, rather than a drop-down of every person or a checkbox per unit: a force has
50,000 people and 500 units."""

from __future__ import annotations

import django_filters
from django import forms
from django.utils import timezone
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, MultiFieldPanel, ObjectList
from wagtail.admin.views.generic import IndexView
from wagtail.admin.viewsets.model import ModelViewSet

from core.reports import AdminFilterSet
from people.choosers import OrgUnitsField, PersonChooserWidget
from people.models import User

from .models import Assignment, Exemption, lines
from .services import change_exemption, exempt


class AssignmentForm(WagtailAdminModelForm):
    org_units = OrgUnitsField(
        required=False,
        label="Org units",
        help_text="The people in these org units and every unit below them.",
    )

    def clean(self):
        cleaned = super().clean()
        everyone, units = cleaned.get("everyone"), cleaned.get("org_units") or []
        ranks, roles = lines(cleaned.get("ranks", "")), lines(cleaned.get("roles", ""))
        if not (everyone or units or ranks or roles):
            raise forms.ValidationError("Choose who the module is for: everyone, org units, ranks or roles.")
        if everyone and units:
            self.add_error("org_units", "Leave the org units empty when the module is for everyone.")
        elif not self.errors and not self.instance_with(cleaned).audience(units).exists():
            raise forms.ValidationError("Nobody active matches this audience: check the org units, ranks and roles.")
        return cleaned

    def instance_with(self, cleaned) -> Assignment:
        return Assignment(
            everyone=cleaned.get("everyone", False), ranks=cleaned.get("ranks", ""), roles=cleaned.get("roles", "")
        )


class AssignmentViewSet(ModelViewSet):
    model = Assignment
    icon = "calendar-check"
    menu_label = "Assignments"
    menu_order = 330
    add_to_admin_menu = True
    list_display = ["module", "__str__", "due_date", "due_days_after_joining", "recurrence_months"]
    list_filter = ["module"]
    edit_handler = ObjectList(
        [
            FieldPanel("module"),
            MultiFieldPanel(
                [
                    FieldPanel("everyone"),
                    FieldPanel("org_units"),
                    FieldPanel("ranks"),
                    FieldPanel("roles"),
                ],
                heading="Who it is for",
            ),
            MultiFieldPanel(
                [FieldPanel("due_date"), FieldPanel("due_days_after_joining"), FieldPanel("recurrence_months")],
                heading="When it is due",
            ),
        ],
        base_form_class=AssignmentForm,
    )


class ExemptionForm(WagtailAdminModelForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:  # who and what an exemption is for are fixed; its reason and end may change
            for name in ("user", "module"):
                self.fields[name].disabled = True
        else:  # a leaver is not asked to do anything, so is not exempted either
            self.fields["user"].queryset = User.objects.filter(is_active=True)
            self.fields["user"].error_messages["invalid_choice"] = "Choose an active person."

    def clean(self):
        cleaned = super().clean()
        if not " ".join(cleaned.get("reason", "").split()):
            self.add_error("reason", "Give the reason for the exemption.")
        until = cleaned.get("exempt_until")
        changed = self.instance.pk is None or until != self.instance.exempt_until
        if until is not None and changed and until < timezone.localdate():
            self.add_error(
                "exempt_until",
                "The end date has passed: choose today or a later day, or leave it blank for no end date.",
            )
        if self.instance.pk is None and cleaned.get("user") and cleaned.get("module"):
            existing = Exemption.objects.filter(user=cleaned["user"], module=cleaned["module"]).first()
            if existing is not None:
                self.add_error("user", self._already(existing))
        return cleaned

    @staticmethod
    def _already(existing: Exemption) -> str:
        if existing.is_in_force:
            return f"{existing.user} is already exempt from {existing.module.title}."
        return (
            f"{existing.user}'s exemption from {existing.module.title} ended on "
            f"{existing.exempt_until:%d %B %Y}: change its end date to exempt them again."
        )

    def save(self, commit=True):
        data = self.cleaned_data
        if self.instance.pk:  # editing: the reason's wording and the end date can change
            return change_exemption(self.instance, reason=data["reason"], until=data.get("exempt_until"))
        self.instance = exempt(
            data["user"], data["module"], reason=data["reason"], by=self.for_user, until=data.get("exempt_until")
        )
        return self.instance


class ExemptionFilterSet(AdminFilterSet):
    state = django_filters.ChoiceFilter(
        label="In force",
        choices=[("in_force", "In force today"), ("ended", "Ended")],
        method="filter_state",
        empty_label="All",
    )

    class Meta:
        model = Exemption
        fields = ["module"]

    def filter_state(self, queryset, name, value):
        return queryset.in_force() if value == "in_force" else queryset.ended()


class ExemptionIndexView(IndexView):
    def get_base_queryset(self):
        # Each row names the person, the module and who decided: read with the row, not one by one.
        return super().get_base_queryset().select_related("user", "module", "created_by")


class ExemptionViewSet(ModelViewSet):
    model = Exemption
    index_view_class = ExemptionIndexView
    icon = "user"
    menu_label = "Exemptions"
    menu_order = 340
    add_to_admin_menu = True
    list_display = ["user", "module", "reason", "until", "created_by", "created_at"]
    filterset_class = ExemptionFilterSet
    search_fields = ["user__last_name", "user__warrant_number"]
    edit_handler = ObjectList(
        [
            FieldPanel("user", widget=PersonChooserWidget()),
            FieldPanel("module"),
            FieldPanel("reason"),
            FieldPanel("exempt_until"),
        ],
        base_form_class=ExemptionForm,
    )
