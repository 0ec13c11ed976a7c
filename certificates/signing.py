"""The certificate PDF, signed by the force (PAdES, with pyHanko), so that it can be checked
offline: any PDF reader that shows signatures says whether the file is exactly as the force
issued it, and who signed it.

Two levels:

- **B-B**, always: one signature over the whole file, made with the force's key and
  certificate (``CERTIFICATE_SIGNING_KEY`` and ``CERTIFICATE_SIGNING_CERT``). It is
  *reproducible*: the claimed signing time is the certificate's issue time, RSA PKCS#1 v1.5 and
  deterministic ECDSA signatures involve no randomness, and the incremental update pyHanko
  appends is made free of its own randomness and clock (``_ReproducibleUpdate``). So signing
  the same drawing again gives the same bytes, and ``stored_pdfs`` can still draw a lost PDF
  again and check it against the SHA-256 recorded at issue.
- **B-LT**, when a timestamp authority is configured (``CERTIFICATE_TIMESTAMP_URL``):
  ``timestamped`` appends the validation data of the signing certificate (a document security
  store) and a document timestamp from the authority, which proves when the file existed. That
  is new bytes every time, so only the first storage of a PDF does it; a timestamped PDF lost
  from storage cannot be drawn again as issued and must be restored from a backup. If the
  authority cannot be reached, the B-B file is kept and the failure logged.

With no key configured (and no demo pair in development) PDFs are drawn unsigned and the
deployment check ``certificates.W001`` says so.
"""

from __future__ import annotations

import datetime
import functools
import hashlib
import io
import logging
import os
from dataclasses import dataclass
from pathlib import Path

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from django.conf import settings
from django.core import checks
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import signers
from pyhanko.sign.fields import SigSeedSubFilter
from pyhanko.sign.general import get_pyca_cryptography_hash
from pyhanko.sign.timestamps import HTTPTimeStamper, TimeStamper
from pyhanko.sign.validation import add_validation_info
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore

logger = logging.getLogger("attest.certificates.pdf")

FIELD_NAME = "ForceSignature"
DEMO_SUBJECT = "Attest DEMO certificate signing — not for real use"
DEMO_KEY_FILE, DEMO_CERT_FILE = "demo-signing-key.pem", "demo-signing-certificate.pem"
# Room kept for the signature (CMS) beyond the certificates it carries: the signature itself (512
# bytes for RSA 4096) and its signed attributes, with a wide margin. Sized from the certificates
# rather than estimated by signing twice (pyHanko's default), which would double the cost.
SIGNATURE_OVERHEAD_BYTES = 4096
TIMESTAMP_TIMEOUT_SECONDS = 10


class SigningKeyError(Exception):
    """The configured signing key or certificate cannot be used; the message says why."""


@dataclass(frozen=True)
class SigningIdentity:
    """The force's signing key and certificate, loaded once per process (and again when a file
    changes), with what the public verification page shows of the certificate."""

    signer: signers.Signer
    certificate: x509.Certificate
    chain: tuple[x509.Certificate, ...]  # the certificate first, then any issuers given with it

    @property
    def subject(self) -> str:
        return self.certificate.subject.rfc4514_string()

    @property
    def fingerprint(self) -> str:
        """The SHA-256 fingerprint of the certificate in upper-case hex, in groups of eight digits
        (so that it wraps on a narrow screen; readers show it with or without separators)."""
        digest = self.certificate.fingerprint(hashes.SHA256()).hex().upper()
        return " ".join(digest[i : i + 8] for i in range(0, len(digest), 8))

    @property
    def pem(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.PEM)

    @property
    def der(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.DER)

    @property
    def is_demo(self) -> bool:
        return DEMO_SUBJECT in self.subject

    @property
    def signs_documents(self) -> bool:
        """Whether the certificate's key usage allows document signatures (no extension: any use)."""
        try:
            usage = self.certificate.extensions.get_extension_for_class(x509.KeyUsage).value
        except x509.ExtensionNotFound:
            return True
        return usage.digital_signature and usage.content_commitment

    @property
    def not_valid_after(self) -> datetime.datetime:
        return self.certificate.not_valid_after_utc


def public_identity() -> SigningIdentity | None:
    """The identity for public pages: None, logged, when the configured one cannot be used
    (the deployment check says why), so a page about certificates never fails for it."""
    try:
        return signing_identity()
    except SigningKeyError:
        logger.exception("The certificate signing key or certificate cannot be used.")
        return None


def ensure_demo_pair() -> bool:
    """Make the demo signing pair (``seed_demo``) if it is absent and the settings have a place
    for it; True if it was made."""
    paths = demo_paths()
    if paths is None or all(path.exists() for path in paths):
        return False
    make_self_signed_pair(*paths, subject=DEMO_SUBJECT)
    return True


def demo_paths() -> tuple[Path, Path] | None:
    folder = getattr(settings, "CERTIFICATE_DEMO_SIGNING_DIR", None)
    return (Path(folder) / DEMO_KEY_FILE, Path(folder) / DEMO_CERT_FILE) if folder else None


def configured_paths() -> tuple[Path, Path] | None:
    """The key and certificate files to sign with: those configured, else (in development, where
    demo data is allowed) the demo pair ``seed_demo`` makes, if it exists; None for unsigned."""
    key, cert = settings.CERTIFICATE_SIGNING_KEY, settings.CERTIFICATE_SIGNING_CERT
    if key or cert:
        return Path(key), Path(cert)
    demo = demo_paths()
    if settings.DEMO_DATA_ALLOWED and demo is not None and all(path.exists() for path in demo):
        return demo
    return None


def signing_identity() -> SigningIdentity | None:
    """The identity PDFs are signed with, or None when none is configured. Raises
    ``SigningKeyError`` when one is configured but cannot be used."""
    paths = configured_paths()
    if paths is None:
        return None
    key_path, cert_path = paths
    try:
        stamps = tuple(os.stat(path).st_mtime_ns for path in paths)  # a replaced file is read again
    except OSError as error:
        raise SigningKeyError(f"The signing key or certificate cannot be read: {error}") from error
    return _load(str(key_path), str(cert_path), settings.CERTIFICATE_SIGNING_KEY_PASSWORD, stamps)


@functools.lru_cache(maxsize=4)
def _load(key_path: str, cert_path: str, password: str, _stamps: tuple[int, ...]) -> SigningIdentity:
    try:
        key_data, cert_data = Path(key_path).read_bytes(), Path(cert_path).read_bytes()
    except OSError as error:
        raise SigningKeyError(f"The signing key or certificate cannot be read: {error}") from error
    try:
        loader = serialization.load_pem_private_key if b"-----BEGIN" in key_data else serialization.load_der_private_key
        key = loader(key_data, password=password.encode() or None)
    except (ValueError, TypeError) as error:
        raise SigningKeyError(f"{key_path} is not a private key this password opens: {error}") from error
    if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        raise SigningKeyError(f"{key_path} is a {type(key).__name__}; use an RSA or elliptic-curve key.")
    try:
        chain = (
            tuple(x509.load_pem_x509_certificates(cert_data))
            if b"-----BEGIN" in cert_data
            else (x509.load_der_x509_certificate(cert_data),)
        )
    except ValueError as error:
        raise SigningKeyError(f"{cert_path} is not a certificate: {error}") from error
    certificate = chain[0]
    if certificate.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    ) != key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo):
        raise SigningKeyError(f"The certificate in {cert_path} is not the key in {key_path}'s.")
    signer = _LoadedKeySigner(key, _asn1(chain))
    return SigningIdentity(signer=signer, certificate=certificate, chain=chain)


def _asn1(chain) -> list[asn1_x509.Certificate]:
    return [asn1_x509.Certificate.load(c.public_bytes(serialization.Encoding.DER)) for c in chain]


class _LoadedKeySigner(signers.SimpleSigner):
    """pyHanko's ``SimpleSigner``, but with the key parsed once: the original parses it again for
    each signature, and cryptography checks an RSA key as it parses it (about a quarter of a
    second for 3072 bits). ECDSA signatures are made deterministic (RFC 6979) so that signing
    the same drawing twice gives the same bytes; RSA PKCS#1 v1.5 signatures always are."""

    def __init__(self, key, chain: list[asn1_x509.Certificate]):
        info = asn1_keys.PrivateKeyInfo.load(
            key.private_bytes(
                serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
        super().__init__(
            signing_cert=chain[0], signing_key=info, cert_registry=SimpleCertificateStore.from_certs(chain[1:])
        )
        self._key = key

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        hash_algorithm = get_pyca_cryptography_hash(digest_algorithm)
        if isinstance(self._key, ec.EllipticCurvePrivateKey):
            return self._key.sign(data, ec.ECDSA(hash_algorithm, deterministic_signing=True))
        mechanism = self.get_signature_mechanism_for_digest(digest_algorithm).signature_algo
        if mechanism == "rsassa_pkcs1v15":
            return self._key.sign(data, padding.PKCS1v15(), hash_algorithm)
        return super().sign_raw(data, digest_algorithm)


class _ReproducibleUpdate(IncrementalPdfFileWriter):
    """The incremental update that carries the signature, with nothing in it that changes from
    one run to the next. pyHanko gives the updated document a random second ID and sets its
    modification date to now; here the ID is derived from the bytes signed, and the document's
    properties (dated at issue by the drawing) are left as they are."""

    @classmethod
    def _handle_id(cls, prev: PdfFileReader):
        first, _random = super()._handle_id(prev)
        prev.stream.seek(0)
        return generic.ArrayObject([first, generic.ByteStringObject(hashlib.sha256(prev.stream.read()).digest()[:16])])

    def _update_meta(self) -> None:
        pass


class _SignerAt(signers.PdfSigner):
    """A ``PdfSigner`` whose claimed signing time (the CMS signing-time attribute and the
    signature dictionary's /M) is the one given, not the clock."""

    def __init__(self, *args, signing_time: datetime.datetime, **kwargs):
        super().__init__(*args, **kwargs)
        self._signing_time = signing_time

    def init_signing_session(self, pdf_out, existing_fields_only=False):
        session = super().init_signing_session(pdf_out, existing_fields_only=existing_fields_only)
        session.system_time = self._signing_time
        return session


def sign_pdf(data: bytes, *, signed_at: datetime.datetime, identity: SigningIdentity | None = None) -> bytes:
    """The PDF ``data`` signed by the force (PAdES B-B), the signature covering the whole file
    and claiming ``signed_at`` as its time; the same arguments always give the same bytes.
    ``data`` itself when no signing key is configured. Raises ``SigningKeyError`` when a key is
    configured but cannot be used (never an unsigned PDF in its place)."""
    identity = identity or signing_identity()
    if identity is None:
        return data
    meta = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME,
        subfilter=SigSeedSubFilter.PADES,
        md_algorithm="sha256",
        reason=f"Certificate of completion issued by {settings.FORCE_NAME}",
        location=settings.SITE_URL,
    )
    writer = _ReproducibleUpdate(io.BytesIO(data))
    signer = _SignerAt(meta, identity.signer, signing_time=signed_at.astimezone(datetime.UTC).replace(microsecond=0))
    reserved = sum(len(c.public_bytes(serialization.Encoding.DER)) for c in identity.chain) + SIGNATURE_OVERHEAD_BYTES
    return signer.sign_pdf(writer, bytes_reserved=2 * reserved).getvalue()  # hex digits, two a byte


def timestamper() -> TimeStamper | None:
    """The force's timestamp authority (RFC 3161), if one is configured."""
    url = settings.CERTIFICATE_TIMESTAMP_URL
    return HTTPTimeStamper(url, timeout=TIMESTAMP_TIMEOUT_SECONDS) if url else None


def timestamped(data: bytes, identity: SigningIdentity | None = None) -> bytes:
    """The signed PDF ``data`` made long-term verifiable (PAdES B-LT), when a timestamp authority
    is configured: the validation data of the signing certificate, then a document timestamp.
    Never reproducible. If the authority or the validation fails, ``data`` unchanged (still a
    valid B-B signature), with the reason logged; ``data`` too when there is nothing to do."""
    identity = identity or signing_identity()
    authority = timestamper()
    if identity is None or authority is None:
        return data
    chain = _asn1(identity.chain)
    try:
        context = _validation_context(chain)
        signature = PdfFileReader(io.BytesIO(data)).embedded_regular_signatures[0]
        with_validation_data = add_validation_info(signature, context, skip_timestamp=True)
        writer = IncrementalPdfFileWriter(with_validation_data)
        output = signers.PdfTimeStamper(authority).timestamp_pdf(writer, "sha256", validation_context=context)
        return output.getvalue()
    except Exception:  # a network error, a refusal, a certificate that does not validate: keep B-B
        logger.exception(
            "The PDF could not be timestamped by %s; it is kept signed without a timestamp (PAdES B-B).",
            settings.CERTIFICATE_TIMESTAMP_URL,
        )
        return data


def make_self_signed_pair(
    key_path: Path, cert_path: Path, *, subject: str, days: int = 3 * 365, purpose: x509.ObjectIdentifier | None = None
) -> None:
    """Write a new RSA 3072 key (PEM, readable by its owner alone) and a self-signed certificate
    for it, for signing PDFs (or, given ``purpose``, that alone): the demo pair (``seed_demo``)
    and the tests' pairs."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
    name = x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, subject)])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
    )
    if purpose is not None:
        certificate = certificate.add_extension(x509.ExtendedKeyUsage([purpose]), critical=True)
    certificate = certificate.sign(key, hashes.SHA256())
    key_path.parent.mkdir(parents=True, exist_ok=True)
    cert_path.parent.mkdir(parents=True, exist_ok=True)
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    descriptor = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(key_pem)
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))


def _validation_context(chain: list[asn1_x509.Certificate]) -> ValidationContext:
    """Trusting the signing certificate's root and the timestamp authority's roots
    (``CERTIFICATE_TIMESTAMP_ROOTS``, else the operating system's list), fetching revocation data."""
    roots_file = settings.CERTIFICATE_TIMESTAMP_ROOTS
    if not roots_file:
        return ValidationContext(extra_trust_roots=chain[-1:], other_certs=chain[:-1], allow_fetching=True)
    authority_roots = _asn1(x509.load_pem_x509_certificates(Path(roots_file).read_bytes()))
    return ValidationContext(trust_roots=[chain[-1], *authority_roots], other_certs=chain[:-1], allow_fetching=True)


@checks.register(checks.Tags.security, deploy=True)
def check_signing_key(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """Certificate PDFs should be signed, with the force's own certificate."""
    try:
        identity = signing_identity()
    except SigningKeyError as error:
        hint = "Check CERTIFICATE_SIGNING_KEY, CERTIFICATE_SIGNING_CERT and CERTIFICATE_SIGNING_KEY_PASSWORD."
        return [checks.Error(str(error), hint=hint, id="certificates.E001")]
    if identity is None:
        return [
            checks.Warning(
                "Certificate PDFs are issued unsigned: no signing key is configured.",
                hint="Set CERTIFICATE_SIGNING_KEY and CERTIFICATE_SIGNING_CERT to the force's key and certificate.",
                id="certificates.W001",
            )
        ]
    messages: list[checks.CheckMessage] = []
    if identity.is_demo:
        messages.append(
            checks.Warning(
                "Certificate PDFs are signed with the demo certificate.",
                hint="Configure the force's own key and certificate.",
                id="certificates.W002",
            )
        )
    if not identity.signs_documents:
        messages.append(
            checks.Warning(
                "The signing certificate's key usage lacks digital signature or non-repudiation "
                "(content commitment): PDF readers will not accept its signatures.",
                hint="Ask for a document signing certificate with both key usages.",
                id="certificates.W004",
            )
        )
    if identity.not_valid_after < datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=30):
        messages.append(
            checks.Warning(
                f"The certificate PDFs are signed with expires on {identity.not_valid_after:%Y-%m-%d}.",
                hint="Renew it and configure the new key and certificate (docs/operators.md).",
                id="certificates.W003",
            )
        )
    return messages
