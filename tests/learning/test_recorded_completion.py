"""Completion recorded by HR for training done elsewhere (a classroom session, an equivalent
course): the evidence kept with its SHA-256, who recorded it, the enrolment completed, and no
attestation or certificate made. Shown as such on the person's page, the transcript, Your data
and the people report; the evidence downloadable by HR alone, and audited."""

import datetime
import hashlib

import pytest
from bs4 import BeautifulSoup
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from access.models import AuditEvent
from certificates.models import Attestation, Certificate
from learning.factories import EnrolmentFactory, ModulePageFactory
from learning.models import Enrolment, RecordedCompletion
from learning.services import EVIDENCE_MAX_BYTES, CannotRecordCompletion, record_completion
from people.factories import UserFactory
from records.privacy import personal_data
from records.reports import PeopleReport
from records.transcript import _enrolment_line, transcript_for
from tests.helpers import csv_cells, sign_in_with_mfa

TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)
LIST = "/admin/recorded-completions/"
NEW = "/admin/recorded-completions/new/"
PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"  # evidence files written by a test stay in the test


@pytest.fixture
def module(db):
    return ModulePageFactory(title="Public order refresher")


@pytest.fixture
def enrolment(module):
    return EnrolmentFactory(user=UserFactory(first_name="Priya", last_name="Shah"), module=module)


def pdf(name="attendance.pdf", content=PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def record(enrolment, by, **overrides) -> RecordedCompletion:
    fields = {
        "completed_on": TODAY - 3 * DAY,
        "kind": RecordedCompletion.Kind.CLASSROOM,
        "description": "Public order day, Hendon, led by Insp. Rowe",
        "evidence": pdf(),
        "by": by,
    } | overrides
    return record_completion(enrolment.user, enrolment.module, **fields)


def form(enrolment, **overrides) -> dict:
    return {
        "user": enrolment.user.pk,
        "module": enrolment.module.pk,
        "completed_on": (TODAY - 3 * DAY).isoformat(),
        "kind": "classroom",
        "description": "Public order day, Hendon",
        "evidence": pdf(),
    } | overrides


def nothing_changed(enrolment) -> None:
    enrolment.refresh_from_db()
    assert enrolment.status == Enrolment.Status.NOT_STARTED and enrolment.completed_at is None
    assert not RecordedCompletion.objects.exists()


# The whole path ----------------------------------------------------------------------------------


def test_hr_records_a_completion_with_evidence_through_the_form(client, demo, enrolment):
    sign_in_with_mfa(client, demo["hr"])
    assert client.get(NEW).status_code == 200

    response = client.post(NEW, form(enrolment))

    assert response.status_code == 302 and response["Location"] == LIST
    row = RecordedCompletion.objects.get()
    assert (row.user, row.module, row.enrolment, row.recorded_by) == (
        enrolment.user,
        enrolment.module,
        enrolment,
        demo["hr"],
    )
    assert row.completed_on == TODAY - 3 * DAY and row.kind == "classroom"
    assert row.evidence_sha256 == hashlib.sha256(PDF).hexdigest()
    assert (row.evidence_name, row.evidence_size) == ("attendance.pdf", len(PDF))
    # Stored under a name nobody can guess: not the person's, nor the file's own.
    assert "attendance" not in row.evidence.name and "Shah" not in row.evidence.name
    assert row.evidence.name.startswith("recorded-completions/") and row.evidence.name.endswith(".pdf")
    with row.evidence.open("rb") as stored:
        assert stored.read() == PDF
    enrolment.refresh_from_db()
    assert enrolment.status == Enrolment.Status.COMPLETE
    assert timezone.localtime(enrolment.completed_at).date() == TODAY - 3 * DAY
    # The officer's own acts: none made for them.
    assert not Attestation.objects.filter(user=enrolment.user).exists()
    assert not Certificate.objects.filter(user=enrolment.user).exists()
    event = AuditEvent.objects.filter(verb="recorded a completion elsewhere").get()
    assert event.actor == demo["hr"] and event.details["evidence_sha256"] == row.evidence_sha256
    listing = client.get(LIST).content.decode()
    assert "Priya Shah" in listing and "Public order refresher" in listing and "attendance.pdf" in listing


def test_a_png_or_jpeg_is_accepted_by_its_content(demo, enrolment):
    row = record(enrolment, demo["hr"], evidence=SimpleUploadedFile("scan.PNG", PNG))
    assert row.evidence.name.endswith(".png")


def test_a_completion_is_never_changed_or_deleted_through_the_orm(demo, enrolment):
    row = record(enrolment, demo["hr"])
    with pytest.raises(PermissionError):
        row.save()
    with pytest.raises(PermissionError):
        row.delete()
    with pytest.raises(PermissionError):
        RecordedCompletion.objects.filter(pk=row.pk).update(description="Changed")


# Each refusal changes nothing ----------------------------------------------------------------------


def test_no_open_enrolment_is_refused(demo, module):
    stranger = UserFactory()
    with pytest.raises(CannotRecordCompletion, match="not enrolled on Public order refresher"):
        record_completion(
            stranger, module, completed_on=TODAY, kind="classroom", description="x", evidence=pdf(), by=demo["hr"]
        )
    assert not RecordedCompletion.objects.exists()


def test_an_enrolment_already_complete_is_refused(demo, enrolment):
    Enrolment.objects.filter(pk=enrolment.pk).update(status=Enrolment.Status.COMPLETE)
    with pytest.raises(CannotRecordCompletion, match="already completed"):
        record(enrolment, demo["hr"])
    assert not RecordedCompletion.objects.exists()


def test_a_day_in_the_future_is_refused(client, demo, enrolment):
    with pytest.raises(CannotRecordCompletion, match="in the future"):
        record(enrolment, demo["hr"], completed_on=TODAY + DAY)
    sign_in_with_mfa(client, demo["hr"])
    response = client.post(NEW, form(enrolment, completed_on=(TODAY + DAY).isoformat()))
    assert response.status_code == 400
    assert "There is a problem" in response.content.decode()
    assert "The day of completion is in the future" in response.content.decode()
    nothing_changed(enrolment)


def test_a_file_that_is_not_pdf_png_or_jpeg_is_refused_whatever_its_name(client, demo, enrolment):
    sign_in_with_mfa(client, demo["hr"])
    disguised = SimpleUploadedFile("evidence.pdf", b"MZ\x90\x00 not a pdf at all", content_type="application/pdf")
    response = client.post(NEW, form(enrolment, evidence=disguised))
    assert response.status_code == 400
    assert "The evidence must be a PDF, PNG or JPEG file" in response.content.decode()
    nothing_changed(enrolment)
    assert not AuditEvent.objects.filter(verb="recorded a completion elsewhere").exists()


def test_a_file_over_ten_megabytes_is_refused(client, demo, enrolment):
    sign_in_with_mfa(client, demo["hr"])
    too_big = pdf(content=PDF + b"0" * (EVIDENCE_MAX_BYTES + 1 - len(PDF)))
    response = client.post(NEW, form(enrolment, evidence=too_big))
    assert response.status_code == 400
    assert "10 MB or less" in response.content.decode()
    nothing_changed(enrolment)


def test_an_inactive_person_is_refused(client, demo, enrolment):
    enrolment.user.is_active = False
    enrolment.user.save(update_fields=["is_active"])
    with pytest.raises(CannotRecordCompletion, match="no longer active"):
        record(enrolment, demo["hr"])
    sign_in_with_mfa(client, demo["hr"])
    response = client.post(NEW, form(enrolment))
    assert response.status_code == 400 and "Choose an active person" in response.content.decode()
    nothing_changed(enrolment)


def test_a_blank_description_is_refused(demo, enrolment):
    with pytest.raises(CannotRecordCompletion, match="Describe the training"):
        record(enrolment, demo["hr"], description="   ")
    nothing_changed(enrolment)


# Who may ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["hr", "admin"])
def test_hr_and_the_administrator_may_record_list_and_download(client, demo, enrolment, role):
    row = record(enrolment, demo["hr"])
    sign_in_with_mfa(client, demo[role])
    assert client.get(LIST).status_code == 200
    assert client.get(NEW).status_code == 200
    response = client.get(reverse("recorded_completion_evidence", args=[row.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert 'attachment; filename="attendance.pdf"' in response["Content-Disposition"]
    download = AuditEvent.objects.filter(action="export", verb="evidence of a recorded completion").get()
    assert download.actor == demo[role] and download.details["recorded_completion"] == row.pk


@pytest.mark.parametrize("role", ["officer", "manager", "trainer", "reporting", "policyowner"])
def test_everyone_else_is_refused_the_form_the_listing_and_the_evidence(client, demo, enrolment, role):
    row = record(enrolment, demo["hr"])
    # The officer asking is the one the record is about: still not theirs to download.
    row_of_theirs = record(
        EnrolmentFactory(user=demo[role], module=enrolment.module), demo["hr"], evidence=pdf("theirs.pdf")
    )
    sign_in_with_mfa(client, demo[role])
    for url in (
        LIST,
        NEW,
        reverse("recorded_completion_evidence", args=[row.pk]),
        reverse("recorded_completion_evidence", args=[row_of_theirs.pk]),
    ):
        assert client.get(url).status_code in (302, 403), url
    assert client.post(NEW, form(EnrolmentFactory(module=enrolment.module))).status_code in (302, 403)
    assert RecordedCompletion.objects.count() == 2
    assert not AuditEvent.objects.filter(verb="evidence of a recorded completion").exists()


def test_signed_out_is_sent_to_sign_in(client, demo, enrolment):
    row = record(enrolment, demo["hr"])
    for url in (LIST, NEW, reverse("recorded_completion_evidence", args=[row.pk])):
        response = client.get(url)
        assert response.status_code == 302 and "login" in response["Location"], url


def test_the_evidence_is_not_under_a_public_address(demo, enrolment, settings):
    row = record(enrolment, demo["hr"])
    assert row.evidence.name.count("/") == 1 and len(row.evidence.name.split("/")[1].split(".")[0]) == 32


# Shown as such ---------------------------------------------------------------------------------------


def test_the_transcript_says_completed_elsewhere_by_whom_with_the_evidence_hash(demo, enrolment):
    row = record(enrolment, demo["hr"])
    transcript = transcript_for(enrolment.user)
    [module] = transcript.modules
    [line] = [_enrolment_line(e) for e in module.enrolments]
    hr_name = demo["hr"].get_full_name()
    assert (
        f"Completed elsewhere, recorded by HR: Classroom session, {row.completed_on:%d %b %Y}, "
        f"evidence SHA-256 {row.evidence_sha256}, recorded by {hr_name}" in line
    )
    assert "No attestation or certificate." in line


def test_your_data_lists_the_completion_and_its_evidence(demo, enrolment):
    row = record(enrolment, demo["hr"])
    [entry] = personal_data(enrolment.user)["completions_recorded_by_hr"]
    assert entry["module"] == "Public order refresher" and entry["completed_on"] == row.completed_on.isoformat()
    assert entry["kind"] == "Classroom session" and entry["evidence_sha256"] == row.evidence_sha256
    assert entry["recorded_by"] == demo["hr"].get_full_name()
    assert "no attestation or certificate" in entry["note"]


def test_the_persons_page_in_the_people_admin_shows_it(client, demo, enrolment):
    row = record(enrolment, demo["hr"])
    sign_in_with_mfa(client, demo["hr"])
    page = client.get(reverse("people_admin_person", args=[enrolment.user.pk])).content.decode()
    assert "Completions recorded by HR" in page
    assert "Recorded by HR: no attestation or certificate." in page
    assert reverse("recorded_completion_evidence", args=[row.pk]) in page


def test_the_people_report_counts_it_complete_and_its_export_says_recorded_by_hr(client, demo, enrolment):
    record(enrolment, demo["hr"])
    sign_in_with_mfa(client, demo["hr"])
    response = client.get(reverse(PeopleReport.index_url_name), {"module": enrolment.module.pk, "export": "csv"})
    rows = csv_cells(response)
    [status] = [row[rows[0].index("Status")] for row in rows[1:] if "Shah" in row]
    assert status == "Complete (recorded by HR)"
    complete = client.get(reverse(PeopleReport.index_url_name), {"module": enrolment.module.pk, "status": "complete"})
    [row] = [row for row in BeautifulSoup(complete.content, "html.parser").select("tbody tr") if "Shah" in row.text]
    assert "Complete (recorded by HR)" in row.get_text(" ", strip=True)  # the page says it as the export does


def test_the_listing_makes_the_same_queries_for_many_completions(client, demo, module, django_assert_max_num_queries):
    record(EnrolmentFactory(module=module), demo["hr"])
    sign_in_with_mfa(client, demo["hr"])
    client.get(LIST)  # warm what a first request reads once
    with CaptureQueriesContext(connection) as one:
        assert client.get(LIST).status_code == 200
    for _ in range(4):
        record(EnrolmentFactory(module=module), demo["hr"])
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert client.get(LIST).status_code == 200


def test_the_people_report_makes_the_same_queries_with_completions_recorded(
    client, demo, module, django_assert_max_num_queries
):
    record(EnrolmentFactory(module=module), demo["hr"])
    sign_in_with_mfa(client, demo["hr"])
    url = reverse(PeopleReport.index_url_name)
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        assert client.get(url).status_code == 200
    for _ in range(4):
        record(EnrolmentFactory(module=module), demo["hr"])
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert client.get(url).status_code == 200


# A correction is a new record, never an edit --------------------------------------------------------


def test_hr_withdraws_a_record_made_by_mistake_and_the_enrolment_opens_again(client, demo, enrolment):
    row = record(enrolment, demo["hr"])
    sign_in_with_mfa(client, demo["hr"])
    url = reverse("recorded_completion_withdraw", args=[row.pk])
    assert client.get(url).status_code == 200

    response = client.post(url, {"reason": "Wrong person: it was her colleague"})

    assert response.status_code == 302
    original, correction = RecordedCompletion.objects.order_by("pk")
    assert original.pk == row.pk and original.description == row.description  # kept as it was
    assert correction.withdraws == original and correction.withdrawal_reason == "Wrong person: it was her colleague"
    assert correction.recorded_by == demo["hr"] and correction.evidence_sha256 == original.evidence_sha256
    enrolment.refresh_from_db()
    assert enrolment.status == Enrolment.Status.NOT_STARTED and enrolment.completed_at is None
    assert AuditEvent.objects.filter(verb="withdrew a completion recorded elsewhere").count() == 1
    # No longer shown as a completion on the transcript; Your data shows both rows.
    [module] = transcript_for(enrolment.user).modules
    assert "Completed elsewhere" not in _enrolment_line(module.enrolments[0])
    assert [e["withdrawal_reason"] for e in personal_data(enrolment.user)["completions_recorded_by_hr"]] == [
        None,
        "Wrong person: it was her colleague",
    ]
    listing = client.get(LIST).content.decode()
    assert "Withdrawn" in listing and "Wrong person" in listing
    # And it can now be recorded again, rightly.
    record(enrolment, demo["hr"])


def test_a_withdrawal_needs_a_reason_and_happens_once(client, demo, enrolment):
    row = record(enrolment, demo["hr"])
    sign_in_with_mfa(client, demo["hr"])
    url = reverse("recorded_completion_withdraw", args=[row.pk])
    response = client.post(url, {"reason": "  "})
    assert response.status_code == 400 and "Give the reason for withdrawing the record" in response.content.decode()
    assert RecordedCompletion.objects.count() == 1
    assert client.post(url, {"reason": "Recorded twice"}).status_code == 302
    again = client.post(url, {"reason": "Recorded twice"})
    assert again.status_code == 400 and "already been withdrawn" in again.content.decode()
    correction = RecordedCompletion.objects.get(withdraws=row)
    refused = client.post(reverse("recorded_completion_withdraw", args=[correction.pk]), {"reason": "x"})
    assert refused.status_code == 400 and "itself a withdrawal" in refused.content.decode()
    assert RecordedCompletion.objects.count() == 2


@pytest.mark.parametrize("role", ["officer", "manager", "trainer", "reporting"])
def test_only_hr_may_withdraw(client, demo, enrolment, role):
    row = record(enrolment, demo["hr"])
    sign_in_with_mfa(client, demo[role])
    url = reverse("recorded_completion_withdraw", args=[row.pk])
    assert client.get(url).status_code in (302, 403)
    assert client.post(url, {"reason": "Not mine to withdraw"}).status_code in (302, 403)
    assert RecordedCompletion.objects.count() == 1
    enrolment.refresh_from_db()
    assert enrolment.status == Enrolment.Status.COMPLETE


@pytest.mark.parametrize(("role", "shown"), [("hr", True), ("admin", True), ("trainer", False), ("reporting", False)])
def test_the_menu_entry_is_shown_to_hr_only(client, demo, role, shown):
    sign_in_with_mfa(client, demo[role])
    assert (LIST in client.get("/admin/").content.decode()) is shown
