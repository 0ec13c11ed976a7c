"""The audit log in the Wagtail admin, for HR and administrators: filter by what happened, who,
and when; read each event's details (a revocation's reason, an export's filters) in the list;
export the selection as CSV or XLSX, or as JSON lines for the force's security monitoring
(SIEM). Every export of the log is itself logged (``core.reports.AdminReport``).

In the CSV and XLSX, the time is ISO 8601 in UTC to the second (``2026-12-01T14:05:09Z``), as
the heading says, and the details are JSON: a log is read beside other systems' logs, which a
local time to the minute cannot be lined up with."""

from __future__ import annotations

import datetime

import django_filters
from django.utils import timezone
from django.utils.functional import cached_property
from wagtail.admin.ui.tables import BaseColumn, Column, DateColumn
from wagtail.admin.widgets import AdminDateInput
from wagtail.admin.widgets.button import HeaderButton

from core import export
from core.reports import AdminFilterSet, AdminReport

from .audit import details_as_json, readable_details
from .models import AuditEvent

PERMISSION = "access.view_auditevent"
JSON_FIELDS = [
    "id",
    "at",
    "action",
    "actor_id",
    "actor_label",
    "verb",
    "object_type",
    "object_id",
    "object_label",
    "path",
    "ip_address",
    "user_agent",
    "details",
]


class AuditEventFilterSet(AdminFilterSet):
    action = django_filters.MultipleChoiceFilter(choices=AuditEvent.Action.choices, label="What happened")
    actor_label = django_filters.CharFilter(lookup_expr="iexact", label="Who (username, or the name typed)")
    object_type = django_filters.CharFilter(lookup_expr="iexact", label="Object type (e.g. learning.assignment)")
    object_id = django_filters.CharFilter(label="Object id")
    ip_address = django_filters.CharFilter(label="IP address")
    date_from = django_filters.DateFilter(method="filter_from", widget=AdminDateInput, label="From")
    date_to = django_filters.DateFilter(method="filter_to", widget=AdminDateInput, label="To")

    class Meta:
        model = AuditEvent
        fields = []

    # Whole local days as a range of times, so the index on ``at`` serves the filter (a
    # comparison on the date of ``at`` would read every row).
    def filter_from(self, queryset, name, value):
        return queryset.filter(at__gte=start_of(value))

    def filter_to(self, queryset, name, value):
        return queryset.filter(at__lt=start_of(value + datetime.timedelta(days=1)))


def start_of(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def utc_iso(moment: datetime.datetime) -> str:
    """``moment`` in UTC, ISO 8601, to the second: ``2026-12-01T14:05:09Z``."""
    return moment.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class DetailsColumn(BaseColumn):
    """An event's details, one "name: value" line each, scrubbed as the exports are."""

    cell_template_name = "access/audit_details_cell.html"

    def get_cell_context_data(self, instance, parent_context):
        context = super().get_cell_context_data(instance, parent_context)
        context["details"] = readable_details(instance.details)
        return context


def events_as_rows(events):
    """The events as plain dicts, oldest first, read two thousand at a time: a year of events
    streams without being held in memory."""
    return events.order_by("at", "pk").values(*JSON_FIELDS).iterator(chunk_size=2000)


class AuditLogReport(AdminReport):
    permission = PERMISSION
    page_title = "Audit log"
    template_name = "access/audit_log.html"
    header_icon = "history"
    index_url_name = "audit_log"
    index_results_url_name = "audit_log_results"
    filterset_class = AuditEventFilterSet
    export_filename = "audit-log"
    export_label = "audit log"
    paginate_by = 100
    list_export = JSON_FIELDS
    export_headings = {"at": "At (UTC, ISO 8601)", "ip_address": "IP address", "details": "Details (JSON)"}
    columns = [
        DateColumn("at", label="When"),
        Column("action", label="What", accessor="get_action_display"),
        Column("actor_label", label="Who"),
        Column("verb", label="Detail"),
        Column("object_label", label="Object", accessor=lambda event: event.object_label or event.object_type),
        DetailsColumn("details", label="Details"),
        Column("ip_address", label="IP address"),
    ]

    def get_queryset(self):
        return AuditEvent.objects.all()

    def get(self, request, *args, **kwargs):
        # JSON lines for the SIEM: data, not a spreadsheet, so written as it is. (The CSV and
        # XLSX, which hold names typed at sign-in and user agents, go through the cell rule.)
        if request.GET.get("export") == "jsonl" and self.filters_valid():
            self.record_export("jsonl")
            return export.json_lines_response(
                events_as_rows(self.get_filtered_queryset()), f"audit-log-{timezone.localdate():%Y-%m-%d}.jsonl"
            )
        return super().get(request, *args, **kwargs)

    def to_row_dict(self, item):
        row = super().to_row_dict(item)
        row["at"] = utc_iso(row["at"])
        row["details"] = details_as_json(row["details"])
        return row

    @cached_property
    def header_buttons(self):
        return [
            *super().header_buttons,
            HeaderButton(
                "Download JSON lines (security monitoring)",
                url=self.get_export_url("jsonl"),
                icon_name="download",
                priority=110,
            ),
        ]
