"""The read side asks the domain's rules, not copies of them: the completion reports, My team
and the personal-data download agree with ``Enrolment.objects.overdue()``, ``.within(unit)``
and ``certificate.state_on(day)``."""

import datetime

import pytest
from django.utils import timezone

from learning.factories import EnrolmentFactory
from learning.models import Enrolment
from people.factories import OrgUnitFactory, UserFactory
from people.models import OrgUnit
from records.privacy import personal_data
from records.reports import Row, rows_by_unit, status_q
from records.views import team_counts
from tests.helpers import certified

DAY = datetime.timedelta(days=1)


@pytest.fixture
def units(demo):
    """force → north → north team, and force → south, each with enrolments due yesterday,
    today and tomorrow, some of them done."""
    today = timezone.localdate()
    force = OrgUnitFactory(name="Force")
    north = OrgUnitFactory(name="North", parent=force)
    OrgUnitFactory(name="North Team", parent=north)
    OrgUnitFactory(name="South", parent=force)
    units = {unit.name: unit for unit in OrgUnit.objects.filter(OrgUnit.within_q(force, field=""))}
    for unit in units.values():
        for due, status in [
            (today - DAY, "not_started"),
            (today - DAY, "passed"),
            (today - DAY, "complete"),
            (today - DAY, "exempt"),
            (today, "in_progress"),
            (today + DAY, "not_started"),
        ]:
            EnrolmentFactory(user=UserFactory(org_unit=unit), module=demo["module"], due_date=due, status=status)
    return units


def test_the_reports_and_my_team_count_the_overdue_the_queryset_finds(units):
    today = timezone.localdate()
    rows = {row.label: row for row in rows_by_unit(Enrolment.objects.current(), within=units["Force"])}
    for name, unit in units.items():
        within = Enrolment.objects.current().within(unit)
        overdue = within.overdue().count()
        assert overdue == 2 * len([u for u in units.values() if unit.contains(u)])
        assert rows[name].overdue == overdue
        assert team_counts(within)["overdue"] == overdue
        assert within.filter(status_q("overdue", today)).count() == overdue


def test_the_unit_report_counts_a_unit_and_the_units_within_it_not_a_sibling(units):
    rows = {row.label: row for row in rows_by_unit(Enrolment.objects.current(), within=units["North"])}
    assert set(rows) == {"North", "North Team"}
    assert rows["North"].assigned == Enrolment.objects.within(units["North"]).count() == 12
    assert rows["North Team"].assigned == 6


def test_completion_is_a_percentage_of_those_not_exempt_halves_up():
    assert Row(label="Unit", assigned=9, exempt=1, complete=1).completion_percent == 13  # 1 of 8: 12.5
    assert Row(label="Unit", assigned=2, exempt=2).completion_percent == 0


def test_the_download_states_each_certificate_as_the_certificate_states_itself(client, demo):
    certificate = certified(client, demo["officer"], demo["module"])
    certificate.policy_version.document.versions.create(
        version_label="9.0",
        effective_date=timezone.localdate(),
        body="1. A material change.",
        statement="I have read it.",
    )
    rows = personal_data(demo["officer"])["certificates"]
    (row,) = [row for row in rows if row["serial"] == certificate.display_serial]
    assert row["state_today"] == certificate.state_on() == "superseded"
