"""Each policy has a next review date; its owner is emailed once when the review falls due
within 30 days and once when it is overdue, and never twice for the same date."""

import datetime

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.core.management import call_command
from django.utils import timezone
from wagtail.models import ModelLogEntry, Revision

from certificates.factories import PolicyDocumentFactory, PolicyVersionFactory
from certificates.models import PolicyDocument
from certificates.reviews import REMINDER_ACTION, send_policy_review_reminders
from people.factories import UserFactory
from tests.helpers import sign_in_with_mfa

EDIT = "/admin/snippets/certificates/policydocument/edit/{}/"
TODAY = datetime.date(2027, 3, 1)


@pytest.fixture
def policy(db):
    document = PolicyDocumentFactory(title="Use of force", reference="POL-UOF", owner_email="uof.owner@attest.example")
    version = PolicyVersionFactory(document=document, version_label="1.0", effective_date=datetime.date(2026, 1, 1))
    # The draft is the text stored last, as publishing leaves it.
    document.version_label, document.body, document.statement = version.version_label, version.body, version.statement
    document.effective_date = version.effective_date
    document.save()
    return document


def review_on(document, day):
    document.next_review_date = day
    document.save(update_fields=["next_review_date"])


def test_a_review_due_within_30_days_is_reminded_once(policy):
    review_on(policy, TODAY + datetime.timedelta(days=30))
    sent = send_policy_review_reminders(today=TODAY)
    assert sent.due == ["Use of force"] and sent.overdue == []
    (message,) = mail.outbox
    assert message.to == ["uof.owner@attest.example"]
    assert message.subject == "Policy review due: Use of force (POL-UOF) is due by 31 March 2027"
    assert "is due for review in 30 days, by 31 March 2027" in message.body
    assert "The version in force is 1.0" in message.body
    assert f"/admin/snippets/certificates/policydocument/edit/{policy.pk}/" in message.body
    assert ModelLogEntry.objects.filter(object_id=str(policy.pk), action=REMINDER_ACTION).count() == 1


def test_running_twice_sends_nothing_new(policy):
    review_on(policy, TODAY + datetime.timedelta(days=10))
    send_policy_review_reminders(today=TODAY)
    again = send_policy_review_reminders(today=TODAY)
    later = send_policy_review_reminders(today=TODAY + datetime.timedelta(days=5))
    assert len(mail.outbox) == 1
    assert again.due == later.due == []


def test_an_overdue_review_is_reminded_once_more(policy):
    review_on(policy, TODAY + datetime.timedelta(days=10))
    send_policy_review_reminders(today=TODAY)
    overdue_day = TODAY + datetime.timedelta(days=11)
    sent = send_policy_review_reminders(today=overdue_day)
    send_policy_review_reminders(today=overdue_day + datetime.timedelta(days=1))
    assert sent.overdue == ["Use of force"]
    assert len(mail.outbox) == 2
    overdue = mail.outbox[1]
    assert overdue.subject.startswith("Policy review overdue: Use of force")
    assert "the review is 1 day overdue" in overdue.body


def test_the_review_date_itself_is_not_yet_overdue(policy):
    review_on(policy, TODAY)
    sent = send_policy_review_reminders(today=TODAY)
    assert sent.due == ["Use of force"] and sent.overdue == []


def test_a_review_more_than_30_days_off_or_unset_is_not_reminded(policy):
    review_on(policy, TODAY + datetime.timedelta(days=31))
    PolicyDocumentFactory(next_review_date=None)
    send_policy_review_reminders(today=TODAY)
    assert mail.outbox == []


def test_a_new_review_date_is_reminded_afresh(policy):
    review_on(policy, TODAY + datetime.timedelta(days=3))
    send_policy_review_reminders(today=TODAY)
    review_on(policy, TODAY + datetime.timedelta(days=20))
    send_policy_review_reminders(today=TODAY)
    assert len(mail.outbox) == 2


def test_without_an_owners_email_the_policy_owners_group_is_reminded(policy):
    policy.owner_email = ""
    policy.save(update_fields=["owner_email"])
    review_on(policy, TODAY + datetime.timedelta(days=3))
    owners, _ = Group.objects.get_or_create(name="Policy owners")
    first, second = UserFactory(email="a.owner@attest.example"), UserFactory(email="b.owner@attest.example")
    gone = UserFactory(email="gone@attest.example", is_active=False)
    for person in (first, second, gone):
        person.groups.add(owners)
    UserFactory(email="trainer@attest.example")  # not a policy owner
    send_policy_review_reminders(today=TODAY)
    (message,) = mail.outbox
    assert {"a.owner@attest.example", "b.owner@attest.example"} <= set(message.to)
    assert not {"gone@attest.example", "trainer@attest.example"} & set(message.to)
    assert message.to == sorted(message.to)


def test_with_nobody_to_tell_nothing_is_recorded(policy):
    policy.owner_email = ""
    policy.save(update_fields=["owner_email"])
    Group.objects.filter(name="Policy owners").delete()
    review_on(policy, TODAY + datetime.timedelta(days=3))
    sent = send_policy_review_reminders(today=TODAY)
    assert sent.no_one_to_tell == ["Use of force"]
    policy.refresh_from_db()
    assert policy.review_due_reminded_for is None


def test_a_reminder_the_mail_server_refuses_is_tried_again(policy, monkeypatch):
    review_on(policy, TODAY + datetime.timedelta(days=3))

    def refuse(self, *args, **kwargs):
        raise OSError("mail server down")

    monkeypatch.setattr("django.core.mail.EmailMultiAlternatives.send", refuse)
    assert send_policy_review_reminders(today=TODAY).due == []
    policy.refresh_from_db()
    assert policy.review_due_reminded_for is None
    monkeypatch.undo()
    assert send_policy_review_reminders(today=TODAY).due == ["Use of force"]
    assert len(mail.outbox) == 1


def test_publishing_an_older_draft_does_not_forget_a_reminder(policy):
    """The reminders sent live on the policy's row, not in its revisions."""
    review_on(policy, TODAY + datetime.timedelta(days=3))
    revision = policy.save_revision()
    send_policy_review_reminders(today=TODAY)
    Revision.objects.get(pk=revision.pk).publish()  # read afresh, as the approval or publish request does
    policy.refresh_from_db()
    assert policy.review_due_reminded_for == TODAY + datetime.timedelta(days=3)
    send_policy_review_reminders(today=TODAY)
    assert len(mail.outbox) == 1


def test_the_daily_command_sends_the_reminders_once(policy):
    review_on(policy, timezone.localdate() + datetime.timedelta(days=7))
    call_command("send_policy_review_reminders")
    call_command("send_policy_review_reminders")
    assert len(mail.outbox) == 1


def test_the_policy_owner_sets_the_review_date_and_owners_email(client, demo):
    policy = demo["module"].policy_document
    sign_in_with_mfa(client, demo["policyowner"])
    review = timezone.localdate() + datetime.timedelta(days=365)
    response = client.post(
        EDIT.format(policy.pk),
        {
            "title": policy.title,
            "reference": policy.reference,
            "owner": policy.owner,
            "owner_email": "dps.policy@attest.example",
            "next_review_date": review.isoformat(),
            "version_label": "",
            "effective_date": "",
            "reattest_within_days": policy.reattest_within_days,
            "body": policy.body,
            "statement": policy.statement,
            "material": "on",
            "action-publish": "action-publish",
        },
    )
    assert response.status_code == 302
    policy.refresh_from_db()
    assert (policy.next_review_date, policy.owner_email) == (review, "dps.policy@attest.example")
    assert list(policy.versions.values_list("version_label", flat=True)) == ["1.0", "2.0"]


def test_a_review_date_in_the_past_is_refused_and_changes_nothing(client, demo):
    policy = demo["module"].policy_document
    sign_in_with_mfa(client, demo["policyowner"])
    revisions = policy.revisions.count()
    response = client.post(
        EDIT.format(policy.pk),
        {
            "title": policy.title,
            "reference": policy.reference,
            "owner": policy.owner,
            "owner_email": "not an email",
            "next_review_date": (timezone.localdate() - datetime.timedelta(days=1)).isoformat(),
            "version_label": "",
            "reattest_within_days": policy.reattest_within_days,
            "body": policy.body,
            "statement": policy.statement,
            "material": "on",
            "action-publish": "action-publish",
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "The next review cannot be in the past" in page
    assert "Enter a valid email address." in page
    policy.refresh_from_db()
    assert policy.next_review_date is None and policy.revisions.count() == revisions


@pytest.mark.parametrize("role", ["trainer", "hr"])
def test_others_cannot_change_the_review_date(client, demo, role):
    policy = demo["module"].policy_document
    sign_in_with_mfa(client, demo[role])
    review = timezone.localdate() + datetime.timedelta(days=10)
    response = client.post(
        EDIT.format(policy.pk),
        {"title": policy.title, "reference": policy.reference, "next_review_date": review.isoformat()},
    )
    assert response.status_code in (302, 403)
    assert PolicyDocument.objects.get(pk=policy.pk).next_review_date is None
