"""Choosing a person or an org unit in the admin, at force scale (50,000 people, 500 units).

A drop-down of every person (or a checkbox per unit) is built in full on every form load; these
are Wagtail choosers instead: the form shows only what is chosen, and a modal searches as you
type and lists ten at a time.

- **People** (``person_chooser``): active people, searched by name or warrant number, listed
  with their warrant number and org unit. Names, numbers and units are the staff directory, so
  only HR (``people.view_transcript``: who may read anyone's record) and administrators may open
  it.
- **Org units** (``org_unit_chooser``): open units (not closed), searched by name or code,
  listed with the units above them. Any admin user may open it, like Wagtail's own choosers:
  unit names are no secret.

``OrgUnitsField`` is the assignment form's several units: the chosen units as checkboxes (clear
one to remove it), a button that opens the org unit chooser to add more (several at once), and,
for anyone without JavaScript, a box to type units' codes into.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.safestring import mark_safe
from wagtail.admin.forms.choosers import BaseFilterForm
from wagtail.admin.ui.tables import Column
from wagtail.admin.views.generic import chooser as chooser_views
from wagtail.admin.viewsets.chooser import ChooserViewSet
from wagtail.admin.widgets.chooser import BaseChooser

from .models import OrgUnit, User

PERSON_CHOOSER_PERMISSION = "people.view_transcript"
SEARCH_TERMS = 5  # words of a search used; more narrow nothing a person would type


def search_people(people: QuerySet[User], query: str) -> QuerySet[User]:
    """``people`` whose first name, last name or warrant number contains every word of ``query``
    (so "sam tay" and "MP1000" both find Sam Taylor, MP100001)."""
    for term in query.split()[:SEARCH_TERMS]:
        people = people.filter(
            Q(first_name__icontains=term) | Q(last_name__icontains=term) | Q(warrant_number__icontains=term)
        )
    return people


def search_units(units: QuerySet[OrgUnit], query: str) -> QuerySet[OrgUnit]:
    """``units`` whose name or code contains every word of ``query``."""
    for term in query.split()[:SEARCH_TERMS]:
        units = units.filter(Q(name__icontains=term) | Q(code__icontains=term))
    return units


def unit_trail(unit: OrgUnit, names: dict[str, str]) -> str:
    """The names of the units above ``unit``, the top first ("Met / Frontline"), from ``names``
    (path to name) so a page of units costs one query for all their trails."""
    above = OrgUnit.path_and_above(unit.path)[:-1]
    return " / ".join(names.get(path, "?") for path in above)


def trails_for(units: list[OrgUnit]) -> dict[int, str]:
    """Each unit's trail (``unit_trail``) by pk, in one query."""
    paths = {path for unit in units for path in OrgUnit.path_and_above(unit.path)[:-1]}
    names = dict(OrgUnit.objects.filter(path__in=paths).values_list("path", "name"))
    return {unit.pk: unit_trail(unit, names) for unit in units}


class SearchForm(BaseFilterForm):
    """The chooser's search box; ``search`` is the function that applies it."""

    q = forms.CharField(
        label="Search",
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"placeholder": "Search", "autocomplete": "off"}),
    )
    search = staticmethod(lambda objects, query: objects)

    def filter(self, objects):
        query = self.cleaned_data.get("q", "").strip()
        if query:
            self.is_searching = True
            self.search_query = query
            objects = self.search(objects, query)
        return objects


class PersonSearchForm(SearchForm):
    search = staticmethod(search_people)


class OrgUnitSearchForm(SearchForm):
    search = staticmethod(search_units)


class HROnly:
    """Refuse the view to anyone who may not read everyone's record."""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm(PERSON_CHOOSER_PERMISSION):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


def person_label(person: User) -> str:
    number = f" ({person.warrant_number})" if person.warrant_number else ""
    return f"{person.get_full_name() or person.username}{number}"


class PersonChosenMixin:
    def get_display_title(self, instance):
        return person_label(instance)


class PersonChooseMixin(HROnly):
    filter_form_class = PersonSearchForm
    ordering = ["last_name", "first_name", "pk"]
    page_title = "Choose a person"

    def get_object_list(self):
        return User.objects.filter(is_active=True).select_related("org_unit")

    @property
    def columns(self):
        name = self.title_column
        name.label = "Name"
        name.accessor = lambda person: person.get_full_name() or person.username
        return [
            name,
            Column("warrant_number", label="Warrant or staff number"),
            Column("org_unit", label="Org unit", accessor=lambda person: person.org_unit or "No unit"),
        ]


class PersonChooseView(PersonChooseMixin, chooser_views.ChooseView):
    pass


class PersonChooseResultsView(PersonChooseMixin, chooser_views.ChooseResultsView):
    pass


class PersonChosenView(HROnly, PersonChosenMixin, chooser_views.ChosenView):
    def get_object(self, pk):
        return User.objects.get(pk=pk, is_active=True)


class PersonChosenMultipleView(HROnly, PersonChosenMixin, chooser_views.ChosenMultipleView):
    def get_objects(self, pks):
        return User.objects.filter(pk__in=[pk for pk in pks if pk.isdigit()], is_active=True)


class PersonChooserWidget(BaseChooser):
    model = User
    choose_one_text = "Choose a person"
    choose_another_text = "Choose another person"
    link_to_chosen_text = "Edit"
    show_edit_link = False
    icon = "user"
    chooser_modal_url_name = "person_chooser:choose"

    def get_display_title(self, instance):
        return person_label(instance)


class WithoutCreate:
    """People come from the HR system and units from the org units screen: neither chooser
    offers to create one."""

    def get_urlpatterns(self):
        return [pattern for pattern in super().get_urlpatterns() if pattern.name != "create"]


class PersonChooserViewSet(WithoutCreate, ChooserViewSet):
    model = User
    icon = "user"
    choose_one_text = "Choose a person"
    choose_another_text = "Choose another person"
    register_widget = False  # Wagtail's own forms keep their user fields
    choose_view_class = PersonChooseView
    choose_results_view_class = PersonChooseResultsView
    chosen_view_class = PersonChosenView
    chosen_multiple_view_class = PersonChosenMultipleView
    per_page = 10


class OrgUnitChosenMixin:
    def get_display_title(self, instance):
        return org_unit_label(instance)


def org_unit_label(unit: OrgUnit, trail: str | None = None) -> str:
    trail = trails_for([unit])[unit.pk] if trail is None else trail
    return f"{unit.name} ({unit.code}{', in ' + trail if trail else ''})"


class OrgUnitChooseMixin:
    filter_form_class = OrgUnitSearchForm
    ordering = ["path"]
    page_title = "Choose an org unit"

    def get_object_list(self):
        return OrgUnit.objects.open()

    @cached_property
    def trails(self) -> dict[int, str]:
        return trails_for(list(self.results))

    @property
    def columns(self):
        name = self.title_column
        name.label = "Org unit"
        name.accessor = "name"
        return [
            name,
            Column("code", label="Code"),
            Column("trail", label="Within", accessor=lambda unit: self.trails.get(unit.pk) or "Top level"),
        ]


class OrgUnitChooseView(OrgUnitChooseMixin, chooser_views.ChooseView):
    pass


class OrgUnitChooseResultsView(OrgUnitChooseMixin, chooser_views.ChooseResultsView):
    pass


class OrgUnitChosenView(OrgUnitChosenMixin, chooser_views.ChosenView):
    def get_object(self, pk):
        return OrgUnit.objects.open().get(pk=pk)


class OrgUnitChosenMultipleView(OrgUnitChosenMixin, chooser_views.ChosenMultipleView):
    def get_objects(self, pks):
        units = list(OrgUnit.objects.open().filter(pk__in=[pk for pk in pks if pk.isdigit()]))
        trails = trails_for(units)
        self.get_display_title = lambda unit: org_unit_label(unit, trails[unit.pk])
        return units


class OrgUnitChooserWidget(BaseChooser):
    model = OrgUnit
    choose_one_text = "Choose an org unit"
    choose_another_text = "Choose another org unit"
    show_edit_link = False
    icon = "group"
    chooser_modal_url_name = "org_unit_chooser:choose"

    def get_display_title(self, instance):
        return org_unit_label(instance)


class OrgUnitChooserViewSet(WithoutCreate, ChooserViewSet):
    model = OrgUnit
    icon = "group"
    choose_one_text = "Choose an org unit"
    choose_another_text = "Choose another org unit"
    register_widget = False
    choose_view_class = OrgUnitChooseView
    choose_results_view_class = OrgUnitChooseResultsView
    chosen_view_class = OrgUnitChosenView
    chosen_multiple_view_class = OrgUnitChosenMultipleView
    per_page = 10


person_chooser = PersonChooserViewSet("person_chooser", url_prefix="people/choose")
org_unit_chooser = OrgUnitChooserViewSet("org_unit_chooser", url_prefix="org-units/choose")


# Several org units ------------------------------------------------------------------------------


class OrgUnitsWidget(forms.Widget):
    """The chosen units as checked checkboxes, an "Add org units" button (the chooser, several at
    a time, with JavaScript) and a box for units' codes (without it)."""

    template_name = "people/widgets/org_units.html"
    codes_suffix = "_codes"

    class Media:
        js = ["wagtailadmin/js/chooser-modal.js", "people/org-units-widget.js"]

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        pks = [int(pk) for pk in (value or []) if str(pk).isdigit()]
        units = list(OrgUnit.objects.filter(pk__in=pks).order_by("path"))
        trails = trails_for(units)
        context["chosen"] = [(unit, org_unit_label(unit, trails[unit.pk])) for unit in units]
        context["codes_name"] = name + self.codes_suffix
        context["chooser_url"] = reverse("org_unit_chooser:choose")
        return context

    def render(self, name, value, attrs=None, renderer=None):
        # The project's templates (templates/people/...), not the forms renderer's own folders.
        return mark_safe(render_to_string(self.template_name, self.get_context(name, value, attrs)))  # noqa: S308

    def value_from_datadict(self, data, files, name):
        chosen = data.getlist(name) if hasattr(data, "getlist") else data.get(name, [])
        codes = data.get(name + self.codes_suffix, "")
        return [*chosen, *(f"code:{code}" for code in codes.replace(",", " ").split())]

    def value_omitted_from_data(self, data, files, name):
        return False  # an empty list is a choice: no units

    def format_value(self, value):
        return [str(getattr(item, "pk", item)) for item in (value or [])]


class OrgUnitsField(forms.ModelMultipleChoiceField):
    """Several open org units, from ``OrgUnitsWidget``: pks and ``code:...`` for typed codes."""

    widget = OrgUnitsWidget

    def __init__(self, **kwargs):
        # Units already chosen stay valid after they close; the chooser and codes add open ones only.
        kwargs.setdefault("queryset", OrgUnit.objects.all())
        super().__init__(**kwargs)

    def clean(self, value):
        value = list(value or [])
        codes = [item.removeprefix("code:").lower() for item in value if str(item).startswith("code:")]
        pks = [item for item in value if not str(item).startswith("code:")]
        if codes:
            found = dict(OrgUnit.objects.open().filter(code__in=codes).values_list("code", "pk"))
            unknown = [code for code in codes if code not in found]
            if unknown:
                raise forms.ValidationError(
                    f"No open org unit has the code {', '.join(unknown)}: check the code, or choose the unit instead."
                )
            pks += [str(found[code]) for code in codes]
        return super().clean(list(dict.fromkeys(pks)))

    def prepare_value(self, value):
        if hasattr(value, "__iter__") and not isinstance(value, str):
            return [getattr(item, "pk", item) for item in value]
        return super().prepare_value(value)
