"""The certificate as a PDF, drawn with reportlab.

Font, colours, margin and document properties are the service's own (``core.pdf``), and so is
the tagging: each piece of text is a structure element in reading order, the border an
artifact and the QR code, which carries the public verification URL, a figure with that URL as
its alternative text.
"""

from __future__ import annotations

import io

from django.conf import settings
from django.urls import reverse
from reportlab.graphics.barcode.qrencoder import QRCode, QRErrorCorrectLevel
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from core.dates import long_date
from core.pdf import BLUE, BOLD, PAGE_MARGIN, REGULAR, TEXT, new_canvas

from .models import Certificate
from .signing import sign_pdf


def verification_url(certificate: Certificate) -> str:
    return settings.SITE_URL + reverse("certificates:verify", args=[certificate.display_serial])


def qr_modules(text: str) -> list[list[bool]]:
    """The QR code of ``text`` (error correction level M) as rows of dark/light modules, top row first."""
    code = QRCode(None, QRErrorCorrectLevel.M)
    code.addData(text)
    code.make()
    return code.modules


def draw_qr_code(canvas: Canvas, text: str, x: float, y: float, size: float) -> None:
    """Draw the QR code of ``text`` in a ``size`` square at (x, y), with its four-module quiet zone.

    One filled path of a rectangle per run of dark modules in a row: a few hundred path
    operators in whole module units, rather than a shape object per module, which is most of
    the time reportlab's QR widget takes.
    """
    modules = qr_modules(text)
    count = len(modules)
    canvas.saveState()
    canvas.translate(x, y)
    canvas.scale(size / (count + 8), size / (count + 8))  # from here on, one unit is one module
    path = canvas.beginPath()
    for row, dark in enumerate(modules):
        bottom = count + 3 - row
        column = 0
        while column < count:
            if not dark[column]:
                column += 1
                continue
            start = column
            while column < count and dark[column]:
                column += 1
            path.rect(start + 4, bottom, column - start, 1)
    canvas.setFillColor(colors.black)
    canvas.drawPath(path, stroke=0, fill=1)
    canvas.restoreState()


def render_pdf(certificate: Certificate) -> bytes:
    """The certificate as PDF bytes, signed by the force (``signing``) when a signing key is
    configured. Reproducible: the same certificate gives the same bytes (``stored_pdfs``)."""
    return sign_pdf(draw_pdf(certificate), signed_at=certificate.issued_at)


def draw_pdf(certificate: Certificate) -> bytes:
    """The certificate as PDF bytes, unsigned."""
    buffer = io.BytesIO()
    width, height = landscape(A4)
    canvas = new_canvas(
        buffer,
        (width, height),
        title=f"Certificate of completion: {certificate.module_title}",
        subject=(
            f"{certificate.holder_name} completed {certificate.module_title} and attested to "
            f"{certificate.policy_version}. Serial {certificate.display_serial}."
        ),
        keywords=["certificate", "training", "attestation", certificate.display_serial],
        font_size=11,
        created=certificate.issued_at,  # the same certificate draws the same bytes (``stored_pdfs``)
    )

    with canvas.artifact():
        canvas.setStrokeColor(BLUE)
        canvas.setLineWidth(3)
        canvas.rect(PAGE_MARGIN / 2, PAGE_MARGIN / 2, width - PAGE_MARGIN, height - PAGE_MARGIN)

    # Tagged in reading order, top to bottom, so a screen reader reads it as it looks.
    canvas.setFillColor(TEXT)
    with canvas.tag("P"):
        canvas.setFont(BOLD, 16)
        canvas.drawString(PAGE_MARGIN, height - PAGE_MARGIN - 6 * mm, settings.FORCE_NAME)
    with canvas.tag("P"):
        canvas.setFont(REGULAR, 11)
        canvas.drawString(PAGE_MARGIN, height - PAGE_MARGIN - 12 * mm, "Training and policy attestation")

    with canvas.tag("H1"):
        canvas.setFont(BOLD, 28)
        canvas.drawString(PAGE_MARGIN, height - 62 * mm, "Certificate of completion")
    with canvas.tag("P"):
        canvas.setFont(REGULAR, 13)
        canvas.drawString(PAGE_MARGIN, height - 74 * mm, "This is to certify that")
    with canvas.tag("P"):
        canvas.setFont(BOLD, 22)
        canvas.drawString(PAGE_MARGIN, height - 86 * mm, certificate.holder_name)
    canvas.setFont(REGULAR, 12)
    if certificate.warrant_number:
        with canvas.tag("P"):
            canvas.drawString(PAGE_MARGIN, height - 94 * mm, f"Warrant or staff number {certificate.warrant_number}")
    with canvas.tag("P"):
        canvas.setFont(REGULAR, 13)
        canvas.drawString(PAGE_MARGIN, height - 106 * mm, "completed the training module")
    with canvas.tag("P"):
        canvas.setFont(BOLD, 16)
        canvas.drawString(PAGE_MARGIN, height - 116 * mm, certificate.module_title)
    version = certificate.policy_version
    with canvas.tag("P"):
        canvas.setFont(REGULAR, 12)
        canvas.drawString(
            PAGE_MARGIN,
            height - 128 * mm,
            f"and attested to {version.document.title}, version {version.version_label} "
            f"(text fingerprint {version.body_sha256[:12]}).",
        )

    rows = [
        ("Issued", long_date(certificate.issued_at)),
        ("Expires", long_date(certificate.expires_on)),
        ("Serial", certificate.display_serial),
    ]
    y = 42 * mm
    with canvas.tag("Table"):
        for label, value in rows:
            with canvas.tag("TR"):
                with canvas.tag("TH", attributes={"O": "Table", "Scope": "Row"}):
                    canvas.setFont(REGULAR, 11)
                    canvas.drawString(PAGE_MARGIN, y, label)
                with canvas.tag("TD"):
                    canvas.setFont(BOLD, 11)
                    canvas.drawString(PAGE_MARGIN + 24 * mm, y, value)
            y -= 7 * mm

    url = verification_url(certificate)
    size = 42 * mm
    x, y = width - PAGE_MARGIN - size, 24 * mm
    alt = f"QR code linking to the verification page {url}"
    with canvas.tag("Figure", alt=alt, attributes={"O": "Layout", "BBox": [x, y, x + size, y + size]}):
        draw_qr_code(canvas, url, x, y, size)
    canvas.setFont(REGULAR, 8)
    with canvas.tag("P"):
        canvas.drawRightString(width - PAGE_MARGIN, 20 * mm, "Check this certificate at")
    with canvas.tag("P"):  # apart, or a screen reader hears "athttp"
        canvas.drawRightString(width - PAGE_MARGIN, 16 * mm, url)

    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
