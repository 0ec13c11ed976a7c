"""The certificate PDF, the public verification page and the attestation ledger."""

import datetime
import io

import pgtrigger
import pypdfium2
import pytest
import zxingcpp
from django.db import connection
from django.utils import timezone
from pypdf import PdfReader

from certificates.models import Attestation, Certificate
from certificates.services import GENESIS_HASH, revoke
from tests.conftest import LEDGER_TRIGGERS
from tests.helpers import attest, certified, issued_long_ago, mark_superseded, pass_module, sign_in_with_mfa


@pytest.fixture
def certificate(client, demo):
    return certified(client, demo["officer"], demo["module"])


def test_the_pdf_carries_everything_a_verifier_needs(client, certificate, settings):
    response = client.get(f"/certificates/{certificate.display_serial}/pdf/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    reader = PdfReader(io.BytesIO(response.getvalue()))
    text = " ".join(reader.pages[0].extract_text().split())
    version = certificate.policy_version
    for expected in [
        settings.FORCE_NAME,
        "Sam Taylor",
        "MP100001",
        "Contacting the public: personal devices and police data",
        f"version {version.version_label}",
        version.body_sha256[:12],
        certificate.display_serial,
        timezone.localtime(certificate.issued_at).strftime("%-d %B %Y"),
        certificate.expires_on.strftime("%-d %B %Y"),
        f"{settings.SITE_URL}/verify/{certificate.display_serial}/",
    ]:
        assert expected in text, expected
    assert reader.metadata.title == "Certificate of completion: Contacting the public: personal devices and police data"
    assert reader.metadata.author == settings.FORCE_NAME
    assert certificate.display_serial in reader.metadata.subject
    assert reader.trailer["/Root"]["/Lang"] == "en-GB"
    fonts = {font.get_object()["/BaseFont"] for font in reader.pages[0]["/Resources"]["/Font"].values()}
    assert fonts and all(name.endswith(("VeraSans-Roman", "VeraSans-Bold")) for name in fonts)


def test_the_qr_code_scans_as_the_verification_url(client, certificate, settings):
    # Draw the page as a picture and read it with a barcode reader, as a phone camera would.
    pdf = pypdfium2.PdfDocument(client.get(f"/certificates/{certificate.display_serial}/pdf/").getvalue())
    try:
        image = pdf[0].render(scale=2).to_pil()
    finally:
        pdf.close()
    (code,) = zxingcpp.read_barcodes(image)
    assert code.format == zxingcpp.BarcodeFormat.QRCode
    assert code.text == f"{settings.SITE_URL}/verify/{certificate.display_serial}/"


def test_anyone_can_verify_a_valid_certificate(client, certificate):
    client.logout()
    response = client.get(f"/verify/{certificate.display_serial}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "This certificate is valid" in html
    # The holder by initial and surname only; the warrant number is for the holder's copy.
    assert "S. Taylor" in html
    assert "Sam" not in html and "MP100001" not in html
    assert response["Cache-Control"].startswith("max-age=0")


def test_a_serial_typed_loosely_is_taken_to_its_page(client, certificate):
    loose = certificate.serial.lower()
    response = client.get(f"/verify/{loose}/")
    assert response.status_code == 302
    assert response["Location"] == f"/verify/{certificate.display_serial}/"
    response = client.get("/verify/", {"serial": " ".join(certificate.display_serial.split("-"))})
    assert response["Location"] == f"/verify/{certificate.display_serial}/"


def test_the_verify_form_explains_a_mistyped_serial(client, certificate):
    wrong = certificate.display_serial[:-1] + ("0" if certificate.display_serial[-1] != "0" else "1")
    response = client.get("/verify/", {"serial": wrong})
    assert response.status_code == 200
    assert b"govuk-error-summary" in response.content
    assert b"One or more characters are wrong" in response.content
    assert client.get(f"/verify/{wrong}/").status_code == 404


def test_an_empty_verify_form_asks_for_the_serial(client, db):
    response = client.get("/verify/", {"serial": "  "})
    assert response.status_code == 200
    text = response.content.decode()
    assert "govuk-error-summary" in text
    assert '<a href="#serial">Enter the certificate&#x27;s serial number.</a>' in text
    assert "has 0" not in text


def test_an_unknown_serial_is_reported_plainly(client, db):
    from certificates.serials import grouped, new_serial

    response = client.get(f"/verify/{grouped(new_serial())}/")
    assert response.status_code == 404
    assert b"No certificate has this serial" in response.content


def test_the_verify_form_is_public(client, db):
    response = client.get("/verify/")
    assert response.status_code == 200
    assert b"Check a certificate" in response.content


def revoked(certificate, demo) -> Certificate:
    return revoke(certificate, reason="Issued in error", by=demo["hr"])


def marked_superseded(certificate, demo) -> Certificate:
    return mark_superseded(certificate)


def expired(certificate, demo) -> Certificate:
    return issued_long_ago(certificate.policy_version)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (revoked, "It has been withdrawn by"),
        (marked_superseded, "replaced by a newer version"),
        (expired, "It expired on"),
    ],
)
def test_the_verify_page_is_honest_about_a_certificate_that_is_not_valid(client, certificate, demo, make, message):
    certificate = make(certificate, demo)
    response = client.get(f"/verify/{certificate.display_serial}/")
    html = response.content.decode()
    assert "This certificate is not valid" in html
    assert message in html


def test_a_tampered_ledger_row_makes_its_certificate_fail_verification(client, certificate):
    # As someone with database access could, the PostgreSQL triggers set aside.
    with pgtrigger.ignore(*LEDGER_TRIGGERS), connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Attestation._meta.db_table} SET typed_name = %s WHERE id = %s",  # noqa: S608
            ["Somebody Else", certificate.attestation_id],
        )
    response = client.get(f"/verify/{certificate.display_serial}/")
    assert "Its record cannot be trusted" in response.content.decode()


def test_ledger_rows_are_never_changed_or_deleted(certificate):
    row = certificate.attestation
    row.typed_name = "Changed"
    with pytest.raises(PermissionError):
        row.save()
    with pytest.raises(PermissionError):
        row.delete()
    with pytest.raises(PermissionError):
        Attestation.objects.filter(pk=row.pk).update(typed_name="Changed")
    with pytest.raises(PermissionError):
        Attestation.objects.all().delete()
    assert Attestation.objects.get(pk=row.pk).typed_name == "Sam Taylor"


def test_each_ledger_row_chains_to_the_one_before(client, certificate, demo):
    sign_in_with_mfa(client, demo["manager"])
    pass_module(client, demo["module"])
    attest(client, demo["module"], "Alex Morgan")
    rows = list(Attestation.objects.order_by("pk"))
    assert len(rows) == 3  # the demo's returning officer, then these two
    assert rows[0].previous_hash == GENESIS_HASH
    assert [row.previous_hash for row in rows[1:]] == [row.row_hash for row in rows[:-1]]
    assert all(row.row_hash == row.compute_hash() for row in rows)


def test_the_certificate_expires_after_the_module_validity(certificate, demo):
    issued = timezone.localdate(certificate.issued_at)
    months = demo["module"].certificate_validity_months
    assert (certificate.expires_on.year - issued.year) * 12 + certificate.expires_on.month - issued.month == months


@pytest.mark.parametrize(
    ("issued", "months", "expires"),
    [
        (datetime.date(2026, 1, 31), 1, datetime.date(2026, 2, 28)),
        (datetime.date(2028, 2, 29), 12, datetime.date(2029, 2, 28)),
        (datetime.date(2026, 11, 29), 12, datetime.date(2027, 11, 29)),
        (datetime.date(2026, 12, 15), 1, datetime.date(2027, 1, 15)),
    ],
)
def test_expiry_dates_fall_on_a_real_day(issued, months, expires):
    from core.dates import add_months

    assert add_months(issued, months) == expires


def test_a_policy_version_someone_attested_to_cannot_be_reworded(certificate):
    from django.core.exceptions import ValidationError

    version = certificate.policy_version
    version.body += "\n\n9. A new rule."
    with pytest.raises(ValidationError, match="Add a new version instead"):
        version.full_clean()
    with pytest.raises(PermissionError):
        version.save()
    version.refresh_from_db()
    version.effective_date = datetime.date(2030, 1, 1)
    with pytest.raises(PermissionError):
        version.save()
    version.refresh_from_db()
    version.version_label = "2.0a"
    version.save()  # a label may still be corrected
    assert certificate.attestation.compute_hash() == certificate.attestation.row_hash


def test_policy_owners_manage_policies_in_the_admin(client, demo):
    sign_in_with_mfa(client, demo["policyowner"])
    document = demo["module"].policy_document
    assert client.get("/admin/snippets/certificates/policydocument/").status_code == 200
    assert client.get(f"/admin/snippets/certificates/policydocument/edit/{document.pk}/").status_code == 200
    client.force_login(demo["officer"])
    assert client.get("/admin/snippets/certificates/policydocument/").status_code == 403
