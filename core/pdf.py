"""What every PDF the service draws has in common: the embedded font, the colours, the page
margin and the document properties that a PDF reader, a search index and a screen reader see.

The certificate (``certificates.pdf``) is drawn straight onto a canvas made by ``new_canvas``;
the transcript (``records.transcript``) flows tables over pages laid out by ``new_document``.
Both start here, so they read as documents of one service and a font or colour changes once.

Both are tagged PDFs (aiming at PDF/UA-1, docs/accessibility.md) drawn on a ``TaggedCanvas``:
text is drawn inside ``canvas.tag("P")`` (or H1, TD, Figure...) in reading order, decoration
inside ``canvas.artifact()``. Flowables tag themselves: ``TaggedParagraph`` for text and a
``Table`` given ``renderCB=TableTags(...)``.
"""

from __future__ import annotations

import datetime
import re
from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO
from xml.sax.saxutils import escape

import reportlab
from django.conf import settings
from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.pdfdoc import PDFArray, PDFDictionary, PDFName, PDFStream, PDFString
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph, SimpleDocTemplate

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
    created: datetime.datetime | None = None,
) -> TaggedCanvas:
    """A canvas to draw a one-page tagged document on by hand, in the embedded font, with the
    document's properties set (the force as author). Given ``created``, the document is dated
    then rather than now, and carries nothing else that changes from one drawing to the next:
    the same drawing gives the same bytes, whenever and wherever it is made."""
    register_fonts()
    canvas = TaggedCanvas(
        buffer,
        pagesize=pagesize,
        lang=LANGUAGE,
        pageCompression=1,
        initialFontName=REGULAR,
        initialFontSize=font_size,
        invariant=created is not None,  # no clock in the document's ID, and no comments
    )
    if created is not None:
        date = f"D:{created.astimezone(datetime.UTC):%Y%m%d%H%M%S}+00'00'"
        canvas.setDateFormatter(lambda *_: date)
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


# Tagged PDF (PDF/UA-1). A screen reader reads a PDF's structure tree, not its drawing: each
# structure element (H1, P, Table, TD, Figure...) owns the marked-content sequences, numbered
# by MCID within their page, that hold its drawing, and whatever is only decoration is marked
# as an artifact so it is skipped. Open-source reportlab has no tagging API, so the canvas
# below writes the marked-content operators itself and adds the tree to the document's objects
# when it is saved.


# The operators that put marks on the page (ISO 32000-1, tables 59, 107, 77 and 92): text,
# path painting, XObjects, shadings and inline images. A false match inside a string of text
# only keeps a sequence that had nothing to mark.
_PAINTS = re.compile(r"(?<!\S)(?:Tj|TJ|'|\"|[fFsSbB]\*?|Do|sh|BI)(?!\S)")


@dataclass(frozen=True)
class MarkedContent:
    """One marked-content sequence: its page (numbered from 1) and its MCID on that page."""

    page: int
    mcid: int


@dataclass(eq=False)
class StructureElement:
    """A node of the structure tree: its standard role, the alternative text a figure needs,
    its attributes (such as a header cell's scope) and its children in reading order."""

    role: str
    alt: str = ""
    attributes: dict[str, object] = field(default_factory=dict)
    kids: list[StructureElement | MarkedContent] = field(default_factory=list)

    def has_content(self) -> bool:
        return any(isinstance(kid, MarkedContent) or kid.has_content() for kid in self.kids)


@dataclass(frozen=True)
class Artifact:
    """Drawing a screen reader skips: ``Layout`` (borders, rules, shading) or ``Pagination``
    (with a ``Footer`` or ``Header`` subtype)."""

    kind: str = "Layout"
    subtype: str = ""

    @property
    def properties(self) -> str:
        return f"/Type /{self.kind}" + (f" /Subtype /{self.subtype}" if self.subtype else "")


class TaggedCanvas(Canvas):
    """A canvas that draws a tagged PDF. Everything drawn must be inside ``tag`` (content a
    screen reader reads, in reading order) or ``artifact`` (decoration it skips); saving adds
    the structure tree, the marked-content flag, the title shown in the window and the XMP
    metadata claiming PDF/UA-1.

    Only the innermost open element owns what is drawn: opening a child ends the parent's
    sequence and closing it starts another, so sequences never nest and an element's children
    and text come out in the order they were drawn."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._document_element = StructureElement("Document")
        self._open: list[StructureElement | Artifact] = [self._document_element]
        self._sequence_start: int | None = None  # where the open sequence's drawing starts in _code
        self._mcid_owners: dict[int, list[StructureElement]] = defaultdict(list)  # page -> owner of each MCID

    @contextmanager
    def tag(self, role: str, *, alt: str = "", attributes: dict[str, object] | None = None) -> Iterator[None]:
        """Draw the body as a structure element of ``role``, the next child of the element open."""
        self.begin_tag(role, alt=alt, attributes=attributes)
        try:
            yield
        finally:
            self.end()

    @contextmanager
    def artifact(self, kind: str = "Layout", subtype: str = "") -> Iterator[None]:
        """Draw the body as an artifact (borders, rules, shading; ``Pagination`` for running
        headers and footers), which assistive technology skips."""
        self.begin_artifact(kind, subtype)
        try:
            yield
        finally:
            self.end()

    def begin_tag(self, role: str, *, alt: str = "", attributes: dict[str, object] | None = None) -> None:
        """``tag`` for a caller that cannot use a ``with`` block (a table's render callback);
        ``end`` closes it."""
        parent = self._open[-1]
        if isinstance(parent, Artifact):
            raise ValueError(f"A {role} cannot be tagged inside an artifact.")
        element = StructureElement(role, alt=alt, attributes=attributes or {})
        parent.kids.append(element)
        self._enter(element)

    def begin_artifact(self, kind: str = "Layout", subtype: str = "") -> None:
        """``artifact`` for a caller that cannot use a ``with`` block; ``end`` closes it."""
        self._enter(Artifact(kind, subtype))

    def end(self) -> None:
        """Close the structure element or artifact opened last."""
        self._end_sequence()
        self._open.pop()
        self._begin_sequence()

    def _enter(self, opened: StructureElement | Artifact) -> None:
        self._end_sequence()
        self._open.append(opened)
        self._begin_sequence()

    def _begin_sequence(self) -> None:
        opened = self._open[-1]
        if opened is self._document_element:
            return  # nothing is drawn at the top level: a test checks every mark is tagged
        if isinstance(opened, Artifact):
            self._code.append(f"/Artifact <<{opened.properties}>> BDC")
        else:
            self._code.append(f"/{opened.role} <</MCID {len(self._mcid_owners[self.getPageNumber()])}>> BDC")
        self._sequence_start = len(self._code)

    def _end_sequence(self) -> None:
        if self._sequence_start is None:
            return
        start, self._sequence_start = self._sequence_start, None
        if not any(_PAINTS.search(code) for code in self._code[start:]):
            # Nothing drawn, at most a colour or a font set: take the BDC back rather than
            # leave an empty sequence.
            del self._code[start - 1]
            return
        self._code.append("EMC")
        opened = self._open[-1]
        if isinstance(opened, StructureElement):
            page = self.getPageNumber()
            owners = self._mcid_owners[page]
            opened.kids.append(MarkedContent(page, len(owners)))
            owners.append(opened)

    def showPage(self):
        if len(self._open) > 1:
            raise ValueError("A page ended inside a structure element or artifact.")
        super().showPage()

    def save(self):
        if self._code:
            self.showPage()
        self._write_structure()
        super().save()

    def _write_structure(self) -> None:
        """Add the structure tree and what a PDF/UA reader looks for to the document."""
        document = self._doc
        pages = document.Pages.pages
        page_refs = [document.Reference(page) for page in pages]
        tree_root = PDFDictionary({"Type": PDFName("StructTreeRoot")})
        tree_root_ref = document.Reference(tree_root)
        element_refs: dict[int, object] = {}

        def add(element: StructureElement, parent_ref) -> object:
            dictionary = PDFDictionary({"Type": PDFName("StructElem"), "S": PDFName(element.role), "P": parent_ref})
            ref = element_refs[id(element)] = document.Reference(dictionary)
            own_page = next((kid.page for kid in element.kids if isinstance(kid, MarkedContent)), None)
            if own_page is not None:
                dictionary["Pg"] = page_refs[own_page - 1]
            kids = []
            for kid in element.kids:
                if isinstance(kid, StructureElement):
                    if kid.has_content():
                        kids.append(add(kid, ref))
                elif kid.page == own_page:
                    kids.append(kid.mcid)
                else:  # an element that runs on over a page break
                    kids.append(
                        PDFDictionary({"Type": PDFName("MCR"), "Pg": page_refs[kid.page - 1], "MCID": kid.mcid})
                    )
            dictionary["K"] = PDFArray(kids)
            if element.alt:
                dictionary["Alt"] = PDFString(element.alt)
            if element.attributes:
                dictionary["A"] = PDFDictionary({key: _pdf_value(value) for key, value in element.attributes.items()})
            return ref

        tree_root["K"] = add(self._document_element, tree_root_ref)
        # The parent tree takes a reader from a mark on a page back to its element: page i's
        # StructParents is i, and its entry lists the owner of each MCID in turn.
        numbers: list[object] = []
        for index, page in enumerate(pages):
            page.__NoDefault__ = [*page.__NoDefault__, "StructParents", "Tabs"]  # the keys reportlab writes
            page.StructParents = index
            page.Tabs = PDFName("S")  # tab through any link in structure order
            numbers += [index, PDFArray([element_refs[id(owner)] for owner in self._mcid_owners[index + 1]])]
        tree_root["ParentTree"] = PDFDictionary({"Nums": PDFArray(numbers)})
        tree_root["ParentTreeNextKey"] = len(pages)

        catalog = document.Catalog
        catalog.StructTreeRoot = tree_root
        catalog.MarkInfo = PDFDictionary({"Marked": "true"})
        self.setViewerPreference("DisplayDocTitle", "true")  # the title, not the file name, in the window
        # Unfiltered (reportlab compresses only page streams), so the XMP stays readable as is.
        catalog.Metadata = PDFStream(
            PDFDictionary({"Type": PDFName("Metadata"), "Subtype": PDFName("XML")}),
            _xmp_metadata(document.info.title, LANGUAGE),
        )


def _pdf_value(value: object) -> object:
    """An attribute value as PDF: a name for text, an array for a sequence, a number as it is."""
    if isinstance(value, str):
        return PDFName(value)
    if isinstance(value, (list, tuple)):
        return PDFArray([_pdf_value(item) for item in value])
    return value


def _xmp_metadata(title: str, language: str) -> bytes:
    """The XMP packet: the title and language, and the claim to PDF/UA-1 (``pdfuaid:part``)."""
    return f"""<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/"
      xmlns:pdfuaid="http://www.aiim.org/pdfua/ns/id/">
   <dc:title><rdf:Alt><rdf:li xml:lang="x-default">{escape(title)}</rdf:li></rdf:Alt></dc:title>
   <dc:language><rdf:Bag><rdf:li>{escape(language)}</rdf:li></rdf:Bag></dc:language>
   <pdfuaid:part>1</pdfuaid:part>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="r"?>""".encode()


class TaggedParagraph(Paragraph):
    """A paragraph drawn as a structure element of ``role``: P, or H1 to H6 for a heading.
    Each part of a paragraph split over a page is an element of its own."""

    def __init__(self, text, style=None, *args, role: str = "P", **kwargs):
        super().__init__(text, style, *args, **kwargs)
        self.role = role

    def split(self, availWidth, availHeight):
        parts = super().split(availWidth, availHeight)
        for part in parts:
            part.role = self.role
        return parts

    def drawOn(self, canvas, x, y, _sW=0):
        with canvas.tag(self.role):  # around the whole drawing, so the tag and q/Q nest
            super().drawOn(canvas, x, y, _sW)


class TableTags:
    """Tags a platypus ``Table`` as it is drawn, given as its ``renderCB``: Table, a TR per
    row and a TH or TD per cell, with the shading and rules as artifacts. The first
    ``header_rows`` rows are headers of their columns (give the table the same ``repeatRows``
    so they head every page it runs onto) and the first ``header_columns`` columns headers of
    their rows. reportlab passes the callback to each part of a table split over pages, so
    each part is a Table of its own. Spanned cells are not handled.

    A table used only for layout says what it really is by overriding ``roles``: a list
    (``ListTags``) or a plain group (``GroupTags``)."""

    def __init__(self, *, header_rows: int = 0, header_columns: int = 0):
        self.header_rows = header_rows
        self.header_columns = header_columns
        self._opened: list[bool] = []  # for each start event, whether it opened a tag or artifact

    def roles(self, event: str, row: int = 0, column: int = 0) -> tuple[str, dict[str, object]] | None:
        """The structure element (role, attributes) for a start event; None for no element."""
        if event == "startTable":
            return "Table", {}
        if event == "startRow":
            return "TR", {}
        if row < self.header_rows:
            return "TH", {"O": "Table", "Scope": "Column"}
        if column < self.header_columns:
            return "TH", {"O": "Table", "Scope": "Row"}
        return "TD", {}

    def __call__(self, table, event: str, *args) -> None:
        canvas = table.canv
        if event in ("startBG", "startLines"):
            canvas.begin_artifact()
            self._opened.append(True)
        elif event.startswith("start"):
            element = self.roles(event, *args[:2])
            if element:
                canvas.begin_tag(element[0], attributes=element[1])
            self._opened.append(element is not None)
        elif self._opened.pop():
            canvas.end()


class ListTags(TableTags):
    """Tags a table of numbers beside items as a numbered list: L, then an LI per row holding
    the number (Lbl) and the item (LBody)."""

    def roles(self, event: str, row: int = 0, column: int = 0) -> tuple[str, dict[str, object]] | None:
        if event == "startTable":
            return "L", {"O": "List", "ListNumbering": "Decimal"}
        if event == "startRow":
            return "LI", {}
        return ("Lbl" if column == 0 else "LBody"), {}


class GroupTags(TableTags):
    """Tags a table that only draws a box around its contents as one group (Div): what is in
    the cells is read in order, the box is an artifact."""

    def roles(self, event: str, row: int = 0, column: int = 0) -> tuple[str, dict[str, object]] | None:
        return ("Div", {}) if event == "startTable" else None
