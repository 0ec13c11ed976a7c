"""The job aid as a one-page PDF an officer can print or keep on a work device.

Font, colours, margin, document properties and tagging are the service's own (``core.pdf``), as
on the certificate and the transcript: a screen reader reads the title, the steps as a
numbered list and the notes, and skips the rules and shading.
"""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

from django.conf import settings
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Paragraph, Spacer, Table, TableStyle

from core.pdf import (
    BLUE,
    BOLD,
    PAGE_MARGIN,
    REGULAR,
    RULE,
    SHADE,
    TEXT,
    GroupTags,
    ListTags,
    TaggedCanvas,
    TaggedParagraph,
    new_document,
)

from .guide import JobAid, Point

CONTENT_WIDTH = A4[0] - 2 * PAGE_MARGIN


def _styles() -> dict[str, ParagraphStyle]:
    # Every style names an embedded font: reportlab's default is an unembedded Helvetica.
    body = ParagraphStyle("body", fontName=REGULAR, fontSize=11, leading=15, textColor=TEXT, spaceAfter=4)
    return {
        "body": body,
        "force": ParagraphStyle("force", parent=body, fontName=BOLD, fontSize=12),
        "title": ParagraphStyle("title", parent=body, fontName=BOLD, fontSize=22, leading=27, spaceAfter=8),
        "intro": ParagraphStyle("intro", parent=body, fontSize=13, leading=18, spaceAfter=10),
        "number": ParagraphStyle("number", parent=body, fontName=BOLD, fontSize=22, leading=26, textColor=BLUE),
        "heading": ParagraphStyle("heading", parent=body, fontName=BOLD, fontSize=14, leading=18, spaceAfter=3),
        "citation": ParagraphStyle("citation", parent=body, fontSize=9.5, leading=12, textColor=TEXT),
        "small": ParagraphStyle("small", parent=body, fontSize=9, leading=12),
    }


def _text(value: str, style: ParagraphStyle, role: str = "P") -> TaggedParagraph:
    return TaggedParagraph(escape(value), style, role=role)


def _point(point: Point, styles: dict[str, ParagraphStyle]) -> list[TaggedParagraph]:
    return [
        _text(point.heading, styles["heading"], role="H2"),
        _text(point.text, styles["body"]),
        _text(str(point.citation), styles["citation"]),
    ]


def render_job_aid(job_aid: JobAid, *, module_title: str, policy_url: str = "") -> bytes:
    """The job aid as PDF bytes: portrait A4, one page, the steps numbered down the page and the
    notes in a shaded box beneath them. Runs no queries."""
    buffer = io.BytesIO()
    document = new_document(
        buffer,
        A4,
        title=job_aid.title,
        subject=f"A job aid from the training module {module_title}",
        keywords=["job aid", "training", module_title],
        font_size=11,
    )
    styles = _styles()
    rows = [
        [Paragraph(str(number), styles["number"]), _point(step, styles)] for number, step in enumerate(job_aid.steps, 1)
    ]
    # The number is untagged: it is the list label (Lbl) itself, not a paragraph inside it.
    steps = Table(rows, colWidths=[14 * mm, CONTENT_WIDTH - 14 * mm], renderCB=ListTags())
    steps.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), REGULAR),  # else the cells set an unembedded Helvetica
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, -2), 0.5, RULE),
                ("TOPPADDING", (0, 0), (-1, -1), 8),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 8),
                ("LEFTPADDING", (0, 0), (0, -1), 0),
            ]
        )
    )
    story = [
        _text(settings.FORCE_NAME, styles["force"]),
        Spacer(0, 4 * mm),
        _text(job_aid.title, styles["title"], role="H1"),
        _text(job_aid.intro, styles["intro"]),
        steps,
    ]
    if job_aid.notes:
        notes = Table(
            [[_point(note, styles)] for note in job_aid.notes], colWidths=[CONTENT_WIDTH], renderCB=GroupTags()
        )
        notes.setStyle(
            TableStyle(
                [
                    ("FONTNAME", (0, 0), (-1, -1), REGULAR),
                    ("BACKGROUND", (0, 0), (-1, -1), SHADE),
                    ("LINEBEFORE", (0, 0), (0, -1), 4, BLUE),
                    ("TOPPADDING", (0, 0), (-1, -1), 8),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 8),
                    ("LEFTPADDING", (0, 0), (-1, -1), 10),
                ]
            )
        )
        story += [Spacer(0, 6 * mm), KeepTogether(notes)]
    where = f" The policy in force: {policy_url}" if policy_url else ""
    story += [
        Spacer(0, 8 * mm),
        _text(f"From the training module “{module_title}”.{where}", styles["small"]),
    ]
    document.build(story, canvasmaker=TaggedCanvas)
    return buffer.getvalue()
