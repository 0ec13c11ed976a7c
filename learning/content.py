"""Module content kept in the repository as TOML files, and loading it into Wagtail.

A module is a directory::

    module.toml          title, settings, learning outcomes, the topics its steps are tagged with
    policy.toml          the policy officers attest to, version by version, clause by clause
    scenarios/*.toml     one scenario per file, in file-name order

``load_module`` reads and checks all of it, and raises ``ContentError`` naming the file and the
field at the first problem: nothing is written until the whole module is sound. ``install_policy``
and ``install_module`` then create ordinary snippets and pages, once: what exists is left alone,
so a trainer's later edits in the admin survive a second load, and a stored policy version (which
someone may have attested to) is never touched.
"""

from __future__ import annotations

import datetime
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.html import escape

from certificates.models import PolicyDocument, PolicyVersion
from scenarios.blocks import topic_tags
from scenarios.graph import END
from scenarios.models import ScenarioPage

from .models import ModuleIndexPage, ModulePage

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
STEP_TYPES = ("single_choice", "multiple_response", "true_false", "decision_point")


class ContentError(ValueError):
    """A content file that cannot be loaded; the message names the file and the field."""

    def __init__(self, path: Path | str, where: str, message: str):
        self.path, self.where = str(path), where
        super().__init__(f"{path}: {where}: {message}" if where else f"{path}: {message}")


class _Table:
    """One table of a content file. Every error it raises names the file and the field."""

    def __init__(self, path: Path, data: dict, where: str = ""):
        self.path, self.data, self.where = path, data, where

    def _name(self, key: str) -> str:
        return f"{self.where}, “{key}”" if self.where else f"“{key}”"

    def error(self, key: str, message: str) -> ContentError:
        return ContentError(self.path, self._name(key), message)

    def only(self, *allowed: str) -> None:
        """Refuse fields nobody reads, which are usually typing mistakes (“corect = true”)."""
        for key in self.data:
            if key not in allowed:
                message = f"unknown field “{key}” (expected one of: {', '.join(allowed)})"
                raise ContentError(self.path, self.where or "top level", message)

    def text(self, key: str, *, required: bool = True, max_length: int | None = None) -> str:
        value = self.data.get(key, "")
        if not isinstance(value, str):
            raise self.error(key, "must be text in quotes")
        value = value.strip()
        if required and not value:
            raise self.error(key, "is missing or empty")
        if max_length and len(value) > max_length:
            raise self.error(key, f"is {len(value)} characters; the most allowed is {max_length}")
        return value

    def slug(self, key: str, *, required: bool = True) -> str:
        value = self.text(key, required=required, max_length=50)
        if value and not SLUG.match(value):
            raise self.error(key, f"“{value}” must be lower-case letters, digits and hyphens")
        return value

    def flag(self, key: str, default: bool = False) -> bool:
        value = self.data.get(key, default)
        if not isinstance(value, bool):
            raise self.error(key, "must be true or false, without quotes")
        return value

    def number(self, key: str, *, low: int, high: int, required: bool = True) -> int | None:
        value = self.data.get(key)
        if value is None and not required:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.error(key, "is missing" if value is None else "must be a whole number, without quotes")
        if not low <= value <= high:
            raise self.error(key, f"must be between {low} and {high}, not {value}")
        return value

    def date(self, key: str) -> datetime.date | None:
        value = self.data.get(key)
        if value is None:
            return None
        if isinstance(value, datetime.datetime) or not isinstance(value, datetime.date):
            raise self.error(key, "must be a date written like 2020-01-01, without quotes")
        return value

    def texts(self, key: str) -> list[str]:
        value = self.data.get(key, [])
        if not (isinstance(value, list) and value and all(isinstance(item, str) and item.strip() for item in value)):
            raise self.error(key, 'must be a list of one or more texts, like ["first", "second"]')
        return [item.strip() for item in value]

    def tables(self, key: str, label: str) -> list[_Table]:
        value = self.data.get(key)
        if not isinstance(value, list) or not value or not all(isinstance(item, dict) for item in value):
            raise self.error(key, f"needs at least one [[{self._dotted(key)}]] table")
        prefix = f"{self.where}, " if self.where else ""
        return [_Table(self.path, item, f"{prefix}{label} {number}") for number, item in enumerate(value, start=1)]

    def _dotted(self, key: str) -> str:
        return {"options": "steps.options", "clauses": "versions.clauses"}.get(key, key)


def _read(path: Path) -> _Table:
    try:
        with path.open("rb") as file:
            return _Table(path, tomllib.load(file))
    except FileNotFoundError:
        raise ContentError(path, "", "file not found") from None
    except tomllib.TOMLDecodeError as error:
        raise ContentError(path, "", f"not valid TOML: {error}") from None


def paragraphs_html(text: str) -> str:
    """Plain text with blank lines between paragraphs, as the HTML a rich text field holds."""
    return "".join(f"<p>{escape(' '.join(part.split()))}</p>" for part in re.split(r"\n\s*\n", text) if part.strip())


# The policy


@dataclass(frozen=True)
class Clause:
    number: int
    text: str
    heading: str = ""
    editors_note: str = ""  # editorial, never part of the clause's words


@dataclass(frozen=True)
class VersionContent:
    label: str
    effective_date: datetime.date | None  # None: takes effect the day it is loaded
    material: bool
    statement: str
    clauses: tuple[Clause, ...]
    note: str = ""  # the version's own editor's note; clauses carry theirs

    @property
    def editors_note(self) -> str:
        """The version's editor's note as a policy version stores it, outside the body: the
        version's note, then each clause's, prefixed "Clause N:"."""
        notes = [self.note] if self.note else []
        notes += [f"Clause {clause.number}: {clause.editors_note}" for clause in self.clauses if clause.editors_note]
        return "\n\n".join(notes)

    @property
    def body(self) -> str:
        """The version's text as a policy version stores it: headings, then numbered clauses."""
        parts = []
        for clause in self.clauses:
            if clause.heading:
                parts.append(clause.heading)
            parts.append(f"{clause.number}. {clause.text}")
        return "\n\n".join(parts)

    def clause(self, number: int) -> Clause | None:
        return next((clause for clause in self.clauses if clause.number == number), None)


@dataclass(frozen=True)
class PolicyContent:
    path: Path
    reference: str
    title: str
    owner: str
    citation: str
    versions: tuple[VersionContent, ...]

    def version(self, label: str) -> VersionContent | None:
        return next((version for version in self.versions if version.label == label), None)


def load_policy(path: Path) -> PolicyContent:
    table = _read(path)
    table.only("reference", "title", "owner", "citation", "versions")
    versions = []
    for version in table.tables("versions", "version"):
        version.only("label", "effective_date", "material", "statement", "editors_note", "clauses")
        label = version.text("label", max_length=20)
        if any(earlier.label == label for earlier in versions):
            raise version.error("label", f"version “{label}” appears twice")
        clauses = []
        for clause in version.tables("clauses", "clause"):
            clause.only("number", "heading", "text", "editors_note")
            number = clause.number("number", low=1, high=999)
            if clauses and number <= clauses[-1].number:
                previous = clauses[-1].number
                raise clause.error("number", f"clause {number} comes after clause {previous}: number in order")
            heading = clause.text("heading", required=False, max_length=120)
            if heading.endswith("."):
                raise clause.error("heading", "a heading does not end with a full stop")
            note = clause.text("editors_note", required=False)
            clauses.append(Clause(number=number, text=clause.text("text"), heading=heading, editors_note=note))
        versions.append(
            VersionContent(
                label=label,
                effective_date=version.date("effective_date"),
                material=version.flag("material", default=True),
                statement=version.text("statement"),
                clauses=tuple(clauses),
                note=version.text("editors_note", required=False),
            )
        )
    return PolicyContent(
        path=path,
        reference=table.text("reference", max_length=50),
        title=table.text("title", max_length=200),
        owner=table.text("owner", required=False, max_length=200),
        citation=table.text("citation", max_length=60),
        versions=tuple(versions),
    )


# Scenarios


@dataclass(frozen=True)
class ScenarioContent:
    path: Path
    title: str
    slug: str
    narrative: str  # HTML
    steps: list[dict]  # the StreamField's stored data: [{"type": ..., "value": {...}, "id": ...}]

    def topics(self) -> set[str]:
        return {tag for step in self.steps for tag in topic_tags(step["value"]["topics"])}


# Which clauses of a policy version can support feedback on each topic: {tag: {clause numbers}}.
# None where module.toml gives no [topic_clauses] for the version, and nothing is checked.
Supports = dict[str, set[int]] | None


def _citation(
    table: _Table, policy: PolicyContent, version: VersionContent, tags: list[str], supports: Supports
) -> dict:
    """The clause an option's or step's feedback rests on, quoted from the policy version. With
    ``supports``, the clause must be one that supports one of the step's topics ``tags``."""
    if "clause" not in table.data:
        return {"clause_reference": "", "clause_text": ""}
    number = table.number("clause", low=1, high=999)
    clause = version.clause(number)
    if clause is None:
        raise table.error("clause", f"policy version {version.label} has no clause {number}")
    if supports is not None:
        allowed = set().union(*(supports.get(tag, set()) for tag in tags))
        if number not in allowed:
            listed = ", ".join(str(n) for n in sorted(allowed)) or "none"
            raise table.error(
                "clause",
                f"clause {number} does not support this step's topics ({', '.join(tags)}: clauses {listed}, "
                "from [topic_clauses] in module.toml); cite one of those, or tag the step with the topic it teaches",
            )
    return {"clause_reference": f"{policy.citation} v{version.label}, clause {number}", "clause_text": clause.text}


def _option(
    table: _Table, kind: str, policy: PolicyContent, version: VersionContent, tags: list[str], supports: Supports
) -> dict:
    decision = kind == "decision_point"
    allowed = ("text", "correct", "feedback", "clause", *(("consequence", "leads_to") if decision else ()))
    table.only(*allowed)
    value = {
        "text": table.text("text", max_length=300),
        "correct": table.flag("correct"),
        "feedback": table.text("feedback"),
        **_citation(table, policy, version, tags, supports),
    }
    if decision:
        value["consequence"] = table.text("consequence")
        value["leads_to"] = table.text("leads_to", max_length=50)
    return value


def _step(
    table: _Table, policy: PolicyContent, version: VersionContent, topics: dict[str, str], supports: Supports
) -> dict:
    kind = table.text("type")
    if kind not in STEP_TYPES:
        raise table.error("type", f"“{kind}” is not a step type (expected one of: {', '.join(STEP_TYPES)})")
    common = ("type", "name", "topics", "prompt", "critical")
    if kind == "true_false":
        table.only(*common, "then", "answer", "feedback_if_right", "feedback_if_wrong", "clause")
    elif kind == "decision_point":
        table.only(*common, "options")
    else:
        table.only(*common, "options", "then")
    tags = table.texts("topics")
    for tag in tags:
        if tag not in topics:
            raise table.error("topics", f"“{tag}” is not one of the module's topics in module.toml")
    value = {
        "name": table.slug("name", required=False),
        "prompt": table.text("prompt"),
        "critical": table.flag("critical"),
        "topics": ", ".join(tags),
    }
    if kind == "true_false":
        if "answer" not in table.data:
            raise table.error("answer", "is missing: write answer = true or answer = false")
        value |= {
            "then": table.text("then", required=False, max_length=50),
            "answer": "true" if table.flag("answer") else "false",
            "feedback_if_right": table.text("feedback_if_right"),
            "feedback_if_wrong": table.text("feedback_if_wrong"),
            **_citation(table, policy, version, tags, supports),
        }
    else:
        if kind != "decision_point":
            value["then"] = table.text("then", required=False, max_length=50)
        value["options"] = [
            _option(option, kind, policy, version, tags, supports) for option in table.tables("options", "option")
        ]
    return {"type": kind, "value": value}


def _block_errors(error: ValidationError, where: str = "") -> list[tuple[str, str]]:
    """A StreamField validation error as (where, message) pairs, e.g. ("step 3, option 2,
    “text”", "This field is required."): steps and options numbered from 1."""
    found = []
    for item in getattr(error, "non_block_errors", None) or []:
        messages = item.messages if isinstance(item, ValidationError) else [str(item)]
        found.extend((where or "steps", message) for message in messages)
    children = getattr(error, "block_errors", None) or {}
    for key, child in sorted(children.items(), key=lambda pair: (isinstance(pair[0], str), str(pair[0]).zfill(4))):
        label = f"“{key}”" if isinstance(key, str) else f"{'option' if where else 'step'} {key + 1}"
        found.extend(_block_errors(child, f"{where}, {label}" if where else label))
    if not found and not hasattr(error, "block_errors"):
        found.extend((where or "steps", message) for message in error.messages)
    return found


def load_scenario(
    path: Path,
    policy: PolicyContent,
    topics: dict[str, str],
    topic_clauses: dict[str, dict[str, set[int]]] | None = None,
) -> ScenarioContent:
    """Read and check one scenario file. With ``topic_clauses`` (module.toml's, by policy version),
    every clause a step cites must support one of the step's topics."""
    table = _read(path)
    table.only("title", "slug", "policy_version", "narrative", "steps")
    label = table.text("policy_version", max_length=20)
    version = policy.version(label)
    if version is None:
        known = ", ".join(v.label for v in policy.versions)
        raise table.error("policy_version", f"“{label}” is not a version in {policy.path.name} (it has: {known})")
    supports = None
    if topic_clauses is not None:
        if label not in topic_clauses:
            raise table.error("policy_version", f"module.toml's [topic_clauses] has no table for version “{label}”")
        supports = topic_clauses[label]
    steps = [_step(step, policy, version, topics, supports) for step in table.tables("steps", "step")]
    names = [step["value"]["name"] for step in steps if step["value"]["name"]]
    for name in names:
        if names.count(name) > 1:
            raise ContentError(path, "steps", f"two steps are named “{name}”; each name must be unique")
        if name == END:
            raise ContentError(path, "steps", f"“{END}” is reserved for finishing the scenario")
    # The same checks the admin makes when a trainer saves: right answers, and the shape of the
    # branching (every step reachable, every path finishes, every destination exists).
    block = ScenarioPage._meta.get_field("steps").stream_block
    try:
        cleaned = block.clean(block.to_python(steps))
    except ValidationError as error:
        where, message = (_block_errors(error) or [("steps", "is not valid")])[0]
        raise ContentError(path, where, message) from None
    return ScenarioContent(
        path=path,
        title=table.text("title", max_length=255),
        slug=table.slug("slug"),
        narrative=paragraphs_html(table.text("narrative")),
        # As the page stores it, with an id on every step and option: answers refer to them.
        steps=block.get_prep_value(cleaned),
    )


# The module


@dataclass(frozen=True)
class ModuleContent:
    path: Path
    title: str
    slug: str
    summary: str
    learning_outcomes: str  # HTML
    estimated_minutes: int
    pass_mark: int
    max_attempts: int | None
    certificate_validity_months: int
    topics: dict[str, str]
    policy: PolicyContent
    scenarios: list[ScenarioContent] = field(default_factory=list)

    def page_fields(self) -> dict:
        return {
            "title": self.title,
            "slug": self.slug,
            "summary": self.summary,
            "learning_outcomes": self.learning_outcomes,
            "estimated_minutes": self.estimated_minutes,
            "pass_mark": self.pass_mark,
            "max_attempts": self.max_attempts,
            "certificate_validity_months": self.certificate_validity_months,
        }


def _topic_clauses(table: _Table, topics: dict, policy: PolicyContent) -> dict[str, dict[str, set[int]]] | None:
    """module.toml's optional ``[topic_clauses."<version>"]`` tables: for each topic, the clauses
    of that policy version that can support feedback on it. Every topic needs an entry."""
    if "topic_clauses" not in table.data:
        return None
    by_version = table.data["topic_clauses"]
    if not isinstance(by_version, dict) or not by_version:
        raise table.error("topic_clauses", 'needs a [topic_clauses."<version>"] table of tag = [clause numbers]')
    checked = {}
    for label, by_topic in by_version.items():
        version = policy.version(label)
        if version is None:
            raise table.error("topic_clauses", f"“{label}” is not a version in {policy.path.name}")
        if not isinstance(by_topic, dict):
            raise table.error("topic_clauses", f"“{label}” must be a table of tag = [clause numbers]")
        for tag in topics:
            if tag not in by_topic:
                raise table.error("topic_clauses", f"version {label} gives no clauses for the topic “{tag}”")
        for tag, numbers in by_topic.items():
            if tag not in topics:
                raise table.error("topic_clauses", f"“{tag}” is not one of the module's topics")
            if not isinstance(numbers, list) or not numbers or not all(isinstance(n, int) for n in numbers):
                raise table.error("topic_clauses", f"“{tag}” must be a list of clause numbers, such as [5, 6]")
            for number in numbers:
                if version.clause(number) is None:
                    raise table.error("topic_clauses", f"“{tag}”: policy version {label} has no clause {number}")
        checked[label] = {tag: set(numbers) for tag, numbers in by_topic.items()}
    return checked


def load_module(directory: Path | str) -> ModuleContent:
    """Read and check a module directory; raises ``ContentError`` at the first problem."""
    directory = Path(directory)
    table = _read(directory / "module.toml")
    table.only(
        "title",
        "slug",
        "summary",
        "learning_outcomes",
        "estimated_minutes",
        "pass_mark",
        "max_attempts",
        "certificate_validity_months",
        "topics",
        "topic_clauses",
    )
    topics = table.data.get("topics")
    if not isinstance(topics, dict) or not topics:
        raise table.error("topics", 'needs a [topics] table of tag = "what the tag means"')
    for tag, meaning in topics.items():
        if not SLUG.match(tag) or not isinstance(meaning, str) or not meaning.strip():
            raise table.error("topics", f"“{tag}” must be a lower-case, hyphenated tag with a description in quotes")
    policy = load_policy(directory / "policy.toml")
    paths = sorted((directory / "scenarios").glob("*.toml"))
    if not paths:
        raise ContentError(directory / "scenarios", "", "no scenario files (*.toml)")
    topic_clauses = _topic_clauses(table, topics, policy)
    scenarios = [load_scenario(path, policy, topics, topic_clauses) for path in paths]
    seen: dict[str, Path] = {}
    for scenario in scenarios:
        if scenario.slug in seen:
            other = seen[scenario.slug].name
            raise ContentError(scenario.path, "“slug”", f"“{scenario.slug}” is also the slug of {other}")
        seen[scenario.slug] = scenario.path
    taught = set().union(*(scenario.topics() for scenario in scenarios))
    for tag in topics:
        if tag not in taught:
            raise table.error("topics", f"no step teaches “{tag}”: tag at least one step with it")
    outcomes = table.texts("learning_outcomes")
    return ModuleContent(
        path=directory,
        title=table.text("title", max_length=255),
        slug=table.slug("slug"),
        summary=table.text("summary"),
        learning_outcomes="<ul>" + "".join(f"<li>{escape(item)}</li>" for item in outcomes) + "</ul>",
        estimated_minutes=table.number("estimated_minutes", low=1, high=600),
        pass_mark=table.number("pass_mark", low=1, high=100),
        max_attempts=table.number("max_attempts", low=1, high=100, required=False),
        certificate_validity_months=table.number("certificate_validity_months", low=1, high=120),
        topics={tag: meaning.strip() for tag, meaning in topics.items()},
        policy=policy,
        scenarios=scenarios,
    )


# Installing


def install_policy(policy: PolicyContent, *, through: str | None = None) -> PolicyDocument:
    """Create the policy document and each version not yet stored, in file order, stopping
    after version ``through`` if given. A stored version is never changed: people may have
    attested to it. A version without an effective date takes effect today."""
    document, _ = PolicyDocument.objects.get_or_create(
        reference=policy.reference, defaults={"title": policy.title, "owner": policy.owner}
    )
    stored = set(document.versions.values_list("version_label", flat=True))
    for version in policy.versions:
        if version.label not in stored:
            PolicyVersion.objects.create(
                document=document,
                version_label=version.label,
                effective_date=version.effective_date or timezone.localdate(),
                material=version.material,
                body=version.body,
                statement=version.statement,
                editors_note=version.editors_note,
            )
        if version.label == through:
            break
    _draft_from_latest_version(document)
    return document


def _draft_from_latest_version(document: PolicyDocument) -> None:
    """Start the admin's draft of the next version from the text stored last."""
    latest = document.latest_version()
    if latest is not None and document.text_changed():
        for name in ("version_label", "effective_date", "material", "body", "statement"):
            setattr(document, name, getattr(latest, name))
        document.save()


def install_module(content: ModuleContent, index: ModuleIndexPage, document: PolicyDocument) -> ModulePage:
    """Create and publish the module page and its scenario pages, unless the module is
    already there: from then on trainers own it in the admin, and what they changed, added,
    unpublished or deleted is left as they made it."""
    module = ModulePage.objects.child_of(index).filter(slug=content.slug).first()
    if module is not None:
        return module
    module = index.add_child(instance=ModulePage(**content.page_fields(), policy_document=document))
    module.save_revision().publish()
    for scenario in content.scenarios:
        page = module.add_child(
            instance=ScenarioPage(
                title=scenario.title, slug=scenario.slug, narrative=scenario.narrative, steps=scenario.steps
            )
        )
        page.save_revision().publish()
    return ModulePage.objects.get(pk=module.pk)
