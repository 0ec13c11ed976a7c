"""The certificate PDF as issued: drawn once (by a background task queued when the certificate is
issued, or by its first download), kept in the default storage with the SHA-256 of its bytes
(``CertificatePdf``), and served from there ever after, checked against that hash each time.

A stored file that is missing, or whose bytes no longer match the hash, is never served as it
is. The drawing is reproducible (``render_pdf`` gives the same bytes for the same certificate),
so the certificate is drawn again: if the new drawing matches the recorded hash it is served and
put back in storage (an altered file is kept beside it, for whoever investigates); if it does not
(the layout, a policy's title or ``SITE_URL`` changed since), nothing is served, since any other
bytes would be a document the certificate was not issued with, and ``PdfUnavailable`` is raised
for the operators to restore the file from a backup. Each case is logged on
``attest.certificates.pdf``.

The PDF is signed by the force (``signing``) as it is drawn, reproducibly, so all of this holds
for signed PDFs too. With a timestamp authority configured, the first storage also timestamps
it: that file cannot be drawn again, so if it is lost it is restored from a backup.
"""

from __future__ import annotations

import hashlib
import logging
import secrets

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django_tasks import task

from .models import Certificate, CertificatePdf
from .pdf import render_pdf
from .signing import timestamped

# The folder of the default storage the PDFs are kept in. Never serve it: a PDF names its holder.
FOLDER = "certificate-pdfs"

logger = logging.getLogger("attest.certificates.pdf")


class PdfUnavailable(Exception):
    """The certificate's stored PDF is missing or altered, and drawing it again does not give
    the bytes it was issued with."""


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@task()
def store_certificate_pdf(certificate_id: int) -> str:
    """Draw and store the PDF of a certificate just issued (queued by ``issue_certificate``), so
    that downloads serve it from storage. Returns its SHA-256."""
    return stored_pdf(Certificate.objects.get(pk=certificate_id)).sha256


def stored_pdf(certificate: Certificate) -> CertificatePdf:
    """The record of the certificate's stored PDF, drawing and storing it first if it has none.
    Safe to run at once in many processes: one record is kept (the others' files are removed)."""
    record = CertificatePdf.objects.filter(certificate=certificate).first()
    return record if record is not None else _draw_and_store(certificate)[0]


def issued_pdf(certificate: Certificate) -> tuple[CertificatePdf, bytes]:
    """The certificate's PDF as issued, and its record: the stored bytes, which always match the
    record's SHA-256. Drawn and stored first if it was never stored (a certificate issued before
    PDFs were kept, or whose background task has not run yet). Raises ``PdfUnavailable`` when
    the stored file is missing or altered and cannot be drawn again as it was."""
    record = CertificatePdf.objects.filter(certificate=certificate).first()
    if record is None:
        return _draw_and_store(certificate)
    return record, _read(record, certificate)


def _draw_and_store(certificate: Certificate) -> tuple[CertificatePdf, bytes]:
    # Timestamped (when an authority is configured) only here: a timestamp is new bytes each
    # time, so a timestamped PDF lost from storage is restored from a backup, not drawn again.
    data = timestamped(render_pdf(certificate))
    digest = sha256(data)
    # A random part in the name, so that two processes drawing at once never write one file, and
    # nobody can guess where a PDF is from its serial.
    name = default_storage.save(f"{FOLDER}/{certificate.serial}-{secrets.token_hex(16)}.pdf", ContentFile(data))
    try:
        record, created = CertificatePdf.objects.get_or_create(
            certificate=certificate, defaults={"name": name, "sha256": digest}
        )
    except BaseException:
        default_storage.delete(name)
        raise
    if created:
        return record, data
    default_storage.delete(name)  # another process stored it first: theirs is the PDF as issued
    return record, data if digest == record.sha256 else _read(record, certificate)


def _read(record: CertificatePdf, certificate: Certificate) -> bytes:
    """The stored bytes, read whole so that what is checked is what is served."""
    try:
        with default_storage.open(record.name, "rb") as file:
            data = file.read()
    except FileNotFoundError:
        logger.error("The stored PDF of certificate %s, %s, is missing.", certificate.display_serial, record.name)
        return _draw_again(record, certificate, altered=None)
    if sha256(data) != record.sha256:
        logger.error(
            "The stored PDF of certificate %s, %s, has SHA-256 %s; it was stored with %s.",
            certificate.display_serial,
            record.name,
            sha256(data),
            record.sha256,
        )
        return _draw_again(record, certificate, altered=data)
    return data


def _draw_again(record: CertificatePdf, certificate: Certificate, *, altered: bytes | None) -> bytes:
    """Draw the certificate again and, if it gives the bytes recorded at issue, put them back in
    storage (keeping the ``altered`` file beside them) and return them."""
    data = render_pdf(certificate)
    if sha256(data) != record.sha256:
        logger.error(
            "Certificate %s draws today with SHA-256 %s, not as it was issued: its PDF is not served. "
            "Restore %s from a backup.",
            certificate.display_serial,
            sha256(data),
            record.name,
        )
        raise PdfUnavailable(f"The PDF of certificate {certificate.display_serial} cannot be served as issued.")
    if altered is not None:
        kept = default_storage.save(f"{record.name}.altered", ContentFile(altered))
        default_storage.delete(record.name)
        logger.error("The altered file is kept as %s.", kept)
    restored = default_storage.save(record.name, ContentFile(data))
    if restored != record.name:  # another process put it back meanwhile, with the same bytes
        default_storage.delete(restored)
    logger.warning("The PDF of certificate %s was drawn again as issued and stored.", certificate.display_serial)
    return data
