"""The certificate, the transcript and the job aid are tagged PDFs a screen reader can read (issue 15):
a structure tree in reading order, decoration as artifacts, the QR code a figure with
alternative text, the language and title declared, and every font embedded.

Read back with pypdf, so the checks need no system tool: the text of each marked-content
sequence is collected page by page, then the structure tree is walked in order."""

from __future__ import annotations

import datetime
import io
import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings
from pypdf import PdfReader
from pypdf.generic import ArrayObject, BooleanObject, ContentStream, DictionaryObject

from certificates.factories import PolicyVersionFactory
from certificates.pdf import render_pdf, verification_url
from certificates.services import Context, attest, issue_certificate
from core.dates import long_date
from learning.guide import load_guide
from learning.job_aid import render_job_aid
from people.factories import UserFactory
from records.transcript import (
    AttemptRecord,
    AttestationRecord,
    CertificateRecord,
    EnrolmentRecord,
    ModuleRecord,
    PersonDetails,
    Transcript,
    render_transcript,
)

# The operators that put marks on a page: text, path painting, XObjects, shadings, inline images.
PAINTING = {b"Tj", b"TJ", b"'", b'"', b"f", b"F", b"f*", b"S", b"s", b"B", b"B*", b"b", b"b*", b"Do", b"sh", b"BI"}


@dataclass
class Element:
    """A structure element as read back: its role, the text it holds itself, the text of it
    and everything below it, and its dictionary."""

    role: str
    text: str
    element: DictionaryObject
    all_text: str = ""


def marked_texts(page) -> dict[int, str]:
    """The text of each marked-content sequence on the page, by MCID."""
    texts: dict[int, list[str]] = defaultdict(list)
    open_mcids: list[int | None] = []

    def before(operator, operands, cm, tm):
        if operator == b"BDC":
            properties = operands[1]
            open_mcids.append(properties.get("/MCID") if isinstance(properties, DictionaryObject) else None)
        elif operator == b"BMC":
            open_mcids.append(None)
        elif operator == b"EMC":
            open_mcids.pop()

    def text(value, cm, tm, font, size):
        if open_mcids and open_mcids[-1] is not None:
            texts[open_mcids[-1]].append(value)

    page.extract_text(visitor_operand_before=before, visitor_text=text)
    return {mcid: " ".join(" ".join(parts).split()) for mcid, parts in texts.items()}


def structure(reader: PdfReader) -> list[Element]:
    """Every structure element below Document, depth first: the order a screen reader reads."""
    pages = {page.indirect_reference.idnum: marked_texts(page) for page in reader.pages}
    elements: list[Element] = []

    def walk(element: DictionaryObject) -> str:
        own_page = element.get("/Pg")
        texts = []
        read = Element(element["/S"][1:], "", element)
        elements.append(read)
        for kid in element.get("/K", []):
            kid = kid.get_object() if hasattr(kid, "get_object") else kid
            if isinstance(kid, int):
                texts.append(pages[own_page.idnum].get(kid, ""))
                read.text += " " + texts[-1]
            elif kid.get("/Type") == "/MCR":
                texts.append(pages[kid["/Pg"].idnum].get(kid["/MCID"], ""))
                read.text += " " + texts[-1]
            else:
                texts.append(walk(kid))
        read.text = " ".join(read.text.split())
        read.all_text = " ".join(" ".join(texts).split())
        return read.all_text

    root = reader.trailer["/Root"]["/StructTreeRoot"]
    (document,) = [kid.get_object() for kid in root["/K"]] if isinstance(root["/K"], ArrayObject) else [root["/K"]]
    assert document["/S"] == "/Document"
    for kid in document["/K"]:
        walk(kid.get_object())
    return elements


def read_texts(reader: PdfReader) -> list[str]:
    """The texts of the structure elements that hold text, in reading order."""
    return [element.text for element in structure(reader) if element.text]


@pytest.fixture
def certificate(db):
    holder = UserFactory(first_name="Alex", last_name="Morgan", warrant_number="MP912345")
    version = PolicyVersionFactory(document__title="Use of force", version_label="2.0")
    attestation = attest(holder, version, "Alex Morgan", Context(module_id=7))
    return issue_certificate(attestation, module_id=7, module_title="Use of force: refresher", valid_months=12)


@pytest.fixture
def certificate_pdf(certificate) -> PdfReader:
    return PdfReader(io.BytesIO(render_pdf(certificate)))


@pytest.fixture(scope="module")
def transcript_pdf() -> PdfReader:
    """A transcript whose attempts table runs over three pages. Drawing it needs only the
    plain values ``transcript_for`` gathers (tests/records/test_transcript.py gathers them
    from the database), so they are built here directly."""
    moment = datetime.datetime(2026, 3, 2, 9, 30, tzinfo=datetime.UTC)
    attempts = [
        AttemptRecord(
            number=number,
            status="passed" if number == 60 else "failed",
            started_at=moment,
            completed_at=moment + datetime.timedelta(minutes=12),
            score_percent=100 if number == 60 else 40,
            pass_mark=80,
            passed=number == 60,
            critical_failed=False,
        )
        for number in range(1, 61)
    ]
    transcript = Transcript(
        person=PersonDetails("Alex Morgan", "MP912345", "Police Constable", "Response North"),
        modules=[
            ModuleRecord(
                module_id=7,
                title="Use of force: refresher",
                pass_mark=80,
                enrolments=[EnrolmentRecord(1, "Complete", datetime.date(2026, 4, 1), moment)],
                attempts=attempts,
            )
        ],
        attestations=[
            AttestationRecord(
                "Use of force", "2.0", "ab" * 32, moment, 7, "Use of force: refresher", "Alex Morgan", "cd" * 32
            )
        ],
        certificates=[
            CertificateRecord(
                "ABCD-2345-EFGH-6789",
                "Use of force: refresher",
                "Use of force",
                "2.0",
                moment,
                datetime.date(2027, 3, 2),
                "valid",
                "",
            )
        ],
        produced_at=moment,
    )
    return PdfReader(io.BytesIO(render_transcript(transcript)))


@pytest.fixture(scope="module")
def job_aid_pdf() -> PdfReader:
    """The demo module's job aid, read from its content files as the module page reads it."""
    job_aid = load_guide(Path(settings.BASE_DIR) / "content" / "contacting-the-public").job_aid
    return PdfReader(io.BytesIO(render_job_aid(job_aid, module_title="Contacting the public")))


@pytest.fixture(params=["certificate", "transcript", "job_aid"])
def tagged_pdf(request) -> PdfReader:
    return request.getfixturevalue(f"{request.param}_pdf")


def test_the_certificate_reads_in_order_from_the_force_to_the_verification_address(certificate, certificate_pdf):
    assert read_texts(certificate_pdf) == [
        settings.FORCE_NAME,
        "Training and policy attestation",
        "Certificate of completion",
        "This is to certify that",
        "Alex Morgan",
        "Warrant or staff number MP912345",
        "completed the training module",
        "Use of force: refresher",
        f"and attested to Use of force, version 2.0 (text fingerprint {certificate.policy_version.body_sha256[:12]}).",
        "Issued",
        long_date(certificate.issued_at),
        "Expires",
        long_date(certificate.expires_on),
        "Serial",
        certificate.display_serial,
        "Check this certificate at",
        verification_url(certificate),
    ]
    roles = [element.role for element in structure(certificate_pdf)]
    assert roles.count("H1") == 1
    assert roles[roles.index("Table") :][:4] == ["Table", "TR", "TH", "TD"]


def test_the_certificates_dates_and_serial_are_a_table_with_row_headers(certificate, certificate_pdf):
    elements = structure(certificate_pdf)
    headers = [element for element in elements if element.role == "TH"]
    assert [header.text for header in headers] == ["Issued", "Expires", "Serial"]
    assert all(header.element["/A"]["/Scope"] == "/Row" for header in headers)


def test_the_qr_code_is_a_figure_whose_alternative_text_gives_the_verification_address(certificate, certificate_pdf):
    (figure,) = [element for element in structure(certificate_pdf) if element.role == "Figure"]
    assert figure.element["/Alt"] == f"QR code linking to the verification page {verification_url(certificate)}"
    assert figure.element["/A"]["/O"] == "/Layout"
    assert len(figure.element["/A"]["/BBox"]) == 4


def test_the_transcript_reads_as_headings_paragraphs_and_tables(transcript_pdf):
    elements = structure(transcript_pdf)
    headings = [(element.role, element.all_text) for element in elements if re.fullmatch(r"H\d", element.role)]
    assert headings == [
        ("H1", "Training transcript"),
        ("H2", "Training modules"),
        ("H3", "Use of force: refresher"),
        ("H2", "Attestations"),
        ("H2", "Certificates"),
    ]
    texts = read_texts(transcript_pdf)
    assert texts.index("Alex Morgan") < texts.index("Training modules") < texts.index("ABCD-2345-EFGH-6789")
    # The details head their rows; the attempts table, split over pages, heads every part's columns.
    row_headers = [
        element.all_text for element in elements if element.role == "TH" and element.element["/A"]["/Scope"] == "/Row"
    ]
    assert row_headers == ["Name", "Warrant or staff number", "Rank or grade", "Org unit"]
    column_headers = [
        element.all_text
        for element in elements
        if element.role == "TH" and element.element["/A"]["/Scope"] == "/Column"
    ]
    attempt_parts = column_headers.count("Attempt")
    assert attempt_parts > 1
    tables = [element for element in elements if element.role == "Table"]
    assert len(tables) == 1 + attempt_parts + 2  # the details, the attempts, attestations, certificates


def test_the_transcripts_running_footer_is_a_pagination_artifact(transcript_pdf):
    footer = f"Page 1 of {len(transcript_pdf.pages)}"
    assert footer in transcript_pdf.pages[0].extract_text()  # drawn on the page
    assert footer not in " ".join(read_texts(transcript_pdf))  # but not read out


def test_the_job_aids_steps_are_a_numbered_list_and_its_notes_a_group(job_aid_pdf):
    elements = structure(job_aid_pdf)
    roles = [element.role for element in elements]
    assert roles[:3] == ["P", "H1", "P"]
    (steps,) = [element for element in elements if element.role == "L"]
    assert steps.element["/A"]["/ListNumbering"] == "/Decimal"
    items = [element for element in elements if element.role == "LI"]
    assert [item.all_text.split(" ")[0] for item in items] == ["1", "2", "3", "4"]
    assert roles.count("Lbl") == roles.count("LBody") == 4
    assert "Div" in roles
    assert "Table" not in roles


def test_the_catalog_declares_a_tagged_document_in_british_english(tagged_pdf):
    catalog = tagged_pdf.trailer["/Root"]
    assert catalog["/MarkInfo"]["/Marked"] == BooleanObject(True)
    assert catalog["/Lang"] == "en-GB"
    assert catalog["/StructTreeRoot"]["/Type"] == "/StructTreeRoot"


def test_the_window_shows_the_documents_title(tagged_pdf):
    assert tagged_pdf.metadata.title.startswith(("Certificate of completion: ", "Training transcript: ", "Contacting"))
    assert tagged_pdf.trailer["/Root"]["/ViewerPreferences"]["/DisplayDocTitle"] == BooleanObject(True)


def test_the_xmp_metadata_claims_pdf_ua_1_under_the_same_title(tagged_pdf):
    metadata = tagged_pdf.trailer["/Root"]["/Metadata"]
    assert metadata["/Subtype"] == "/XML"
    xmp = metadata.get_data().decode()
    assert "<pdfuaid:part>1</pdfuaid:part>" in xmp
    assert f">{tagged_pdf.metadata.title}</rdf:li>" in xmp


def test_every_mark_on_every_page_is_tagged_or_an_artifact(tagged_pdf):
    for number, page in enumerate(tagged_pdf.pages, start=1):
        open_sequences: list[str] = []
        for operands, operator in ContentStream(page.get_contents(), tagged_pdf).operations:
            if operator in (b"BDC", b"BMC"):
                properties = operands[1] if operator == b"BDC" else {}
                kind = "artifact" if operands[0] == "/Artifact" else "tagged" if "/MCID" in properties else "other"
                open_sequences.append(kind)
            elif operator == b"EMC":
                open_sequences.pop()
            elif operator in PAINTING:
                assert open_sequences and open_sequences[-1] in ("artifact", "tagged"), (number, operator, operands)
                # A tagged sequence never sits inside an artifact or another tagged sequence.
                assert open_sequences.count("tagged") + open_sequences.count("artifact") == 1


def test_every_page_leads_back_to_the_elements_that_own_its_marks(tagged_pdf):
    root = tagged_pdf.trailer["/Root"]["/StructTreeRoot"]
    numbers = root["/ParentTree"]["/Nums"]
    parents = dict(zip(numbers[::2], numbers[1::2], strict=True))
    assert root["/ParentTreeNextKey"] == len(tagged_pdf.pages)
    for page in tagged_pdf.pages:
        owners = parents[page["/StructParents"]]
        mcids = marked_texts(page).keys()
        assert len(owners) >= len(mcids) > 0
        for mcid in mcids:
            owner = owners[mcid].get_object()
            own = owner["/K"]
            assert mcid in own or any(isinstance(kid, DictionaryObject) and kid.get("/MCID") == mcid for kid in own)


def test_every_font_is_embedded(tagged_pdf):
    fonts = {}
    for page in tagged_pdf.pages:
        for name, font in page["/Resources"]["/Font"].items():
            fonts[name] = font.get_object()
    assert fonts
    for name, font in fonts.items():
        descriptor = font["/FontDescriptor"]
        assert {"/FontFile", "/FontFile2", "/FontFile3"} & set(descriptor.keys()), name
        assert "/ToUnicode" in font, name
