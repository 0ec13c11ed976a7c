"""People in the Wagtail admin, for HR: look a person up, read their whole training record, and
change their org unit, line manager or active flag without a CSV.

Only holders of ``PERMISSION`` (HR, through their group, and administrators) may open any of it:
whoever may change people through the HR import may change them here.

The training record belongs to the apps above this one (enrolments to ``learning``, attempts to
``scenarios``, attestations and certificates to ``certificates``), which ``people`` may not
import. The person's page asks for it through the ``person_record_sections`` hook instead: each
function registered there takes the person and returns ``RecordSection``s, drawn as tables in
the order given (``learning/wagtail_hooks.py`` registers the training record).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import django_filters
from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from wagtail import hooks
from wagtail.admin.ui.tables import Column, TitleColumn

from core.reports import AdminReport

from . import admin_views, services
from .choosers import OrgUnitChooserWidget, PersonChooserWidget, search_people
from .filters import OrgUnitFilter
from .models import OrgUnit, User

# Whoever may change people through the HR import may change them here.
PERMISSION = admin_views.PERMISSION
RECORD_SECTIONS_HOOK = "person_record_sections"


@dataclass
class RecordSection:
    """One table of a person's record: ``rows`` of cells, each text or a ``(text, url)`` link."""

    heading: str
    columns: list[str]
    rows: list[list[object]] = field(default_factory=list)
    empty: str = "None."


def _require(request) -> None:
    if not request.user.has_perm(PERMISSION):
        raise PermissionDenied


# The listing -------------------------------------------------------------------------------------


class PeopleFilterSet(django_filters.FilterSet):
    org_unit = OrgUnitFilter(method="within_unit", label="Org unit (and the units below it)")
    is_active = django_filters.BooleanFilter(
        label="Active",
        widget=forms.Select(choices=[("", "Everyone"), ("true", "Active"), ("false", "Leavers")]),
    )

    class Meta:
        model = User
        fields = ["org_unit", "is_active"]

    def within_unit(self, queryset, name, unit):
        return queryset.within(unit) if unit else queryset


class PeopleListing(AdminReport):
    """Everyone in Attest, searched by name or warrant number, filtered by unit and active."""

    permission = PERMISSION
    page_title = "People"
    header_icon = "group"
    is_searchable = True
    filterset_class = PeopleFilterSet
    paginate_by = 50
    index_url_name = "people_admin"
    index_results_url_name = "people_admin_results"
    list_export = []
    columns = [
        TitleColumn(
            "name",
            label="Name",
            accessor=lambda person: person.get_full_name() or person.username,
            get_url=lambda person: reverse("people_admin_person", args=[person.pk]),
        ),
        Column("warrant_number", label="Warrant or staff number", accessor=lambda p: p.warrant_number or "None"),
        Column("org_unit", label="Org unit", accessor=lambda person: person.org_unit or "None"),
        Column("rank", label="Rank or grade"),
        Column("is_active", label="Active", accessor=lambda person: "Yes" if person.is_active else "No (leaver)"),
    ]

    def get_queryset(self):
        return User.objects.select_related("org_unit").order_by("last_name", "first_name", "pk")

    @property
    def is_export(self) -> bool:
        return False  # a page to look people up, not a download: the people report exports

    @is_export.setter
    def is_export(self, value) -> None:
        pass

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        return search_people(queryset, self.search_query) if self.is_searching else queryset


# A person's page and the edit form ---------------------------------------------------------------


def record_sections(person: User) -> list[RecordSection]:
    sections: list[RecordSection] = []
    for hook in hooks.get_hooks(RECORD_SECTIONS_HOOK):
        sections.extend(hook(person))
    return sections


def person(request, pk: int):
    _require(request)
    someone = get_object_or_404(User.objects.select_related("org_unit", "line_manager"), pk=pk)
    context = {
        "person": someone,
        "sections": record_sections(someone),
        "reports": someone.reports.filter(is_active=True).order_by("last_name", "first_name")[:50],
    }
    return TemplateResponse(request, "people/admin/person.html", context)


class PersonForm(forms.Form):
    """The three things HR changes by hand; everything else comes from the HR system."""

    org_unit = forms.ModelChoiceField(
        queryset=OrgUnit.objects.open(),
        required=False,
        widget=OrgUnitChooserWidget(),
        label="Org unit",
        error_messages={"invalid_choice": "Choose an open org unit."},
    )
    line_manager = forms.ModelChoiceField(
        queryset=User.objects.filter(is_active=True),
        required=False,
        widget=PersonChooserWidget(),
        label="Line manager",
        error_messages={"invalid_choice": "Choose an active person as line manager."},
    )
    is_active = forms.BooleanField(
        required=False,
        label="Active",
        help_text="Clear this for a leaver: they are signed out everywhere at once and can no longer sign in. "
        "Their record is kept.",
    )

    def __init__(self, *args, person: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.person = person
        if person.org_unit_id:  # a leaver may be in a unit since closed: keeping it is no change
            self.fields["org_unit"].queryset = OrgUnit.objects.filter(closed_on=None) | OrgUnit.objects.filter(
                pk=person.org_unit_id
            )

    def clean(self):
        cleaned = super().clean()
        manager = cleaned.get("line_manager")
        if manager is not None:
            if manager.pk == self.person.pk:
                self.add_error("line_manager", "A person cannot be their own line manager.")
            elif (loop := services.management_loop(self.person, manager)) is not None:
                names = " → ".join(
                    someone.get_full_name() or someone.username
                    for someone in [self.person, *reversed(loop), self.person]
                )
                self.add_error("line_manager", f"That would make a loop of line managers: {names}.")
        return cleaned


def edit(request, pk: int):
    _require(request)
    someone = get_object_or_404(User.objects.select_related("org_unit", "line_manager"), pk=pk)
    initial = {"org_unit": someone.org_unit_id, "line_manager": someone.line_manager_id, "is_active": someone.is_active}
    form = PersonForm(request.POST or None, initial=initial, person=someone)
    if request.method == "POST" and form.is_valid():
        try:
            changes = services.change_person(
                someone,
                org_unit=form.cleaned_data["org_unit"],
                line_manager=form.cleaned_data["line_manager"],
                is_active=form.cleaned_data["is_active"],
                request=request,
            )
        except services.Refused as refusal:
            form.add_error(None, str(refusal))
        else:
            if changes:
                said = "; ".join(f"{name}: {old} → {new}" for name, (old, new) in changes.items())
                messages.success(request, f"{someone} changed: {said}.")
            else:
                messages.info(request, f"Nothing changed for {someone}.")
            return redirect("people_admin_person", someone.pk)
    return TemplateResponse(request, "people/admin/person_edit.html", {"person": someone, "form": form})


# Under admin/people/ (``people/wagtail_hooks.py``), beside the listing.
urlpatterns = [
    path("<int:pk>/", person, name="people_admin_person"),
    path("<int:pk>/edit/", edit, name="people_admin_edit"),
]
