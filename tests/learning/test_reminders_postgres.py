"""Reminders sent once when runs, or presses of My team's button, happen at the same moment: the
``Reminder`` rows are unique per enrolment and kind, and an email goes only once its rows are in."""

import datetime

import pytest
from django.core import mail

from learning.factories import EnrolmentFactory
from learning.models import Enrolment, Reminder
from learning.reminders import remind_from_team, send_reminders
from people.factories import UserFactory
from people.models import User
from tests.certificates.test_postgres_guarantees import run_together

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

DUE = datetime.date(2027, 3, 31)


def test_daily_runs_at_the_same_moment_send_each_person_one_digest(demo, settings):
    settings.REMINDER_ESCALATE_AFTER_DAYS = 7
    Enrolment.objects.all().delete()
    manager = UserFactory()
    people = [UserFactory(line_manager=manager) for _ in range(6)]
    for person in people:
        EnrolmentFactory(user=person, module=demo["module"], due_date=DUE - datetime.timedelta(days=7))
    results = run_together(4, lambda i: send_reminders(DUE))
    assert not [result for result in results if isinstance(result, Exception)]
    assert sum(result.reminders for result in results) == 6
    assert sum(result.escalations for result in results) == 1
    assert sorted(m.to[0] for m in mail.outbox) == sorted([manager.email, *(person.email for person in people)])
    assert Reminder.objects.count() == 12  # overdue-week-1 and escalated, each once


def test_presses_at_the_same_moment_remind_a_person_once(demo):
    officer = demo["officer"]
    Enrolment.objects.filter(user=officer).update(due_date=DUE)
    results = run_together(4, lambda i: remind_from_team(demo["manager"], User.objects.filter(pk=officer.pk)))
    assert sorted(len(result.sent) for result in results) == [0, 0, 0, 1]
    assert sorted(len(result.already_today) for result in results) == [0, 1, 1, 1]
    assert [m.to for m in mail.outbox] == [[officer.email]]
