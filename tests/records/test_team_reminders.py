"""'Send a reminder' on My team: to one person or everyone overdue, the digest email, once a day
a person and so many people a day a manager, audited; nobody outside the manager's units."""

import datetime

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.test import Client
from django.utils import timezone

from access.models import AuditEvent
from learning import reminders
from learning.factories import EnrolmentFactory
from learning.models import Enrolment, Reminder
from people.factories import UserFactory
from people.models import OrgUnit
from tests.helpers import sign_in_with_mfa

LONG_AGO = datetime.date(2020, 1, 1)


def shown(response) -> str:
    """The messages the page after the redirect shows."""
    return " ".join(str(message) for message in response.context["messages"])


@pytest.fixture
def team_overdue(demo):
    """Sam and Priya, both in Alex's unit, overdue."""
    Enrolment.objects.filter(user__in=[demo["officer"], demo["reattest"]]).update(due_date=LONG_AGO)
    return demo["officer"], demo["reattest"]


@pytest.fixture
def outsider(demo):
    person = UserFactory(first_name="Olive", last_name="Outsider", org_unit=OrgUnit.objects.get(code="dps"))
    EnrolmentFactory(user=person, module=demo["module"], due_date=LONG_AGO)
    return person


@pytest.fixture
def manager(client, demo):
    sign_in_with_mfa(client, demo["manager"])
    return demo["manager"]


def test_a_line_manager_reminds_one_of_their_people(client, manager, team_overdue, demo):
    sam, _ = team_overdue
    response = client.post("/team/reminders/", {"person": sam.pk, "status": "overdue"}, follow=True)
    assert response.redirect_chain == [("/team/?status=overdue", 302)]
    assert shown(response) == "Reminder sent to Sam Taylor."
    (message,) = mail.outbox
    assert message.to == [sam.email]
    assert message.subject == f"Overdue: {demo['module'].title}"  # the digest the daily run sends
    assert demo["module"].title in message.body and demo["module"].title in message.alternatives[0][0]
    assert "1 January 2020" in message.body
    (reminder,) = Reminder.objects.all()
    assert reminder.kind == f"team-{timezone.localdate():%Y-%m-%d}" and reminder.sent_by == manager
    event = AuditEvent.objects.get(verb="training reminder")
    assert event.action == AuditEvent.Action.CHANGE and event.actor == manager
    assert event.object_type == "people.user" and event.object_id == str(sam.pk)
    assert event.details["people"] == [{"id": sam.pk, "warrant_number": sam.warrant_number}]
    page = response.content.decode()
    assert "Reminded today" in page  # Sam's row says so instead of offering the button again
    assert f'name="person" value="{sam.pk}"' not in page


def test_a_second_press_the_same_day_sends_nothing_and_says_why(client, manager, team_overdue):
    sam, _ = team_overdue
    client.post("/team/reminders/", {"person": sam.pk}, follow=True)
    response = client.post("/team/reminders/", {"person": sam.pk}, follow=True)
    assert shown(response) == (
        "Not sent to Sam Taylor: already reminded from My team today. You can remind each person once a day."
    )
    assert len(mail.outbox) == 1 and Reminder.objects.count() == 1
    assert AuditEvent.objects.filter(verb="training reminder").count() == 1


def test_a_person_hears_from_my_team_once_a_day_whichever_manager_presses(client, manager, team_overdue, demo):
    sam, _ = team_overdue
    above = UserFactory(org_unit=OrgUnit.objects.get(pk=manager.org_unit.pk))
    above.groups.add(Group.objects.get(name="Line managers"))
    client.post("/team/reminders/", {"person": sam.pk})
    other = Client()
    sign_in_with_mfa(other, above)
    response = other.post("/team/reminders/", {"person": sam.pk}, follow=True)
    assert "already reminded from My team today" in shown(response)
    assert len(mail.outbox) == 1


def test_the_next_day_they_may_be_reminded_again(client, manager, team_overdue):
    sam, _ = team_overdue
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    reminders.remind_from_team(manager, type(sam).objects.filter(pk=sam.pk), today=yesterday)
    assert len(mail.outbox) == 1
    client.post("/team/reminders/", {"person": sam.pk})
    assert len(mail.outbox) == 2 and Reminder.objects.filter(sent_by=manager).count() == 2


def test_reminding_everyone_overdue_sends_each_one_email(client, manager, team_overdue, demo):
    sam, priya = team_overdue
    due_later = UserFactory(org_unit=sam.org_unit)
    EnrolmentFactory(user=due_later, module=demo["module"])
    page = client.get("/team/").content.decode()
    assert "Remind everyone overdue (2 people)" in page
    response = client.post("/team/reminders/", {"overdue": "all"}, follow=True)
    assert shown(response) == "Reminder sent to 2 people."
    assert sorted(m.to[0] for m in mail.outbox) == sorted([sam.email, priya.email])
    event = AuditEvent.objects.get(verb="training reminder")
    assert sorted(person["id"] for person in event.details["people"]) == sorted([sam.pk, priya.pk])
    assert event.object_label == f"2 overdue in {manager.org_unit}"
    again = client.post("/team/reminders/", {"overdue": "all"}, follow=True)
    assert "Not sent to Priya Shah, Sam Taylor: already reminded from My team today." in shown(again)
    assert len(mail.outbox) == 2


def test_a_manager_may_remind_so_many_people_a_day_and_is_told_so(client, manager, team_overdue, monkeypatch):
    monkeypatch.setattr(reminders, "TEAM_REMINDERS_PER_DAY", 1)
    monkeypatch.setattr("records.views.TEAM_REMINDERS_PER_DAY", 1)
    page = client.get("/team/").content.decode()
    assert "You can remind each person once a day, and up to 1 people a day." in page
    response = client.post("/team/reminders/", {"overdue": "all"}, follow=True)
    assert "Reminder sent to 1 person." in shown(response)
    assert "Not sent to Sam Taylor: you have reached today&#x27;s limit of 1 people. Try again tomorrow." in (
        response.content.decode()
    )
    assert "You can remind 0 more people today." in response.content.decode()
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["reattest@attest.example"]


def test_nobody_overdue_is_said_plainly(client, manager, demo):
    Enrolment.objects.update(due_date=timezone.localdate() + datetime.timedelta(days=30))
    assert "Remind everyone overdue" not in client.get("/team/").content.decode()
    response = client.post("/team/reminders/", {"overdue": "all"}, follow=True)
    assert shown(response) == "No reminder sent: nobody in your team is overdue."
    assert mail.outbox == [] and not AuditEvent.objects.filter(verb="training reminder").exists()


def test_someone_with_nothing_to_do_is_not_reminded(client, manager, demo):
    Enrolment.objects.filter(user=demo["officer"]).update(status=Enrolment.Status.COMPLETE)
    response = client.post("/team/reminders/", {"person": demo["officer"].pk}, follow=True)
    assert shown(response) == "No reminder sent: Sam Taylor has no training to do."
    assert mail.outbox == []


def test_a_refused_address_is_said_and_nothing_recorded(client, manager, team_overdue, monkeypatch):
    from django.core.mail import EmailMultiAlternatives

    def refuse(message, *args, **kwargs):
        raise OSError("550 mailbox unavailable")

    monkeypatch.setattr(EmailMultiAlternatives, "send", refuse)
    sam, _ = team_overdue
    response = client.post("/team/reminders/", {"person": sam.pk}, follow=True)
    assert response.status_code == 200
    assert shown(response) == "Not sent to Sam Taylor: the mail server refused. Try again later."
    assert not Reminder.objects.exists() and not AuditEvent.objects.filter(verb="training reminder").exists()


def test_someone_without_an_email_address_is_named(client, manager, team_overdue):
    sam, _ = team_overdue
    type(sam).objects.filter(pk=sam.pk).update(email="")
    response = client.post("/team/reminders/", {"person": sam.pk}, follow=True)
    assert shown(response) == "Not sent to Sam Taylor: Attest has no email address. Tell HR to add one."
    assert not Reminder.objects.exists()


@pytest.mark.parametrize("forged", ["outsider", "manager", "hr", "inactive", "abc", "²", "-1", "99999999999999", "0"])
def test_a_forged_press_naming_someone_outside_the_managers_units_changes_nothing(
    client, manager, team_overdue, outsider, demo, forged
):
    if forged == "outsider":
        person = outsider.pk
    elif forged == "inactive":
        team_overdue[0].__class__.objects.filter(pk=team_overdue[0].pk).update(is_active=False)
        person = team_overdue[0].pk
    elif forged in demo:
        person = demo[forged].pk  # the manager themselves; HR, in another unit
    else:
        person = forged
    response = client.post("/team/reminders/", {"person": person}, follow=True)
    assert response.status_code == 200
    assert shown(response) == "No reminder sent: you can only remind people in your units."
    assert mail.outbox == [] and not Reminder.objects.exists()
    denied = AuditEvent.objects.get(action=AuditEvent.Action.ACCESS_DENIED)
    assert denied.verb == "training reminder" and denied.details == {"person": str(person)}


def test_a_press_with_no_choice_is_refused_plainly(client, manager, team_overdue):
    response = client.post("/team/reminders/", {"overdue": "some"}, follow=True)
    assert shown(response) == "No reminder sent: choose a person, or everyone overdue."
    assert mail.outbox == []


@pytest.mark.parametrize("who", ["officer", "trainer", "hr"])
def test_people_who_manage_nobody_cannot_send_reminders(client, demo, team_overdue, who):
    sign_in_with_mfa(client, demo[who])
    assert client.post("/team/reminders/", {"person": team_overdue[0].pk}).status_code == 403
    assert client.post("/team/reminders/", {"overdue": "all"}).status_code == 403
    assert mail.outbox == [] and not Reminder.objects.exists()


def test_another_units_line_manager_cannot_remind_sam(client, demo, team_overdue, outsider):
    other = UserFactory(org_unit=OrgUnit.objects.get(code="dps"))
    other.groups.add(Group.objects.get(name="Line managers"))
    sign_in_with_mfa(client, other)
    response = client.post("/team/reminders/", {"person": team_overdue[0].pk}, follow=True)
    assert "you can only remind people in your units" in shown(response)
    client.post("/team/reminders/", {"overdue": "all"})
    assert [m.to for m in mail.outbox] == [[outsider.email]]  # their own overdue only


def test_reminders_need_a_sign_in_and_a_post_with_its_csrf_token(demo, team_overdue):
    anonymous = Client()
    response = anonymous.post("/team/reminders/", {"person": team_overdue[0].pk})
    assert response.status_code == 302 and "/accounts/login/" in response.url
    strict = Client(enforce_csrf_checks=True)
    sign_in_with_mfa(strict, demo["manager"])
    assert strict.post("/team/reminders/", {"person": team_overdue[0].pk}).status_code == 403
    assert strict.get("/team/reminders/").status_code == 405
    assert mail.outbox == [] and not Reminder.objects.exists()


def test_reminding_everyone_makes_the_same_queries_for_many_as_for_few(
    client, manager, team_overdue, demo, django_assert_max_num_queries
):
    with django_assert_max_num_queries(30) as few:
        client.post("/team/reminders/", {"overdue": "all"})
    Reminder.objects.all().delete()
    for _ in range(12):
        EnrolmentFactory(user=UserFactory(org_unit=demo["officer"].org_unit), module=demo["module"], due_date=LONG_AGO)
    with django_assert_max_num_queries(len(few)):
        client.post("/team/reminders/", {"overdue": "all"})
    assert len(mail.outbox) == 2 + 14
