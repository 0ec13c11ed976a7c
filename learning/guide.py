"""A module's guide, and how long the module takes to read.

The guide is ``content/<module slug>/guide.toml`` (format: content/README.md): the case behind the
module, shown on the module page before "Start"; a glossary of its terms and abbreviations; and a
one-page job aid an officer can keep, as a page and a PDF (``learning.job_aid``). Unlike the
module and its scenarios, the guide is not copied into Wagtail: pages read it from the file, so a
change reviewed like code reaches officers when it is deployed. A module with no guide.toml shows
none of it, and its glossary and job aid addresses are not found.

``reading_load`` counts the words an officer reads on the right path through the module, which
``manage.py check_content`` prints and a test holds ``estimated_minutes`` to.
"""

from __future__ import annotations

import functools
import logging
import math
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils.html import strip_tags
from django.utils.text import slugify

from scenarios.blocks import right_path as right_steps
from scenarios.models import ScenarioPage

from .content import ContentError, ModuleContent, PolicyContent, VersionContent, _read, _Table, load_policy

logger = logging.getLogger(__name__)

CONTENT_DIR = Path(settings.BASE_DIR) / "content"
GUIDE_FILE = "guide.toml"
# A common figure for reading on screen; the module page's "About N minutes" is held to it.
WORDS_PER_MINUTE = 200


@dataclass(frozen=True)
class CasePart:
    heading: str
    text: str


@dataclass(frozen=True)
class Term:
    term: str
    meaning: str
    also: str = ""  # another name for the same thing: "the Met" for MPS

    @property
    def anchor(self) -> str:
        return "term-" + (slugify(self.term) or "number")


@dataclass(frozen=True)
class Citation:
    """Some clauses of one policy version, as a job aid cites them."""

    name: str  # "Personal devices policy v2.0"
    clauses: tuple[int, ...]

    def __str__(self) -> str:
        numbers = [str(number) for number in self.clauses]
        listed = numbers[0] if len(numbers) == 1 else f"{', '.join(numbers[:-1])} and {numbers[-1]}"
        return f"{self.name}, clause{'s' if len(numbers) > 1 else ''} {listed}"


@dataclass(frozen=True)
class Point:
    """A step of the job aid, or a note beside the steps."""

    heading: str
    text: str
    citation: Citation


@dataclass(frozen=True)
class JobAid:
    title: str
    intro: str
    steps: tuple[Point, ...]
    notes: tuple[Point, ...]


@dataclass(frozen=True)
class Guide:
    path: Path
    case_title: str
    case_source: str
    case: tuple[CasePart, ...]
    glossary: tuple[Term, ...]
    job_aid: JobAid

    def case_words(self) -> int:
        return sum(words(part.heading) + words(part.text) for part in self.case)


def _table(parent: _Table, key: str) -> _Table:
    value = parent.data.get(key)
    if not isinstance(value, dict):
        raise parent.error(key, f"needs a [{key}] table")
    return _Table(parent.path, value, key)


def _point(table: _Table, policy: PolicyContent, version: VersionContent) -> Point:
    table.only("heading", "text", "clauses")
    clauses = table.data.get("clauses")
    if not (isinstance(clauses, list) and clauses and all(type(number) is int for number in clauses)):
        raise table.error("clauses", "must be a list of clause numbers, like [5, 7]")
    for number in clauses:
        if version.clause(number) is None:
            raise table.error("clauses", f"policy version {version.label} has no clause {number}")
    return Point(
        heading=table.text("heading", max_length=120),
        text=" ".join(table.text("text").split()),
        citation=Citation(f"{policy.citation} v{version.label}", tuple(clauses)),
    )


def load_guide(directory: Path | str, policy: PolicyContent | None = None) -> Guide:
    """Read and check ``guide.toml`` in a module directory against the module's policy (read
    from ``policy.toml`` unless given); raises ``ContentError`` naming the file and the field."""
    directory = Path(directory)
    policy = policy or load_policy(directory / "policy.toml")
    table = _read(directory / GUIDE_FILE)
    table.only("case", "glossary", "job_aid")

    case = _table(table, "case")
    case.only("title", "source", "parts")
    parts = []
    for part in case.tables("parts", "part"):
        part.only("heading", "text")
        parts.append(CasePart(heading=part.text("heading", max_length=120), text=" ".join(part.text("text").split())))

    terms = []
    for entry in table.tables("glossary", "term"):
        entry.only("term", "also", "meaning")
        term = Term(
            term=entry.text("term", max_length=60),
            also=entry.text("also", required=False, max_length=60),
            meaning=entry.text("meaning"),
        )
        if any(earlier.anchor == term.anchor for earlier in terms):
            raise entry.error("term", f"“{term.term}” appears twice")
        terms.append(term)

    aid = _table(table, "job_aid")
    aid.only("title", "policy_version", "intro", "steps", "notes")
    label = aid.text("policy_version", max_length=20)
    version = policy.version(label)
    if version is None:
        known = ", ".join(v.label for v in policy.versions)
        raise aid.error("policy_version", f"“{label}” is not a version in {policy.path.name} (it has: {known})")
    notes = aid.tables("notes", "note") if "notes" in aid.data else []
    job_aid = JobAid(
        title=aid.text("title", max_length=120),
        intro=aid.text("intro"),
        steps=tuple(_point(step, policy, version) for step in aid.tables("steps", "step")),
        notes=tuple(_point(note, policy, version) for note in notes),
    )
    return Guide(
        path=directory / GUIDE_FILE,
        case_title=case.text("title", max_length=120),
        case_source=case.text("source", max_length=200),
        case=tuple(parts),
        glossary=tuple(terms),
        job_aid=job_aid,
    )


@functools.cache
def _guide_in(directory: Path) -> Guide | None:
    if not (directory / GUIDE_FILE).is_file():
        return None
    try:
        return load_guide(directory)
    except ContentError:
        # check_content and the tests stop a broken file before it ships; if one does, the
        # module's pages still work, without the guide.
        logger.exception("The guide in %s cannot be read", directory)
        return None


def guide_for(module) -> Guide | None:
    """The guide of a module page (read once per process), or None if it has none."""
    return guide_for_slug(module.slug)


def guide_for_slug(slug: str) -> Guide | None:
    return _guide_in(CONTENT_DIR / slug)


# Reading load


def words(text: str) -> int:
    """The words in a text (HTML tags are not words), as a word processor counts them."""
    return len(strip_tags(text).split())


@dataclass(frozen=True)
class ReadingLoad:
    """The words an officer reads on the right path through a module, by what they are."""

    parts: dict[str, int]

    @property
    def words(self) -> int:
        return sum(self.parts.values())

    @property
    def minutes(self) -> int:
        return math.ceil(self.words / WORDS_PER_MINUTE)

    def __str__(self) -> str:
        detail = ", ".join(f"{part} {count:,}" for part, count in self.parts.items())
        return f"{self.words:,} words, about {self.minutes} minutes at {WORDS_PER_MINUTE} a minute ({detail})"


def _options(step: dict) -> list[dict]:
    # As the page stores a list block: [{"type": "item", "value": {...}, "id": ...}].
    return [item.get("value", item) for item in step["value"].get("options") or []]


def right_path(steps: list[dict]) -> list[tuple[dict, list[dict]]]:
    """Each step a scenario's right answers lead through, with its right options (for a true or
    false step, the right one of the two, carrying ``feedback_if_right``)."""
    # Which steps: the engine's own rule (``scenarios.blocks.right_path``), on the steps as blocks.
    stream = ScenarioPage._meta.get_field("steps").to_python(steps)
    path = []
    for index in right_steps(stream):
        step = steps[index]
        value = step["value"]
        if step["type"] == "true_false":
            right = [{"text": value["answer"].title(), "feedback": value["feedback_if_right"]}]
        else:
            right = [option for option in _options(step) if option.get("correct")]
        path.append((step, right))
    return path


def reading_load(module: ModuleContent, guide: Guide | None = None) -> ReadingLoad:
    """What an officer reads who answers every step right: the case summary (if the module has a
    guide), each scenario's story once, each step's question, the right options and their
    feedback, the consequences of the right choices, and the clauses of the policy version they
    attest to (the latest). Not the other options, the clause quoted in feedback (one click
    away), nor the glossary and job aid (there when wanted)."""
    parts = {"case summary": guide.case_words() if guide else 0}
    parts |= {"stories": 0, "questions": 0, "right options": 0, "feedback": 0, "consequences": 0}
    for scenario in module.scenarios:
        parts["stories"] += words(scenario.narrative)
        for step, right in right_path(scenario.steps):
            parts["questions"] += words(step["value"]["prompt"])
            for option in right:
                parts["right options"] += words(option["text"])
                parts["feedback"] += words(option["feedback"])
                parts["consequences"] += words(option.get("consequence") or "")
    parts["policy"] = sum(words(clause.text) for clause in module.policy.versions[-1].clauses)
    return ReadingLoad(parts)
