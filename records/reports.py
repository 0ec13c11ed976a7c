"""HR's completion reports in the Wagtail admin: who has done their training, by org unit (each
unit counting everyone below it), by module and by rank, and the people behind the numbers.

Every report counts each person's latest cycle of each module (``Enrolment.objects.current()``)
in one grouped query; the unit report then adds each unit's counts to every unit above it, in
Python, over the few hundred units (one more query). So the number of queries is the same for
ten people or fifty thousand. The people list and every export read rows in chunks, so an export
of the whole force streams without holding it in memory.

Each report is a ``core.reports.AdminReport`` (one permission check, formula-safe and audited
exports), seen by holders of ``learning.view_reports`` (the Reporting and HR groups);
``records/wagtail_hooks.py`` puts them in the Reports menu.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

import django_filters
from django.db.models import BooleanField, Count, Exists, ExpressionWrapper, F, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from wagtail.admin.paginator import WagtailPaginator
from wagtail.admin.widgets import AdminDateInput

from core.numbers import percent
from core.reports import AdminFilterSet, AdminReport
from learning.models import Enrolment, ModulePage, RecordedCompletion
from people.filters import OrgUnitFilter
from people.models import OrgUnit, User

PERMISSION = "learning.view_reports"
COLUMNS = ("assigned", "complete", "in_progress", "not_started", "overdue", "exempt")
STATUS_CHOICES = [
    ("complete", "Complete"),
    ("in_progress", "In progress (including passed, attestation needed)"),
    ("not_started", "Not started"),
    ("overdue", "Overdue"),
    ("exempt", "Exempt"),
]
#: What an export calls each enrolment status: the words the page shows, not the stored code.
STATUS_LABELS = dict(Enrolment.Status.choices)
# An enrolment HR completed for training done elsewhere: complete, without attestation or certificate.
RECORDED_BY_HR = "Complete (recorded by HR)"


def recorded_by_hr() -> Exists:
    """For an enrolment query: HR recorded it as completed by training done elsewhere (and has
    not withdrawn that record). One subquery in the same query, however many rows."""
    return Exists(RecordedCompletion.objects.filter(enrolment=OuterRef("pk"), withdraws=None, withdrawn_by=None))


#: At most this many bars in the unit report's chart (about 600 px); the table has every unit.
CHART_BARS = 25


def status_q(status: str, today: datetime.date) -> Q:
    """The enrolments in one of the reports' statuses."""
    return {
        "complete": Q(status=Enrolment.Status.COMPLETE),
        "in_progress": Q(status__in=[Enrolment.Status.IN_PROGRESS, Enrolment.Status.PASSED]),
        "not_started": Q(status=Enrolment.Status.NOT_STARTED),
        "overdue": Enrolment.overdue_q(on=today),
        "exempt": Q(status=Enrolment.Status.EXEMPT),
    }[status]


def counts(today: datetime.date) -> dict:
    """The aggregate for each report column."""
    return {
        "assigned": Count("pk"),
        **{status: Count("pk", filter=status_q(status, today)) for status, _ in STATUS_CHOICES},
    }


@dataclass
class Row:
    """One line of a completion report."""

    label: str
    key: object = None
    depth: int = 1
    assigned: int = 0
    complete: int = 0
    in_progress: int = 0
    not_started: int = 0
    overdue: int = 0
    exempt: int = 0
    link: str = ""
    code: str = ""
    parent: str = ""
    parent_code: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def must_complete(self) -> int:
        """Those who must do it: the assigned, less the exempt."""
        return self.assigned - self.exempt

    @property
    def completion_percent(self) -> int:
        """Complete as a share of those who must do it (the assigned, less the exempt), halves up."""
        return percent(self.complete, self.must_complete)

    @property
    def completion(self) -> str:
        """The completion as the page says it: "0%" only when someone has yet to complete; a
        unit with nobody to count says so rather than look like one where nobody has."""
        if not self.assigned:
            return "none assigned"
        if not self.must_complete:
            return "all exempt"
        return f"{self.completion_percent}%"

    @property
    def completion_export(self) -> int | None:
        """The completion % for a spreadsheet: blank when nobody must complete (see ``completion``)."""
        return self.completion_percent if self.must_complete else None

    def add(self, numbers: dict) -> None:
        for column in COLUMNS:
            setattr(self, column, getattr(self, column) + numbers[column])


def current_enrolments() -> QuerySet[Enrolment]:
    return Enrolment.objects.current().filter(user__is_active=True)


def rows_by_unit(enrolments: QuerySet[Enrolment], within: OrgUnit | None = None) -> list[Row]:
    """One row per org unit in tree order (or per unit at and below ``within``), each counting
    its own people and everyone in the units below it."""
    today = timezone.localdate()
    units = OrgUnit.objects.order_by("path").only("path", "depth", "name", "code")
    parent_path = ""
    if within is not None:
        # The unit's own parent comes in the same query, to name it in the unit's row.
        parent_path = within.path[: -OrgUnit.steplen]
        units = units.filter(OrgUnit.within_q(within, field="") | Q(path=parent_path))
    named = {unit.path: unit for unit in units}
    rows = {}
    for unit_path, unit in named.items():
        if unit_path == parent_path:
            continue
        parent = named.get(unit_path[: -OrgUnit.steplen])
        rows[unit_path] = Row(
            label=unit.name,
            key=unit.pk,
            depth=unit.depth,
            link=f"?org_unit={unit.pk}",
            code=unit.code,
            parent=parent.name if parent else "",
            parent_code=parent.code if parent else "",
        )
    path_of = {row.key: unit_path for unit_path, row in rows.items()}
    grouped = enrolments.order_by().values("user__org_unit_id").annotate(**counts(today))
    for numbers in grouped:
        unit_path = path_of.get(numbers["user__org_unit_id"])
        if unit_path is None:
            continue  # people with no unit, or outside ``within``
        for containing in OrgUnit.path_and_above(unit_path):  # the units it is within
            if containing in rows:
                rows[containing].add(numbers)
    return list(rows.values())


@dataclass
class Bar:
    """One bar of the unit report's chart."""

    label: str
    percent: int | None  # None: nobody to count (the bar is left empty)
    text: str
    indent: int


@dataclass
class Chart:
    bars: list[Bar]
    caption: str


def unit_chart(rows: list[Row], most: int = CHART_BARS) -> Chart:
    """The chart of the unit report, bounded whatever the size of the force: the top unit shown
    and the units directly below it (or, with several top units, those), at most ``most`` bars,
    the largest units kept if there are more, in tree order. Every unit is in the table."""
    if not rows:
        return Chart(bars=[], caption="")
    top_depth = min(row.depth for row in rows)
    tops = [row for row in rows if row.depth == top_depth]
    if len(tops) == 1:
        first, level = tops, [row for row in rows if row.depth == top_depth + 1]
    else:
        first, level = [], tops
    room = max(most - len(first), 0)
    kept = {id(row) for row in sorted(level, key=lambda row: -row.assigned)[:room]}
    shown = first + [row for row in level if id(row) in kept]
    charted = f"{first[0].label} and the units directly below it" if first else "each top-level unit"
    if len(kept) < len(level):
        charted += f" (the {len(kept)} with most people assigned, of {len(level)})"
    return Chart(
        caption=f"Completion % of {charted}.",
        bars=[
            Bar(
                label=row.label,
                percent=row.completion_percent if row.must_complete else None,
                text=row.completion,
                indent=0 if row.depth == top_depth else 12,
            )
            for row in shown
        ],
    )


def rows_by(enrolments: QuerySet[Enrolment], key: str, label: str) -> list[Row]:
    """One row per value of ``key`` (e.g. the module, or the person's rank), largest first."""
    today = timezone.localdate()
    grouped = enrolments.order_by().values(key, label).annotate(**counts(today)).order_by("-assigned", label)
    rows = []
    for numbers in grouped:
        row = Row(label=numbers[label] or "(none recorded)", key=numbers[key])
        row.add(numbers)
        rows.append(row)
    return rows


def _ranks() -> list[tuple[str, str]]:
    ranks = User.objects.exclude(rank="").order_by("rank").values_list("rank", flat=True).distinct()
    return [(rank, rank) for rank in ranks]


class EnrolmentFilterSet(AdminFilterSet):
    module = django_filters.ModelChoiceFilter(
        label="Module", queryset=lambda request: ModulePage.objects.order_by("title"), field_name="module"
    )
    org_unit = OrgUnitFilter(
        label="Org unit",
        queryset=lambda request: OrgUnit.objects.order_by("path"),
        method="filter_org_unit",
        help_text="This unit and every unit below it.",
    )
    rank = django_filters.ChoiceFilter(label="Rank or grade", choices=_ranks, field_name="user__rank")
    status = django_filters.ChoiceFilter(label="Status", choices=STATUS_CHOICES, method="filter_status")
    due_from = django_filters.DateFilter(
        label="Due from", field_name="due_date", lookup_expr="gte", widget=AdminDateInput
    )
    due_to = django_filters.DateFilter(label="Due to", field_name="due_date", lookup_expr="lte", widget=AdminDateInput)

    class Meta:
        model = Enrolment
        fields: list[str] = []

    def filter_org_unit(self, queryset, name, value):
        return queryset.within(value)

    def filter_status(self, queryset, name, value):
        return queryset.filter(status_q(value, timezone.localdate()))


class RowPaginator(WagtailPaginator):
    verbose_name = "row"
    verbose_name_plural = "rows"


class CompletionReport(AdminReport):
    """The shared shape of the three completion reports: rows of counts, filtered enrolments."""

    permission = PERMISSION
    header_icon = "table"
    template_name = "records/admin/completion.html"
    results_template_name = "records/admin/completion_results.html"
    filterset_class = EnrolmentFilterSet
    paginator_class = RowPaginator
    paginate_by = 400  # every unit of a force on one page
    list_export = ["label", *COLUMNS, "completion_export"]
    export_headings = {
        "label": "Name",
        "assigned": "Assigned",
        "complete": "Complete",
        "in_progress": "In progress",
        "not_started": "Not started",
        "overdue": "Overdue",
        "exempt": "Exempt",
        "completion_export": "Completion %",
    }
    grouping = ""
    chart = False

    def get_queryset(self):
        self.enrolments = self.filter_queryset(current_enrolments())
        return self.rows(self.enrolments)

    def get_filtered_queryset(self):
        return self.get_queryset()  # the enrolments are filtered before they are counted

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["grouping"] = self.grouping
        context["chart"] = self.chart
        context["people_url"] = reverse("report_people")
        # A unit's link to its people keeps the other filters (module, rank, status, dates).
        kept = self.request.GET.copy()
        for name in ("org_unit", "page", "export"):
            kept.pop(name, None)
        context["kept_filters"] = f"&{kept.urlencode()}" if kept else ""
        return context


class CompletionByUnit(CompletionReport):
    page_title = "Completion by org unit"
    grouping = "Org unit"
    chart = True
    index_url_name = "report_by_unit"
    index_results_url_name = "report_by_unit_results"
    export_filename = "completion-by-org-unit"
    list_export = ["label", "code", "parent", "parent_code", *COLUMNS, "completion_export"]
    export_headings = {
        **CompletionReport.export_headings,
        "code": "Unit code",
        "parent": "Parent unit",
        "parent_code": "Parent unit code",
        "completion_export": "Completion %",
    }

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["unit_chart"] = unit_chart(self.object_list)
        return context

    def rows(self, enrolments):
        unit = self.filters.form.cleaned_data.get("org_unit") if self.filters and self.filters.is_valid() else None
        return rows_by_unit(enrolments, within=unit)


class CompletionByModule(CompletionReport):
    page_title = "Completion by module"
    grouping = "Module"
    index_url_name = "report_by_module"
    index_results_url_name = "report_by_module_results"
    export_filename = "completion-by-module"

    def rows(self, enrolments):
        return rows_by(enrolments, "module_id", "module__title")


class CompletionByRank(CompletionReport):
    page_title = "Completion by rank or grade"
    grouping = "Rank or grade"
    index_url_name = "report_by_rank"
    index_results_url_name = "report_by_rank_results"
    export_filename = "completion-by-rank"

    def rows(self, enrolments):
        return rows_by(enrolments, "user__rank", "user__rank")


def counted(number: int, one: str, many: str) -> str:
    return f"{number:,} {one if number == 1 else many}"


class PeoplePaginator(WagtailPaginator):
    """Counts what the list holds, enrolments, and the people they belong to: a person with
    three modules is one person and three rows."""

    verbose_name = "enrolment"
    verbose_name_plural = "enrolments"

    @cached_property
    def people_count(self) -> int:
        if isinstance(self.object_list, QuerySet):
            return self.object_list.order_by().values("user_id").distinct().count()
        return len({enrolment.user_id for enrolment in self.object_list})

    @cached_property
    def items_count_label(self) -> str:
        return f"{counted(self.count, 'enrolment', 'enrolments')} of {counted(self.people_count, 'person', 'people')}"


class PeopleReport(AdminReport):
    """The people behind the numbers: each enrolment (latest cycle) with its person and status.
    Drill down from a unit; filter to the overdue for the chasing list."""

    permission = PERMISSION
    page_title = "People and their training"
    header_icon = "group"
    template_name = "records/admin/people_report.html"
    results_template_name = "records/admin/people_report_results.html"
    filterset_class = EnrolmentFilterSet
    paginator_class = PeoplePaginator
    paginate_by = 100
    index_url_name = "report_people"
    index_results_url_name = "report_people_results"
    export_filename = "training-by-person"
    list_export = [
        "user__warrant_number",
        "user__last_name",
        "user__first_name",
        "user__rank",
        "user__role",
        "user__org_unit__name",
        "line_manager",
        "module__title",
        "cycle",
        "status",
        "overdue",
        "due_date",
        "completed_at",
    ]
    export_headings = {
        "user__warrant_number": "Warrant or staff number",
        "user__last_name": "Surname",
        "user__first_name": "First name",
        "user__rank": "Rank or grade",
        "user__role": "Role",
        "user__org_unit__name": "Org unit",
        "line_manager": "Line manager's number",
        "module__title": "Module",
        "cycle": "Cycle",
        "status": "Status",
        "overdue": "Overdue",
        "due_date": "Due",
        "completed_at": "Completed",
    }

    def get_queryset(self):
        return (
            current_enrolments()
            .select_related("user__org_unit", "user__line_manager", "module")
            .annotate(recorded_by_hr=recorded_by_hr())
            .order_by("due_date", "user__last_name", "user__first_name", "pk")
        )

    def export_queryset(self):
        # Plain rows, not model instances (read in chunks by the export): the whole force
        # streams out without being held in memory.
        return self.filter_queryset(self.get_queryset()).values(
            *[name for name in self.list_export if name not in ("line_manager", "overdue")],
            "recorded_by_hr",
            line_manager=F("user__line_manager__warrant_number"),
            overdue=ExpressionWrapper(Enrolment.overdue_q(on=timezone.localdate()), output_field=BooleanField()),
        )

    def to_row_dict(self, item):
        row = super().to_row_dict(item)
        # The words the page shows ("Passed: attestation needed"), not the stored code.
        row["status"] = STATUS_LABELS.get(row["status"], row["status"])
        recorded = item.get("recorded_by_hr") if isinstance(item, dict) else getattr(item, "recorded_by_hr", False)
        if recorded and row["status"] == STATUS_LABELS[Enrolment.Status.COMPLETE]:
            row["status"] = RECORDED_BY_HR
        row["overdue"] = "Yes" if row["overdue"] else "No"
        return row

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        paginator = context.get("paginator")
        context["count_label"] = paginator.items_count_label if paginator else ""
        return context
