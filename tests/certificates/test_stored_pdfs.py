"""The certificate PDF as issued: drawn once, stored with its SHA-256, served from storage, and
never served altered."""

import csv
import datetime
import hashlib
import io
import logging
import threading
import time
import zipfile

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from access.models import AuditEvent
from certificates import stored_pdfs
from certificates.models import Certificate, CertificatePdf
from certificates.pdf import render_pdf
from certificates.services import revoke
from people.factories import UserFactory
from tests.certificates.test_postgres_guarantees import run_together
from tests.helpers import certified, issued_long_ago, mark_superseded, travel_to


@pytest.fixture(autouse=True)
def storage(settings, tmp_path):
    """The default storage, in a folder of this test's own."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": tmp_path}},
    }
    return tmp_path


@pytest.fixture
def drawings(monkeypatch):
    """Every certificate ``render_pdf`` draws for the stored PDFs, in order."""
    drawn = []

    def draw(certificate):
        drawn.append(certificate.serial)
        return render_pdf(certificate)

    monkeypatch.setattr(stored_pdfs, "render_pdf", draw)
    return drawn


@pytest.fixture
def certificate(client, demo):
    """Sam's certificate, issued through the attestation form; its PDF not stored yet (the
    test's transaction never commits, so the task queued at issue never runs)."""
    return certified(client, demo["officer"], demo["module"])


def download(client, certificate):
    return client.get(f"/certificates/{certificate.display_serial}/pdf/")


def content(response) -> bytes:
    return b"".join(response.streaming_content)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def stored_bytes(record: CertificatePdf) -> bytes:
    with default_storage.open(record.name, "rb") as file:
        return file.read()


def test_issuing_a_certificate_stores_its_pdf_once_the_attestation_commits(
    client, demo, drawings, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as queued:
        certificate = certified(client, demo["officer"], demo["module"])
    assert not CertificatePdf.objects.filter(certificate=certificate).exists()  # not in the attestation's transaction
    for callback in queued:
        callback()  # the commit: TASKS_BACKEND immediate runs the task here

    record = CertificatePdf.objects.get(certificate=certificate)
    assert drawings == [certificate.serial]
    assert record.name.startswith(f"{stored_pdfs.FOLDER}/{certificate.serial}-")
    assert sha256(stored_bytes(record)) == record.sha256
    assert stored_bytes(record) == render_pdf(certificate)


def test_a_download_serves_the_stored_pdf_without_drawing_it_again(client, certificate, drawings):
    record = stored_pdfs.stored_pdf(certificate)
    del drawings[:]

    first, second = content(download(client, certificate)), content(download(client, certificate))

    assert drawings == []
    assert first == second == stored_bytes(record)
    assert sha256(first) == record.sha256


def test_the_download_is_an_attachment_named_for_the_serial(client, certificate):
    response = download(client, certificate)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="certificate-{certificate.display_serial}.pdf"'
    assert int(response["Content-Length"]) == len(content(response))


def test_the_first_download_of_a_pdf_never_stored_draws_and_stores_it_once(client, certificate, drawings):
    served = content(download(client, certificate))
    again = content(download(client, certificate))

    assert drawings == [certificate.serial]
    record = CertificatePdf.objects.get(certificate=certificate)
    assert served == again == stored_bytes(record)
    assert sha256(served) == record.sha256


def test_the_audit_event_names_the_sha256_of_the_bytes_served(client, certificate):
    served = content(download(client, certificate))
    event = AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT, verb="certificate PDF").latest("pk")
    assert event.details["sha256"] == sha256(served)
    assert event.details["serial"] == certificate.display_serial


def test_a_certificate_draws_the_same_bytes_every_time(certificate, monkeypatch):
    # So a stored PDF lost or altered can be drawn again as issued, and checked against its hash.
    first = render_pdf(certificate)
    an_hour_later = time.time() + 3600
    monkeypatch.setattr(time, "time", lambda: an_hour_later)
    assert render_pdf(Certificate.objects.get(pk=certificate.pk)) == first


@pytest.mark.parametrize("change", ["revoke", "mark superseded", "expire"])
def test_what_becomes_of_a_certificate_leaves_its_pdf_as_issued(
    client, certificate, demo, drawings, monkeypatch, change
):
    # The PDF shows only what the certificate's row fixed at issue, never its state (the QR code's
    # verification page says that), so one PDF per certificate is the PDF as issued for ever.
    record = stored_pdfs.stored_pdf(certificate)
    issued = stored_bytes(record)
    if change == "revoke":
        revoke(certificate, reason="Issued in error", by=demo["hr"])
    elif change == "mark superseded":
        mark_superseded(certificate)
    else:
        travel_to(monkeypatch, certificate.expires_on + datetime.timedelta(days=1))
    changed = Certificate.objects.get(pk=certificate.pk)
    assert changed.current_state != "valid"

    assert render_pdf(changed) == issued
    assert content(download(client, changed)) == issued
    assert CertificatePdf.objects.filter(certificate=certificate).count() == 1


def test_a_missing_stored_pdf_is_drawn_again_as_issued_and_put_back(client, certificate, caplog):
    record = stored_pdfs.stored_pdf(certificate)
    issued = stored_bytes(record)
    default_storage.delete(record.name)

    with caplog.at_level(logging.WARNING, logger="attest.certificates.pdf"):
        served = content(download(client, certificate))

    assert served == issued
    assert stored_bytes(record) == issued
    assert f"{record.name}, is missing" in caplog.text


def test_an_altered_stored_pdf_is_never_served(client, certificate, caplog, storage):
    record = stored_pdfs.stored_pdf(certificate)
    issued = stored_bytes(record)
    altered = issued.replace(b"Sam Taylor", b"Sam Tailor")
    default_storage.delete(record.name)
    default_storage.save(record.name, ContentFile(altered))

    with caplog.at_level(logging.WARNING, logger="attest.certificates.pdf"):
        served = content(download(client, certificate))

    assert served == issued
    assert stored_bytes(record) == issued  # put back as issued
    kept = [path for path in (storage / stored_pdfs.FOLDER).iterdir() if ".altered" in path.name]
    assert [path.read_bytes() for path in kept] == [altered]  # and the altered file kept, for the investigation
    assert f"it was stored with {record.sha256}" in caplog.text


def test_a_stored_pdf_that_no_longer_draws_as_issued_is_refused_and_audited(client, certificate, monkeypatch, caplog):
    record = stored_pdfs.stored_pdf(certificate)
    default_storage.delete(record.name)
    monkeypatch.setattr(stored_pdfs, "render_pdf", lambda certificate: b"%PDF- a layout changed since issue")

    with caplog.at_level(logging.ERROR, logger="attest.certificates.pdf"):
        response = download(client, certificate)

    assert response.status_code == 503
    assert response["Content-Type"].startswith("text/html")
    assert "cannot be downloaded at the moment" in response.content.decode()
    assert f"/verify/{certificate.display_serial}/" in response.content.decode()
    assert "not as it was issued" in caplog.text
    assert not default_storage.exists(record.name)  # nothing made up in its place
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT, verb="certificate PDF").exists()
    refusal = AuditEvent.objects.filter(action=AuditEvent.Action.ACCESS_DENIED, verb="certificate PDF").get()
    assert refusal.details["serial"] == certificate.display_serial


def test_someone_elses_certificate_pdf_is_still_refused_and_never_drawn(client, certificate, drawings):
    client.force_login(UserFactory())
    assert download(client, certificate).status_code == 404
    assert drawings == []
    assert not CertificatePdf.objects.filter(certificate=certificate).exists()


def test_the_command_stores_the_pdfs_of_certificates_issued_before_pdfs_were_kept(certificate, demo, capsys):
    older = issued_long_ago(certificate.policy_version)
    call_command("store_certificate_pdfs")
    assert set(CertificatePdf.objects.values_list("certificate", flat=True)) >= {certificate.pk, older.pk}
    assert not Certificate.objects.filter(pdf__isnull=True).exists()
    assert "that had none" in capsys.readouterr().out


def test_the_command_checks_every_stored_pdf_and_names_one_that_cannot_be_served(certificate, monkeypatch):
    call_command("store_certificate_pdfs")
    record = CertificatePdf.objects.get(certificate=certificate)
    default_storage.delete(record.name)
    call_command("store_certificate_pdfs", "--check")  # put back as issued
    assert sha256(stored_bytes(record)) == record.sha256

    default_storage.delete(record.name)
    monkeypatch.setattr(stored_pdfs, "render_pdf", lambda certificate: b"%PDF- a layout changed since issue")
    with pytest.raises(CommandError, match=certificate.display_serial):
        call_command("store_certificate_pdfs", "--check")


def test_a_stored_pdf_record_is_never_changed_or_deleted_through_the_application(certificate):
    record = stored_pdfs.stored_pdf(certificate)
    record.sha256 = "0" * 64
    with pytest.raises(PermissionError):
        record.save()
    with pytest.raises(PermissionError):
        record.delete()
    with pytest.raises(PermissionError):
        CertificatePdf.objects.filter(pk=record.pk).update(sha256="0" * 64)
    assert CertificatePdf.objects.get(pk=record.pk).sha256 == sha256(stored_bytes(record))


# On PostgreSQL: first downloads at once, and the table's triggers


@pytest.mark.postgres
def test_concurrent_first_downloads_store_one_pdf(transactional_db, demo, settings, storage, monkeypatch):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}  # no PDF drawn at issue
    certificate = issued_long_ago(demo["module"].policy_document.current_version())
    assert not CertificatePdf.objects.filter(certificate=certificate).exists()
    all_drawn = threading.Barrier(8)  # every download has found no PDF stored and drawn one

    def draw(certificate):
        drawn = render_pdf(certificate)
        all_drawn.wait(timeout=30)
        return drawn

    monkeypatch.setattr(stored_pdfs, "render_pdf", draw)

    results = run_together(8, lambda i: stored_pdfs.issued_pdf(Certificate.objects.get(pk=certificate.pk)))

    assert not [result for result in results if isinstance(result, Exception)], results
    record = CertificatePdf.objects.get(certificate=certificate)
    assert {(served.pk, sha256(data)) for served, data in results} == {(record.pk, record.sha256)}
    files = [path.name for path in (storage / stored_pdfs.FOLDER).iterdir() if certificate.serial in path.name]
    assert files == [record.name.rsplit("/", 1)[1]]


@pytest.mark.postgres
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE certificates_certificatepdf SET sha256 = repeat('0', 64)",
        "DELETE FROM certificates_certificatepdf",
        "TRUNCATE certificates_certificatepdf",
    ],
)
def test_postgresql_refuses_any_change_to_the_stored_pdf_records(transactional_db, demo, sql):
    certificate = issued_long_ago(demo["module"].policy_document.current_version())
    record = stored_pdfs.stored_pdf(certificate)
    with pytest.raises(DatabaseError, match="pgtrigger: Cannot"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql)
    assert CertificatePdf.objects.get(pk=record.pk).sha256 == record.sha256


def test_the_zip_of_certificates_holds_each_pdf_as_issued_and_names_one_that_must_be_restored(
    certificate, demo, monkeypatch, caplog
):
    from certificates.archive import stream_zip

    record = stored_pdfs.stored_pdf(certificate)
    others = list(Certificate.objects.exclude(pk=certificate.pk))  # never stored: drawn and stored now

    def unzip(certificates):
        archive = zipfile.ZipFile(io.BytesIO(b"".join(stream_zip(certificates))))
        manifest = list(csv.DictReader(io.StringIO(archive.read("manifest.csv").decode())))
        return archive, {row["Serial"]: row["File"] for row in manifest}

    archive, files = unzip([certificate, *others])
    assert archive.read(files[certificate.display_serial]) == stored_bytes(record)  # the bytes as issued
    for other in others:
        assert archive.read(files[other.display_serial]) == stored_bytes(CertificatePdf.objects.get(certificate=other))

    default_storage.delete(record.name)
    monkeypatch.setattr(stored_pdfs, "render_pdf", lambda certificate: b"%PDF- a layout changed since issue")
    with caplog.at_level(logging.ERROR, logger="attest.certificates.pdf"):
        archive, files = unzip([certificate, *others])
    assert files[certificate.display_serial] == "not included: its stored PDF must be restored from a backup"
    assert len(archive.namelist()) == len(others) + 1  # the others and the manifest
    assert "not as it was issued" in caplog.text
