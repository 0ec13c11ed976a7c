"""The certificate PDFs as issued: one record per certificate of the file drawn for it, kept in
the default storage, and the SHA-256 of its bytes."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from core.append_only import AppendOnlyModel, append_only_triggers


class CertificatePdf(AppendOnlyModel):
    """Where the PDF of a certificate is stored (``name`` in the default storage) and the
    SHA-256 of its bytes: what was drawn the first time, served unchanged ever after.

    One per certificate: the drawing shows only facts the certificate's row fixed at issue (never
    its state), so revoking or superseding it leaves its PDF as it was, and the verification
    page, which the QR code opens, says what became of it. Append-only like the ledger: a record
    is never changed, so a file that no longer matches its hash shows (``stored_pdfs``).
    """

    certificate = models.OneToOneField("certificates.Certificate", on_delete=models.PROTECT, related_name="pdf")
    name = models.CharField(max_length=255, unique=True, help_text="The file's name in the default storage.")
    sha256 = models.CharField(max_length=64)
    drawn_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "certificate PDF"
        triggers = append_only_triggers()

    def __str__(self) -> str:
        return f"PDF of certificate {self.certificate_id}, SHA-256 {self.sha256[:12]}…"
