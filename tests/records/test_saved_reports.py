"""Saved report filters and their weekly email: saving and reopening, each person's own list,
the schedule's recipient limited to active people, one send a week, audited, and who may."""

import datetime

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from access.models import AuditEvent
from learning.factories import EnrolmentFactory
from people.factories import OrgUnitFactory, UserFactory
from records.models import ReportSend, SavedReport
from records.saved import send_due_reports, week_of
from tests.helpers import sign_in_with_mfa

UNIT_REPORT = "/admin/reports/completion/by-unit/"
SAVED = "/admin/reports/saved/"
SAVE = "/admin/reports/saved/save/"
MONDAY = week_of(timezone.localdate())


@pytest.fixture
def reporting(client, demo):
    sign_in_with_mfa(client, demo["reporting"])
    return client


@pytest.fixture
def unit(demo):
    unit = OrgUnitFactory(name="North", code="north")
    EnrolmentFactory(user=UserFactory(org_unit=unit), module=demo["module"], status="complete")
    return unit


def save(client, name, query="", path=UNIT_REPORT):
    return client.post(SAVE, {"name": name, "report_path": path, "query": query})


def test_a_report_page_offers_to_save_its_filters(reporting, unit):
    page = reporting.get(UNIT_REPORT, {"org_unit": unit.pk}).content.decode()
    assert 'action="/admin/reports/saved/save/"' in page
    assert '<label class="w-field__label" for="save-report-name">Save these filters as</label>' in page
    assert f'name="query" value="org_unit={unit.pk}"' in page


def test_saved_filters_reopen_the_report_with_one_click(reporting, demo, unit):
    response = save(reporting, "  North   complete ", f"org_unit={unit.pk}&page=2&export=csv")
    saved = SavedReport.objects.get(owner=demo["reporting"])
    assert (saved.name, saved.report, saved.query) == ("North complete", "report_by_unit", f"org_unit={unit.pk}")
    assert response.status_code == 302 and response["Location"] == f"{UNIT_REPORT}?org_unit={unit.pk}"
    listing = reporting.get(SAVED).content.decode()
    assert f'<a href="{UNIT_REPORT}?org_unit={unit.pk}">North complete</a>' in listing


def test_a_save_from_the_refreshed_results_saves_the_report(reporting, demo, unit):
    save(reporting, "From results", f"org_unit={unit.pk}", path=UNIT_REPORT + "results/")
    assert SavedReport.objects.get(owner=demo["reporting"]).report == "report_by_unit"


@pytest.mark.parametrize(
    ("name", "path", "message"),
    [
        ("", UNIT_REPORT, "Give the saved report a name"),
        ("x" * 101, UNIT_REPORT, "at most 100 characters"),
        ("Certificates", "/admin/certificates/", "Only a completion report"),
        ("Nowhere", "/no/such/page/", "Only a completion report"),
    ],
)
def test_a_bad_save_explains_and_saves_nothing(reporting, name, path, message):
    response = save(reporting, name, path=path)
    assert response.status_code == 302
    assert message in reporting.get(response["Location"]).content.decode()
    assert not SavedReport.objects.exists()


def test_a_name_is_used_once_in_each_persons_list(reporting, demo):
    save(reporting, "Force")
    response = save(reporting, "force")
    assert "You already have a saved report called" in reporting.get(response["Location"]).content.decode()
    assert SavedReport.objects.count() == 1
    SavedReport.objects.create(owner=demo["hr"], name="Force", report="report_by_unit")  # another person's


def test_each_person_sees_and_changes_only_their_own(client, demo):
    theirs = SavedReport.objects.create(owner=demo["hr"], name="HR's own", report="report_by_unit")
    sign_in_with_mfa(client, demo["reporting"])
    assert "HR&#x27;s own" not in client.get(SAVED).content.decode()
    assert client.post(f"{SAVED}{theirs.pk}/delete/").status_code == 404
    assert client.post(f"{SAVED}{theirs.pk}/schedule/", {f"s{theirs.pk}-recipient": "MP100001"}).status_code == 404
    theirs.refresh_from_db()
    assert theirs.send_weekly_to is None
    sign_in_with_mfa(client, demo["hr"])
    assert client.post(f"{SAVED}{theirs.pk}/delete/").status_code == 302
    assert not SavedReport.objects.exists()


def schedule(client, saved, number):
    response = client.post(f"{SAVED}{saved.pk}/schedule/", {f"s{saved.pk}-recipient": number})
    assert response.status_code == 302
    saved.refresh_from_db()
    return client.get(SAVED).content.decode()


def test_the_recipient_is_an_active_person_named_by_number(reporting, demo):
    saved = SavedReport.objects.create(owner=demo["reporting"], name="Force", report="report_by_unit")
    page = schedule(reporting, saved, demo["manager"].warrant_number.lower())
    assert saved.send_weekly_to == demo["manager"] and "will be emailed to" in page
    for bad, message in [
        ("someone@example.com", "No active person in Attest has"),
        ("NOBODY1", "No active person in Attest has"),
    ]:
        assert message in schedule(reporting, saved, bad)
        assert saved.send_weekly_to == demo["manager"]  # unchanged
    leaver = UserFactory(warrant_number="LEFT0001", is_active=False)
    assert "No active person" in schedule(reporting, saved, leaver.warrant_number)
    UserFactory(warrant_number="NOMAIL01", email="")
    assert "has no email address" in schedule(reporting, saved, "NOMAIL01")
    assert "is no longer emailed" in schedule(reporting, saved, "")
    assert saved.send_weekly_to is None


def test_the_people_list_is_never_emailed(reporting, demo):
    saved = SavedReport.objects.create(owner=demo["reporting"], name="Chasing", report="report_people")
    assert "it is not emailed" in schedule(reporting, saved, demo["manager"].warrant_number)
    assert saved.send_weekly_to is None


def test_a_scheduled_report_is_sent_once_a_week_with_its_csv_and_audited(demo, unit):
    saved = SavedReport.objects.create(
        owner=demo["reporting"],
        name="North weekly",
        report="report_by_unit",
        query=f"org_unit={unit.pk}",
        send_weekly_to=demo["manager"],
    )
    assert send_due_reports() == 1
    assert send_due_reports() == 0  # the same week: nothing more
    call_command("send_saved_reports")
    (message,) = mail.outbox
    assert message.to == [demo["manager"].email] and "North weekly" in message.subject
    ((filename, content, mimetype),) = message.attachments
    assert filename.endswith(f"{MONDAY.isoformat()}.csv") and mimetype == "text/csv"
    assert "North" in content.decode() if isinstance(content, bytes) else "North" in content
    assert ReportSend.objects.get(saved_report=saved).week_of == MONDAY
    sent = AuditEvent.objects.get(verb="scheduled report emailed")
    assert sent.actor == demo["reporting"] and sent.details["recipient"] == demo["manager"].warrant_number
    # Next week, it goes again.
    assert send_due_reports(today=MONDAY + datetime.timedelta(days=7)) == 1


def test_a_send_the_mail_server_refuses_is_tried_again_on_the_next_run(demo, unit, monkeypatch):
    import smtplib

    from django.core.mail import EmailMessage

    SavedReport.objects.create(
        owner=demo["reporting"], name="Weekly", report="report_by_module", send_weekly_to=demo["manager"]
    )

    def refuse(self, fail_silently=False):
        raise smtplib.SMTPServerDisconnected("gone")

    with monkeypatch.context() as patched:
        patched.setattr(EmailMessage, "send", refuse)
        assert send_due_reports() == 0
    assert not ReportSend.objects.exists()
    assert send_due_reports() == 1 and len(mail.outbox) == 1


def test_nothing_is_sent_for_a_leaver_or_an_owner_who_may_no_longer_see_reports(demo, unit):
    leaver = UserFactory(is_active=False, email="left@force.example")
    SavedReport.objects.create(owner=demo["reporting"], name="To a leaver", report="report_by_unit")
    SavedReport.objects.filter(name="To a leaver").update(send_weekly_to=leaver)
    SavedReport.objects.create(
        owner=demo["officer"], name="Not theirs to see", report="report_by_unit", send_weekly_to=demo["manager"]
    )
    assert send_due_reports() == 0
    assert not mail.outbox and not ReportSend.objects.exists()


def test_the_saved_list_is_a_fixed_number_of_queries(reporting, demo, django_assert_max_num_queries):
    for n in range(3):
        SavedReport.objects.create(owner=demo["reporting"], name=f"R{n}", report="report_by_unit")
    with django_assert_max_num_queries(12) as captured:
        reporting.get(SAVED)
    few = len(captured)
    for n in range(30):
        SavedReport.objects.create(
            owner=demo["reporting"], name=f"S{n}", report="report_trend", send_weekly_to=demo["manager"]
        )
    with django_assert_max_num_queries(few):
        reporting.get(SAVED)


@pytest.mark.parametrize("username", ["officer", "manager", "trainer", "policyowner"])
def test_only_reporting_and_hr_keep_saved_reports(client, demo, username):
    sign_in_with_mfa(client, demo[username])
    assert client.get(SAVED).status_code in (302, 403)
    assert save(client, "Mine").status_code in (302, 403)
    assert not SavedReport.objects.exists()
    for allowed in ("hr", "reporting"):
        sign_in_with_mfa(client, demo[allowed])
        assert client.get(SAVED).status_code == 200
