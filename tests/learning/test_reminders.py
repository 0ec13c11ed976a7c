"""Reminders before, on and after the due date, each sent once; escalation of the overdue to
their line manager. Time is fixed by passing the day the run happens."""

import datetime

import pytest
from django.core import mail
from django.core.management import call_command

from learning.models import Enrolment, Reminder
from learning.reminders import kind_due, send_reminders
from learning.services import exempt
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
    assert "is due in 14 days, on 31 March 2027" in message.body
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
    assert "is 14 days overdue" in [m for m in mail.outbox if m.to == ["officer@attest.example"]][-1].body
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
    assert "Sam Taylor (MP100001): Contacting the public: personal devices and police data, due 31 March 2027" in (
        escalation.body
    )
    assert '<td style="padding: 4px 12px 4px 0;">Sam Taylor</td>' in escalation.alternatives[0][0]
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
