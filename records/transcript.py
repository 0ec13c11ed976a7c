"""A person's training transcript: the evidence pack for a misconduct hearing.

Professional standards ask "was this officer trained on this exact policy, and when?". The
transcript answers from the records: every module the officer is enrolled on or has attempted,
every attempt and its score, every attestation in the ledger with the fingerprint (SHA-256) of
the policy text attested to, and every certificate with its state today.

``transcript_for(person)`` gathers it in a fixed number of queries (plus one per certificate,
for its state); ``render_transcript(transcript)`` draws it as a PDF without touching the database.
"""

from __future__ import annotations

import datetime
import functools
import io
from collections import defaultdict
from dataclasses import dataclass
from xml.sax.saxutils import escape

from django.conf import settings
from django.utils import timezone
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, Paragraph, Spacer, Table, TableStyle

from certificates.archive import StateCache
from certificates.chain import seal_digest
from certificates.models import Attestation, Certificate
from core.pdf import (
    BOLD,
    PAGE_MARGIN,
    REGULAR,
    RULE,
    SHADE,
    TEXT,
    TableTags,
    TaggedCanvas,
    TaggedParagraph,
    new_document,
)
from learning.models import Enrolment, ModulePage, RecordedCompletion
from scenarios.models import Attempt

NOT_RECORDED = "—"


@dataclass(frozen=True)
class PersonDetails:
    """Who the transcript is about, as their record stands today."""

    full_name: str
    warrant_number: str
    rank: str
    org_unit: str


@dataclass(frozen=True)
class EnrolmentRecord:
    """One cycle of the officer's enrolment on a module."""

    cycle: int
    status: str  # the label officers see, such as "Complete"
    due_date: datetime.date
    completed_at: datetime.datetime | None
    # Completed by training done elsewhere, recorded by HR: what, when, the evidence, and who.
    recorded_elsewhere: str = ""


@dataclass(frozen=True)
class AttemptRecord:
    """One attempt at a module's scenarios."""

    number: int
    status: str
    started_at: datetime.datetime
    completed_at: datetime.datetime | None
    score_percent: int | None
    pass_mark: int  # as it stood when the attempt started
    passed: bool
    critical_failed: bool

    @property
    def result(self) -> str:
        """Passed, Failed, Failed: critical step (failed whatever the score) or In progress."""
        if self.status == Attempt.Status.IN_PROGRESS:
            return "In progress"
        if self.passed:
            return "Passed"
        return "Failed: critical step" if self.critical_failed else "Failed"


@dataclass(frozen=True)
class ModuleRecord:
    """A module the officer is enrolled on or has attempted, with its enrolments and attempts in order."""

    module_id: int
    title: str
    pass_mark: int | None
    enrolments: list[EnrolmentRecord]
    attempts: list[AttemptRecord]


@dataclass(frozen=True)
class AttestationRecord:
    """One of the officer's rows in the attestation ledger."""

    policy_title: str
    version_label: str
    body_sha256: str
    created_at: datetime.datetime
    module_id: int | None
    module_title: str
    typed_name: str
    row_hash: str
    after_revocation_of: str = ""  # the grouped serial of the revoked certificate it replaced


@dataclass(frozen=True)
class CertificateRecord:
    """One of the officer's certificates and how a verifier would read it today."""

    serial: str  # as printed on the certificate, in groups
    module_title: str
    policy_title: str
    version_label: str
    issued_at: datetime.datetime
    expires_on: datetime.date
    state: str  # valid, expired, superseded or revoked, as a verifier reads it today
    revoked_reason: str


@dataclass(frozen=True)
class Transcript:
    """Everything the transcript shows, gathered at ``produced_at``: plain values, so
    drawing it needs no database."""

    person: PersonDetails
    modules: list[ModuleRecord]
    attestations: list[AttestationRecord]
    certificates: list[CertificateRecord]
    produced_at: datetime.datetime


# Gathering the records


def transcript_for(user) -> Transcript:
    """Everything on record about ``user``'s training, as it stands now.

    A fixed number of queries however many modules, attempts and attestations the person
    has, plus one per certificate to work out its state today.
    """
    produced_at = timezone.now()
    enrolments = list(Enrolment.objects.filter(user=user).order_by("module_id", "cycle"))
    attempts = list(Attempt.objects.filter(user=user).order_by("module_id", "number"))
    recorded = {
        row.enrolment_id: row.transcript_line()
        for row in RecordedCompletion.objects.filter(user=user, withdraws=None, withdrawn_by=None).select_related(
            "recorded_by"
        )
    }
    modules = _module_records(enrolments, attempts, recorded)
    titles = {module.module_id: module.title for module in modules}
    return Transcript(
        person=_person_details(user),
        modules=modules,
        attestations=_attestation_records(user, titles),
        certificates=_certificate_records(user),
        produced_at=produced_at,
    )


def _person_details(user) -> PersonDetails:
    return PersonDetails(
        full_name=user.get_full_name() or user.username,
        warrant_number=user.warrant_number or "",
        rank=user.rank,
        org_unit=user.org_unit.name if user.org_unit_id else "",
    )


def _module_records(
    enrolments: list[Enrolment], attempts: list[Attempt], recorded: dict[int, str] | None = None
) -> list[ModuleRecord]:
    """One record per module the person is enrolled on or has attempted, by title. ``recorded``:
    the transcript line of each enrolment HR recorded as completed elsewhere, by its id."""
    recorded = recorded or {}
    enrolments_by_module = defaultdict(list)
    for enrolment in enrolments:
        enrolments_by_module[enrolment.module_id].append(_enrolment_record(enrolment, recorded.get(enrolment.pk, "")))
    attempts_by_module = defaultdict(list)
    for attempt in attempts:
        attempts_by_module[attempt.module_id].append(_attempt_record(attempt))
    module_ids = enrolments_by_module.keys() | attempts_by_module.keys()
    pages = ModulePage.objects.in_bulk(module_ids)
    records = [
        ModuleRecord(
            module_id=module_id,
            # An attempt points at any page; every one so far is a module page, but the
            # attempts must still be listed if that ever changes.
            title=pages[module_id].title if module_id in pages else f"Page {module_id}",
            pass_mark=pages[module_id].pass_mark if module_id in pages else None,
            enrolments=enrolments_by_module[module_id],
            attempts=attempts_by_module[module_id],
        )
        for module_id in module_ids
    ]
    return sorted(records, key=lambda record: (record.title.casefold(), record.module_id))


def _enrolment_record(enrolment: Enrolment, recorded_elsewhere: str = "") -> EnrolmentRecord:
    return EnrolmentRecord(
        cycle=enrolment.cycle,
        status=enrolment.get_status_display(),
        due_date=enrolment.due_date,
        completed_at=enrolment.completed_at,
        recorded_elsewhere=recorded_elsewhere,
    )


def _attempt_record(attempt: Attempt) -> AttemptRecord:
    return AttemptRecord(
        number=attempt.number,
        status=attempt.status,
        started_at=attempt.started_at,
        completed_at=attempt.completed_at,
        score_percent=attempt.score_percent,
        pass_mark=attempt.pass_mark,
        passed=attempt.passed,
        critical_failed=attempt.critical_failed,
    )


def _attestation_records(user, module_titles: dict[int, str]) -> list[AttestationRecord]:
    """The person's rows of the attestation ledger, in ledger order."""
    rows = (
        Attestation.objects.filter(user=user)
        .select_related("policy_version__document", "after_revocation")
        .order_by("pk")
    )
    return [
        AttestationRecord(
            policy_title=row.policy_version.document.title,
            version_label=row.policy_version.version_label,
            body_sha256=row.body_sha256,
            created_at=row.created_at,
            module_id=row.module_id,
            module_title=module_titles.get(row.module_id, ""),
            typed_name=row.typed_name,
            row_hash=row.row_hash,
            after_revocation_of=row.after_revocation.display_serial if row.after_revocation else "",
        )
        for row in rows
    ]


def _certificate_records(user) -> list[CertificateRecord]:
    """The person's certificates, oldest first, each with its state today.

    The state is the one the public verification page gives; each policy's versions in
    force are read once, so the queries grow only with the number of policies.
    """
    certificates = Certificate.objects.filter(user=user).select_related("policy_version__document")
    states = StateCache()
    return [
        CertificateRecord(
            serial=certificate.display_serial,
            module_title=certificate.module_title,
            policy_title=certificate.policy_version.document.title,
            version_label=certificate.policy_version.version_label,
            issued_at=certificate.issued_at,
            expires_on=certificate.expires_on,
            state=str(states.state(certificate)),
            revoked_reason=certificate.revoked_reason,
        )
        for certificate in certificates.order_by("issued_at", "pk")
    ]


# Drawing the PDF

FOOTER_HEIGHT = 12 * mm
CONTENT_WIDTH = A4[0] - 2 * PAGE_MARGIN
# A heading starts a new page when less than this is left below it, so it is never
# stranded at the foot of a page away from the first rows of its table.
ROOM_FOR_A_HEADING = 50 * mm


def render_transcript(transcript: Transcript) -> bytes:
    """The transcript as PDF bytes: portrait A4, tables flowing over as many pages as needed
    with their header rows repeated, and a footer naming the officer on every page so a loose
    page can be matched to its transcript. Tagged for a screen reader: headings, paragraphs and
    tables in reading order, the footer, rules and shading as artifacts. Runs no queries."""
    person = transcript.person
    buffer = io.BytesIO()
    document = new_document(
        buffer,
        A4,
        title=f"Training transcript: {person.full_name}",
        subject=(
            f"Training, attestations and certificates of {person.full_name}, "
            f"warrant or staff number {person.warrant_number or 'not recorded'}"
        ),
        font_size=9,
        footer_height=FOOTER_HEIGHT,
    )
    styles = _styles()
    story = [
        *_title_block(transcript, styles),
        *_modules_section(transcript.modules, styles),
        *_attestations_section(transcript.attestations, styles),
        *_certificates_section(transcript.certificates, styles),
    ]
    footer = f"{person.full_name}, warrant or staff number {person.warrant_number or 'not recorded'}"
    document.build(story, canvasmaker=functools.partial(_FooterCanvas, footer=footer))
    return buffer.getvalue()


class _FooterCanvas(TaggedCanvas):
    """A canvas that holds each page back until the document is finished, so every footer
    can say "Page N of M"."""

    def __init__(self, *args, footer: str, **kwargs):
        super().__init__(*args, **kwargs)
        self._footer = footer
        self._held_pages: list[dict] = []

    def showPage(self):
        self._held_pages.append(dict(self.__dict__))
        self._startPage()

    def save(self):
        total = len(self._held_pages)
        for number, page in enumerate(self._held_pages, start=1):
            self.__dict__.update(page)
            self._draw_footer(number, total)
            super().showPage()
        super().save()

    def _draw_footer(self, number: int, total: int) -> None:
        width, _ = self._pagesize
        y = PAGE_MARGIN
        # A running footer is an artifact: a screen reader would otherwise read it on every page.
        with self.artifact("Pagination", "Footer"):
            self.saveState()
            self.setStrokeColor(RULE)
            self.setLineWidth(0.5)
            self.line(PAGE_MARGIN, y + 4 * mm, width - PAGE_MARGIN, y + 4 * mm)
            self.setFillColor(TEXT)
            self.setFont(REGULAR, 8)
            self.drawString(PAGE_MARGIN, y, self._footer)
            self.drawRightString(width - PAGE_MARGIN, y, f"Page {number} of {total}")
            self.restoreState()


def _styles() -> dict[str, ParagraphStyle]:
    # Every style names an embedded font: reportlab's default is an unembedded Helvetica.
    body = ParagraphStyle(
        "body", fontName=REGULAR, bulletFontName=REGULAR, fontSize=9.5, leading=13, textColor=TEXT, spaceAfter=3
    )
    return {
        "force": ParagraphStyle("force", parent=body, fontName=BOLD, fontSize=14, leading=18),
        "title": ParagraphStyle("title", parent=body, fontName=BOLD, fontSize=22, leading=28, spaceAfter=8),
        "section": ParagraphStyle(
            "section", parent=body, fontName=BOLD, fontSize=14, leading=18, spaceBefore=14, spaceAfter=6
        ),
        "module": ParagraphStyle("module", parent=body, fontName=BOLD, fontSize=11, leading=14, spaceBefore=10),
        "body": body,
        "cell": ParagraphStyle("cell", parent=body, fontSize=8, leading=10, spaceAfter=0),
        "cell_label": ParagraphStyle("cell_label", parent=body, fontName=BOLD, fontSize=8, leading=10, spaceAfter=0),
        "fingerprint": ParagraphStyle("fingerprint", parent=body, fontSize=7, leading=9, spaceAfter=0),
        # Small enough that a serial stays on one line, to be read out or searched for whole.
        "serial": ParagraphStyle("serial", parent=body, fontSize=7.5, leading=10, spaceAfter=0),
    }


def _cell(value: str, style: ParagraphStyle) -> Paragraph:
    """A table cell's text, escaped like ``_text`` but untagged: it belongs to the cell (TH or
    TD) it is drawn in, so a screen reader hears the cell, not a paragraph inside it."""
    return Paragraph(escape(value), style)


def _text(value: str, style: ParagraphStyle, role: str = "P") -> TaggedParagraph:
    """A paragraph (or with ``role`` a heading) of plain text: names and reasons are escaped,
    never read as markup."""
    return TaggedParagraph(escape(value), style, role=role)


def _table(header: list[str], rows: list[list[Paragraph]], widths_mm: list[float], styles) -> Table:
    """A table whose header row is repeated on every page it flows onto."""
    cells = [[_cell(label, styles["cell_label"]) for label in header], *rows]
    table = Table(
        cells,
        colWidths=[width * mm for width in widths_mm],
        repeatRows=1,
        hAlign="LEFT",
        renderCB=TableTags(header_rows=1),
    )
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), REGULAR),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("BACKGROUND", (0, 0), (-1, 0), SHADE),
                ("LINEBELOW", (0, 0), (-1, 0), 0.75, TEXT),
                ("LINEBELOW", (0, 1), (-1, -1), 0.25, RULE),
                ("TOPPADDING", (0, 0), (-1, -1), 3),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
                ("LEFTPADDING", (0, 0), (-1, -1), 3),
                ("RIGHTPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    return table


def _title_block(transcript: Transcript, styles) -> list:
    """The force, the heading, the officer's details and when the transcript was produced."""
    person = transcript.person
    produced_utc = _utc(transcript.produced_at)
    produced_local = timezone.localtime(transcript.produced_at).strftime("%Y-%m-%d %H:%M:%S %Z")
    details = [
        ("Name", person.full_name),
        ("Warrant or staff number", person.warrant_number or "Not recorded"),
        ("Rank or grade", person.rank or "Not recorded"),
        ("Org unit", person.org_unit or "Not recorded"),
    ]
    table = Table(
        [[_cell(label, styles["cell_label"]), _cell(value, styles["cell"])] for label, value in details],
        colWidths=[45 * mm, CONTENT_WIDTH - 45 * mm],
        hAlign="LEFT",
        renderCB=TableTags(header_columns=1),  # each label heads its row
    )
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), REGULAR),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
            ]
        )
    )
    return [
        _text(settings.FORCE_NAME, styles["force"]),
        _text("Training transcript", styles["title"], role="H1"),
        table,
        Spacer(0, 4 * mm),
        _text(f"Produced {produced_utc} ({produced_local} local time). Times below are in UTC.", styles["body"]),
    ]


def _modules_section(modules: list[ModuleRecord], styles) -> list:
    flowables: list = [CondPageBreak(ROOM_FOR_A_HEADING), _text("Training modules", styles["section"], role="H2")]
    if not modules:
        return [*flowables, _text("No training recorded.", styles["body"])]
    for module in modules:
        flowables += _module_block(module, styles)
    return flowables


def _module_block(module: ModuleRecord, styles) -> list:
    """The module's title and enrolments, then its attempts."""
    pass_mark = f"Pass mark {module.pass_mark}%." if module.pass_mark is not None else "Pass mark not recorded."
    flowables = [
        CondPageBreak(ROOM_FOR_A_HEADING),
        _text(module.title, styles["module"], role="H3"),
        _text(pass_mark, styles["body"]),
    ]
    if not module.enrolments:
        flowables.append(_text("No enrolment on record.", styles["body"]))
    for enrolment in module.enrolments:
        flowables.append(_text(_enrolment_line(enrolment), styles["body"]))
    if not module.attempts:
        return [*flowables, _text("No attempts.", styles["body"])]
    rows = [
        [
            _cell(str(attempt.number), styles["cell"]),
            _cell(_utc(attempt.started_at), styles["cell"]),
            _cell(_utc(attempt.completed_at), styles["cell"]),
            _cell(_percent(attempt.score_percent), styles["cell"]),
            _cell(_percent(attempt.pass_mark), styles["cell"]),
            _cell(attempt.result, styles["cell"]),
        ]
        for attempt in module.attempts
    ]
    header = ["Attempt", "Started", "Finished", "Score", "Pass mark", "Result"]
    return [*flowables, _table(header, rows, [16, 40, 40, 16, 20, 42], styles)]


def _enrolment_line(enrolment: EnrolmentRecord) -> str:
    line = f"Enrolment cycle {enrolment.cycle}: {enrolment.status}. Due {enrolment.due_date.isoformat()}."
    if enrolment.recorded_elsewhere:  # no attempt, attestation or certificate behind it: say so
        line += f" {enrolment.recorded_elsewhere}. No attestation or certificate."
    elif enrolment.completed_at:
        line += f" Completed {_utc(enrolment.completed_at)}."
    return line


def _attestations_section(attestations: list[AttestationRecord], styles) -> list:
    heading = [CondPageBreak(ROOM_FOR_A_HEADING), _text("Attestations", styles["section"], role="H2")]
    if not attestations:
        return [*heading, _text("No attestations recorded.", styles["body"])]
    intro = _text(
        "Each attestation is a row of the append-only ledger. The text fingerprint is the SHA-256 "
        "of the policy text the officer attested to; the ledger row is the start of the row's own hash.",
        styles["body"],
    )
    rows = [
        [
            _policy_cell(attestation, styles),
            _cell(attestation.version_label, styles["cell"]),
            _cell(_grouped(attestation.body_sha256), styles["fingerprint"]),
            _cell(_utc(attestation.created_at), styles["cell"]),
            _cell(attestation.typed_name, styles["cell"]),
            _cell(_grouped(seal_digest(attestation.row_hash)[:16]), styles["fingerprint"]),
        ]
        for attestation in attestations
    ]
    header = ["Policy", "Version", "Text fingerprint (SHA-256)", "Attested", "Name typed", "Ledger row"]
    return [*heading, intro, _table(header, rows, [34, 17, 44, 24, 29, 26], styles)]


def _policy_cell(attestation: AttestationRecord, styles) -> list[Paragraph]:
    cell = [_cell(attestation.policy_title, styles["cell"])]
    if attestation.module_title:
        cell.append(_cell(f"after module {attestation.module_title}", styles["fingerprint"]))
    if attestation.after_revocation_of:
        cell.append(
            _cell(f"again, after certificate {attestation.after_revocation_of} was revoked", styles["fingerprint"])
        )
    return cell


def _certificates_section(certificates: list[CertificateRecord], styles) -> list:
    heading = [CondPageBreak(ROOM_FOR_A_HEADING), _text("Certificates", styles["section"], role="H2")]
    if not certificates:
        return [*heading, _text("No certificates issued.", styles["body"])]
    rows = [
        [
            _cell(certificate.serial, styles["serial"]),
            _cell(certificate.module_title, styles["cell"]),
            _cell(f"{certificate.policy_title}, version {certificate.version_label}", styles["cell"]),
            _cell(_utc(certificate.issued_at), styles["cell"]),
            _cell(certificate.expires_on.isoformat(), styles["cell"]),
            _state_cell(certificate, styles),
        ]
        for certificate in certificates
    ]
    header = ["Serial", "Module", "Policy version", "Issued", "Expires", "State"]
    return [*heading, _table(header, rows, [46, 31, 30, 24, 20, 23], styles)]


def _state_cell(certificate: CertificateRecord, styles) -> list[Paragraph]:
    cell = [_cell(certificate.state.capitalize(), styles["cell_label"])]
    if certificate.state == Certificate.Status.REVOKED and certificate.revoked_reason:
        cell.append(_cell(certificate.revoked_reason, styles["cell"]))
    return cell


def _utc(moment: datetime.datetime | None) -> str:
    """A moment as "2026-11-29 14:03:12 UTC": unambiguous whatever the clocks were doing."""
    if moment is None:
        return NOT_RECORDED
    return moment.astimezone(datetime.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _percent(value: int | None) -> str:
    return NOT_RECORDED if value is None else f"{value}%"


def _grouped(digest: str) -> str:
    """A hex digest in groups of eight, so a table cell can wrap it and a reader can compare it."""
    return " ".join(digest[start : start + 8] for start in range(0, len(digest), 8))
