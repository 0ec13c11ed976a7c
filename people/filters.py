"""Filters on people that the admin's reports share."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import QuerySet

from .models import OrgUnit


class OrgUnitChoiceField(forms.ModelChoiceField):
    """Org units in tree order, indented by depth, so a parent reads as containing its units."""

    def label_from_instance(self, obj) -> str:
        return "\u2003" * (obj.depth - 1) + obj.name


def _org_units(request) -> QuerySet[OrgUnit]:
    return OrgUnit.objects.order_by("path")


class OrgUnitFilter(django_filters.ModelChoiceFilter):
    """An org unit, chosen from the tree; the filter method decides what "within" means for the
    rows filtered (usually the unit and every unit below it)."""

    field_class = OrgUnitChoiceField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label", "Org unit")
        kwargs.setdefault("queryset", _org_units)
        super().__init__(*args, **kwargs)
