"""Reminders to people with training due, and escalation of the overdue to their line managers.

Run daily (``manage.py send_reminders``, or the ``send_reminders`` task). Each open enrolment is
due one reminder at a time, the one its date calls for today:

- 14, 7 and 1 days before the due date, and on it;
- then once a week while it is overdue (7, 14, 21... days after);
- and, once it has been overdue for ``REMINDER_ESCALATE_AFTER_DAYS``, its person is listed in an
  email to their line manager with every one of the manager's people that overdue.

A run sends each person at most one email, a digest: every module they have due within the
window or overdue, whichever of them called for today's reminder. Each line manager gets at most
one escalation, listing their overdue people and linking to *My team*.

A line manager may also remind their people from *My team* (``remind_from_team``): the same
digest, at most once a day for each person, and to at most ``TEAM_REMINDERS_PER_DAY`` people a
day from each manager.

Every reminder is recorded (``Reminder``, unique per enrolment and kind) before its email goes,
so a rerun, or a second run at the same time, sends nothing new; a run that misses days sends
only the reminder due now, not each one it missed. An email the mail server refuses has its
records removed, so the next run tries again. (A run killed between recording and sending loses
those reminders rather than ever sending one twice.)
"""

from __future__ import annotations

import datetime
import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from .models import Enrolment, Reminder, User

logger = logging.getLogger(__name__)

BEFORE = (14, 7, 1)  # days before the due date
# How many people one line manager may remind from My team in a day: enough for a team's
# overdue, too few for the button to become a mailing list.
TEAM_REMINDERS_PER_DAY = 100


def kind_due(due_date: datetime.date, today: datetime.date) -> str | None:
    """Which reminder an enrolment due on ``due_date`` calls for on ``today``, if any."""
    days_left = (due_date - today).days
    if days_left > BEFORE[0]:
        return None
    if days_left > 0:
        # The nearest of 14, 7 and 1 days that has been reached.
        return f"before-{min(days for days in BEFORE if days >= days_left)}"
    if days_left == 0:
        return "due"
    return f"overdue-week-{-days_left // 7}" if -days_left >= 7 else None


def team_kind(today: datetime.date) -> str:
    """The kind recorded for a reminder sent from My team on ``today``: one a day per module."""
    return f"team-{today:%Y-%m-%d}"


@dataclass
class Sent:
    reminders: int = 0  # emails to people (each a digest of their modules)
    escalations: int = 0  # emails to line managers


@dataclass(frozen=True)
class DueModule:
    """One line of a digest: a module, its due date and where it stands on the day."""

    enrolment: Enrolment
    today: datetime.date

    @property
    def module(self):
        return self.enrolment.module

    @property
    def days_left(self) -> int:
        return (self.enrolment.due_date - self.today).days

    @property
    def days_overdue(self) -> int:
        return max(0, -self.days_left)

    @property
    def url(self) -> str:
        return settings.SITE_URL + (self.enrolment.module.url or "/")


@dataclass
class Outgoing:
    """An email and the reminders it carries, recorded before it is sent."""

    message: EmailMultiAlternatives
    records: list[Reminder]
    what: str  # for the log, if the mail server refuses it
    person: User | None = None
    escalation: bool = False
    # What became of it: "sent", "taken" (another run or press recorded it first) or "refused"
    # (by the mail server; its records are removed so that it is tried again).
    outcome: str = ""


def open_enrolments(today: datetime.date):
    """Enrolments still to do, due within the reminder window or overdue, of active people."""
    return (
        Enrolment.objects.current()
        .open()
        .filter(user__is_active=True, due_date__lte=today + datetime.timedelta(days=BEFORE[0]))
        .select_related("user", "module")
        .order_by("due_date", "pk")
    )


def send_reminders(today: datetime.date | None = None) -> Sent:
    """Send every reminder and escalation due ``today`` (default: today) not sent before: one
    digest per person, one escalation per line manager. Never raises for a refused address (it
    is logged, and tried again the next run). The queries it makes do not grow with the number
    of people or modules."""
    today = today or timezone.localdate()
    enrolments = list(open_enrolments(today))
    already = set(Reminder.objects.filter(enrolment__in=[e.pk for e in enrolments]).values_list("enrolment_id", "kind"))
    by_person: dict[int, list[Enrolment]] = defaultdict(list)
    for enrolment in enrolments:
        by_person[enrolment.user_id].append(enrolment)
    digests = []
    for person_enrolments in by_person.values():
        person = person_enrolments[0].user
        if not person.email:
            continue
        records = [
            Reminder(enrolment=enrolment, kind=kind, sent_to=person.email)
            for enrolment in person_enrolments
            if (kind := kind_due(enrolment.due_date, today)) and (enrolment.pk, kind) not in already
        ]
        if records:
            message = digest(person, person_enrolments, today)
            digests.append(Outgoing(message, records, f"Reminder to person {person.pk}", person))
    escalations = _escalations(enrolments, already, today)
    connection = get_connection()
    sent = Sent()
    for outgoing in _claim_and_send([*digests, *escalations], connection):
        if outgoing.escalation:
            sent.escalations += 1
        else:
            sent.reminders += 1
    return sent


def digest(person: User, enrolments: Iterable[Enrolment], today: datetime.date) -> EmailMultiAlternatives:
    """The email reminding ``person`` of ``enrolments`` (theirs, open): each module with its due
    date, how many days are left or overdue, and a link; the overdue first. Makes no query if
    each enrolment's module is already read."""
    modules = sorted((DueModule(e, today) for e in enrolments), key=lambda m: (m.enrolment.due_date, m.module.title))
    context = {
        "person": person,
        "modules": modules,
        "overdue": [m for m in modules if m.days_overdue],
        "today": today,
        "FORCE_NAME": settings.FORCE_NAME,
    }
    return _message(_digest_subject(modules), "learning/email/reminder", context, [person.email])


def _digest_subject(modules: list[DueModule]) -> str:
    if len(modules) == 1:
        (only,) = modules
        title = only.module.title
        if only.days_overdue:
            return f"Overdue: {title}"
        if only.days_left == 0:
            return f"Due today: {title}"
        return f"Due in {only.days_left} day{'s' if only.days_left != 1 else ''}: {title}"
    overdue = sum(1 for m in modules if m.days_overdue)
    if overdue:
        return f"{len(modules)} training modules to complete, {overdue} overdue"
    first = modules[0].enrolment.due_date
    return f"{len(modules)} training modules to complete, the first due {first.day} {first:%B %Y}"


def _escalations(enrolments: list[Enrolment], already: set, today: datetime.date) -> list[Outgoing]:
    """An email to each line manager listing their people overdue by the threshold or more,
    when at least one of those has not been escalated before."""
    threshold = datetime.timedelta(days=settings.REMINDER_ESCALATE_AFTER_DAYS)
    overdue_by_manager: dict[int, list[Enrolment]] = defaultdict(list)
    for enrolment in enrolments:
        if enrolment.user.line_manager_id and today - enrolment.due_date >= threshold:
            overdue_by_manager[enrolment.user.line_manager_id].append(enrolment)
    if not overdue_by_manager:
        return []
    managers = User.objects.in_bulk(overdue_by_manager, field_name="pk")
    team_url = settings.SITE_URL + reverse("records:team") + "?status=overdue"
    outgoing = []
    for manager_id, overdue in overdue_by_manager.items():
        manager = managers.get(manager_id)
        new = [enrolment for enrolment in overdue if (enrolment.pk, "escalated") not in already]
        if not new or manager is None or not manager.is_active or not manager.email:
            continue
        people: dict[int, list[DueModule]] = defaultdict(list)
        for enrolment in sorted(overdue, key=lambda e: (e.user.last_name, e.user.first_name, e.user_id, e.due_date)):
            people[enrolment.user_id].append(DueModule(enrolment, today))
        context = {
            "manager": manager,
            "people": [(modules[0].enrolment.user, modules) for modules in people.values()],
            "today": today,
            "threshold": settings.REMINDER_ESCALATE_AFTER_DAYS,
            "team_url": team_url,
            "FORCE_NAME": settings.FORCE_NAME,
        }
        count = len(people)
        message = _message(
            f"{count} of your team {'is' if count == 1 else 'are'} overdue on mandatory training",
            "learning/email/escalation",
            context,
            [manager.email],
        )
        records = [Reminder(enrolment=enrolment, kind="escalated", sent_to=manager.email) for enrolment in new]
        outgoing.append(Outgoing(message, records, f"Escalation to line manager {manager.pk}", escalation=True))
    return outgoing


@dataclass
class TeamReminders:
    """What a press of "send a reminder" on My team did."""

    sent: list[User] = field(default_factory=list)
    already_today: list[User] = field(default_factory=list)  # reminded from My team today
    no_email: list[User] = field(default_factory=list)
    over_limit: list[User] = field(default_factory=list)  # past the manager's limit for the day
    refused: list[User] = field(default_factory=list)  # the mail server refused: try again later

    @property
    def not_sent(self) -> int:
        return len(self.already_today) + len(self.no_email) + len(self.over_limit) + len(self.refused)


def reminded_today(people: Iterable[int], today: datetime.date | None = None) -> set[int]:
    """Which of ``people`` (ids) have been reminded from My team on ``today``."""
    kind = team_kind(today or timezone.localdate())
    return set(
        Reminder.objects.filter(kind=kind, enrolment__user__in=list(people)).values_list("enrolment__user", flat=True)
    )


def team_reminders_left(manager: User, today: datetime.date | None = None) -> int:
    """How many more people ``manager`` may remind from My team on ``today``."""
    kind = team_kind(today or timezone.localdate())
    used = Reminder.objects.filter(kind=kind, sent_by=manager).aggregate(people=Count("enrolment__user", distinct=True))
    return max(0, TEAM_REMINDERS_PER_DAY - used["people"])


def remind_from_team(manager: User, people, today: datetime.date | None = None) -> TeamReminders:
    """Send each of ``people`` (a queryset of users the caller has checked ``manager`` manages)
    who has training open the digest of all of it, from ``manager``.

    Guarantees: a person is reminded from My team at most once a day, whoever presses (the
    ``Reminder`` records of the day's ``team-`` kind are unique per enrolment, so two presses at
    once send one email); a manager reminds at most ``TEAM_REMINDERS_PER_DAY`` people a day
    (two presses at the very same moment may pass it by one press's worth); people without an
    email address or open training are skipped. Never raises for a refused address. The
    queries it makes do not grow with the number of people.
    """
    today = today or timezone.localdate()
    kind = team_kind(today)
    enrolments = list(
        Enrolment.objects.current()
        .open()
        .filter(user__in=people, user__is_active=True)
        .select_related("user", "module")
        .order_by("user__last_name", "user__first_name", "user_id", "due_date", "pk")
    )
    by_person: dict[int, list[Enrolment]] = defaultdict(list)
    for enrolment in enrolments:
        by_person[enrolment.user_id].append(enrolment)
    done = TeamReminders()
    already = reminded_today(by_person, today)
    left = team_reminders_left(manager, today)
    outgoing = []
    for person_id, person_enrolments in by_person.items():
        person = person_enrolments[0].user
        if person_id in already:
            done.already_today.append(person)
        elif not person.email:
            done.no_email.append(person)
        elif len(outgoing) >= left:
            done.over_limit.append(person)
        else:
            records = [
                Reminder(enrolment=enrolment, kind=kind, sent_to=person.email, sent_by=manager)
                for enrolment in person_enrolments
            ]
            message = digest(person, person_enrolments, today)
            outgoing.append(Outgoing(message, records, f"Reminder from My team to person {person_id}", person))
    _claim_and_send(outgoing, get_connection())
    for item in outgoing:
        {"sent": done.sent, "taken": done.already_today, "refused": done.refused}[item.outcome].append(item.person)
    return done


def _claim_and_send(outgoing: list[Outgoing], connection) -> list[Outgoing]:
    """Record each email's reminders, then send it; returns those sent.

    An email whose reminders are already recorded (another run got there first) is not sent;
    one the mail server refuses is logged and its records removed, so the next run tries again
    and one refused address does not stop the rest of the run."""
    claimed = _claim(outgoing)
    for item in outgoing:
        item.outcome = "taken"
    sent, refused = [], []
    for item in claimed:
        try:
            item.message.connection = connection
            item.message.send()
        except Exception:
            logger.exception("%s not sent; the next run tries again.", item.what)
            item.outcome = "refused"
            refused.append(item)
        else:
            item.outcome = "sent"
            sent.append(item)
    if refused:
        Reminder.objects.filter(pk__in=[record.pk for item in refused for record in item.records]).delete()
    return sent


def _claim(outgoing: list[Outgoing]) -> list[Outgoing]:
    """Record the reminders of every email in one insert; if another run recorded some of them
    first, record email by email and leave out those it took."""
    records = [record for item in outgoing for record in item.records]
    if not records:
        return []
    try:
        with transaction.atomic():
            Reminder.objects.bulk_create(records)
    except IntegrityError:
        pass
    else:
        return outgoing
    claimed = []
    for item in outgoing:
        for record in item.records:  # an earlier batch may have had its ids before the rollback
            record.pk = None
            record._state.adding = True
        try:
            with transaction.atomic():
                Reminder.objects.bulk_create(item.records)
        except IntegrityError:
            continue
        claimed.append(item)
    return claimed


def _message(subject: str, template: str, context: dict, to: list[str]) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(subject, render_to_string(f"{template}.txt", context), None, to)
    message.attach_alternative(render_to_string(f"{template}.html", context), "text/html")
    return message
