"""The org unit tree in the Wagtail admin, for HR: add a unit, rename it, move it (with its people
and the units below it) and close it. The HR import names units by their codes and never
creates one, so a new unit starts here.

Only holders of ``people_admin.PERMISSION`` (HR and administrators) may open any of it. Each
change is made by ``people.services`` and written to the audit log there.
"""

from __future__ import annotations

from collections import Counter

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.validators import validate_slug
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from . import services
from .choosers import OrgUnitChooserWidget
from .models import OrgUnit
from .people_admin import PERMISSION


def _require(request) -> None:
    if not request.user.has_perm(PERMISSION):
        raise PermissionDenied


def tree_rows(units: list[OrgUnit]) -> list[dict]:
    """Each unit (in tree order, with ``people`` annotated: its active people) with its depth
    and the active people in it and every unit below it, summed without another query."""
    within: Counter[str] = Counter()
    for unit in units:
        for path_above in OrgUnit.path_and_above(unit.path):
            within[path_above] += unit.people
    return [
        {"unit": unit, "indent": unit.depth - 1, "people": unit.people, "within": within[unit.path]} for unit in units
    ]


@require_http_methods(["GET", "HEAD"])
def tree(request):
    _require(request)
    show_closed = request.GET.get("closed") == "shown"
    units = OrgUnit.objects.annotate(people=Count("members", filter=Q(members__is_active=True))).order_by("path")
    rows = tree_rows(list(units))
    if not show_closed:
        rows = [row for row in rows if row["unit"].closed_on is None]
    return TemplateResponse(request, "people/admin/org_units.html", {"rows": rows, "show_closed": show_closed})


class UnitForm(forms.Form):
    name = forms.CharField(max_length=200, label="Name")
    code = forms.CharField(
        max_length=50,
        label="Code",
        validators=[validate_slug],
        help_text="The code the HR system uses for this unit: letters, digits, hyphens and underscores. "
        "The import names units by their codes from the top (met/frontline/...).",
    )

    def clean_name(self):
        name = " ".join(self.cleaned_data["name"].split())
        if not name:
            raise forms.ValidationError("Enter the unit's name.")
        return name

    def clean_code(self):
        return self.cleaned_data["code"].strip().lower()


class AddUnitForm(UnitForm):
    parent = forms.ModelChoiceField(
        queryset=OrgUnit.objects.open(),
        required=False,
        widget=OrgUnitChooserWidget(),
        label="Part of",
        help_text="The unit it sits below. Leave empty only for a new top of the tree.",
        error_messages={"invalid_choice": "Choose an open org unit."},
    )


class MoveForm(forms.Form):
    parent = forms.ModelChoiceField(
        queryset=OrgUnit.objects.open(),
        widget=OrgUnitChooserWidget(),
        label="Move below",
        error_messages={"required": "Choose the unit to move it below.", "invalid_choice": "Choose an open org unit."},
    )


class CloseForm(forms.Form):
    closed_on = forms.DateField(
        label="Closed on",
        help_text="For example 31/03/2027. The unit and its history are kept.",
        error_messages={"required": "Enter the date the unit closed.", "invalid": "Enter a real date."},
    )


def _render(request, template: str, context: dict):
    return TemplateResponse(request, f"people/admin/{template}", context)


def add(request):
    _require(request)
    initial = {}
    if (parent := request.GET.get("parent", "")).isdigit():
        initial["parent"] = int(parent)
    form = AddUnitForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            unit = services.add_unit(
                name=form.cleaned_data["name"],
                code=form.cleaned_data["code"],
                parent=form.cleaned_data["parent"],
                request=request,
            )
        except services.Refused as refusal:
            form.add_error(None, str(refusal))
        else:
            messages.success(request, f"{unit.name} ({unit.code}) added.")
            return redirect("org_units")
    return _render(request, "org_unit_form.html", {"form": form, "title": "Add an org unit", "action": "Add unit"})


def rename(request, pk: int):
    _require(request)
    unit = get_object_or_404(OrgUnit, pk=pk)
    form = UnitForm(request.POST or None, initial={"name": unit.name, "code": unit.code})
    if request.method == "POST" and form.is_valid():
        try:
            changes = services.rename_unit(
                unit, name=form.cleaned_data["name"], code=form.cleaned_data["code"], request=request
            )
        except services.Refused as refusal:
            form.add_error(None, str(refusal))
        else:
            said = "; ".join(f"{name}: {old} → {new}" for name, (old, new) in changes.items())
            messages.success(request, f"Renamed: {said}." if changes else f"Nothing changed for {unit.name}.")
            return redirect("org_units")
    context = {"form": form, "unit": unit, "title": f"Rename {unit.name}", "action": "Save"}
    return _render(request, "org_unit_form.html", context)


def move(request, pk: int):
    _require(request)
    unit = get_object_or_404(OrgUnit, pk=pk)
    form = MoveForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.move_unit(unit, parent=form.cleaned_data["parent"], request=request)
        except services.Refused as refusal:
            form.add_error("parent", str(refusal))
        else:
            messages.success(request, f"{unit.name} moved below {form.cleaned_data['parent'].name}, with its people.")
            return redirect("org_units")
    below = OrgUnit.objects.filter(path__startswith=unit.path).exclude(pk=unit.pk).count()
    context = {
        "form": form,
        "unit": unit,
        "title": f"Move {unit.name}",
        "action": "Move unit",
        "explain": f"{unit.name} moves with everyone in it and the {below:,} "
        f"unit{'s' if below != 1 else ''} below it, and everyone in them.",
    }
    return _render(request, "org_unit_form.html", context)


def close(request, pk: int):
    _require(request)
    unit = get_object_or_404(OrgUnit, pk=pk)
    form = CloseForm(request.POST or None, initial={"closed_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            services.close_unit(unit, on=form.cleaned_data["closed_on"], request=request)
        except services.Refused as refusal:
            form.add_error(None, str(refusal))
        else:
            messages.success(request, f"{unit.name} closed. It is kept, with its history, but no longer offered.")
            return redirect("org_units")
    context = {
        "form": form,
        "unit": unit,
        "title": f"Close {unit.name}",
        "action": "Close unit",
        "explain": "A closed unit is no longer offered in choosers or known to the HR import. It cannot be closed "
        "while active people are in it or a unit below it is open.",
    }
    return _render(request, "org_unit_form.html", context)


# Under admin/org-units/ (``people/wagtail_hooks.py``).
urlpatterns = [
    path("", tree, name="org_units"),
    path("add/", add, name="org_units_add"),
    path("<int:pk>/rename/", rename, name="org_units_rename"),
    path("<int:pk>/move/", move, name="org_units_move"),
    path("<int:pk>/close/", close, name="org_units_close"),
]
