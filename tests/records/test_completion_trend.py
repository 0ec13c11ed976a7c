"""Completion over time: the reports as at a past day and the weekly trend, against a small
history counted by hand; their pages, exports, queries and who may see them."""

import csv
import datetime
import io

import pytest
from bs4 import BeautifulSoup
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from core.dates import long_date
from learning.factories import EnrolmentFactory
from learning.models import Enrolment, Exemption
from people.factories import OrgUnitFactory, UserFactory
from records.reports import current_enrolments, rows_by_unit
from records.trend import as_at_enrolments, completion_trend, rows_by_as_at, rows_by_unit_as_at, week_ends
from tests.helpers import assert_formula_safe, sign_in_with_mfa

TODAY = timezone.localdate()
AS_AT = TODAY - datetime.timedelta(days=10)
AS_AT_UNIT = "/admin/reports/completion/as-at/by-unit/"
AS_AT_MODULE = "/admin/reports/completion/as-at/by-module/"
TREND = "/admin/reports/completion/trend/"


def days_ago(days: int) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(days=days)


def day(offset: int) -> datetime.date:
    return TODAY + datetime.timedelta(days=offset)


@pytest.fixture
def history(demo):
    """A small history, as at ten days ago (D) and today:

    Force
    ├── North  A completed 20 days ago                 D: complete
    │          B started 30 days ago, completed 5 ago,  D: in progress, overdue
    │            due 15 days ago
    │          C not started, due 12 days ago          D: not started, overdue
    │          X exempted 3 days ago, due in 10 days    D: not started (not yet exempt)
    └── South  E exempted 30 days ago                  D: exempt
               F joined 2 days ago, completed 1 ago     D: not counted (no account yet)
               G cycle 1 completed 200 days ago; a recurrence due in 25 days (opened 5 days ago)
                                                        D: cycle 1, complete
               H cycle 1 completed 200 days ago; a recurrence due in 15 days (opened 15 days ago)
                                                        D: cycle 2, not started
    """
    Enrolment.objects.all().delete()  # the seed's own enrolments are not part of this count
    force = OrgUnitFactory(name="Force", code="force")
    north = OrgUnitFactory(name="North", code="north", parent=force)
    south = OrgUnitFactory(name="South", code="south", parent=force)
    module = demo["module"]

    def person(unit, joined=300):
        return UserFactory(org_unit=unit, rank="PC", date_joined=days_ago(joined))

    def enrol(user, status, due, cycle=1, **times):
        return EnrolmentFactory(user=user, module=module, status=status, due_date=due, cycle=cycle, **times)

    enrol(person(north), "complete", day(5), started_at=days_ago(25), completed_at=days_ago(20))
    enrol(person(north), "complete", day(-15), started_at=days_ago(30), completed_at=days_ago(5))
    enrol(person(north), "not_started", day(-12))
    late = person(north)
    enrol(late, "exempt", day(10))
    Exemption.objects.create(user=late, module=module, reason="Long-term leave", created_at=days_ago(3))
    early = person(south)
    enrol(early, "exempt", day(20))
    Exemption.objects.create(user=early, module=module, reason="Civilian role", created_at=days_ago(30))
    enrol(person(south, joined=2), "complete", day(20), started_at=days_ago(2), completed_at=days_ago(1))
    for recurrence_due in (25, 15):
        user = person(south)
        enrol(user, "complete", day(-180), started_at=days_ago(210), completed_at=days_ago(200))
        enrol(user, "not_started", day(recurrence_due), cycle=2)
    return {"force": force, "north": north, "south": south, "module": module}


def numbers(row):
    return (row.assigned, row.complete, row.in_progress, row.not_started, row.overdue, row.exempt)


def test_as_at_a_past_day_counts_what_was_true_then(history):
    rows = {row.label: row for row in rows_by_unit_as_at(as_at_enrolments(AS_AT), AS_AT, within=history["force"])}
    #                               assigned complete in-progress not-started overdue exempt
    assert numbers(rows["North"]) == (4, 1, 1, 2, 2, 0)
    assert numbers(rows["South"]) == (3, 1, 0, 1, 0, 1)
    assert numbers(rows["Force"]) == (7, 2, 1, 3, 2, 1)
    assert rows["Force"].completion == "33%"  # 2 of the 6 not exempt
    (by_module,) = rows_by_as_at(as_at_enrolments(AS_AT), AS_AT, "module_id", "module__title")
    assert numbers(by_module) == (7, 2, 1, 3, 2, 1)


def test_as_at_today_agrees_with_todays_report(history):
    today = {row.label: numbers(row) for row in rows_by_unit(current_enrolments(), within=history["force"])}
    rebuilt = {
        row.label: numbers(row) for row in rows_by_unit_as_at(as_at_enrolments(TODAY), TODAY, within=history["force"])
    }
    assert rebuilt == today
    assert today["Force"] == (8, 3, 0, 3, 1, 2)


def test_the_trend_has_a_point_a_week_ending_today(history):
    assert week_ends(12)[-1] == TODAY and week_ends(12)[0] == day(-77) and len(week_ends(12)) == 12
    weeks = completion_trend(3, unit=history["force"], module=history["module"])
    assert [row.key for row in weeks] == [day(-14), day(-7), TODAY]
    assert [(row.assigned, row.complete, row.exempt, row.completion) for row in weeks] == [
        (7, 2, 1, "33%"),
        (7, 2, 1, "33%"),
        (8, 3, 2, "50%"),
    ]
    assert [row.overdue for row in weeks] == [1, 2, 1]  # B was due 15 days ago
    (south,) = completion_trend(1, unit=history["south"], today=AS_AT)
    assert (south.assigned, south.complete, south.exempt) == (3, 1, 1)


@pytest.fixture
def reporting(client, demo):
    sign_in_with_mfa(client, demo["reporting"])
    return client


def test_the_as_at_page_explains_itself_and_shows_the_day(reporting, history):
    page = reporting.get(AS_AT_UNIT, {"org_unit": history["force"].pk, "as_at": AS_AT.isoformat()})
    assert page.status_code == 200
    (force_row,) = [row for row in page.context["object_list"] if row.label == "Force"]
    assert numbers(force_row) == (7, 2, 1, 3, 2, 1)
    text = page.content.decode()
    assert "What it cannot rebuild" in text and "the org unit and rank they have today" in text
    assert '<figure class="attest-chart nice-padding" aria-labelledby="completion-chart-caption">' in text
    assert '<svg aria-hidden="true"' in text
    caption = BeautifulSoup(text, "html.parser").find(id="completion-chart-caption").get_text(" ", strip=True)
    assert f"As at the end of {long_date(AS_AT)}. The table below gives the same figures" in caption
    # Blank: yesterday.
    assert reporting.get(AS_AT_MODULE).context["as_at"] == day(-1)


@pytest.mark.parametrize("bad", [TODAY.isoformat(), day(3).isoformat(), "31/31/2026"])
def test_a_day_not_in_the_past_is_refused_with_a_message_and_no_figures(reporting, history, bad):
    for url in (AS_AT_UNIT, AS_AT_UNIT + "?export=csv"):
        response = reporting.get(url, {"as_at": bad})
        assert response.status_code == 200 and not response.streaming
        assert not response.context["object_list"]
        text = response.content.decode()
        assert "Choose a day before today" in text or "Enter a valid date" in text


def test_the_trend_page_draws_a_chart_with_the_table_as_its_text(reporting, history):
    response = reporting.get(TREND, {"org_unit": history["force"].pk, "module": history["module"].pk, "weeks": 3})
    text = response.content.decode()
    assert '<figure class="attest-chart nice-padding" aria-labelledby="trend-chart-caption">' in text
    assert "Completion % of Force and the units below it" in text and "The table below gives the same" in text
    assert [row.completion for row in response.context["object_list"]] == ["33%", "33%", "50%"]
    assert len(reporting.get(TREND).context["object_list"]) == 12  # blank: 12 weeks


@pytest.mark.parametrize("weeks", ["0", "105", "many"])
def test_a_bad_number_of_weeks_is_refused_with_a_message(reporting, history, weeks):
    response = reporting.get(TREND, {"weeks": weeks, "export": "csv"})
    assert response.status_code == 200 and not response.streaming
    assert not response.context["object_list"]
    assert "Ensure this value" in response.content.decode() or "Enter a number" in response.content.decode()


def test_the_trend_exports_as_csv_and_xlsx(reporting, history):
    query = {"org_unit": history["force"].pk, "weeks": 3}
    response = reporting.get(TREND, {**query, "export": "csv"})
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [(row["Week ending"], row["Completion %"]) for row in rows] == [
        (day(-14).isoformat(), "33"),
        (day(-7).isoformat(), "33"),
        (TODAY.isoformat(), "50"),
    ]
    sheet = load_workbook(io.BytesIO(b"".join(reporting.get(TREND, {**query, "export": "xlsx"}).streaming_content)))
    values = list(sheet.active.values)
    assert values[0] == ("Week ending", "Assigned", "Complete", "Overdue", "Exempt", "Completion %")
    assert values[3][1:] == (8, 3, 1, 2, 50)


def test_the_as_at_export_never_writes_a_formula(reporting, history):
    history["north"].name = "=HYPERLINK(1)"
    history["north"].save()
    response = reporting.get(AS_AT_UNIT, {"as_at": AS_AT.isoformat(), "export": "csv"})
    assert response["Content-Disposition"].endswith(f'-{AS_AT.isoformat()}.csv"')
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert_formula_safe(rows, "=HYPERLINK(1)")


def add_people(unit, module, how_many):
    for n in range(how_many):
        EnrolmentFactory(
            user=UserFactory(org_unit=unit, date_joined=days_ago(100)),
            module=module,
            status=["complete", "in_progress", "not_started"][n % 3],
            started_at=days_ago(50) if n % 3 < 2 else None,
            completed_at=days_ago(n % 40) if n % 3 == 0 else None,
            due_date=day(-20 if n % 4 == 0 else 20),
        )


@pytest.mark.parametrize(
    "url",
    [
        AS_AT_UNIT + f"?as_at={AS_AT.isoformat()}",
        AS_AT_MODULE,
        TREND,
        TREND + "?weeks=4&export=csv",
        AS_AT_UNIT + "?export=xlsx",
    ],
)
def test_the_query_count_is_the_same_for_ten_people_and_a_hundred(reporting, history, url):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = reporting.get(url)
            if response.streaming:
                b"".join(response.streaming_content)
        assert response.status_code == 200
        return len(captured)

    add_people(history["north"], history["module"], 10)
    ten = queries()
    add_people(history["south"], history["module"], 90)
    assert queries() == ten


def test_the_trend_is_one_query_a_week(history, django_assert_max_num_queries):
    with django_assert_max_num_queries(12):
        completion_trend(12, unit=history["force"])


@pytest.mark.parametrize("username", ["officer", "manager", "trainer", "policyowner"])
def test_only_reporting_and_hr_see_the_reports_over_time(client, demo, username):
    urls = (AS_AT_UNIT, AS_AT_MODULE, TREND, TREND + "?export=csv", AS_AT_UNIT + "results/", TREND + "results/")
    sign_in_with_mfa(client, demo[username])
    for url in urls:
        assert client.get(url).status_code in (302, 403), url
    for allowed in ("hr", "reporting"):
        sign_in_with_mfa(client, demo[allowed])
        for url in urls:
            assert client.get(url).status_code == 200, (allowed, url)


def test_an_exemption_that_has_ended_still_counts_for_the_days_it_was_in_force(demo):
    west = OrgUnitFactory(name="West", code="west")
    person = UserFactory(org_unit=west, date_joined=days_ago(300))
    # Exempt from 30 days ago to 5 days ago; the daily run has given the enrolment back since.
    EnrolmentFactory(user=person, module=demo["module"], status="not_started", due_date=day(20))
    Exemption.objects.create(
        user=person, module=demo["module"], reason="Secondment", created_at=days_ago(30), exempt_until=day(-5)
    )

    def west_on(on):
        (row,) = rows_by_unit_as_at(as_at_enrolments(on), on, within=west)
        return (row.assigned, row.exempt, row.not_started)

    assert west_on(day(-40)) == (1, 0, 1)  # before it was made
    assert west_on(day(-10)) == (1, 1, 0)
    assert west_on(day(-5)) == (1, 1, 0)  # its last day
    assert west_on(day(-4)) == (1, 0, 1)
