"""The records in the Wagtail admin: the completion reports (in the Reports menu, in this order)
and HR's certificates (in the main menu). Each entry is shown only to those who may open it."""

from wagtail import hooks

from core.reports import AdminViewSet, ReportShortcut, ReportViewSet

from . import certificate_admin, saved
from .certificate_admin import CertificateReportView
from .reports import CompletionByModule, CompletionByRank, CompletionByUnit, PeopleReport
from .trend_reports import CompletionAsAtByModule, CompletionAsAtByUnit, CompletionTrend

COMPLETION = "reports/completion"

# Menu orders: Wagtail's own reports sit at 700 (Locked pages), 800 (Workflows), 900 (Workflow
# tasks) and on; the completion reports come just before Workflows, as they always have.

viewsets = [
    ReportViewSet(
        "completion-by-unit",
        report=CompletionByUnit,
        url_prefix=f"{COMPLETION}/by-unit",
        menu_label="Completion by org unit",
        icon="table",
        menu_order=795,
    ),
    ReportViewSet(
        "completion-by-module",
        report=CompletionByModule,
        url_prefix=f"{COMPLETION}/by-module",
        menu_label="Completion by module",
        icon="table",
        menu_order=796,
    ),
    ReportViewSet(
        "completion-by-rank",
        report=CompletionByRank,
        url_prefix=f"{COMPLETION}/by-rank",
        menu_label="Completion by rank",
        icon="table",
        menu_order=797,
    ),
    # HR's chasing list: the people report, filtered to the overdue.
    ReportShortcut(
        "overdue", report=PeopleReport, query="status=overdue", menu_label="Overdue", icon="warning", menu_order=798
    ),
    ReportViewSet(
        "people-training",
        report=PeopleReport,
        url_prefix=f"{COMPLETION}/people",
        menu_label="People and training",
        icon="group",
        menu_order=799,
    ),
    ReportViewSet(
        "certificates",
        report=CertificateReportView,
        urlpatterns=certificate_admin.urlpatterns,  # the ZIP and revocation
        add_to_admin_menu=True,
        menu_label="Certificates",
        icon="doc-full",
        menu_order=310,
    ),
]

# Completion over time (``records/trend_reports.py``): after today's reports, before Workflows.
viewsets += [
    ReportViewSet(
        "completion-as-at-by-unit",
        report=CompletionAsAtByUnit,
        url_prefix=f"{COMPLETION}/as-at/by-unit",
        menu_label="Completion by org unit, as at",
        icon="history",
        menu_order=799,
    ),
    ReportViewSet(
        "completion-as-at-by-module",
        report=CompletionAsAtByModule,
        url_prefix=f"{COMPLETION}/as-at/by-module",
        menu_label="Completion by module, as at",
        icon="history",
        menu_order=799,
    ),
    ReportViewSet(
        "completion-trend",
        report=CompletionTrend,
        url_prefix=f"{COMPLETION}/trend",
        menu_label="Completion week by week",
        icon="history",
        menu_order=799,
    ),
    # Each reporting user's own saved filters, and their weekly emails (``records/saved.py``).
    AdminViewSet(
        "saved-reports",
        url_prefix="reports/saved",
        urlpatterns=saved.urlpatterns,
        permission=saved.PERMISSION,
        add_to_reports_menu=True,
        menu_label="Saved reports",
        icon="history",
        menu_order=799,
    ),
]


@hooks.register("register_admin_viewset")
def register_records_admin():
    return viewsets
