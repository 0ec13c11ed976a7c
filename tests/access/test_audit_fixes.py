"""The audit log as HR reads and exports it: each event's details in the list (scrubbed), the
client's address on changes made in the admin, times in UTC to the second and details as JSON in
the spreadsheets, a JSON-lines button in the header; and the dashboard's page search offered
only to those who may search pages."""

from __future__ import annotations

import csv
import datetime
import io
import json

import pytest
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from access import audit
from access.models import AuditEvent
from certificates.services import revoke
from people.models import OrgUnit
from tests.helpers import certified, sign_in_with_mfa

Action = AuditEvent.Action
AUDIT_LOG = "/admin/audit/"
ADDRESS = "203.0.113.7"


@pytest.fixture
def hr(client, demo):
    sign_in_with_mfa(client, demo["hr"])
    return client


def listed_rows(page: str) -> str:
    return page.split('id="listing-results"', 1)[1].split("<tbody", 1)[1].split("</tbody>", 1)[0]


# Details in the list ---------------------------------------------------------------------------


def test_the_list_shows_each_events_details_readably_without_secrets(hr, demo):
    audit.record(
        Action.CHANGE,
        actor=demo["hr"],
        verb="attest.certificate.revoke",
        details={"reason": "Issued in error", "retake_due": "2027-01-31", "password": "hunter2", "rows": None},
    )
    audit.record(Action.EXPORT, actor=demo["hr"], verb="people", details={"filters": {"status": "overdue"}})
    rows = listed_rows(hr.get(AUDIT_LOG).content.decode())
    assert '<dt style="display: inline; font-weight: 600;">Reason:</dt> ' in rows
    assert 'Reason:</dt> <dd style="display: inline; margin: 0;">Issued in error</dd>' in rows
    assert "Retake due:</dt>" in rows and "2027-01-31" in rows
    assert 'Filters:</dt> <dd style="display: inline; margin: 0;">status: overdue</dd>' in rows
    assert 'Rows:</dt> <dd style="display: inline; margin: 0;">none</dd>' in rows
    assert "hunter2" not in rows and "assword" not in rows


def test_a_revocation_made_in_the_admin_shows_its_reason_in_the_list(hr, demo):
    certificate = certified(Client(), demo["officer"], demo["module"])
    due = (timezone.localdate() + datetime.timedelta(days=28)).isoformat()
    response = hr.post(
        f"/admin/certificates/{certificate.serial}/revoke/", {"reason": "Attested for another", "retake_due": due}
    )
    assert response.status_code == 302
    rows = listed_rows(hr.get(AUDIT_LOG, {"action": "change"}).content.decode())
    assert 'Reason:</dt> <dd style="display: inline; margin: 0;">Attested for another</dd>' in rows


def test_details_hold_no_secret_even_if_one_was_stored(db):
    # ``record`` scrubs as it writes; the list scrubs again, as the exports were written.
    assert audit.readable_details({"session_key": "abc", "why": "deactivated", "ended": 2}) == [
        ("why", "deactivated"),
        ("ended", "2"),
    ]


# The client's address on admin changes ---------------------------------------------------------


def test_a_change_made_in_the_admin_carries_the_clients_address(client, demo, django_capture_on_commit_callbacks):
    sign_in_with_mfa(client, demo["hr"])
    due = (timezone.localdate() + datetime.timedelta(days=30)).isoformat()
    unit = OrgUnit.objects.get(code="cw-response-a")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/admin/assignments/new/",
            {"module": demo["module"].pk, "due_date": due, "ranks": "", "roles": "", "org_units": [unit.pk]},
            REMOTE_ADDR=ADDRESS,
            HTTP_USER_AGENT="HR's browser",
        )
    assert response.status_code == 302
    change = AuditEvent.objects.filter(action=Action.CHANGE, object_type="learning.assignment").get()
    assert change.actor == demo["hr"]
    assert (change.ip_address, change.user_agent, change.path) == (ADDRESS, "HR's browser", "/admin/assignments/new/")


def test_a_revocation_in_the_admin_carries_the_address_and_one_outside_a_request_none(hr, demo):
    in_admin = certified(Client(), demo["officer"], demo["module"])
    due = (timezone.localdate() + datetime.timedelta(days=28)).isoformat()
    hr.post(
        f"/admin/certificates/{in_admin.serial}/revoke/", {"reason": "Wrong", "retake_due": due}, REMOTE_ADDR=ADDRESS
    )
    by_hr = AuditEvent.objects.get(action=Action.CHANGE, verb="attest.certificate.revoke")
    assert by_hr.ip_address == ADDRESS

    # A background job serves no request: its change has no address, not the last request's.
    outside = certified(Client(), demo["manager"], demo["module"])
    revoke(outside, reason="By a job", by=demo["hr"])
    by_job = AuditEvent.objects.filter(action=Action.CHANGE, verb="attest.certificate.revoke").exclude(pk=by_hr.pk)
    assert by_job.get().ip_address is None and by_job.get().path == ""


def test_a_secret_in_the_address_of_the_request_served_is_redacted(db):
    audit.note_client(None, environ={"REMOTE_ADDR": "10.1.2.3", "PATH_INFO": "/accounts/password/reset/key/1-abc/"})
    try:
        event = audit.record(Action.CHANGE, verb="test")
    finally:
        audit.forget_client(None)
    assert event.ip_address == "10.1.2.3" and "1-abc" not in event.path
    assert audit.record(Action.CHANGE, verb="after").ip_address is None


# Exports ---------------------------------------------------------------------------------------

AT = datetime.datetime(2026, 7, 1, 13, 5, 9, tzinfo=datetime.UTC)  # 14:05:09 in London (BST)


@pytest.fixture
def logged_at_a_known_time(demo):
    return AuditEvent.objects.create(
        at=AT,
        action=Action.MFA_PASSED,
        actor_label="hr",
        verb="totp",
        details={"reason": "Issued in error", "nested": {"rows": 3}},
    )


def test_the_csv_gives_utc_times_to_the_second_and_details_as_json(hr, logged_at_a_known_time):
    response = hr.get(AUDIT_LOG, {"action": "mfa-passed", "date_from": "2026-07-01", "export": "csv"})
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    (row,) = [row for row in rows if "totp" in row.values()]
    assert row["At (UTC, ISO 8601)"] == "2026-07-01T13:05:09Z"
    assert json.loads(row["Details (JSON)"]) == {"reason": "Issued in error", "nested": {"rows": 3}}


def test_the_xlsx_sheet_is_named_and_holds_the_same_cells(hr, logged_at_a_known_time):
    response = hr.get(AUDIT_LOG, {"action": "mfa-passed", "date_from": "2026-07-01", "export": "xlsx"})
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert sheet.title == "Audit log"
    headings, *rows = list(sheet.values)
    row = dict(zip(headings, next(row for row in rows if "totp" in row), strict=True))
    assert row["At (UTC, ISO 8601)"] == "2026-07-01T13:05:09Z"
    assert json.loads(row["Details (JSON)"])["nested"] == {"rows": 3}


def test_the_downloads_are_buttons_in_the_header(hr):
    page = hr.get(AUDIT_LOG, {"action": "sign-in"}).content.decode()
    header = page.split("<header", 1)[1].split("</header>", 1)[0]
    for label, export_format in (("Download CSV", "csv"), ("Download XLSX", "xlsx"), ("Download JSON lines", "jsonl")):
        assert label in header
        assert f"action=sign-in&amp;export={export_format}" in header
    assert "w-dropdown" not in header.split("Download CSV")[0].rsplit("<a", 1)[-1]


def test_the_list_with_details_makes_as_many_queries_for_ten_events_as_for_a_hundred(
    hr, demo, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries(events: int) -> int:
        for n in range(events):
            audit.record(Action.EXPORT, actor=demo["hr"], verb=f"report {n}", details={"filters": {"n": n}})
        with CaptureQueriesContext(connection) as captured:
            assert hr.get(AUDIT_LOG).status_code == 200
        return len(captured)

    ten = queries(10)
    assert queries(90) == ten


@pytest.mark.parametrize("username", ["officer", "manager", "trainer"])
def test_those_who_may_not_read_the_log_see_no_details(client, demo, username):
    audit.record(Action.CHANGE, actor=demo["hr"], verb="x", details={"reason": "Only for HR"})
    sign_in_with_mfa(client, demo[username])
    response = client.get(AUDIT_LOG)
    assert response.status_code in (302, 403)
    assert "Only for HR" not in response.content.decode()


# The dashboard's page search -------------------------------------------------------------------


@pytest.mark.parametrize("username", ["hr", "reporting"])
def test_those_who_cannot_search_pages_are_not_offered_the_search(client, demo, username):
    sign_in_with_mfa(client, demo[username])
    response = client.get("/admin/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Search all pages" not in page and 'role="search"' not in page.split('class="w-dashboard', 1)[1]
    assert "Dashboard" in page or demo[username].first_name in page


@pytest.mark.parametrize("username", ["admin", "trainer"])
def test_those_who_can_search_pages_still_are(client, demo, username):
    sign_in_with_mfa(client, demo[username])
    page = client.get("/admin/").content.decode()
    assert "Search all pages" in page
