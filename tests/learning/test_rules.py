"""The enrolment rules, each written once: open (still to do), overdue on a day, and within an
org unit. The querysets, the conditions reports count with, and an enrolment in hand agree."""

import datetime

import pytest
from django.db.models import Count
from django.utils import timezone

from learning.factories import EnrolmentFactory
from learning.models import Assignment, Enrolment, ModuleIndexPage, ModulePage
from learning.reminders import open_enrolments
from people.factories import OrgUnitFactory, UserFactory
from people.models import OrgUnit

Status = Enrolment.Status
TODAY = datetime.date(2030, 6, 15)
DAY = datetime.timedelta(days=1)


@pytest.fixture
def enrol(demo):
    def enrol(due_date=TODAY, status=Status.NOT_STARTED, **fields):
        return EnrolmentFactory(module=demo["module"], due_date=due_date, status=status, **fields)

    return enrol


def overdue_on(enrolment: Enrolment, day: datetime.date) -> bool:
    """The rule asked both ways, which must agree."""
    in_query = Enrolment.objects.filter(pk=enrolment.pk).overdue(on=day).exists()
    assert in_query == enrolment.is_overdue_on(day)
    return in_query


@pytest.mark.parametrize(
    ("due", "overdue"), [(TODAY - 30 * DAY, True), (TODAY - DAY, True), (TODAY, False), (TODAY + DAY, False)]
)
def test_due_yesterday_is_overdue_and_due_today_is_not(enrol, due, overdue):
    assert overdue_on(enrol(due_date=due), TODAY) is overdue


@pytest.mark.parametrize("status", [Status.NOT_STARTED, Status.IN_PROGRESS, Status.PASSED])
def test_an_enrolment_still_to_do_is_open_and_overdue_once_past_its_date(enrol, status):
    enrolment = enrol(status=status)
    assert enrolment.is_open and Enrolment.objects.filter(pk=enrolment.pk).open().exists()
    assert not overdue_on(enrolment, TODAY) and overdue_on(enrolment, TODAY + DAY)


@pytest.mark.parametrize("status", [Status.COMPLETE, Status.EXEMPT])
def test_a_complete_or_exempt_enrolment_is_neither_open_nor_ever_overdue(enrol, status):
    enrolment = enrol(due_date=TODAY - 365 * DAY, status=status)
    assert not enrolment.is_open and not Enrolment.objects.filter(pk=enrolment.pk).open().exists()
    assert not overdue_on(enrolment, TODAY)


def test_overdue_without_a_day_means_today(enrol):
    today = timezone.localdate()
    yesterday, due_today = enrol(due_date=today - DAY), enrol(due_date=today)
    assert set(Enrolment.objects.filter(pk__in=[yesterday.pk, due_today.pk]).overdue()) == {yesterday}
    assert yesterday.is_overdue and not due_today.is_overdue


def test_the_overdue_condition_counts_what_the_queryset_finds(enrol):
    mine = [
        enrol(due_date=TODAY - DAY),
        enrol(due_date=TODAY - DAY, status=Status.PASSED),
        enrol(due_date=TODAY - DAY, status=Status.COMPLETE),
        enrol(due_date=TODAY),
        enrol(due_date=TODAY + DAY),
    ]
    enrolments = Enrolment.objects.filter(pk__in=[e.pk for e in mine])
    counted = enrolments.aggregate(
        overdue=Count("pk", filter=Enrolment.overdue_q(on=TODAY)), open=Count("pk", filter=Enrolment.open_q())
    )
    assert counted == {"overdue": enrolments.overdue(on=TODAY).count(), "open": enrolments.open().count()}
    assert counted == {"overdue": 2, "open": 4}


@pytest.fixture
def units(db):
    force = OrgUnitFactory(name="Force")
    north = OrgUnitFactory(name="North", parent=force)
    OrgUnitFactory(name="North Team", parent=north)
    OrgUnitFactory(name="South", parent=force)
    return {unit.name: unit for unit in OrgUnit.objects.filter(OrgUnit.within_q(force, field=""))}


def test_the_enrolments_within_a_unit_are_its_peoples_and_its_sub_units_not_a_siblings(enrol, units):
    mine = {name: enrol(user=UserFactory(org_unit=unit)) for name, unit in units.items()}
    assert set(Enrolment.objects.within(units["North"])) == {mine["North"], mine["North Team"]}
    assert set(Enrolment.objects.within(units["South"])) == {mine["South"]}


def test_an_assignment_to_a_unit_is_for_the_people_within_it(demo, units):
    people = {name: UserFactory(org_unit=unit) for name, unit in units.items()}
    audience = set(Assignment(module=demo["module"]).audience(units=[units["North"]]))
    assert audience == {people["North"], people["North Team"]}


def test_reminders_go_only_to_enrolments_still_to_do(enrol):
    today = timezone.localdate()
    still_to_do = [enrol(due_date=today, status=status) for status in (Status.NOT_STARTED, Status.PASSED)]
    done = [enrol(due_date=today, status=status) for status in Enrolment.CLOSED]
    chosen = set(open_enrolments(today))
    assert set(still_to_do) <= chosen
    assert not chosen & set(done)


def test_the_dashboard_lists_work_still_to_do_before_exempt_and_complete_modules(client, demo):
    """Once a copy of "open" that forgot exemptions: an exempt module sat among the work to do."""
    index = ModuleIndexPage.objects.get()
    second = index.add_child(instance=ModulePage(title="Second module", slug="second", summary="Another."))
    third = index.add_child(instance=ModulePage(title="Third module", slug="third", summary="And another."))
    person = UserFactory()
    today = timezone.localdate()
    EnrolmentFactory(user=person, module=demo["module"], due_date=today, status=Status.EXEMPT)
    EnrolmentFactory(user=person, module=second, due_date=today + DAY, status=Status.COMPLETE)
    EnrolmentFactory(user=person, module=third, due_date=today + 30 * DAY)
    client.force_login(person)
    html = client.get("/").content.decode()
    places = [html.index(title) for title in ("Third module", demo["module"].title, "Second module")]
    assert places[0] < min(places[1:])
