"""Draw and store the PDF of every certificate that has none stored (those issued before PDFs
were kept, or whose background task failed), and with ``--check`` read every stored PDF back
against its SHA-256. Safe to run at any time, and again: it stores only what is missing."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from certificates.models import Certificate, CertificatePdf
from certificates.stored_pdfs import PdfUnavailable, issued_pdf, stored_pdf


class Command(BaseCommand):
    help = "Draw and store the PDF of each certificate that has none; --check also checks every stored PDF."

    def add_arguments(self, parser):
        parser.add_argument(
            "--check",
            action="store_true",
            help="also read every stored PDF and check it against its SHA-256, drawing again any missing or altered "
            "one that still draws as issued",
        )

    def handle(self, *args, check: bool = False, **options):
        certificates = Certificate.objects.select_related("policy_version__document", "user").order_by("pk")
        stored = 0
        for certificate in certificates.filter(pdf__isnull=True).iterator(500):
            stored_pdf(certificate)
            stored += 1
        self.stdout.write(f"Stored the PDF of {stored} certificates that had none.")
        if not check:
            return
        unavailable = []
        for certificate in certificates.filter(pdf__isnull=False).iterator(500):
            try:
                issued_pdf(certificate)
            except PdfUnavailable:
                unavailable.append(certificate.display_serial)
        checked = CertificatePdf.objects.count()
        if unavailable:
            raise CommandError(
                f"{len(unavailable)} of {checked} stored PDFs are missing or altered and no longer draw as issued: "
                f"{', '.join(unavailable)}. Restore them from a backup (the log names each file)."
            )
        self.stdout.write(f"Checked {checked} stored PDFs: each matches its SHA-256 (any put back are logged).")
