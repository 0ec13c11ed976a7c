"""Policy review dates: the owner is emailed once when a policy's review falls due within
``REVIEW_NOTICE`` and once when it is overdue (daily: ``manage.py send_policy_review_reminders``)."""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from wagtail.log_actions import log

from .models import PolicyDocument

# The group reminded of a policy whose own owner's email is not given.
POLICY_OWNERS = "Policy owners"
# How long before the review date the first reminder goes.
REVIEW_NOTICE = datetime.timedelta(days=30)
# The Wagtail log action recorded in the policy's history for each reminder sent.
REMINDER_ACTION = "attest.policy.review_reminder"

logger = logging.getLogger(__name__)


@dataclass
class ReviewReminders:
    """What a run sent: the policies reminded of a review due soon, and of one overdue."""

    due: list[str] = field(default_factory=list)
    overdue: list[str] = field(default_factory=list)
    no_one_to_tell: list[str] = field(default_factory=list)


def review_recipients(document: PolicyDocument) -> list[str]:
    """The policy's owner's email if given; otherwise every active member of the Policy
    owners group with an email address."""
    if document.owner_email:
        return [document.owner_email]
    owners = get_user_model().objects.filter(groups__name=POLICY_OWNERS, is_active=True).exclude(email="")
    return sorted(set(owners.values_list("email", flat=True)))


def send_policy_review_reminders(today: datetime.date | None = None) -> ReviewReminders:
    """Email the owner of each policy whose review date is within ``REVIEW_NOTICE`` (today
    included) once for that date, and once more when the date has passed. Each reminder is
    recorded on the policy (the date it was sent for) in the transaction that sends it, so a
    second run, or two at once, sends nothing new; a new review date is reminded afresh. A
    reminder the mail server refuses is logged and not recorded, so the next run tries again.
    A policy with nobody to tell is listed in the result and recorded as nothing."""
    today = today or timezone.localdate()
    done = ReviewReminders()
    due = PolicyDocument.objects.filter(next_review_date__lte=today + REVIEW_NOTICE).order_by("next_review_date", "pk")
    for document in due:
        overdue = document.next_review_date < today
        recorded = "review_overdue_reminded_for" if overdue else "review_due_reminded_for"
        if getattr(document, recorded) == document.next_review_date:
            continue
        recipients = review_recipients(document)
        if not recipients:
            done.no_one_to_tell.append(document.title)
            continue
        try:
            with transaction.atomic():
                claimed = (
                    PolicyDocument.objects.filter(pk=document.pk, next_review_date=document.next_review_date)
                    .exclude(**{recorded: document.next_review_date})
                    .update(**{recorded: document.next_review_date})
                )
                if not claimed:  # another run sent it first
                    continue
                _review_message(document, recipients, today, overdue=overdue).send()
                log(
                    document,
                    REMINDER_ACTION,
                    data={"review_date": document.next_review_date.isoformat(), "overdue": overdue, "to": recipients},
                )
        except Exception:
            logger.exception("Review reminder for policy %s not sent; the next run tries again.", document.pk)
            continue
        (done.overdue if overdue else done.due).append(document.title)
    return done


def _review_message(
    document: PolicyDocument, recipients: list[str], today: datetime.date, *, overdue: bool
) -> EmailMultiAlternatives:
    review_date = document.next_review_date
    context = {
        "document": document,
        "review_date": review_date,
        "overdue": overdue,
        "days": abs((review_date - today).days),
        "url": settings.SITE_URL + reverse("wagtailsnippets_certificates_policydocument:edit", args=[document.pk]),
        "current": document.current_version(on=today),
    }
    when = f"was due on {review_date:%-d %B %Y}" if overdue else f"is due by {review_date:%-d %B %Y}"
    subject = f"Policy review {'overdue' if overdue else 'due'}: {document.title} ({document.reference}) {when}"
    template = "certificates/email/policy_review"
    message = EmailMultiAlternatives(subject, render_to_string(f"{template}.txt", context), None, recipients)
    message.attach_alternative(render_to_string(f"{template}.html", context), "text/html")
    return message
