"""Certificate PDFs signed by the force (PAdES, pyHanko), checked with pyHanko's own validator:
intact, covering the whole file, trusted only with the force's certificate; one byte changed
breaks it; signing is reproducible, so a lost stored PDF is still drawn again as issued.

The key pairs are made once per test session in a temporary folder: no private key is ever
committed."""

from __future__ import annotations

import datetime
import hashlib
import io
import logging
import socket
import time
from pathlib import Path

import pytest
from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from django.core.files.storage import default_storage
from django.core.management import call_command
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import ModificationLevel, SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from certificates import signing, stored_pdfs
from certificates.models import Certificate
from certificates.pdf import draw_pdf, render_pdf
from certificates.services import Context, attest, issue_certificate


@pytest.fixture(scope="session")
def key_pairs(tmp_path_factory) -> dict[str, tuple[Path, Path]]:
    """The force's pair, another party's, and a timestamp authority's, made once."""
    folder = tmp_path_factory.mktemp("signing")
    pairs = {}
    for name, subject, purpose in [
        ("force", "Test Constabulary certificate signing", None),
        ("other", "Somebody else", None),
        ("tsa", "Test timestamp authority", x509.ExtendedKeyUsageOID.TIME_STAMPING),
    ]:
        pairs[name] = (folder / f"{name}-key.pem", folder / f"{name}-cert.pem")
        signing.make_self_signed_pair(*pairs[name], subject=subject, purpose=purpose)
    return pairs


@pytest.fixture
def signed_by(settings, key_pairs):
    """Sign with the named pair (the force's unless told otherwise)."""

    def use(name: str = "force") -> None:
        settings.CERTIFICATE_SIGNING_KEY, settings.CERTIFICATE_SIGNING_CERT = (str(p) for p in key_pairs[name])
        settings.CERTIFICATE_TIMESTAMP_URL = ""

    use()
    return use


@pytest.fixture(autouse=True)
def storage(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": tmp_path}},
    }
    return tmp_path


@pytest.fixture
def certificate(client, demo):
    """Sam Taylor's certificate on the policy version in force, issued through the services (its
    PDF not stored: the test's transaction never commits); Sam signed in."""
    officer, module = demo["officer"], demo["module"]
    attestation = attest(officer, module.policy_document.current_version(), officer.get_full_name(), Context())
    client.force_login(officer)
    return issue_certificate(attestation, module_id=module.pk, module_title=module.title, valid_months=12)


def asn1_certificate(path: Path) -> asn1_x509.Certificate:
    cert = x509.load_pem_x509_certificate(path.read_bytes())
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def validate(data: bytes, trusting: Path, *, field: str = signing.FIELD_NAME):
    """pyHanko's validation of the force's signature in ``data``, trusting one certificate."""
    reader = PdfFileReader(io.BytesIO(data))
    signature = next(s for s in reader.embedded_regular_signatures if s.field_name == field)
    return validate_pdf_signature(signature, ValidationContext(trust_roots=[asn1_certificate(trusting)]))


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # closed again when the block ends: nothing listens there


# The signature


def test_a_certificate_pdf_is_signed_over_the_whole_file_by_the_force(certificate, signed_by, key_pairs):
    data = render_pdf(certificate)
    status = validate(data, trusting=key_pairs["force"][1])

    assert status.intact and status.valid and status.trusted
    assert status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    assert status.docmdp_ok and status.modification_level == ModificationLevel.NONE
    assert status.signer_reported_dt == certificate.issued_at.replace(microsecond=0)
    assert "Test Constabulary certificate signing" in status.signing_cert.subject.human_friendly
    signature = PdfFileReader(io.BytesIO(data)).embedded_signatures[0]
    assert signature.sig_object["/Reason"] == "Certificate of completion issued by Metropolitan Police Service"
    assert signature.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"  # PAdES


def test_the_signed_pdf_is_the_drawing_with_the_signature_appended(certificate, signed_by):
    # An incremental update: the drawing's bytes, then the signature, so every page and tag is untouched.
    drawing = draw_pdf(certificate)
    assert render_pdf(certificate).startswith(drawing)


@pytest.mark.parametrize("where", ["the holder's name", "the middle of the drawing", "the signed update"])
def test_changing_one_byte_breaks_the_signature(certificate, signed_by, key_pairs, where):
    data = bytearray(render_pdf(certificate))
    drawing_length = len(draw_pdf(certificate))
    if where == "the holder's name":
        offset = data.index(b"Sam Taylor") + 5  # in the document's subject: Sam Taylor -> Sam Xaylor
    elif where == "the middle of the drawing":
        offset = drawing_length // 2
    else:
        offset = data.index(b"/Reason (Certificate") + len(b"/Reason (")
    data[offset] = ord("X") if data[offset] != ord("X") else ord("Y")

    status = validate(bytes(data), trusting=key_pairs["force"][1])
    assert not status.intact
    assert not status.bottom_line


def test_a_pdf_signed_by_another_key_is_intact_but_not_trusted(certificate, signed_by, key_pairs):
    signed_by("other")
    status = validate(render_pdf(certificate), trusting=key_pairs["force"][1])
    assert status.intact
    assert not status.trusted
    assert not status.bottom_line


def test_signing_the_same_certificate_again_gives_the_same_bytes(certificate, signed_by, monkeypatch):
    first = render_pdf(certificate)
    an_hour_later = time.time() + 3600
    monkeypatch.setattr(time, "time", lambda: an_hour_later)
    signing._load.cache_clear()  # the key read again, as in another process
    assert render_pdf(Certificate.objects.get(pk=certificate.pk)) == first


def test_with_no_key_configured_the_pdf_is_the_unsigned_drawing(certificate, settings):
    settings.CERTIFICATE_SIGNING_KEY = settings.CERTIFICATE_SIGNING_CERT = ""
    data = render_pdf(certificate)
    assert data == draw_pdf(certificate)
    assert PdfFileReader(io.BytesIO(data)).embedded_signatures == []


def issued_by_a_force_ca(folder: Path) -> tuple[Path, Path, Path]:
    """A signing key and its certificate issued by a force CA, the file holding the certificate
    then the CA's (as a force's PKI hands them out); and the CA certificate alone."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import rsa

    def name(text):
        return x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, text)])

    now = datetime.datetime.now(datetime.UTC)
    ca_key, key = (rsa.generate_private_key(public_exponent=65537, key_size=2048) for _ in range(2))
    ca = (
        x509.CertificateBuilder()
        .subject_name(name("Test Constabulary root CA"))
        .issuer_name(name("Test Constabulary root CA"))
        .public_key(ca_key.public_key())
        .serial_number(1)
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    leaf = (
        x509.CertificateBuilder()
        .subject_name(name("Test Constabulary certificates"))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(2)
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=365))
        .add_extension(
            x509.KeyUsage(True, True, False, False, False, False, False, False, False), critical=True
        )  # digital signature and non-repudiation, as PAdES validators expect
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    key_path, chain_path, ca_path = folder / "key.pem", folder / "chain.pem", folder / "ca.pem"
    key_path.write_bytes(key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    chain_path.write_bytes(leaf.public_bytes(pem) + ca.public_bytes(pem))
    ca_path.write_bytes(ca.public_bytes(pem))
    return key_path, chain_path, ca_path


def test_a_certificate_issued_by_the_forces_ca_is_trusted_through_the_ca(certificate, settings, tmp_path):
    key_path, chain_path, ca_path = issued_by_a_force_ca(tmp_path)
    settings.CERTIFICATE_SIGNING_KEY, settings.CERTIFICATE_SIGNING_CERT = str(key_path), str(chain_path)
    status = validate(render_pdf(certificate), trusting=ca_path)  # a reader trusting the CA alone
    assert status.bottom_line
    assert signing.signing_identity().subject == "CN=Test Constabulary certificates"


def test_a_key_that_is_not_the_certificates_is_refused_not_used(certificate, settings, key_pairs):
    settings.CERTIFICATE_SIGNING_KEY = str(key_pairs["other"][0])
    settings.CERTIFICATE_SIGNING_CERT = str(key_pairs["force"][1])
    with pytest.raises(signing.SigningKeyError, match="is not the key"):
        render_pdf(certificate)


# Stored PDFs: the signed file is the PDF as issued


def test_the_stored_pdf_is_signed_and_a_lost_one_is_drawn_again_as_issued(client, certificate, signed_by, key_pairs):
    record = stored_pdfs.stored_pdf(certificate)
    with default_storage.open(record.name, "rb") as file:
        issued = file.read()
    assert validate(issued, trusting=key_pairs["force"][1]).bottom_line
    default_storage.delete(record.name)
    signing._load.cache_clear()

    response = client.get(f"/certificates/{certificate.display_serial}/pdf/")

    served = b"".join(response.streaming_content)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="certificate-{certificate.display_serial}.pdf"'
    assert served == issued
    assert hashlib.sha256(served).hexdigest() == record.sha256


def test_a_pdf_stored_unsigned_is_still_served_after_a_key_is_configured(client, certificate, settings, signed_by):
    # What was issued is what is served: signing later never changes a stored PDF.
    settings.CERTIFICATE_SIGNING_KEY = settings.CERTIFICATE_SIGNING_CERT = ""
    record = stored_pdfs.stored_pdf(certificate)
    signed_by()
    served = b"".join(client.get(f"/certificates/{certificate.display_serial}/pdf/").streaming_content)
    assert hashlib.sha256(served).hexdigest() == record.sha256
    assert PdfFileReader(io.BytesIO(served)).embedded_signatures == []


# A timestamp authority (PAdES B-LT)


@pytest.fixture
def timestamp_authority(settings, key_pairs, monkeypatch):
    """A timestamp authority in the process (pyHanko's test one), standing in for the force's."""
    key_path, cert_path = key_pairs["tsa"]
    key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
    authority = DummyTimeStamper(
        tsa_cert=asn1_certificate(cert_path),
        tsa_key=asn1_keys.PrivateKeyInfo.load(
            key.private_bytes(
                serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        ),
    )
    settings.CERTIFICATE_TIMESTAMP_URL = "http://tsa.invalid/"
    settings.CERTIFICATE_TIMESTAMP_ROOTS = str(cert_path)
    monkeypatch.setattr(signing, "timestamper", lambda: authority)
    return authority


def test_with_a_timestamp_authority_the_stored_pdf_is_timestamped_and_still_verifies(
    client, certificate, signed_by, key_pairs, timestamp_authority
):
    record = stored_pdfs.stored_pdf(certificate)
    with default_storage.open(record.name, "rb") as file:
        issued = file.read()

    reader = PdfFileReader(io.BytesIO(issued))
    assert [s.field_name for s in reader.embedded_timestamp_signatures]  # a document timestamp
    assert "/DSS" in reader.root  # with the signing certificate's validation data
    status = validate(issued, trusting=key_pairs["force"][1])
    assert status.intact and status.trusted
    assert status.coverage == SignatureCoverageLevel.ENTIRE_REVISION
    assert status.modification_level == ModificationLevel.LTA_UPDATES  # only validation data and the timestamp after
    assert status.docmdp_ok
    assert issued.startswith(render_pdf(certificate))  # the signed drawing, then the timestamp


def test_a_timestamped_pdf_lost_from_storage_is_not_drawn_again(
    client, certificate, signed_by, timestamp_authority, caplog
):
    # A timestamp is new bytes every time: the file as issued can only come back from a backup.
    record = stored_pdfs.stored_pdf(certificate)
    default_storage.delete(record.name)
    with caplog.at_level(logging.ERROR, logger="attest.certificates.pdf"):
        response = client.get(f"/certificates/{certificate.display_serial}/pdf/")
    assert response.status_code == 503
    assert "Restore" in caplog.text


def test_an_unreachable_timestamp_authority_leaves_the_pdf_signed_without_a_timestamp(
    client, certificate, settings, signed_by, key_pairs, caplog
):
    settings.CERTIFICATE_TIMESTAMP_URL = f"http://127.0.0.1:{closed_port()}/"
    with caplog.at_level(logging.ERROR, logger="attest.certificates.pdf"):
        record = stored_pdfs.stored_pdf(certificate)
    with default_storage.open(record.name, "rb") as file:
        issued = file.read()

    assert issued == render_pdf(certificate)  # B-B, so a lost file can still be drawn again
    assert validate(issued, trusting=key_pairs["force"][1]).bottom_line
    assert "could not be timestamped" in caplog.text
    assert settings.CERTIFICATE_TIMESTAMP_URL in caplog.text


# The verification page and the signing certificate


def test_the_verify_page_explains_both_checks_and_names_the_signing_certificate(client, certificate, signed_by):
    identity = signing.signing_identity()
    for page in ["/verify/", f"/verify/{certificate.display_serial}/"]:
        text = client.get(page).content.decode()
        assert "Check the PDF itself" in text
        assert identity.fingerprint in text
        assert "Test Constabulary certificate signing" in text
        assert "/verify/signing-certificate.pem" in text and "/verify/signing-certificate.cer" in text
        assert "demonstration certificate" not in text


def test_the_verify_page_says_when_pdfs_are_not_signed(client, settings):
    settings.CERTIFICATE_SIGNING_KEY = settings.CERTIFICATE_SIGNING_CERT = ""
    text = client.get("/verify/").content.decode()
    assert "not signed digitally" in text
    assert "signing-certificate.pem" not in text


@pytest.mark.parametrize(
    ("suffix", "content_type"), [("pem", "application/x-pem-file"), ("cer", "application/pkix-cert")]
)
def test_anyone_may_download_the_signing_certificate(client, signed_by, key_pairs, suffix, content_type):
    response = client.get(f"/verify/signing-certificate.{suffix}")
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"] == f'attachment; filename="certificate-signing.{suffix}"'
    expected = x509.load_pem_x509_certificate(key_pairs["force"][1].read_bytes())
    loaded = (
        x509.load_pem_x509_certificate(response.content)
        if suffix == "pem"
        else x509.load_der_x509_certificate(response.content)
    )
    assert loaded == expected
    assert b"PRIVATE" not in response.content


def test_the_signing_certificate_is_a_404_when_pdfs_are_not_signed(client, settings, db):
    settings.CERTIFICATE_SIGNING_KEY = settings.CERTIFICATE_SIGNING_CERT = ""
    assert client.get("/verify/signing-certificate.pem").status_code == 404


def test_an_unusable_key_never_breaks_the_public_page(client, settings, tmp_path, caplog, db):
    (tmp_path / "key.pem").write_text("not a key")
    (tmp_path / "cert.pem").write_text("not a certificate")
    settings.CERTIFICATE_SIGNING_KEY, settings.CERTIFICATE_SIGNING_CERT = (
        str(tmp_path / "key.pem"),
        str(tmp_path / "cert.pem"),
    )
    with caplog.at_level(logging.ERROR, logger="attest.certificates.pdf"):
        assert client.get("/verify/").status_code == 200
        assert client.get("/verify/signing-certificate.pem").status_code == 404
    assert "cannot be used" in caplog.text


# The demo pair and the deployment check


def test_seed_demo_makes_the_demo_pair_once_and_dev_signs_with_it(settings, tmp_path, certificate):
    settings.CERTIFICATE_DEMO_SIGNING_DIR = tmp_path / "demo-signing"
    settings.CERTIFICATE_SIGNING_KEY = settings.CERTIFICATE_SIGNING_CERT = ""
    assert signing.ensure_demo_pair()
    key_path, cert_path = signing.demo_paths()
    made = cert_path.read_bytes()
    assert key_path.stat().st_mode & 0o077 == 0  # the key readable by its owner alone
    assert not signing.ensure_demo_pair()
    assert cert_path.read_bytes() == made

    identity = signing.signing_identity()
    assert identity.is_demo
    assert "Attest DEMO certificate signing — not for real use" in identity.subject
    assert validate(render_pdf(certificate), trusting=cert_path).bottom_line

    settings.DEMO_DATA_ALLOWED = False  # production never signs with the demo pair
    assert signing.signing_identity() is None


def test_the_deployment_check_warns_of_unsigned_pdfs_and_the_demo_certificate(settings, tmp_path, key_pairs):
    settings.CERTIFICATE_SIGNING_KEY = settings.CERTIFICATE_SIGNING_CERT = ""
    assert [m.id for m in signing.check_signing_key()] == ["certificates.W001"]

    settings.CERTIFICATE_DEMO_SIGNING_DIR = tmp_path
    signing.ensure_demo_pair()
    assert [m.id for m in signing.check_signing_key()] == ["certificates.W002"]

    settings.CERTIFICATE_SIGNING_KEY, settings.CERTIFICATE_SIGNING_CERT = (str(p) for p in key_pairs["force"])
    assert signing.check_signing_key() == []

    settings.CERTIFICATE_SIGNING_KEY_PASSWORD = "not needed"
    assert [m.id for m in signing.check_signing_key()] == ["certificates.E001"]


def test_the_deployment_check_runs_with_check_deploy(settings, capsys):
    settings.CERTIFICATE_SIGNING_KEY = settings.CERTIFICATE_SIGNING_CERT = ""
    call_command("check", "--deploy", "--tag", "security", fail_level="CRITICAL")
    assert "certificates.W001" in capsys.readouterr().err


def test_the_deployment_check_warns_a_month_before_the_signing_certificate_expires(settings, tmp_path):
    key_path, cert_path = tmp_path / "key.pem", tmp_path / "cert.pem"
    signing.make_self_signed_pair(key_path, cert_path, subject="Expiring soon", days=10)
    settings.CERTIFICATE_SIGNING_KEY, settings.CERTIFICATE_SIGNING_CERT = str(key_path), str(cert_path)
    assert [m.id for m in signing.check_signing_key()] == ["certificates.W003"]
    assert datetime.datetime.now(datetime.UTC) < signing.signing_identity().not_valid_after


def test_the_deployment_check_warns_of_a_certificate_not_meant_for_signing_documents(settings, tmp_path):
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, "A TLS certificate")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(3)
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=365))
        .add_extension(x509.KeyUsage(True, False, True, False, False, False, False, False, False), critical=True)
        .sign(key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    (tmp_path / "key.pem").write_bytes(
        key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    (tmp_path / "cert.pem").write_bytes(certificate.public_bytes(pem))
    settings.CERTIFICATE_SIGNING_KEY = str(tmp_path / "key.pem")
    settings.CERTIFICATE_SIGNING_CERT = str(tmp_path / "cert.pem")
    assert [m.id for m in signing.check_signing_key()] == ["certificates.W004"]
