"""The audit log in the Wagtail admin, for HR and administrators: filter by what happened, who,
and when; export the selection as CSV or XLSX, or as JSON lines for the force's security
monitoring (SIEM). Every export of the log is itself logged."""

from __future__ import annotations

import datetime
import json

import django_filters
from django.core.exceptions import PermissionDenied
from django.http import StreamingHttpResponse
from django.urls import path
from django.utils import timezone
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.tables import Column, DateColumn
from wagtail.admin.views.reports import ReportView
from wagtail.admin.widgets import AdminDateInput

from core.export import csv_cell

from . import audit
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


class AuditEventFilterSet(WagtailFilterSet):
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


def events_as_json_lines(events, chunk: int = 1000):
    """One JSON object per line, oldest first, read and sent a thousand at a time: a year of
    events streams without being held in memory."""
    lines = []
    for event in events.order_by("at", "pk").values_list(*JSON_FIELDS).iterator(chunk_size=2000):
        row = dict(zip(JSON_FIELDS, event, strict=True))
        row["at"] = row["at"].isoformat()
        lines.append(json.dumps(row, ensure_ascii=False, sort_keys=True))
        if len(lines) == chunk:
            yield "\n".join(lines) + "\n"
            lines = []
    if lines:
        yield "\n".join(lines) + "\n"


class AuditLogReport(ReportView):
    page_title = "Audit log"
    template_name = "access/audit_log.html"
    header_icon = "history"
    index_url_name = "audit_log"
    index_results_url_name = "audit_log_results"
    filterset_class = AuditEventFilterSet
    export_filename = "audit-log"
    paginate_by = 100
    list_export = JSON_FIELDS
    columns = [
        DateColumn("at", label="When"),
        Column("action", label="What", accessor="get_action_display"),
        Column("actor_label", label="Who"),
        Column("verb", label="Detail"),
        Column("object_label", label="Object", accessor=lambda event: event.object_label or event.object_type),
        Column("ip_address", label="IP address"),
    ]

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm(PERMISSION):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self):
        return AuditEvent.objects.all()

    def get(self, request, *args, **kwargs):
        export_format = request.GET.get("export")
        if export_format and not (self.filters is None or self.filters.is_valid()):
            self.is_export = False  # show what is wrong with the filter instead of exporting everything
        elif export_format:
            events = self.filter_queryset(self.get_queryset())
            audit.export(request, "audit log", format=export_format)
            if export_format == "jsonl":
                response = StreamingHttpResponse(events_as_json_lines(events), content_type="application/x-ndjson")
                response["Content-Disposition"] = (
                    f'attachment; filename="audit-log-{timezone.localdate():%Y-%m-%d}.jsonl"'
                )
                return response
        return super().get(request, *args, **kwargs)

    def preprocess_field_value(self, field, value, export_format):
        # The name typed at a failed sign-in and the browser's user agent are anyone's to choose:
        # never let a spreadsheet run them as a formula.
        value = super().preprocess_field_value(field, value, export_format)
        return csv_cell(value) if export_format == self.FORMAT_CSV else value

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        query = self.request.GET.copy()
        query.pop("p", None)
        query["export"] = "jsonl"
        context["jsonl_query"] = query.urlencode()
        return context


urlpatterns = [
    path("audit/", AuditLogReport.as_view(), name="audit_log"),
    path("audit/results/", AuditLogReport.as_view(results_only=True), name="audit_log_results"),
]
