"""The completion reports as HR and the Reporting group found them at force scale: the people
report counts enrolments and people, the unit chart stays bounded and says "none assigned",
exports write the page's words and name their sheets, downloads are buttons in the header, and
the filter panel's drop-downs fit inside it."""

from __future__ import annotations

import csv
import datetime
import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from core.export import sheet_title
from learning.factories import EnrolmentFactory, ModulePageFactory
from learning.models import Enrolment
from people.factories import OrgUnitFactory, UserFactory
from records.reports import CHART_BARS, PeoplePaginator, Row, current_enrolments, unit_chart
from tests.helpers import sign_in_with_mfa

UNIT_REPORT = "/admin/reports/completion/by-unit/"
PEOPLE_REPORT = "/admin/reports/completion/people/"
SOON = timezone.localdate() + datetime.timedelta(days=10)


@pytest.fixture
def reporting(client, demo):
    sign_in_with_mfa(client, demo["reporting"])
    return client


@pytest.fixture
def unit(demo):
    """A unit of its own: one person with three modules, another with one."""
    Enrolment.objects.all().delete()  # the seed's own enrolments are not part of this count
    unit = OrgUnitFactory(name="Counted", code="counted")
    several, one = UserFactory(org_unit=unit), UserFactory(org_unit=unit)
    for module in (demo["module"], ModulePageFactory(title="Second"), ModulePageFactory(title="Third")):
        EnrolmentFactory(user=several, module=module, status="not_started", due_date=SOON)
    EnrolmentFactory(user=one, module=demo["module"], status="complete", due_date=SOON)
    return unit


# 1. What the people report counts ---------------------------------------------------------------


def test_the_people_report_counts_enrolments_and_the_people_they_belong_to(reporting, unit):
    page = reporting.get(PEOPLE_REPORT, {"org_unit": unit.pk}).content.decode()
    assert "<strong>4 enrolments of 2 people</strong>" in page
    assert "4 people" not in page


def test_the_paginators_label_says_what_it_counts(unit):
    enrolments = current_enrolments().within(unit).order_by("pk")
    assert PeoplePaginator(enrolments, 2).items_count_label == "4 enrolments of 2 people"
    assert PeoplePaginator(enrolments.filter(status="complete"), 2).items_count_label == "1 enrolment of 1 person"


def test_the_people_report_counts_in_constant_queries(reporting, unit, demo):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert reporting.get(PEOPLE_REPORT).status_code == 200
        return len(captured)

    before = queries()
    for _ in range(30):
        EnrolmentFactory(user=UserFactory(org_unit=unit), module=demo["module"], status="in_progress", due_date=SOON)
    assert queries() == before


# 2. The unit chart ------------------------------------------------------------------------------


@pytest.fixture
def large_force(demo):
    """A force of 40 areas (each with a team below it), people in all but the last area."""
    Enrolment.objects.all().delete()
    force = OrgUnitFactory(name="Big force", code="big-force")
    areas = []
    for number in range(40):
        area = OrgUnitFactory(name=f"Area {number:02}", code=f"area-{number:02}", parent=force)
        OrgUnitFactory(name=f"Team {number:02}", code=f"team-{number:02}", parent=area)
        areas.append(area)
    for number, area in enumerate(areas[:-1]):
        for _ in range(1 + number % 3):
            EnrolmentFactory(user=UserFactory(org_unit=area), module=demo["module"], due_date=SOON)
    return {"force": force, "areas": areas}


def test_the_unit_chart_stays_bounded_and_the_table_lists_every_unit(reporting, large_force):
    response = reporting.get(UNIT_REPORT, {"org_unit": large_force["force"].pk})
    chart = response.context["unit_chart"]
    assert len(chart.bars) == CHART_BARS
    assert chart.bars[0].label == "Big force" and chart.bars[0].indent == 0
    assert "(the 24 with most people assigned, of 40)" in chart.caption
    page = response.content.decode()
    svg = page.split('<figure class="attest-chart nice-padding"', 1)[1].split("</svg>", 1)[0]
    assert svg.count('stroke="#b1b4b6"') == CHART_BARS  # one outline per bar
    assert f'viewBox="0 0 650 {CHART_BARS * 22}"' in page
    table = page.split('<table class="listing">', 1)[1]
    assert table.count('<th scope="row">') == 81  # the force, 40 areas, 40 teams


def test_a_unit_with_no_one_assigned_says_so_in_the_chart_and_the_table(reporting, large_force):
    empty = large_force["areas"][-1]
    response = reporting.get(UNIT_REPORT, {"org_unit": empty.pk})
    (bar,) = [bar for bar in response.context["unit_chart"].bars if bar.label == "Area 39"]
    assert (bar.percent, bar.text) == (None, "none assigned")
    page = response.content.decode()
    assert ">none assigned</text>" in page
    row = page.split('">Area 39</a>', 1)[1].split("</tr>", 1)[0]
    assert "<td>none assigned</td>" in row and "0%" not in row
    export = reporting.get(UNIT_REPORT, {"org_unit": empty.pk, "export": "csv"})
    rows = list(csv.DictReader(io.StringIO(b"".join(export.streaming_content).decode())))
    assert rows[0]["Completion %"] == ""  # blank, not 0


def test_the_chart_of_several_top_units_and_of_all_exempt():
    rows = [Row(label=f"Top {n}", depth=1, assigned=n) for n in range(30)]
    chart = unit_chart(rows)
    assert len(chart.bars) == CHART_BARS and chart.bars[0].label == "Top 5"  # the largest, in tree order
    assert "each top-level unit (the 25 with most people assigned, of 30)" in chart.caption
    assert Row(label="Exempt", assigned=2, exempt=2).completion == "all exempt"
    assert Row(label="Half", assigned=2, complete=1).completion == "50%"
    assert unit_chart([]).bars == []


# 3. Exports -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "title"),
    [
        (UNIT_REPORT, "Completion by org unit"),
        ("/admin/reports/completion/by-module/", "Completion by module"),
        ("/admin/reports/completion/by-rank/", "Completion by rank or grade"),
        (PEOPLE_REPORT, "People and their training"),
    ],
)
def test_each_spreadsheet_sheet_is_named_after_its_report(reporting, unit, url, title):
    response = reporting.get(url, {"export": "xlsx"})
    assert load_workbook(io.BytesIO(b"".join(response.streaming_content))).sheetnames == [title]


def test_hrs_certificates_sheet_is_named_too(client, demo):
    sign_in_with_mfa(client, demo["hr"])
    response = client.get("/admin/certificates/", {"export": "xlsx"})
    assert load_workbook(io.BytesIO(b"".join(response.streaming_content))).sheetnames == ["Certificates"]


def test_a_sheet_title_is_one_excel_accepts():
    assert sheet_title("Completion by org unit") == "Completion by org unit"
    assert sheet_title("Who: [HR] / *today*? \\ yes") == "Who HR today yes"
    assert len(sheet_title("A very long report title that goes on and on")) == 31
    assert sheet_title("'quoted'") == "quoted"
    assert sheet_title("[]:*?/\\") == "Export"


def test_the_unit_export_names_each_units_code_and_parent(reporting, large_force):
    response = reporting.get(UNIT_REPORT, {"org_unit": large_force["areas"][3].pk, "export": "csv"})
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [(row["Name"], row["Unit code"], row["Parent unit"], row["Parent unit code"]) for row in rows] == [
        ("Area 03", "area-03", "Big force", "big-force"),
        ("Team 03", "team-03", "Area 03", "area-03"),
    ]


# 4. Downloads in sight --------------------------------------------------------------------------


@pytest.mark.parametrize("url", [UNIT_REPORT, PEOPLE_REPORT])
def test_the_downloads_are_buttons_in_the_header_with_the_filters(reporting, unit, url):
    page = reporting.get(url, {"org_unit": unit.pk}).content.decode()
    header = page.split("<header", 1)[1].split("</header>", 1)[0]
    for label, export_format in (("Download CSV", "csv"), ("Download XLSX", "xlsx")):
        (link,) = re.findall(rf'<a[^>]*href="([^"]*)"[^>]*>(?:(?!</a>).)*{label}', header, flags=re.S)
        assert f"org_unit={unit.pk}&amp;export={export_format}" in link
    assert "dots-horizontal" not in header  # no "…" menu left to hide them in


def test_the_reports_stay_closed_to_those_without_the_permission(client, demo):
    sign_in_with_mfa(client, demo["officer"])
    for url in (UNIT_REPORT, PEOPLE_REPORT + "?export=xlsx", "/admin/certificates/"):
        assert client.get(url).status_code in (302, 403)


# 5. The filter panel ----------------------------------------------------------------------------


@pytest.mark.parametrize(("username", "url"), [("hr", "/admin/certificates/"), ("reporting", PEOPLE_REPORT)])
def test_the_filter_panels_drop_downs_fit_inside_it(client, demo, username, url):
    # Each drop-down was as wide as its longest choice (438 px in the 300 px panel at 1400 px
    # wide) and was cut off with its help text; at the panel's width it fits.
    sign_in_with_mfa(client, demo[username])
    page = client.get(url).content.decode()
    selects = re.findall(r"<select[^>]*>", page.split('class="w-drilldown', 1)[1])
    assert selects and all("w-w-full" in select for select in selects), selects
    assert any('name="org_unit"' in select for select in selects)
