"""Reminders to people with training due, and escalation of the overdue to their line managers.

Run daily (``manage.py send_reminders``, or the ``send_reminders`` task). Each open enrolment is
due one reminder at a time, the one its date calls for today:

- 14, 7 and 1 days before the due date, and on it;
- then once a week while it is overdue (7, 14, 21... days after);
- and, once it has been overdue for ``REMINDER_ESCALATE_AFTER_DAYS``, its person is listed in an
  email to their line manager with every one of the manager's people that overdue.

Every reminder is recorded (``Reminder``, unique per enrolment and kind) in the same transaction
as it is sent, so a rerun sends nothing new, and a run that misses days sends only the reminder
due now, not each one it missed.
"""

from __future__ import annotations

import datetime
import logging
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone

from .models import Enrolment, Reminder, User

logger = logging.getLogger(__name__)

BEFORE = (14, 7, 1)  # days before the due date


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


@dataclass
class Sent:
    reminders: int = 0
    escalations: int = 0


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
    """Send every reminder and escalation due ``today`` (default: today) not sent before."""
    today = today or timezone.localdate()
    sent = Sent()
    connection = get_connection()
    enrolments = list(open_enrolments(today))
    already = set(Reminder.objects.filter(enrolment__in=[e.pk for e in enrolments]).values_list("enrolment_id", "kind"))
    for enrolment in enrolments:
        kind = kind_due(enrolment.due_date, today)
        if kind and (enrolment.pk, kind) not in already and enrolment.user.email:
            message = _reminder(enrolment, kind, today)
            sent.reminders += _send_once(enrolment, kind, message, connection)
    sent.escalations = _escalate(enrolments, already, today, connection)
    return sent


def _send_once(enrolment: Enrolment, kind: str, message: EmailMultiAlternatives, connection) -> int:
    reminder = Reminder(enrolment=enrolment, kind=kind, sent_to=", ".join(message.to))
    return _record_and_send([reminder], message, connection, f"Reminder {kind} about enrolment {enrolment.pk}")


def _record_and_send(records: list[Reminder], message: EmailMultiAlternatives, connection, what: str) -> int:
    """Record and send, or neither: a failed send leaves no record, so the next run tries
    again (and one refused address does not stop the rest of the run); a record already there
    (another run got there first) sends nothing. Returns 1 if the message went."""
    try:
        with transaction.atomic():
            Reminder.objects.bulk_create(records)
            message.connection = connection
            message.send()
    except IntegrityError:
        return 0
    except Exception:
        logger.exception("%s not sent; the next run tries again.", what)
        return 0
    return 1


def _reminder(enrolment: Enrolment, kind: str, today: datetime.date) -> EmailMultiAlternatives:
    context = {
        "person": enrolment.user,
        "module": enrolment.module,
        "enrolment": enrolment,
        "kind": kind,
        "days_left": (enrolment.due_date - today).days,
        "days_overdue": (today - enrolment.due_date).days,
        "url": settings.SITE_URL + enrolment.module.url if enrolment.module.url else settings.SITE_URL + "/",
        "FORCE_NAME": settings.FORCE_NAME,
    }
    if kind.startswith("before"):
        subject = (
            f"Due in {context['days_left']} day{'s' if context['days_left'] != 1 else ''}: {enrolment.module.title}"
        )
    elif kind == "due":
        subject = f"Due today: {enrolment.module.title}"
    else:
        subject = f"Overdue: {enrolment.module.title}"
    return _message(subject, "learning/email/reminder", context, [enrolment.user.email])


def _escalate(enrolments: list[Enrolment], already: set, today: datetime.date, connection) -> int:
    """Email each line manager the list of their people overdue by the threshold or more, when
    at least one of them has not been escalated before. Returns the emails sent."""
    threshold = datetime.timedelta(days=settings.REMINDER_ESCALATE_AFTER_DAYS)
    overdue_by_manager: dict[int, list[Enrolment]] = defaultdict(list)
    for enrolment in enrolments:
        if enrolment.user.line_manager_id and today - enrolment.due_date >= threshold:
            overdue_by_manager[enrolment.user.line_manager_id].append(enrolment)
    if not overdue_by_manager:
        return 0
    managers = User.objects.in_bulk(overdue_by_manager, field_name="pk")
    emails = 0
    for manager_id, people in overdue_by_manager.items():
        manager = managers.get(manager_id)
        new = [enrolment for enrolment in people if (enrolment.pk, "escalated") not in already]
        if not new or manager is None or not manager.is_active or not manager.email:
            continue
        context = {
            "manager": manager,
            "people": sorted(people, key=lambda e: (e.due_date, e.user.last_name)),
            "today": today,
            "threshold": settings.REMINDER_ESCALATE_AFTER_DAYS,
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
        emails += _record_and_send(records, message, connection, f"Escalation to line manager {manager.pk}")
    return emails


def _message(subject: str, template: str, context: dict, to: list[str]) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(subject, render_to_string(f"{template}.txt", context), None, to)
    message.attach_alternative(render_to_string(f"{template}.html", context), "text/html")
    return message
