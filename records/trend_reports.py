"""HR's completion reports over time in the Wagtail admin: completion by org unit and by module
as at the end of a chosen past day, and the weekly trend of completion (``records/trend.py``
works the numbers out). Seen by holders of ``learning.view_reports``, like today's reports."""

from __future__ import annotations

import datetime

import django_filters
from django import forms
from django.utils import timezone
from wagtail.admin.widgets import AdminDateInput

from core.dates import long_date
from core.reports import AdminFilterSet, AdminReport
from learning.models import Enrolment, ModulePage
from people.filters import OrgUnitFilter
from people.models import OrgUnit

from .reports import PERMISSION, Bar, Chart, CompletionByModule, CompletionByUnit, RowPaginator, _ranks, unit_chart
from .trend import DEFAULT_WEEKS, MOST_WEEKS, as_at_enrolments, completion_trend, rows_by_as_at, rows_by_unit_as_at


def yesterday() -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=1)


class AsAtForm(forms.Form):
    def clean_as_at(self):
        day = self.cleaned_data.get("as_at")
        if day is not None and day >= timezone.localdate():
            raise forms.ValidationError(
                "Choose a day before today: today's figures are in the completion reports themselves."
            )
        return day


class HistoryFilterSet(AdminFilterSet):
    """The filters today's reports share, less those about today's status (status, due dates)."""

    module = django_filters.ModelChoiceFilter(
        label="Module", queryset=lambda request: ModulePage.objects.order_by("title"), field_name="module"
    )
    org_unit = OrgUnitFilter(
        label="Org unit",
        queryset=lambda request: OrgUnit.objects.order_by("path"),
        method="filter_org_unit",
        help_text="This unit and every unit below it, as the units are today.",
    )
    rank = django_filters.ChoiceFilter(label="Rank or grade", choices=_ranks, field_name="user__rank")

    class Meta:
        model = Enrolment
        fields: list[str] = []

    def filter_org_unit(self, queryset, name, value):
        return queryset.within(value)


class AsAtFilterSet(HistoryFilterSet):
    as_at = django_filters.DateFilter(
        label="As at the end of",
        method="keep",
        widget=AdminDateInput,
        help_text="A day before today. Blank: yesterday.",
    )

    class Meta(HistoryFilterSet.Meta):
        form = AsAtForm

    def keep(self, queryset, name, value):
        return queryset  # the day is read by the report, not a filter on rows


class AsAtReport:
    """What the two "as at" reports share: the day, and no rows past a bad one."""

    permission = PERMISSION
    filterset_class = AsAtFilterSet
    template_name = "records/admin/completion_as_at.html"
    results_template_name = "records/admin/completion_as_at_results.html"

    @property
    def as_at(self) -> datetime.date:
        if self.filters is not None and self.filters.is_valid():
            return self.filters.form.cleaned_data.get("as_at") or yesterday()
        return yesterday()

    def get_queryset(self):
        if not self.filters_valid():
            return []  # the filter panel says what is wrong; no figures for a day not asked for
        day = self.as_at
        self.enrolments = self.filter_queryset(as_at_enrolments(day))
        return self.rows(self.enrolments, day)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["as_at"] = self.as_at
        context["as_at_label"] = long_date(self.as_at)
        return context


class CompletionAsAtByUnit(AsAtReport, CompletionByUnit):
    page_title = "Completion by org unit, as at a past day"
    sheet_title = "Completion by unit as at"
    index_url_name = "report_as_at_by_unit"
    index_results_url_name = "report_as_at_by_unit_results"
    export_filename = "completion-by-org-unit-as-at"

    def rows(self, enrolments, day):
        unit = self.filters.form.cleaned_data.get("org_unit") if self.filters and self.filters.is_valid() else None
        return rows_by_unit_as_at(enrolments, day, within=unit)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["unit_chart"] = unit_chart(self.object_list) if self.object_list else Chart(bars=[], caption="")
        return context

    def get_filename(self):
        return f"{self.export_filename}-{self.as_at.isoformat()}"


class CompletionAsAtByModule(AsAtReport, CompletionByModule):
    page_title = "Completion by module, as at a past day"
    sheet_title = "Completion by module as at"
    index_url_name = "report_as_at_by_module"
    index_results_url_name = "report_as_at_by_module_results"
    export_filename = "completion-by-module-as-at"

    def rows(self, enrolments, day):
        return rows_by_as_at(enrolments, day, "module_id", "module__title")

    def get_filename(self):
        return f"{self.export_filename}-{self.as_at.isoformat()}"


class TrendFilterSet(HistoryFilterSet):
    weeks = django_filters.NumberFilter(
        label="Weeks",
        method="keep",
        min_value=1,
        max_value=MOST_WEEKS,
        help_text=f"How many weeks back, 1 to {MOST_WEEKS}. Blank: {DEFAULT_WEEKS}.",
    )

    def keep(self, queryset, name, value):
        return queryset  # read by the report


class CompletionTrend(AdminReport):
    """Completion % at the end of each of the last N weeks, of the force or an org unit (and
    the units below it), of every module or one: a chart, and the table as its text."""

    permission = PERMISSION
    page_title = "Completion week by week"
    header_icon = "table"
    template_name = "records/admin/completion_trend.html"
    results_template_name = "records/admin/completion_trend_results.html"
    filterset_class = TrendFilterSet
    paginator_class = RowPaginator
    paginate_by = MOST_WEEKS
    index_url_name = "report_trend"
    index_results_url_name = "report_trend_results"
    export_filename = "completion-week-by-week"
    list_export = ["key", "assigned", "complete", "overdue", "exempt", "completion_export"]
    export_headings = {
        "key": "Week ending",
        "assigned": "Assigned",
        "complete": "Complete",
        "overdue": "Overdue",
        "exempt": "Exempt",
        "completion_export": "Completion %",
    }

    def get_queryset(self):
        if not self.filters_valid():
            return []
        chosen = self.filters.form.cleaned_data if self.filters is not None else {}
        return completion_trend(
            int(chosen.get("weeks") or DEFAULT_WEEKS),
            unit=chosen.get("org_unit"),
            module=chosen.get("module"),
            rank=chosen.get("rank") or "",
        )

    def get_filtered_queryset(self):
        return self.get_queryset()  # the filters are applied week by week

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        chosen = self.filters.form.cleaned_data if self.filters is not None and self.filters.is_valid() else {}
        unit, module = chosen.get("org_unit"), chosen.get("module")
        what = f"{unit.name} and the units below it" if unit else "the whole force"
        which = module.title if module else "every module"
        for row in self.object_list:
            row.label = long_date(row.key)
        context["trend_chart"] = Chart(
            caption=f"Completion % of {what}, {which}, at the end of each week.",
            bars=[
                Bar(
                    label=row.label,
                    percent=row.completion_percent if row.must_complete else None,
                    text=row.completion,
                    indent=0,
                )
                for row in self.object_list
            ],
        )
        return context
