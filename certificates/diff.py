"""What changed between two wordings of a policy, clause by clause and word by word.

Officers asked to attest again read this before the new text: each changed clause with the
words added and removed marked, so a screen reader announces them and nothing depends on
colour (the page draws removals struck through and additions underlined, and says which is which).
"""

from __future__ import annotations

from dataclasses import dataclass
from difflib import SequenceMatcher

# Clauses at least this alike are shown as one clause with words changed; below it, as one
# clause removed and another added.
SIMILAR = 0.5


@dataclass(frozen=True)
class Words:
    """A run of words: ``kind`` is "same", "added" or "removed"."""

    kind: str
    text: str


@dataclass(frozen=True)
class ClauseChange:
    """One clause of the comparison: ``kind`` is "same", "added", "removed" or "changed"."""

    kind: str
    words: tuple[Words, ...]

    @property
    def old_text(self) -> str:
        return " ".join(part.text for part in self.words if part.kind != "added")

    @property
    def new_text(self) -> str:
        return " ".join(part.text for part in self.words if part.kind != "removed")


def paragraphs(body: str) -> list[str]:
    """The body's paragraphs (separated by blank lines), each with its spacing normalised."""
    parts = (" ".join(part.split()) for part in body.replace("\r\n", "\n").split("\n\n"))
    return [part for part in parts if part]


def compare(old_body: str, new_body: str) -> list[ClauseChange]:
    """Every clause of both wordings in reading order, each marked same, added, removed or
    changed (with its words marked). Joining the "same" and "removed" words gives the old
    clause back; joining the "same" and "added" words gives the new one."""
    old, new = paragraphs(old_body), paragraphs(new_body)
    result: list[ClauseChange] = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if tag == "equal":
            result += [ClauseChange("same", (Words("same", text),)) for text in old[i1:i2]]
        else:
            result += _replace(old[i1:i2], new[j1:j2])
    return result


def _replace(old: list[str], new: list[str]) -> list[ClauseChange]:
    """Clauses replaced by others. Each old clause is paired, in order, with the next new
    clause alike enough to be the same clause reworded; new clauses passed over on the way
    are additions, and an old clause with no partner is a removal."""
    result: list[ClauseChange] = []
    position = 0
    for before in old:
        partner = next((j for j in range(position, len(new)) if _alike(before, new[j])), None)
        if partner is None:
            result.append(ClauseChange("removed", (Words("removed", before),)))
            continue
        result += [ClauseChange("added", (Words("added", text),)) for text in new[position:partner]]
        result.append(ClauseChange("changed", word_changes(before, new[partner])))
        position = partner + 1
    result += [ClauseChange("added", (Words("added", text),)) for text in new[position:]]
    return result


def _alike(before: str, after: str) -> bool:
    return SequenceMatcher(None, before.split(), after.split(), autojunk=False).ratio() >= SIMILAR


def word_changes(before: str, after: str) -> tuple[Words, ...]:
    old, new = before.split(), after.split()
    parts: list[Words] = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if tag == "equal":
            parts.append(Words("same", " ".join(old[i1:i2])))
            continue
        if i2 > i1:
            parts.append(Words("removed", " ".join(old[i1:i2])))
        if j2 > j1:
            parts.append(Words("added", " ".join(new[j1:j2])))
    return tuple(parts)


def summary(changes: list[ClauseChange]) -> dict[str, int]:
    """How many clauses were added, removed and changed."""
    counts = {"added": 0, "removed": 0, "changed": 0}
    for change in changes:
        if change.kind in counts:
            counts[change.kind] += 1
    return counts
