"""Exemptions with an end date: the person is exempt up to and including the day it ends, and
the daily enrolment run asks them again from the day after, due by the assignment's rule
counted from that day. An exemption with no end date excuses for good, as before."""

import datetime

import pytest
from django.utils import timezone

from learning.models import Assignment, Enrolment, Exemption
from learning.services import (
    BACK_FROM_EXEMPTION_WITHIN,
    due_after_exemption,
    enrol_assignment,
    exempt,
    reopen_after_exemptions_ended,
)
from learning.tasks import enrol_assignments
from people.models import OrgUnit
from records.reports import status_q
from tests.helpers import sign_in_with_mfa

TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)
NEW = "/admin/exemptions/new/"
LIST = "/admin/exemptions/"


@pytest.fixture
def module(demo):
    Enrolment.objects.all().delete()  # start from nobody enrolled; the seed enrolled one team
    Assignment.objects.all().delete()  # and nothing assigned but what the test assigns
    return demo["module"]


def assign(module, **due) -> Assignment:
    assignment = Assignment.objects.create(module=module, **(due or {"due_date": TODAY + 30 * DAY}))
    assignment.org_units.set([OrgUnit.objects.get(code="cw-response-a")])
    enrol_assignment(assignment)
    return assignment


def enrolment_of(person, module) -> Enrolment:
    return Enrolment.objects.current().get(user=person, module=module)


def ended_on(exemption, day):
    """Move an exemption's last day to ``day`` as if time had passed (the form refuses a past day)."""
    Exemption.objects.filter(pk=exemption.pk).update(exempt_until=day)


def test_an_exemption_ending_today_still_excuses_and_the_person_is_enrolled_again_the_day_after(module, demo):
    assign(module, due_days_after_joining=20)
    exemption = exempt(demo["officer"], module, reason="Maternity leave", by=demo["hr"], until=TODAY + 10 * DAY)
    assert enrolment_of(demo["officer"], module).status == "exempt"

    assert reopen_after_exemptions_ended(on=TODAY + 10 * DAY) == 0  # its last day: still exempt
    assert enrolment_of(demo["officer"], module).status == "exempt"

    assert reopen_after_exemptions_ended(on=TODAY + 11 * DAY) == 1  # the day after
    enrolment = enrolment_of(demo["officer"], module)
    assert enrolment.status == "not_started"
    assert enrolment.due_date == TODAY + 11 * DAY + 20 * DAY  # the assignment's 20 days, from the day back
    assert Exemption.objects.filter(pk=exemption.pk).exists()  # kept, for the record


def test_the_daily_run_reopens_an_ended_exemption_once(module, demo):
    assign(module)
    exemption = exempt(demo["officer"], module, reason="Secondment", by=demo["hr"], until=TODAY)
    enrol_assignments.enqueue()
    assert enrolment_of(demo["officer"], module).status == "exempt"  # today is its last day

    ended_on(exemption, TODAY - DAY)  # a day later
    assert enrol_assignments.enqueue().return_value == 1
    reopened = enrolment_of(demo["officer"], module)
    assert reopened.status == "not_started" and reopened.due_date == TODAY + 30 * DAY

    assert enrol_assignments.enqueue().return_value == 0  # a second run changes nothing more
    again = enrolment_of(demo["officer"], module)
    assert (again.pk, again.status, again.due_date) == (reopened.pk, "not_started", reopened.due_date)
    assert Enrolment.objects.filter(user=demo["officer"], module=module).count() == 1


def test_a_started_enrolment_is_given_back_in_progress(module, demo):
    assign(module)
    Enrolment.objects.filter(user=demo["officer"]).update(status="in_progress", started_at=timezone.now())
    exemption = exempt(demo["officer"], module, reason="Injury", by=demo["hr"], until=TODAY)
    ended_on(exemption, TODAY - DAY)
    reopen_after_exemptions_ended()
    assert enrolment_of(demo["officer"], module).status == "in_progress"


def test_someone_exempt_before_the_assignment_is_enrolled_when_the_exemption_ends(module, demo):
    exemption = exempt(demo["officer"], module, reason="Career break", by=demo["hr"], until=TODAY)
    assignment = assign(module, due_days_after_joining=14)
    assert not Enrolment.objects.filter(user=demo["officer"], module=module).exists()  # exempt today
    assert Enrolment.objects.filter(user=demo["reattest"], module=module).exists()

    ended_on(exemption, TODAY - 2 * DAY)
    enrol_assignments.enqueue()
    enrolment = enrolment_of(demo["officer"], module)
    assert enrolment.assignment == assignment and enrolment.status == "not_started"
    assert enrolment.due_date == TODAY - DAY + 14 * DAY  # 14 days from the day they were back
    enrol_assignments.enqueue()
    assert Enrolment.objects.filter(user=demo["officer"], module=module).count() == 1


def test_an_exemption_with_no_end_date_excuses_for_good(module, demo):
    assign(module)
    exempt(demo["officer"], module, reason="Civilian role", by=demo["hr"])
    assert reopen_after_exemptions_ended(on=TODAY + 3650 * DAY) == 0
    enrol_assignments.enqueue()
    assert enrolment_of(demo["officer"], module).status == "exempt"


def test_an_ended_exemption_no_longer_counts_as_exempt_in_the_reports(module, demo):
    assign(module)
    exemption = exempt(demo["officer"], module, reason="Secondment", by=demo["hr"], until=TODAY)
    officer = Enrolment.objects.filter(user=demo["officer"], module=module)
    assert officer.filter(status_q("exempt", TODAY)).exists()
    ended_on(exemption, TODAY - DAY)
    enrol_assignments.enqueue()
    assert not officer.filter(status_q("exempt", TODAY)).exists()
    assert officer.filter(status_q("not_started", TODAY)).exists()


@pytest.mark.parametrize(
    ("due", "expected"),
    [
        ({"due_days_after_joining": 45}, TODAY + DAY + 45 * DAY),
        ({"due_date": TODAY + 90 * DAY}, TODAY + 90 * DAY),  # the assignment's date leaves them time
        ({"due_date": TODAY + 3 * DAY}, TODAY + DAY + BACK_FROM_EXEMPTION_WITHIN),  # it would not
        (None, TODAY + DAY + BACK_FROM_EXEMPTION_WITHIN),  # no assignment any more
    ],
)
def test_due_after_an_exemption_follows_the_assignment_from_the_day_back(due, expected):
    assignment = Assignment(**due) if due else None
    assert due_after_exemption(assignment, TODAY) == expected


def test_a_recurring_cycle_is_opened_once_the_exemption_ends(module, demo):
    assignment = assign(module, due_date=TODAY + 30 * DAY, recurrence_months=12)
    Enrolment.objects.filter(user=demo["officer"]).update(
        status="complete", completed_at=timezone.now() - datetime.timedelta(days=350)
    )
    exemption = exempt(demo["officer"], module, reason="Secondment", by=demo["hr"], until=TODAY)
    enrol_assignment(assignment)
    assert enrolment_of(demo["officer"], module).cycle == 1  # exempt today: no new cycle
    ended_on(exemption, TODAY - DAY)
    enrol_assignment(assignment)
    assert enrolment_of(demo["officer"], module).cycle == 2


# The admin form: HR gives the end date; a day in the past is refused with a message.


def form(module, person, **fields):
    return {"user": person.pk, "module": module.pk, "reason": "Career break", "exempt_until": "", **fields}


def test_hr_records_an_exemption_with_an_end_date_and_the_listing_shows_it(client, module, demo):
    assign(module)
    sign_in_with_mfa(client, demo["hr"])
    until = TODAY + 60 * DAY
    response = client.post(NEW, form(module, demo["officer"], exempt_until=until.isoformat()))
    assert response.status_code == 302
    exemption = Exemption.objects.get()
    assert (exemption.exempt_until, exemption.created_by) == (until, demo["hr"])
    assert enrolment_of(demo["officer"], module).status == "exempt"
    listing = client.get(LIST).content.decode()
    assert "Exempt until" in listing and f"{until:%d %b %Y}" in listing


@pytest.mark.parametrize("until", [TODAY - DAY, TODAY - 400 * DAY])
def test_an_end_date_in_the_past_is_refused_and_nothing_changes(client, module, demo, until):
    assign(module)
    sign_in_with_mfa(client, demo["hr"])
    response = client.post(NEW, form(module, demo["officer"], exempt_until=until.isoformat()))
    assert response.status_code == 200
    assert "The end date has passed: choose today or a later day" in response.content.decode()
    assert not Exemption.objects.exists()
    assert enrolment_of(demo["officer"], module).status == "not_started"


def test_an_end_date_of_today_is_accepted(client, module, demo):
    sign_in_with_mfa(client, demo["hr"])
    response = client.post(NEW, form(module, demo["officer"], exempt_until=TODAY.isoformat()))
    assert response.status_code == 302 and Exemption.objects.get().exempt_until == TODAY


def test_editing_moves_the_end_and_refuses_a_past_day(client, module, demo):
    assign(module)
    exemption = exempt(demo["officer"], module, reason="Secondment", by=demo["hr"], until=TODAY + 5 * DAY)
    sign_in_with_mfa(client, demo["hr"])
    edit = f"/admin/exemptions/edit/{exemption.pk}/"
    refused = client.post(edit, {"reason": "Secondment", "exempt_until": (TODAY - DAY).isoformat()})
    assert refused.status_code == 200 and "The end date has passed" in refused.content.decode()
    assert Exemption.objects.get().exempt_until == TODAY + 5 * DAY
    moved = client.post(edit, {"reason": "Secondment, extended", "exempt_until": ""})
    assert moved.status_code == 302
    assert (Exemption.objects.get().reason, Exemption.objects.get().exempt_until) == ("Secondment, extended", None)


def test_an_ended_exemption_is_extended_on_its_page_and_excuses_again(client, module, demo):
    assign(module)
    exemption = exempt(demo["officer"], module, reason="Secondment", by=demo["hr"], until=TODAY)
    ended_on(exemption, TODAY - 3 * DAY)
    reopen_after_exemptions_ended()
    sign_in_with_mfa(client, demo["hr"])
    # The past end date, unchanged, does not stop the reason being reworded.
    kept = client.post(
        f"/admin/exemptions/edit/{exemption.pk}/",
        {"reason": "Secondment (ended)", "exempt_until": (TODAY - 3 * DAY).isoformat()},
    )
    assert kept.status_code == 302 and enrolment_of(demo["officer"], module).status == "not_started"
    # A second exemption is refused with the way to do it.
    second = client.post(NEW, form(module, demo["officer"]))
    assert second.status_code == 200
    assert "ended on" in second.content.decode() and "change its end date" in second.content.decode()
    assert Exemption.objects.count() == 1
    extended = client.post(
        f"/admin/exemptions/edit/{exemption.pk}/",
        {"reason": "Secondment extended", "exempt_until": (TODAY + 30 * DAY).isoformat()},
    )
    assert extended.status_code == 302
    assert enrolment_of(demo["officer"], module).status == "exempt"


def test_the_service_refuses_a_past_end_and_a_second_exemption(module, demo):
    with pytest.raises(ValueError, match="end date has passed"):
        exempt(demo["officer"], module, reason="x", by=demo["hr"], until=TODAY - DAY)
    exemption = exempt(demo["officer"], module, reason="x", by=demo["hr"], until=TODAY)
    ended_on(exemption, TODAY - DAY)
    with pytest.raises(ValueError, match="ended on"):
        exempt(demo["officer"], module, reason="y", by=demo["hr"])


@pytest.mark.parametrize("username", ["officer", "manager", "trainer", "policyowner", "reporting"])
def test_only_hr_gives_or_moves_an_end_date(client, module, demo, username):
    exemption = exempt(demo["officer"], module, reason="Secondment", by=demo["hr"], until=TODAY + 5 * DAY)
    sign_in_with_mfa(client, demo[username])
    edit = f"/admin/exemptions/edit/{exemption.pk}/"
    for url in (NEW, edit, LIST):
        assert client.get(url).status_code in (302, 403)
    client.post(edit, {"reason": "Changed", "exempt_until": ""})
    client.post(NEW, form(module, demo["manager"], exempt_until=(TODAY + DAY).isoformat()))
    assert list(Exemption.objects.values_list("reason", "exempt_until")) == [("Secondment", TODAY + 5 * DAY)]


def test_hr_opens_the_exemption_pages(client, module, demo):
    exemption = exempt(demo["officer"], module, reason="Secondment", by=demo["hr"], until=TODAY + 5 * DAY)
    sign_in_with_mfa(client, demo["hr"])
    for url in (NEW, f"/admin/exemptions/edit/{exemption.pk}/", LIST):
        assert client.get(url).status_code == 200


def test_the_listing_makes_the_same_queries_for_many_exemptions(client, module, demo, django_assert_max_num_queries):
    people = [demo[name] for name in ("officer", "reattest", "manager")]
    exempt(people[0], module, reason="One", by=demo["hr"], until=TODAY + DAY)
    sign_in_with_mfa(client, demo["hr"])
    client.get(LIST)  # warm what a first request reads once
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        assert client.get(LIST).status_code == 200
    for person in people[1:]:
        exempt(person, module, reason="More", by=demo["hr"], until=TODAY + 9 * DAY)
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert client.get(LIST).status_code == 200


@pytest.mark.parametrize("until", [None, TODAY - DAY, TODAY, TODAY + DAY])
def test_in_force_is_one_rule_for_queries_and_for_an_exemption_in_hand(module, demo, until):
    exemption = Exemption.objects.create(user=demo["officer"], module=module, reason="x", exempt_until=until)
    for day in (TODAY - DAY, TODAY, TODAY + DAY):
        in_query = Exemption.objects.in_force(on=day).filter(pk=exemption.pk).exists()
        assert in_query == exemption.is_in_force_on(day)
        assert Exemption.objects.ended(on=day).filter(pk=exemption.pk).exists() == (not in_query)
    assert exemption.is_in_force == (until is None or until >= TODAY)


def test_a_persons_record_in_the_people_admin_shows_the_exemption_and_its_end(client, module, demo):
    exempt(demo["officer"], module, reason="Secondment to the NCA", by=demo["hr"], until=TODAY + 9 * DAY)
    sign_in_with_mfa(client, demo["hr"])
    page = client.get(f"/admin/people/{demo['officer'].pk}/").content.decode()
    assert "<h2>Exemptions</h2>" in page
    assert "Secondment to the NCA" in page and f"{TODAY + 9 * DAY:%d %b %Y}" in page
    assert demo["hr"].get_full_name() in page


def test_hr_lists_the_exemptions_in_force_or_ended(client, module, demo):
    exempt(demo["officer"], module, reason="Still away", by=demo["hr"], until=TODAY + 9 * DAY)
    ended = exempt(demo["reattest"], module, reason="Back now", by=demo["hr"], until=TODAY)
    ended_on(ended, TODAY - DAY)
    exempt(demo["manager"], module, reason="For good", by=demo["hr"])
    sign_in_with_mfa(client, demo["hr"])
    in_force = client.get(LIST, {"state": "in_force"}).content.decode()
    assert "Still away" in in_force and "For good" in in_force and "Back now" not in in_force
    gone = client.get(LIST, {"state": "ended"}).content.decode()
    assert "Back now" in gone and "(ended)" in gone and "Still away" not in gone
    every = client.get(LIST).content.decode()
    assert all(reason in every for reason in ("Still away", "Back now", "For good"))
