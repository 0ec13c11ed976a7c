"""What every PDF the service draws has in common: the embedded font, the colours, the page
margin and the document properties that a PDF reader, a search index and a screen reader see.

The certificate (``certificates.pdf``) is drawn straight onto a canvas made by ``new_canvas``;
the transcript (``records.transcript``) flows tables over pages laid out by ``new_document``.
Both start here, so they read as documents of one service and a font or colour changes once.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import BinaryIO

import reportlab
from django.conf import settings
from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import SimpleDocTemplate

# Bitstream Vera, shipped with reportlab, embedded in every PDF so it renders the same
# everywhere. Every piece of text must name one of these: reportlab's default font is an
# unembedded Helvetica.
FONT_DIR = Path(reportlab.__file__).parent / "fonts"
REGULAR, BOLD = "AttestSans", "AttestSans-Bold"
FONT_FILES = {REGULAR: FONT_DIR / "Vera.ttf", BOLD: FONT_DIR / "VeraBd.ttf"}

# The GOV.UK Frontend colours the web pages use.
TEXT = colors.HexColor("#0b0c0c")
BLUE = colors.HexColor("#1d70b8")
RULE = colors.HexColor("#b1b4b6")  # mid grey: lines between rows
SHADE = colors.HexColor("#f3f2f1")  # light grey: behind header rows

PAGE_MARGIN = 18 * mm
LANGUAGE = "en-GB"  # screen readers pick their voice from it
CREATOR = "Attest"


def register_fonts() -> None:
    """Register the embedded fonts with reportlab, once per process."""
    if REGULAR not in pdfmetrics.getRegisteredFontNames():
        for name, path in FONT_FILES.items():
            pdfmetrics.registerFont(TTFont(name, str(path)))


def new_canvas(
    buffer: BinaryIO,
    pagesize: tuple[float, float],
    *,
    title: str,
    subject: str,
    keywords: Sequence[str] = (),
    font_size: float,
) -> Canvas:
    """A canvas to draw a one-page document on by hand, in the embedded font, with the
    document's properties set (the force as author)."""
    register_fonts()
    canvas = Canvas(
        buffer,
        pagesize=pagesize,
        lang=LANGUAGE,
        pageCompression=1,
        initialFontName=REGULAR,
        initialFontSize=font_size,
    )
    canvas.setTitle(title)
    canvas.setAuthor(settings.FORCE_NAME)
    canvas.setSubject(subject)
    canvas.setCreator(CREATOR)
    canvas.setKeywords(list(keywords))
    return canvas


def new_document(
    buffer: BinaryIO,
    pagesize: tuple[float, float],
    *,
    title: str,
    subject: str,
    keywords: Sequence[str] = (),
    font_size: float,
    footer_height: float = 0,
) -> SimpleDocTemplate:
    """A document whose flowables run over as many pages as they need, inside the page margin
    (raised at the foot by ``footer_height``, for a footer the canvas draws), with the same
    embedded font and document properties as ``new_canvas``."""
    register_fonts()
    return SimpleDocTemplate(
        buffer,
        pagesize=pagesize,
        leftMargin=PAGE_MARGIN,
        rightMargin=PAGE_MARGIN,
        topMargin=PAGE_MARGIN,
        bottomMargin=PAGE_MARGIN + footer_height,
        title=title,
        author=settings.FORCE_NAME,
        subject=subject,
        creator=CREATOR,
        keywords=list(keywords),
        lang=LANGUAGE,
        pageCompression=1,
        initialFontName=REGULAR,
        initialFontSize=font_size,
    )
