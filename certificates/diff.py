"""What changed between two wordings of a policy, clause by clause and phrase by phrase.

Officers asked to attest again read this before the new text, so it has to be exact enough
for a policy owner to sign off: clauses are matched between the versions by their words, not
by their numbers, so a clause that only moved is reported as renumbered rather than changed;
section headings (a policy body's short unnumbered lines, as ``PolicyVersion.clauses`` reads
them) are counted as sections, never as clauses; each change names its clause by number, old
and new. Within a changed clause, words are grouped into phrases so the change reads as the
policy owner made it; the page marks them with <del>/<ins> and says "removed"/"added" to a
screen reader, so nothing depends on colour.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from difflib import SequenceMatcher

from .models.policies import CLAUSE_NUMBER

# Clauses at least this alike (by their words, numbers aside) are one clause reworded; below
# it, one clause removed and another added.
SIMILAR = 0.5

# Between two changes, a run of this many unchanged words or fewer is folded into the change,
# so "a landline [or] a radio" reads as one phrase replaced, not three words picked out.
GAP = 2

SENTENCE_END = (".", ";", ":", "?", "!")
PUNCTUATION = ".,;:?!\"'()[]\u201c\u201d\u2018\u2019"  # and curly quotes

# A clause's number as policies write it: "4. ", "3.2. " or "3.2 " (a bare "4 " is too often
# a sentence starting with a number). ``PolicyVersion.clauses`` anchors the "4. " form.
NUMBER = re.compile(r"^(\d+(?:\.\d+)*\.|\d+(?:\.\d+)+)\s+")

# The same test as ``PolicyVersion.clauses``: a line not numbered "4. ", this short, with no
# full stop, is a heading.
HEADING_LENGTH = 120


@dataclass(frozen=True)
class Words:
    """A run of words: ``kind`` is "same", "added" or "removed"."""

    kind: str
    text: str


@dataclass(frozen=True)
class Block:
    """One paragraph of a policy body: a numbered clause, an unnumbered paragraph, or a
    section heading. ``text`` is its words without the number."""

    paragraph: str
    number: str
    text: str
    heading: bool


def parse(paragraph: str) -> Block:
    """The paragraph as a heading or a clause, by the rule the policy page uses
    (``PolicyVersion.clauses``), so the comparison and the text agree on what a heading is."""
    if not CLAUSE_NUMBER.match(paragraph) and len(paragraph) <= HEADING_LENGTH and not paragraph.endswith("."):
        return Block(paragraph, "", paragraph, heading=True)
    match = NUMBER.match(paragraph)
    if match:
        return Block(paragraph, match[1].rstrip("."), paragraph[match.end() :], heading=False)
    return Block(paragraph, "", paragraph, heading=False)


@dataclass(frozen=True)
class ClauseChange:
    """One clause or heading of the comparison, in the new version's reading order (a
    removed one where it stood). ``kind`` is "same", "renumbered" (same words, new number),
    "changed", "added" or "removed"; for a heading, "changed" means the section was renamed.
    ``words`` marks the words (numbers aside) added and removed."""

    kind: str
    heading: bool
    old_number: str = ""
    new_number: str = ""
    old_text: str = ""  # the paragraph as the earlier version has it, number and all
    new_text: str = ""
    words: tuple[Words, ...] = ()

    @property
    def number(self) -> str:
        return self.old_number if self.kind == "removed" else self.new_number

    @property
    def title(self) -> str:
        """What the page calls this change: "Clause 4.2 changed (was 4.1)", "Section added"."""
        if self.heading:
            return {"changed": "Section renamed", "added": "Section added", "removed": "Section removed"}.get(
                self.kind, "Section"
            )
        name = f"Clause {self.number}" if self.number else "Unnumbered paragraph"
        if self.kind == "changed":
            was = f" (was {self.old_number})" if self.old_number != self.new_number and self.old_number else ""
            return f"{name} changed{was}"
        if self.kind == "renumbered":
            return f"{name} (was {self.old_number}), words unchanged"
        return f"{name} {self.kind}"


def paragraphs(body: str) -> list[str]:
    """The body's paragraphs (separated by blank lines), each with its spacing normalised."""
    parts = (" ".join(part.split()) for part in body.replace("\r\n", "\n").split("\n\n"))
    return [part for part in parts if part]


def compare(old_body: str, new_body: str) -> list[ClauseChange]:
    """Every clause and heading of both wordings: the new version's in reading order, each
    removed one after the paragraph it followed. Each old paragraph is the ``old_text`` of
    exactly one change that is not "added"; each new paragraph, in order, the ``new_text`` of
    one that is not "removed"."""
    old = [parse(text) for text in paragraphs(old_body)]
    new = [parse(text) for text in paragraphs(new_body)]
    pairs = _match_clauses(old, new)
    pairs.update(_match_headings(old, new, pairs))
    partner_of_new = {j: i for i, j in pairs.items()}

    placed: list[tuple[tuple[int, int, int], ClauseChange]] = []
    for j, after in enumerate(new):
        i = partner_of_new.get(j)
        change = _added(after) if i is None else _paired(old[i], after)
        placed.append(((j, 0, 0), change))
    follows = -1  # the new position of the last old paragraph kept, so far
    for i, before in enumerate(old):
        if i in pairs:
            follows = pairs[i]
        else:
            placed.append(((follows, 1, i), _removed(before)))
    return [change for _, change in sorted(placed, key=lambda item: item[0])]


def _match_clauses(old: list[Block], new: list[Block]) -> dict[int, int]:
    """Old clause index -> new clause index: identical words first (in order, so repeated
    clauses pair up in turn), then the most alike remaining pairs, best first."""
    olds = [i for i, block in enumerate(old) if not block.heading]
    news = [j for j, block in enumerate(new) if not block.heading]
    pairs: dict[int, int] = {}
    taken: set[int] = set()
    for i in olds:
        j = next((j for j in news if j not in taken and new[j].text == old[i].text), None)
        if j is not None:
            pairs[i] = j
            taken.add(j)
    candidates = []
    for i in olds:
        if i in pairs:
            continue
        for j in news:
            if j not in taken and (score := _likeness(old[i].text, new[j].text)) >= SIMILAR:
                candidates.append((-score, abs(i - j), i, j))
    for _, _, i, j in sorted(candidates):
        if i not in pairs and j not in taken:
            pairs[i] = j
            taken.add(j)
    return pairs


def _match_headings(old: list[Block], new: list[Block], clause_pairs: dict[int, int]) -> dict[int, int]:
    """Old heading index -> new heading index: the same words first; then a renamed
    section, known by the clauses it still heads or by words alike."""
    olds = [i for i, block in enumerate(old) if block.heading]
    news = [j for j, block in enumerate(new) if block.heading]
    pairs: dict[int, int] = {}
    for i in olds:
        j = next((j for j in news if j not in pairs.values() and new[j].text == old[i].text), None)
        if j is not None:
            pairs[i] = j
    old_section, new_section = _sections(old), _sections(new)
    shared = Counter((old_section[i], new_section[j]) for i, j in clause_pairs.items())
    candidates = []
    for i in olds:
        for j in news:
            if i in pairs or j in pairs.values():
                continue
            kept, score = shared[(i, j)], _likeness(old[i].text, new[j].text)
            if kept or score >= SIMILAR:
                candidates.append((-kept, -score, i, j))
    for _, _, i, j in sorted(candidates):
        if i not in pairs and j not in pairs.values():
            pairs[i] = j
    return pairs


def _sections(blocks: list[Block]) -> list[int]:
    """For each paragraph, the index of the heading it comes under (-1 before any)."""
    current, result = -1, []
    for index, block in enumerate(blocks):
        if block.heading:
            current = index
        result.append(current)
    return result


def _likeness(before: str, after: str) -> float:
    """How alike two clauses' words are, 0 to 1, case and punctuation aside ("records." is
    "records")."""
    matcher = SequenceMatcher(None, _bare_words(before), _bare_words(after), autojunk=False)
    if matcher.real_quick_ratio() < SIMILAR or matcher.quick_ratio() < SIMILAR:
        return 0.0
    return matcher.ratio()


def _bare_words(text: str) -> list[str]:
    return [bare for word in text.split() if (bare := word.strip(PUNCTUATION).casefold())]


def _paired(before: Block, after: Block) -> ClauseChange:
    common = {"heading": after.heading, "old_number": before.number, "new_number": after.number}
    texts = {"old_text": before.paragraph, "new_text": after.paragraph}
    if before.text != after.text:
        return ClauseChange("changed", **common, **texts, words=word_changes(before.text, after.text))
    kind = "same" if before.number == after.number else "renumbered"
    return ClauseChange(kind, **common, **texts, words=(Words("same", after.text),))


def _added(after: Block) -> ClauseChange:
    return ClauseChange(
        "added", after.heading, new_number=after.number, new_text=after.paragraph, words=(Words("added", after.text),)
    )


def _removed(before: Block) -> ClauseChange:
    return ClauseChange(
        "removed",
        before.heading,
        old_number=before.number,
        old_text=before.paragraph,
        words=(Words("removed", before.text),),
    )


def word_changes(before: str, after: str) -> tuple[Words, ...]:
    """The words of ``after`` against ``before`` as phrases: unchanged runs, and each change
    as the phrase removed then the phrase added. Changes separated by ``GAP`` unchanged words
    or fewer are one change, so the result reads as phrases, not a word here and there.
    Joining the "same" and "removed" texts gives ``before`` back; "same" and "added", ``after``."""
    old, new = before.split(), after.split()
    runs: list[list] = []  # [equal?, i1, i2, j1, j2]
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        equal = tag == "equal"
        if runs and not equal and not runs[-1][0]:
            runs[-1][2], runs[-1][4] = i2, j2
        else:
            runs.append([equal, i1, i2, j1, j2])
    merged: list[list] = []
    for run in runs:
        if not run[0] and len(merged) >= 2 and _folds(merged[-1], old) and not merged[-2][0]:
            merged.pop()
            merged[-1][2], merged[-1][4] = run[2], run[4]
        else:
            merged.append(run)
    parts: list[Words] = []
    for equal, i1, i2, j1, j2 in merged:
        if equal:
            parts.append(Words("same", " ".join(old[i1:i2])))
            continue
        if i2 > i1:
            parts.append(Words("removed", " ".join(old[i1:i2])))
        if j2 > j1:
            parts.append(Words("added", " ".join(new[j1:j2])))
    return tuple(parts)


def _folds(run: list, old: list[str]) -> bool:
    """Whether an unchanged run between two changes is short enough to fold into them. One
    that starts a sentence stays, as the place the reader finds their footing again."""
    equal, i1, i2, _, _ = run
    return equal and i2 - i1 <= GAP and not (i1 > 0 and old[i1 - 1].endswith(SENTENCE_END))


@dataclass(frozen=True)
class Summary:
    """How many clauses changed, were added, removed or only renumbered, and how many
    sections were added, removed or renamed; ``text`` says so in a sentence."""

    changed: int = 0
    added: int = 0
    removed: int = 0
    renumbered: int = 0
    sections_added: int = 0
    sections_removed: int = 0
    sections_renamed: int = 0
    renumberings: tuple[tuple[str, str], ...] = field(default=())  # (old number, new number)

    @property
    def text(self) -> str:
        """E.g. "2 clauses changed, 1 added, 1 removed and 3 renumbered; 1 section added."."""
        clauses = _counted(
            "clause",
            [
                (self.changed, "changed"),
                (self.added, "added"),
                (self.removed, "removed"),
                (self.renumbered, "renumbered"),
            ],
        )
        sections = _counted(
            "section",
            [(self.sections_added, "added"), (self.sections_removed, "removed"), (self.sections_renamed, "renamed")],
        )
        text = "; ".join(part for part in (clauses or "no clause changed", sections) if part)
        return text[:1].upper() + text[1:] + "."

    @property
    def renumbered_text(self) -> str:
        """E.g. "clause 2 is now 8, clause 3 is now 9"."""
        return ", ".join(_renumbering(before, after) for before, after in self.renumberings)


def _counted(noun: str, counts: list[tuple[int, str]]) -> str:
    """ "2 clauses changed, 1 added and 1 removed": the noun with the first count, zeros left out."""
    parts = [(count, verb) for count, verb in counts if count]
    words = [
        f"{count} {noun}{'' if count == 1 else 's'} {verb}" if index == 0 else f"{count} {verb}"
        for index, (count, verb) in enumerate(parts)
    ]
    return ", ".join(words[:-1]) + " and " + words[-1] if len(words) > 1 else "".join(words)


def _renumbering(before: str, after: str) -> str:
    if before and after:
        return f"clause {before} is now {after}"
    return f"clause {before} is now unnumbered" if before else f"an unnumbered paragraph is now clause {after}"


def summary(changes: list[ClauseChange]) -> Summary:
    """The counts of ``compare``'s changes, each true: a clause only renumbered is not
    counted as changed, and a heading is counted as a section, not a clause."""
    kinds = Counter((change.heading, change.kind) for change in changes)
    return Summary(
        changed=kinds[(False, "changed")],
        added=kinds[(False, "added")],
        removed=kinds[(False, "removed")],
        renumbered=kinds[(False, "renumbered")],
        sections_added=kinds[(True, "added")],
        sections_removed=kinds[(True, "removed")],
        sections_renamed=kinds[(True, "changed")],
        renumberings=tuple((change.old_number, change.new_number) for change in changes if change.kind == "renumbered"),
    )
