"""HR's completion reports: numbers against a hand-counted force, roll-up through the unit
tree, filters, drill-down, exports, a constant number of queries, and who may see them."""

import csv
import datetime
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from learning.factories import EnrolmentFactory, ModulePageFactory
from learning.models import Enrolment
from people.factories import OrgUnitFactory, UserFactory
from records.reports import rows_by, rows_by_unit
from tests.helpers import sign_in_with_mfa

TODAY = timezone.localdate()
PAST = TODAY - datetime.timedelta(days=3)
SOON = TODAY + datetime.timedelta(days=10)


@pytest.fixture
def force(demo):
    """A small force counted by hand:

    Force
    ├── North            PC complete; PC in progress, overdue; PS not started
    │   └── North Team   PC passed (attestation needed); PC exempt, past due
    └── South            PS not started, overdue; PC complete (on the second module)
    """
    Enrolment.objects.all().delete()  # the seed's own enrolments are not part of this count
    force = OrgUnitFactory(name="Force", code="force")
    north = OrgUnitFactory(name="North", code="north", parent=force)
    team = OrgUnitFactory(name="North Team", code="north-team", parent=north)
    south = OrgUnitFactory(name="South", code="south", parent=force)
    second = ModulePageFactory(title="Second module")
    first = demo["module"]

    def enrol(unit, rank, status, due, module=first):
        EnrolmentFactory(user=UserFactory(org_unit=unit, rank=rank), module=module, status=status, due_date=due)

    enrol(north, "PC", "complete", SOON)
    enrol(north, "PC", "in_progress", PAST)
    enrol(north, "PS", "not_started", SOON)
    enrol(team, "PC", "passed", SOON)
    enrol(team, "PC", "exempt", PAST)
    enrol(south, "PS", "not_started", PAST)
    enrol(south, "PC", "complete", SOON, module=second)
    return {"force": force, "north": north, "team": team, "south": south, "first": first, "second": second}


def numbers(row):
    return (row.assigned, row.complete, row.in_progress, row.not_started, row.overdue, row.exempt)


def test_units_count_everyone_below_them(force):
    rows = {row.label: row for row in rows_by_unit(Enrolment.objects.current(), within=force["force"])}
    #                                  assigned complete in-progress not-started overdue exempt
    assert numbers(rows["North Team"]) == (2, 0, 1, 0, 0, 1)
    assert numbers(rows["North"]) == (5, 1, 2, 1, 1, 1)
    assert numbers(rows["South"]) == (2, 1, 0, 1, 1, 0)
    assert numbers(rows["Force"]) == (7, 2, 2, 2, 2, 1)
    assert rows["Force"].completion_percent == 33  # 2 of the 6 not exempt
    assert rows["North Team"].completion_percent == 0
    assert [row.label for row in rows_by_unit(Enrolment.objects.current(), within=force["force"])] == [
        "Force",
        "North",
        "North Team",
        "South",
    ]


def test_by_module_and_by_rank(force):
    by_module = {row.label: numbers(row) for row in rows_by(Enrolment.objects.current(), "module_id", "module__title")}
    assert by_module == {force["first"].title: (6, 1, 2, 2, 2, 1), "Second module": (1, 1, 0, 0, 0, 0)}
    by_rank = {row.label: numbers(row) for row in rows_by(Enrolment.objects.current(), "user__rank", "user__rank")}
    assert by_rank == {"PC": (5, 2, 2, 0, 1, 1), "PS": (2, 0, 0, 2, 1, 0)}


UNIT_REPORT = "/admin/reports/completion/by-unit/"
PEOPLE_REPORT = "/admin/reports/completion/people/"


@pytest.fixture
def reporting(client, demo):
    sign_in_with_mfa(client, demo["reporting"])
    return client


def test_the_unit_report_page_shows_the_counts_and_a_chart_with_the_table_as_its_text(reporting, force):
    page = reporting.get(UNIT_REPORT, {"org_unit": force["force"].pk}).content.decode()
    assert '<figure class="attest-chart nice-padding" aria-labelledby="completion-chart-caption">' in page
    assert '<svg aria-hidden="true"' in page and "The table below gives the same figures" in page
    north = page.split(f'?org_unit={force["north"].pk}">North</a>')[1].split("</tr>")[0]
    assert [cell.split("</td>")[0].strip() for cell in north.split("<td>")[1:]] == ["5", "1", "2", "1", "1", "1", "25%"]


def test_filters_narrow_what_is_counted(reporting, force):
    def force_row(**filters):
        response = reporting.get(UNIT_REPORT, {"org_unit": force["force"].pk, **filters})
        (row,) = [row for row in response.context["object_list"] if row.label == "Force"]
        return numbers(row)

    assert force_row(module=force["second"].pk) == (1, 1, 0, 0, 0, 0)
    assert force_row(rank="PS") == (2, 0, 0, 2, 1, 0)
    assert force_row(status="overdue") == (2, 0, 1, 1, 2, 0)
    assert force_row(due_from=TODAY.isoformat()) == (4, 2, 1, 1, 0, 0)
    assert force_row(due_to=PAST.isoformat(), status="exempt") == (1, 0, 0, 0, 0, 1)


def test_a_unit_drills_down_to_its_people_and_the_overdue_list_is_for_chasing(reporting, force):
    people = reporting.get(PEOPLE_REPORT, {"org_unit": force["north"].pk}).context["object_list"]
    assert len(people) == 5 and {e.user.org_unit.code for e in people} == {"north", "north-team"}
    overdue = reporting.get(PEOPLE_REPORT, {"status": "overdue"}).context["object_list"]
    assert {(e.user.org_unit.code, e.status) for e in overdue} == {("north", "in_progress"), ("south", "not_started")}


def test_the_people_export_streams_every_row_as_csv(reporting, force):
    response = reporting.get(PEOPLE_REPORT, {"org_unit": force["force"].pk, "export": "csv"})
    assert response.streaming and response["Content-Type"] == "text/csv"
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert len(rows) == 7
    assert {row["Due"] for row in rows} == {PAST.isoformat(), SOON.isoformat()}
    assert set(rows[0]) >= {"Warrant or staff number", "Surname", "Org unit", "Module", "Status", "Due"}
    # The words the page shows, not the stored codes ("in_progress").
    assert sorted(row["Status"] for row in rows) == sorted(
        ["Complete", "In progress", "Not started", "Passed: attestation needed", "Exempt", "Not started", "Complete"]
    )
    assert sorted(row["Overdue"] for row in rows) == ["No"] * 5 + ["Yes"] * 2


def test_the_unit_export_as_xlsx(reporting, force):
    response = reporting.get(UNIT_REPORT, {"org_unit": force["force"].pk, "export": "xlsx"})
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.values)
    assert sheet.title == "Completion by org unit"
    assert rows[0] == (
        "Name",
        "Unit code",
        "Parent unit",
        "Parent unit code",
        "Assigned",
        "Complete",
        "In progress",
        "Not started",
        "Overdue",
        "Exempt",
        "Completion %",
    )
    assert rows[1] == ("Force", "force", None, None, 7, 2, 2, 2, 2, 1, 33)
    assert rows[3] == ("North Team", "north-team", "North", "north", 2, 0, 1, 0, 0, 1, 0)


def add_people(unit, module, how_many):
    for n in range(how_many):
        EnrolmentFactory(
            user=UserFactory(org_unit=unit, rank="PC" if n % 2 else "PS"),
            module=module,
            status=["complete", "in_progress", "not_started"][n % 3],
            due_date=PAST if n % 4 == 0 else SOON,
        )


@pytest.mark.parametrize(
    "url",
    [
        UNIT_REPORT,
        "/admin/reports/completion/by-module/",
        "/admin/reports/completion/by-rank/",
        PEOPLE_REPORT,
        PEOPLE_REPORT + "?status=overdue",
        UNIT_REPORT + "?export=csv",
        "/admin/reports/completion/by-module/?export=xlsx",
        PEOPLE_REPORT + "?export=csv",
        PEOPLE_REPORT + "?export=xlsx",
    ],
)
def test_the_query_count_is_the_same_for_ten_people_and_a_hundred(reporting, force, url):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = reporting.get(url)
            if response.streaming:
                b"".join(response.streaming_content)
        assert response.status_code == 200
        return len(captured)

    add_people(force["north"], force["first"], 10)
    ten = queries()
    add_people(force["team"], force["first"], 90)
    assert queries() == ten


@pytest.mark.parametrize("username", ["officer", "manager", "trainer", "policyowner"])
def test_only_reporting_and_hr_see_the_reports(client, demo, username):
    sign_in_with_mfa(client, demo[username])
    for url in (UNIT_REPORT, PEOPLE_REPORT, PEOPLE_REPORT + "?export=csv"):
        assert client.get(url).status_code in (302, 403)
    sign_in_with_mfa(client, demo["hr"])
    assert client.get(UNIT_REPORT).status_code == 200


def test_the_reporting_group_sees_reports_and_nothing_else(reporting):
    for url in (
        "/admin/certificates/",
        "/admin/people/import/",
        "/admin/assignments/",
        "/admin/exemptions/",
        "/admin/snippets/certificates/policydocument/",
        "/admin/reports/scenario-steps/",
        "/admin/pages/",
    ):
        response = reporting.get(url)
        assert response.status_code in (302, 403), url
    menu = reporting.get("/admin/").content.decode()
    assert "Completion by org unit" in menu
    for hidden in ("Import people", "Assignments", "Exemptions", "Policies", "Scenario steps"):
        assert hidden not in menu, hidden


def test_an_export_with_a_bad_filter_exports_nothing_and_explains(reporting, force):
    response = reporting.get(PEOPLE_REPORT, {"org_unit": 999999, "export": "csv"})
    assert not response.streaming  # the page, with the filter's error, instead of a file
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()


def test_summary_exports_refuse_bad_filters_and_never_write_formulas(reporting, force):
    bad = reporting.get("/admin/reports/completion/by-rank/", {"status": "bogus", "export": "csv"})
    assert not bad.streaming and bad.status_code == 200
    UserFactory(org_unit=force["north"], rank="=HYPERLINK(1)")
    EnrolmentFactory(user=UserFactory(org_unit=force["north"], rank="=HYPERLINK(1)"), module=force["first"])
    response = reporting.get("/admin/reports/completion/by-rank/", {"export": "csv"})
    text = b"".join(response.streaming_content).decode()
    assert "'=HYPERLINK(1)" in text and "\n=HYPERLINK" not in text


def test_a_units_link_to_its_people_keeps_the_other_filters(reporting, force):
    page = reporting.get(UNIT_REPORT, {"org_unit": force["force"].pk, "status": "overdue"}).content.decode()
    assert f'?org_unit={force["north"].pk}&amp;status=overdue"' in page
