"""Many certificates as one ZIP, streamed: each PDF is read (or drawn), written and sent before
the next, so memory stays flat however many certificates the archive holds. Each is the PDF as
issued (``stored_pdfs.issued_pdf``): the very bytes its holder downloads, signed (and timestamped,
where an authority is configured) as they were stored, and read from storage rather than drawn
and signed again (a certificate drawn and signed costs about 90 ms; 10,000 of them a quarter of
an hour)."""

from __future__ import annotations

import datetime
import io
import zipfile
from collections.abc import Iterable, Iterator

from django.utils.text import slugify

from core.export import CSVWriter

from .models import Certificate, PolicyVersion
from .stored_pdfs import PdfUnavailable, issued_pdf

MANIFEST_HEADINGS = [
    "Serial",
    "Holder",
    "Warrant or staff number",
    "Module",
    "Policy",
    "Policy version",
    "Text fingerprint (SHA-256)",
    "Issued (UTC)",
    "Expires",
    "State",
    "File",
]


class _Chunks:
    """A write-only file that hands back what was written. Not seekable, so ``zipfile``
    writes each member's sizes after its data and never goes back."""

    def __init__(self):
        self._chunks: list[bytes] = []

    def write(self, data) -> int:
        self._chunks.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def take(self) -> Iterator[bytes]:
        chunks, self._chunks = self._chunks, []
        return iter(chunks)


class StateCache:
    """Certificates' states today, looking up each policy's binding versions once."""

    def __init__(self):
        self._binding: dict[int, list[PolicyVersion]] = {}

    def state(self, certificate: Certificate) -> str:
        document = certificate.policy_version.document
        if document.pk not in self._binding:
            self._binding[document.pk] = document.binding_versions()
        return certificate.state_given(self._binding[document.pk])

    def annotate(self, certificates) -> list[Certificate]:
        """The certificates as a list, each with ``state_today`` set, for a page listing them."""
        certificates = list(certificates)
        for certificate in certificates:
            certificate.state_today = self.state(certificate)
        return certificates


def file_name(certificate: Certificate) -> str:
    return f"{certificate.display_serial}-{slugify(certificate.holder_name)}.pdf"


def stream_zip(certificates: Iterable[Certificate]) -> Iterator[bytes]:
    """The certificates' PDFs and a manifest.csv listing them, as ZIP bytes in pieces. The
    manifest is written formula-safe (``core.export``): names come from the HR file, unchecked."""
    sink = _Chunks()
    states = StateCache()
    manifest = io.StringIO()
    rows = CSVWriter(manifest)
    rows.writerow(MANIFEST_HEADINGS)
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_STORED) as archive:
        for certificate in certificates:
            name = file_name(certificate)
            try:
                archive.writestr(name, issued_pdf(certificate)[1])  # PDFs are compressed already
            except PdfUnavailable:  # logged for the operators; the manifest says so, not a 500
                name = "not included: its stored PDF must be restored from a backup"
            version = certificate.policy_version
            rows.writerow(
                [
                    certificate.display_serial,
                    certificate.holder_name,
                    certificate.warrant_number,
                    certificate.module_title,
                    version.document.title,
                    version.version_label,
                    version.body_sha256,
                    certificate.issued_at.astimezone(datetime.UTC).strftime("%Y-%m-%d %H:%M:%S"),
                    certificate.expires_on.isoformat(),
                    states.state(certificate),
                    name,
                ]
            )
            yield from sink.take()
        archive.writestr("manifest.csv", manifest.getvalue(), compress_type=zipfile.ZIP_DEFLATED)
    yield from sink.take()
