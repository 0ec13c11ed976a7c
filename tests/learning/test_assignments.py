"""Assignments: who a module is for (org units with their sub-units, ranks, roles, everyone),
when each person is due, recurrence, exemptions, and enrolment of joiners by the background task."""

import datetime

import pytest
from django.utils import timezone

from learning.models import Assignment, Enrolment, Exemption
from learning.services import enrol_assignment, exempt
from people.imports import apply as import_people
from people.models import OrgUnit, User
from tests.helpers import certified, sign_in_with_mfa
from tests.people.test_people_import import csv, person

TODAY = timezone.localdate()


def assign(module, *, units=(), everyone=False, ranks="", roles="", recurrence_months=None, **due):
    due = due or {"due_date": TODAY + datetime.timedelta(days=30)}
    assignment = Assignment.objects.create(
        module=module, everyone=everyone, ranks=ranks, roles=roles, recurrence_months=recurrence_months, **due
    )
    assignment.org_units.set(units)
    enrol_assignment(assignment)  # what the background task does once the assignment is saved
    return assignment


def enrolled(module) -> set[str]:
    return set(Enrolment.objects.filter(module=module).values_list("user__username", flat=True))


def unit(code):
    return OrgUnit.objects.get(code=code)


@pytest.fixture
def module(demo):
    Enrolment.objects.all().delete()  # start from nobody enrolled; the seed enrolled one team
    return demo["module"]


def test_an_org_unit_includes_every_unit_below_it(module):
    assign(module, units=[unit("cw-bcu")])  # the team is two levels below
    assert enrolled(module) == {"officer", "reattest", "manager"}


def test_ranks_and_roles_narrow_the_audience(module, demo):
    User.objects.filter(username="officer").update(role="Response driver")
    assign(module, everyone=True, ranks="Police Constable\nPolice Sergeant")
    assert enrolled(module) == {"officer", "reattest", "manager"}  # not the Detective Inspector
    Enrolment.objects.all().delete()
    Assignment.objects.all().delete()
    assign(module, units=[unit("met")], roles="Response driver")
    assert enrolled(module) == {"officer"}


def test_everyone_means_every_active_person(module, demo):
    User.objects.filter(username="trainer").update(is_active=False)
    assign(module, everyone=True)
    assert enrolled(module) == set(User.objects.filter(is_active=True).values_list("username", flat=True))
    assert "trainer" not in enrolled(module)


def test_due_days_after_joining_count_from_joining_or_from_the_assignment(module, demo):
    assignment = assign(module, units=[unit("cw-response-a")], due_days_after_joining=14)
    joined_earlier = dict(Enrolment.objects.filter(module=module).values_list("user__username", "due_date"))
    assert joined_earlier["officer"] == TODAY + datetime.timedelta(days=14)  # not overdue on day one

    later = TODAY + datetime.timedelta(days=5)
    joiner = User.objects.create(
        username="joiner", warrant_number="MP700009", org_unit=unit("cw-response-a"), joined_on=later
    )
    enrol_assignment(assignment)
    assert Enrolment.objects.get(user=joiner).due_date == later + datetime.timedelta(days=14)


def test_a_joiner_imported_tomorrow_is_enrolled_automatically(module, demo, django_capture_on_commit_callbacks):
    assign(module, units=[unit("cw-bcu")])
    with django_capture_on_commit_callbacks(execute=True):
        report = import_people(csv(person("MP700001")))
    assert report.ok
    assert "mp700001" in enrolled(module)


def test_moving_the_due_date_moves_open_enrolments_but_not_completed_ones(client, module, demo):
    assignment = assign(module, units=[unit("cw-response-a")])
    certified(client, demo["officer"], module)
    assignment.due_date = TODAY + datetime.timedelta(days=60)
    assignment.save()
    enrol_assignment(assignment)
    due = dict(Enrolment.objects.filter(module=module).values_list("user__username", "due_date"))
    assert due["reattest"] == TODAY + datetime.timedelta(days=60)
    assert due["officer"] == TODAY + datetime.timedelta(days=30)


def test_a_recurring_assignment_opens_the_next_cycle_a_month_before_it_falls_due(client, module, demo):
    assignment = assign(module, units=[unit("cw-response-a")], recurrence_months=12)
    certified(client, demo["officer"], module)
    assert enrol_assignment(assignment) == 0  # just completed: next due in a year
    Enrolment.objects.filter(user=demo["officer"]).update(completed_at=timezone.now() - datetime.timedelta(days=340))
    assert enrol_assignment(assignment) == 1
    latest = Enrolment.objects.current().get(user=demo["officer"])
    assert latest.cycle == 2 and latest.status == "not_started"
    assert enrol_assignment(assignment) == 0  # run again: nothing more


def test_an_exempt_person_is_not_enrolled_and_an_open_enrolment_is_marked_exempt(module, demo):
    exempt(demo["reattest"], module, reason="Long-term sick leave", by=demo["hr"])
    assign(module, units=[unit("cw-response-a")])
    assert "reattest" not in enrolled(module)
    exemption = Exemption.objects.get(user=demo["reattest"])
    assert exemption.created_by == demo["hr"] and exemption.reason == "Long-term sick leave"
    exempt(demo["officer"], module, reason="Seconded to another force", by=demo["hr"])
    assert Enrolment.objects.get(user=demo["officer"], module=module).status == "exempt"
    with pytest.raises(ValueError, match="already exempt"):
        exempt(demo["officer"], module, reason="Again", by=demo["hr"])
    with pytest.raises(ValueError, match="Give the reason"):
        exempt(demo["manager"], module, reason="   ", by=demo["hr"])


ADD = "/admin/assignments/new/"


def assignment_form(module, **fields):
    data = {
        "module": module.pk,
        "due_date": (TODAY + datetime.timedelta(days=30)).isoformat(),
        "ranks": "",
        "roles": "",
    }
    data.update(fields)
    return {name: value for name, value in data.items() if value is not None}


def test_hr_assigns_a_module_in_the_admin(client, module, demo, django_capture_on_commit_callbacks):
    sign_in_with_mfa(client, demo["hr"])
    assert client.get(ADD).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(ADD, assignment_form(module, org_units=[unit("cw-response-a").pk]))
    assert response.status_code == 302, response.content.decode()[:3000]
    assert enrolled(module) == {"officer", "reattest", "manager"}


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({}, "Choose who the module is for"),
        ({"ranks": "Chief Constable"}, "Nobody active matches this audience"),
        ({"everyone": "on", "due_date": (TODAY - datetime.timedelta(days=1)).isoformat()}, "The due date has passed"),
        ({"everyone": "on", "due_days_after_joining": "10"}, "but not both"),
        ({"everyone": "on", "due_date": ""}, "but not both"),
    ],
)
def test_an_assignment_that_cannot_work_is_refused_with_a_message(client, module, demo, fields, message):
    assignments = Assignment.objects.count()
    sign_in_with_mfa(client, demo["hr"])
    response = client.post(ADD, assignment_form(module, **fields))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert Assignment.objects.count() == assignments
    assert enrolled(module) == set()


def test_hr_records_an_exemption_with_its_reason(client, module, demo):
    sign_in_with_mfa(client, demo["hr"])
    response = client.post(
        "/admin/exemptions/new/", {"user": demo["officer"].pk, "module": module.pk, "reason": "Career break"}
    )
    assert response.status_code == 302
    exemption = Exemption.objects.get()
    assert (exemption.user, exemption.created_by, exemption.reason) == (demo["officer"], demo["hr"], "Career break")


@pytest.mark.parametrize("username", ["officer", "manager", "trainer", "policyowner"])
def test_only_hr_assigns_and_exempts(client, module, demo, username):
    assignments = Assignment.objects.count()
    sign_in_with_mfa(client, demo[username])
    assert client.get(ADD).status_code in (302, 403)
    client.post(ADD, assignment_form(module, everyone="on"))
    client.post("/admin/exemptions/new/", {"user": demo["officer"].pk, "module": module.pk, "reason": "x"})
    assert Assignment.objects.count() == assignments and not Exemption.objects.exists()


def test_with_the_database_backend_the_worker_does_the_enrolling(transactional_db, module, demo, settings):
    """Production's arrangement: saving an assignment queues the task in the database, and
    `db_worker` runs it. (Transactional: the worker commits, and closes its connection.)"""
    from django.core.management import call_command
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.backend.DatabaseBackend"}}
    assignment = Assignment.objects.create(module=module, everyone=True, due_date=TODAY + datetime.timedelta(days=9))
    queued = DBTaskResult.objects.filter(task_path="learning.tasks.enrol_assignments")
    assert queued.exists() and enrolled(module) == set()  # queued, not yet done
    call_command("db_worker", "--batch", "--no-startup-delay", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert enrolled(module) == set(User.objects.filter(is_active=True).values_list("username", flat=True))
    assert Enrolment.objects.filter(assignment=assignment).exists()
    assert not queued.exclude(status="SUCCESSFUL").exists()


def test_a_moved_date_leaves_later_cycles_alone_and_recurrence_stays_in_the_audience(client, module, demo):
    assignment = assign(module, units=[unit("cw-response-a")], recurrence_months=12)
    everyone = assign(module, everyone=True)  # a one-off for the whole force
    certified(client, demo["officer"], module)
    certified(client, demo["trainer"], module)  # outside the recurring assignment's unit
    Enrolment.objects.filter(status="complete").update(completed_at=timezone.now() - datetime.timedelta(days=340))
    enrol_assignment(assignment)
    enrol_assignment(everyone)
    assert Enrolment.objects.current().get(user=demo["officer"]).cycle == 2
    assert Enrolment.objects.current().get(user=demo["trainer"]).cycle == 1  # not in that audience
    second = Enrolment.objects.current().get(user=demo["officer"])
    assignment.due_date = TODAY + datetime.timedelta(days=90)
    assignment.save()
    enrol_assignment(assignment)
    assert Enrolment.objects.get(pk=second.pk).due_date == second.due_date  # its own date, kept
    assert Enrolment.objects.get(user=demo["reattest"], module=module, cycle=1).due_date == assignment.due_date


def test_lifting_an_exemption_reopens_the_enrolment(client, module, demo):
    assign(module, units=[unit("cw-response-a")])
    exemption = exempt(demo["officer"], module, reason="Career break", by=demo["hr"])
    assert Enrolment.objects.get(user=demo["officer"], module=module).status == "exempt"
    sign_in_with_mfa(client, demo["admin"])
    edit = client.post(f"/admin/exemptions/edit/{exemption.pk}/", {"reason": "Career break until June"})
    assert edit.status_code == 302
    assert Exemption.objects.get().reason == "Career break until June"
    exemption.delete()
    assert Enrolment.objects.get(user=demo["officer"], module=module).status == "not_started"
