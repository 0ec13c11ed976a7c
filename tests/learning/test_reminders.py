"""Reminders before, on and after the due date, each sent once; escalation of the overdue to
their line manager. Time is fixed by passing the day the run happens."""

import datetime
from unittest import mock

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from learning.factories import EnrolmentFactory, ModulePageFactory
from learning.models import Enrolment, Reminder
from learning.reminders import Sent, kind_due, send_reminders
from learning.services import exempt
from people.factories import UserFactory
from tests.helpers import certified

DUE = datetime.date(2027, 3, 31)


@pytest.mark.parametrize(
    ("days_before", "kind"),
    [
        (30, None),
        (15, None),
        (14, "before-14"),
        (8, "before-14"),
        (7, "before-7"),
        (2, "before-7"),
        (1, "before-1"),
        (0, "due"),
        (-1, None),
        (-6, None),
        (-7, "overdue-week-1"),
        (-13, "overdue-week-1"),
        (-14, "overdue-week-2"),
        (-70, "overdue-week-10"),
    ],
)
def test_the_reminder_each_day_calls_for(days_before, kind):
    assert kind_due(DUE, DUE - datetime.timedelta(days=days_before)) == kind


@pytest.fixture
def officer_due(demo):
    """Only the demo officer has training open, due on DUE."""
    Enrolment.objects.exclude(user=demo["officer"]).delete()
    Enrolment.objects.filter(user=demo["officer"]).update(due_date=DUE)
    return Enrolment.objects.get(user=demo["officer"])


def day(days_before: int) -> datetime.date:
    return DUE - datetime.timedelta(days=days_before)


def test_each_reminder_is_sent_once_however_often_the_task_runs(officer_due, demo):
    assert send_reminders(day(20)).reminders == 0
    assert send_reminders(day(14)).reminders == 1
    (message,) = mail.outbox
    assert message.to == ["officer@attest.example"]
    assert message.subject == "Due in 14 days: Contacting the public: personal devices and police data"
    assert "Due in 14 days, on 31 March 2027" in message.body
    html, mime = message.alternatives[0]
    assert mime == "text/html" and "<strong>Contacting the public" in html
    assert send_reminders(day(14)).reminders == 0  # a rerun the same day
    assert send_reminders(day(10)).reminders == 0  # still the 14-day window
    assert send_reminders(day(7)).reminders == 1
    assert send_reminders(day(1)).reminders == 1
    assert send_reminders(day(0)).reminders == 1
    assert mail.outbox[-1].subject.startswith("Due today")  # (no escalation yet: that comes at 14 days)
    assert send_reminders(day(-3)).reminders == 0
    assert send_reminders(day(-7)).reminders == 1
    assert send_reminders(day(-8)).reminders == 0
    assert send_reminders(day(-14)).reminders == 1
    assert "14 days overdue" in [m for m in mail.outbox if m.to == ["officer@attest.example"]][-1].body
    kinds = list(Reminder.objects.filter(enrolment=officer_due).order_by("pk").values_list("kind", flat=True))
    assert kinds == ["before-14", "before-7", "before-1", "due", "overdue-week-1", "overdue-week-2", "escalated"]


def test_a_run_that_missed_days_sends_only_the_reminder_due_now(officer_due):
    assert send_reminders(day(3)).reminders == 1
    assert [r.kind for r in Reminder.objects.all()] == ["before-7"]


def test_nobody_is_reminded_of_completed_or_exempt_training(client, officer_due, demo):
    certified(client, demo["officer"], demo["module"])
    assert send_reminders(day(7)).reminders == 0
    enrolment = Enrolment.objects.get(user=demo["officer"])
    Enrolment.objects.filter(pk=enrolment.pk).update(status="not_started")
    exempt(demo["officer"], demo["module"], reason="Career break", by=demo["hr"])
    assert send_reminders(day(7)).reminders == 0
    assert mail.outbox == []


def test_the_line_manager_hears_once_their_people_are_long_overdue(officer_due, demo, settings):
    settings.REMINDER_ESCALATE_AFTER_DAYS = 10
    assert send_reminders(day(-9)).escalations == 0
    sent = send_reminders(day(-10))
    assert sent.escalations == 1
    (escalation,) = [m for m in mail.outbox if m.to == ["manager@attest.example"]]
    assert escalation.subject == "1 of your team is overdue on mandatory training"
    assert (
        "- Sam Taylor (MP100001)\n"
        "  Contacting the public: personal devices and police data, due 31 March 2027: 10 days overdue\n"
    ) in escalation.body
    html = escalation.alternatives[0][0]
    assert ">Sam Taylor</th>" in html and ">Contacting the public: personal devices and police data</td>" in html
    assert send_reminders(day(-11)).escalations == 0  # once
    assert send_reminders(day(-30)).escalations == 0


def test_the_command_runs_the_task(officer_due, capsys):
    call_command("send_reminders")
    assert "Reminders sent:" in capsys.readouterr().out


def test_a_refused_address_does_not_stop_everyone_elses_reminders(officer_due, demo, monkeypatch):
    from django.core.mail import EmailMultiAlternatives

    Enrolment.objects.filter(user=demo["officer"]).update(due_date=DUE)
    manager_enrolment = Enrolment.objects.get(user=demo["officer"])
    Enrolment.objects.create(user=demo["manager"], module=manager_enrolment.module, due_date=DUE, cycle=1)
    original = EmailMultiAlternatives.send

    def refuse_the_officer(message, *args, **kwargs):
        if message.to == ["officer@attest.example"]:
            raise OSError("550 mailbox unavailable")
        return original(message, *args, **kwargs)

    monkeypatch.setattr(EmailMultiAlternatives, "send", refuse_the_officer)
    assert send_reminders(day(7)).reminders == 1
    assert [m.to for m in mail.outbox] == [["manager@attest.example"]]
    assert not Reminder.objects.filter(enrolment__user=demo["officer"]).exists()  # tried again next run


# A digest: one email per person per run ------------------------------------------------------


@pytest.fixture
def three_modules_due(officer_due, demo):
    """Sam has three modules open: one a week overdue, one due today, one due in a week."""
    overdue = ModulePageFactory(title="Stop and search")
    due_today = ModulePageFactory(title="Use of force")
    Enrolment.objects.filter(pk=officer_due.pk).update(due_date=DUE + datetime.timedelta(days=7))
    EnrolmentFactory(user=demo["officer"], module=overdue, due_date=DUE - datetime.timedelta(days=7))
    EnrolmentFactory(user=demo["officer"], module=due_today, due_date=DUE)
    return officer_due.module, overdue, due_today


def test_a_person_with_several_modules_due_gets_one_email_naming_them_all(three_modules_due):
    contacting, overdue, _ = three_modules_due
    sent = send_reminders(DUE)
    assert sent.reminders == 1
    (message,) = mail.outbox
    assert message.to == ["officer@attest.example"]
    assert message.subject == "3 training modules to complete, 1 overdue"
    body, (html, mime) = message.body, message.alternatives[0]
    assert mime == "text/html"
    # Overdue first, then by due date; each with its due date, its days and its link.
    assert body.index("Stop and search") < body.index("Use of force") < body.index("Contacting the public")
    assert "- Stop and search\n  Was due on 24 March 2027: 7 days overdue." in body
    assert "- Use of force\n  Due today, 31 March 2027." in body
    assert "Due in 7 days, on 7 April 2027." in body
    assert f"  http://testserver{overdue.url}\n" in body and f"http://testserver{contacting.url}" in body
    for module in three_modules_due:
        assert f"<strong>{module.title}</strong>" in html
        assert f'<a href="http://testserver{module.url}" style="color: #1d70b8;">Go to {module.title}</a>' in html
    assert "<strong>7 days overdue</strong>" in html and "Due today, 31 March 2027." in html
    # Each module's reminder recorded once, of the kind its date calls for.
    assert sorted(Reminder.objects.values_list("enrolment__module__title", "kind")) == [
        ("Contacting the public: personal devices and police data", "before-7"),
        ("Stop and search", "overdue-week-1"),
        ("Use of force", "due"),
    ]
    assert send_reminders(DUE).reminders == 0  # a second run the same day sends nothing
    assert len(mail.outbox) == 1


def test_the_digest_lists_modules_already_reminded_of_beside_the_new_one(three_modules_due):
    send_reminders(DUE)
    mail.outbox.clear()
    assert send_reminders(DUE + datetime.timedelta(days=6)).reminders == 1  # Contacting: due in 1 day
    (message,) = mail.outbox
    assert "Due in 1 day, on 7 April 2027." in message.body
    assert "13 days overdue" in message.body and "6 days overdue" in message.body  # still to do, still listed
    assert Reminder.objects.filter(kind="before-1").count() == 1 and Reminder.objects.count() == 4


def test_the_line_managers_escalation_is_one_email_listing_each_overdue_person_with_a_link_to_my_team(
    officer_due, demo, settings
):
    settings.REMINDER_ESCALATE_AFTER_DAYS = 10
    settings.SITE_URL = "https://attest.police.example"
    second = ModulePageFactory(title="Stop and search")
    EnrolmentFactory(user=demo["officer"], module=second, due_date=DUE)
    priya = demo["reattest"]
    priya.line_manager = demo["manager"]
    priya.save()
    EnrolmentFactory(user=priya, module=second, due_date=DUE - datetime.timedelta(days=3))
    assert send_reminders(day(-10)).escalations == 1
    (escalation,) = [m for m in mail.outbox if m.to == ["manager@attest.example"]]
    assert escalation.subject == "2 of your team are overdue on mandatory training"
    body, html = escalation.body, escalation.alternatives[0][0]
    assert "These 2 people you line-manage are overdue" in body
    assert body.index("Priya Shah") < body.index("Sam Taylor")  # by surname
    assert "  Stop and search, due 28 March 2027: 13 days overdue\n" in body
    assert body.count("Sam Taylor") == 1  # one entry per person, each module beneath
    assert "https://attest.police.example/team/?status=overdue" in body
    assert '<a href="https://attest.police.example/team/?status=overdue"' in html
    assert html.count('rowspan="2"') == 2  # Sam's name and warrant number span his two modules
    assert Reminder.objects.filter(kind="escalated").count() == 3  # each enrolment escalated once
    assert send_reminders(day(-11)).escalations == 0


def test_a_run_makes_the_same_queries_for_many_people_and_modules_as_for_few(officer_due, demo, settings):
    settings.REMINDER_ESCALATE_AFTER_DAYS = 7
    modules = [demo["module"], *(ModulePageFactory() for _ in range(3))]
    Enrolment.objects.all().delete()

    def team(size: int, modules_each: int) -> None:
        manager = UserFactory()
        for _ in range(size):
            person = UserFactory(line_manager=manager)
            for offset, module in enumerate(modules[:modules_each]):
                EnrolmentFactory(user=person, module=module, due_date=DUE - datetime.timedelta(days=7 * offset))

    def queries_for_a_run() -> int:
        Reminder.objects.all().delete()
        with CaptureQueriesContext(connection) as queries:
            sent = send_reminders(DUE)
        assert sent.reminders == Enrolment.objects.values("user").distinct().count()
        return len(queries)

    team(size=1, modules_each=2)
    few = queries_for_a_run()
    team(size=8, modules_each=4)
    team(size=5, modules_each=3)
    many = queries_for_a_run()
    assert len(mail.outbox) == (1 + 1) + (14 + 3)  # each person once and each manager once, each run
    # Enrolments, reminders sent, managers, one insert (in its transaction): the first run also
    # reads the Wagtail site for the modules' links, which is then kept.
    assert many <= few <= 7


def test_a_refused_escalation_is_tried_again_the_next_run(officer_due, demo, settings, monkeypatch):
    from django.core.mail import EmailMultiAlternatives

    settings.REMINDER_ESCALATE_AFTER_DAYS = 7
    original = EmailMultiAlternatives.send

    def refuse_the_manager(message, *args, **kwargs):
        if message.to == ["manager@attest.example"]:
            raise OSError("451 try again later")
        return original(message, *args, **kwargs)

    monkeypatch.setattr(EmailMultiAlternatives, "send", refuse_the_manager)
    assert send_reminders(day(-7)) == Sent(reminders=1, escalations=0)
    assert not Reminder.objects.filter(kind="escalated").exists()
    monkeypatch.undo()
    assert send_reminders(day(-8)) == Sent(reminders=0, escalations=1)


def test_reminders_another_run_recorded_first_are_not_sent_again(three_modules_due, demo):
    enrolment = Enrolment.objects.get(user=demo["officer"], module__title="Use of force")
    Reminder.objects.create(enrolment=enrolment, kind="due", sent_to="officer@attest.example")
    # As if a run at the same moment had recorded it after this one read what was sent.
    with mock.patch("learning.reminders.Reminder.objects.filter") as already:
        already.return_value.values_list.return_value = []
        assert send_reminders(DUE).reminders == 0
    assert mail.outbox == [] and Reminder.objects.count() == 1
