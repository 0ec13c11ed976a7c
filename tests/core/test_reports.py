"""The admin report base's viewsets (``core/reports.py``): every report keeps its URL names and
paths, and its menu entry, label and place, shown only to those who may open it."""

import pytest
from django.test import RequestFactory
from django.urls import get_resolver, reverse
from wagtail.admin.menu import admin_menu, reports_menu

URLS = {
    "report_by_unit": "/admin/reports/completion/by-unit/",
    "report_by_unit_results": "/admin/reports/completion/by-unit/results/",
    "report_by_module": "/admin/reports/completion/by-module/",
    "report_by_module_results": "/admin/reports/completion/by-module/results/",
    "report_by_rank": "/admin/reports/completion/by-rank/",
    "report_by_rank_results": "/admin/reports/completion/by-rank/results/",
    "report_people": "/admin/reports/completion/people/",
    "report_people_results": "/admin/reports/completion/people/results/",
    "certificate_report": "/admin/certificates/",
    "certificate_report_results": "/admin/certificates/results/",
    "certificate_zip": "/admin/certificates/zip/",
    "scenario_step_analytics": "/admin/reports/scenario-steps/",
    "scenario_step_analytics_results": "/admin/reports/scenario-steps/results/",
    "audit_log": "/admin/audit/",
    "audit_log_results": "/admin/audit/results/",
    "people_import": "/admin/people/import/",
}

COMPLETION = ["Completion by org unit", "Completion by module", "Completion by rank", "Overdue", "People and training"]
OVER_TIME = ["Completion by org unit, as at", "Completion by module, as at", "Completion week by week", "Saved reports"]
OURS = [*COMPLETION, *OVER_TIME, "Audit log", "Scenario steps"]


def menu(menu, user) -> list:
    """The entries of ``menu`` that ``user`` sees, in the order Wagtail draws them."""
    # Viewsets register their menu entries as the admin's URLs are loaded: before any request
    # in a server, but not necessarily before a test.
    get_resolver().url_patterns  # noqa: B018
    request = RequestFactory().get("/admin/")
    request.user = user
    return sorted(menu.menu_items_for_request(request), key=lambda item: item.order)


@pytest.mark.parametrize(("name", "url"), URLS.items())
def test_each_admin_page_keeps_its_url_name_and_path(name, url):
    assert reverse(name) == url


def test_the_revocation_keeps_its_url_name_and_path():
    assert reverse("certificate_revoke", args=["ABCD"]) == "/admin/certificates/ABCD/revoke/"
    assert reverse("people_import_apply", args=[1]) == "/admin/people/import/1/apply/"


@pytest.mark.parametrize(
    ("username", "entries"),
    [
        ("admin", OURS),
        ("hr", [*COMPLETION, *OVER_TIME, "Audit log"]),
        ("reporting", [*COMPLETION, *OVER_TIME]),
        ("trainer", ["Scenario steps"]),
        ("policyowner", ["Scenario steps"]),
    ],
)
def test_the_reports_menu_shows_each_report_to_those_who_may_open_it_in_its_place(demo, username, entries):
    labels = [item.label for item in menu(reports_menu, demo[username])]
    assert [label for label in labels if label in OURS] == entries, labels


def test_our_reports_keep_their_places_among_wagtails(demo):
    labels = [item.label for item in menu(reports_menu, demo["admin"])]
    assert labels[: labels.index("Page types usage") + 1] == [
        "Locked pages",
        *COMPLETION,
        *OVER_TIME,
        "Workflows",
        "Audit log",
        "Scenario steps",
        "Workflow tasks",
        "Site history",
        "Aging pages",
        "Page types usage",
    ]


def test_the_overdue_entry_opens_the_people_report_filtered(demo):
    items = {item.label: item for item in menu(reports_menu, demo["reporting"])}
    assert items["Overdue"].url == "/admin/reports/completion/people/?status=overdue"
    assert items["Overdue"].name == "overdue" and items["Overdue"].icon_name == "warning"
    assert items["People and training"].url == "/admin/reports/completion/people/"


@pytest.mark.parametrize(
    ("username", "entries"),
    [("hr", ["Certificates", "Import people"]), ("admin", ["Certificates", "Import people"]), ("reporting", [])],
)
def test_the_certificates_and_the_import_are_in_the_main_menu_for_hr(demo, username, entries):
    labels = [item.label for item in menu(admin_menu, demo[username])]
    assert [label for label in labels if label in ("Certificates", "Import people")] == entries
