"""An officer attests to the policy text, so the text must be the source's: every clause is the
words of IOPC learning recommendation 408/20 exactly, and whatever the demo adds (the status of
version 2.0, a word left out, names and dates the source does not give) is an editor's note,
shown as one, outside the clauses and outside the fingerprint."""

import re
import shutil
import tomllib
from pathlib import Path

import pytest
from django.conf import settings

from certificates.models import PolicyVersion
from certificates.models.policies import body_hash
from learning.content import ContentError, load_policy

CONTENT = Path(settings.BASE_DIR) / "content" / "contacting-the-public"
# The source, kept with the module it was built from (a copy of shared/seed/).
SOURCE = CONTENT / "source" / "iopc-learning-recommendation-408-20.txt"
POLICY = tomllib.loads((CONTENT / "policy.toml").read_text())
QUOTES = str.maketrans({"\u201c": '"', "\u201d": '"', "\u2018": "'", "\u2019": "'"})
EDITORS_NOTE = "Editor\u2019s note"  # as the pages print it, with a typographic apostrophe


def source_text() -> str:
    if not SOURCE.exists():
        pytest.fail(f"The source text is missing: {SOURCE}. Every clause is checked against it.")
    return SOURCE.read_text()


def normalised(text: str) -> str:
    """Whitespace and typographic quotation marks aside, nothing is forgiven."""
    return " ".join(text.translate(QUOTES).split())


def quoted_from_source(text: str, *, noted: bool, source: str) -> bool:
    """Whether ``text`` is a passage of ``source`` word for word that ends where a sentence or
    a quotation ends, and starts where one starts unless an editor's note says why it does not
    (a clause that quietly drops "Furthermore," or "The general rule is that" is refused)."""
    text, source = normalised(text), normalised(source)
    for found in re.finditer(re.escape(text), source):
        start, end = found.start(), found.end()
        before, after = source[:start].rstrip(), source[end:]
        starts_a_sentence = not before or before[-1] in '.;:"'
        ends_a_sentence = text[-1] in ".;:" or after.startswith('"')
        if (starts_a_sentence or noted) and ends_a_sentence and (not after or after[0] in ' "'):
            return True
    return False


CLAUSES = [
    pytest.param(version["label"], clause, id=f"v{version['label']}-clause-{clause['number']}")
    for version in POLICY["versions"]
    for clause in version["clauses"]
]


@pytest.mark.parametrize(("label", "clause"), CLAUSES)
def test_every_clause_of_every_version_is_the_sources_words_exactly(label, clause):
    source = source_text()
    assert quoted_from_source(clause["text"], noted=bool(clause.get("editors_note")), source=source), (
        f"version {label}, clause {clause['number']} is not the source's words: {clause['text']!r}"
    )


@pytest.mark.parametrize(
    "first_edition",
    [
        # An editorial cross-reference written into the clause, as if the source said it.
        "Privately owned [i.e. non Met-issued] mobile devices must not be used to hold Met data. This part of "
        "the Code is cross-referenced to the Use of Met Computer Systems Policy (clauses 2 to 7 below).",
        # "Furthermore," dropped without a word.
        "Met policy does not permit the conduct of official policing business directly with the public using "
        "personally owned computers or mobile devices.",
        # A full stop where the source has a semicolon.
        "To do otherwise could either be a breach of the law or at least compromise your integrity.",
        # Cut off mid-sentence.
        "You must only record any Met or National Policing data",
    ],
)
def test_the_check_refuses_the_first_editions_mistakes(first_edition):
    assert not quoted_from_source(first_edition, noted=False, source=source_text())


def test_a_clause_starting_mid_sentence_is_quoted_only_with_a_note_saying_what_it_leaves_out():
    (clause,) = [c for c in POLICY["versions"][1]["clauses"] if c["number"] == 1]
    assert not quoted_from_source(clause["text"], noted=False, source=source_text())
    assert "“The general rule is that”" in clause["editors_note"]


# The editor's note: stored with the version, outside its text


def test_the_loader_stores_the_version_note_then_each_clause_note_outside_the_body():
    second = load_policy(CONTENT / "policy.toml").version("2.0")
    assert second.editors_note.startswith("Version 2.0 is not a published policy.")
    assert "\n\nClause 1: The response says the word “general” will be removed" in second.editors_note
    assert "Editor" not in second.body and "cross-referenced" not in second.body
    assert "not a published policy" not in second.body


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ('label = "2.0"\n', 'label = "2.0"\neditor_note = "A typing mistake."\n'),
        ("number = 6\n", 'number = 6\nnote = "A typing mistake."\n'),
    ],
)
def test_the_loader_still_refuses_an_unknown_field(tmp_path, old, new):
    path = tmp_path / "policy.toml"
    shutil.copy(CONTENT / "policy.toml", path)
    text = path.read_text()
    assert text.count(old) == 1
    path.write_text(text.replace(old, new))
    with pytest.raises(ContentError, match="unknown field") as error:
        load_policy(path)
    assert "editors_note" in str(error.value)  # the message lists the field it may have meant


def test_the_note_is_not_in_the_fingerprint_and_may_be_corrected_after_people_attest(demo):
    second = demo["module"].policy_document.versions.get(version_label="2.0")
    assert "this demo treats it as published" in second.editors_note
    assert second.body_sha256 == body_hash(second.body)
    assert not any("Editor" in text or "demo" in text for _, text, _ in second.clauses())
    fingerprint = second.body_sha256
    second.editors_note += "\n\nA corrected note."
    second.save()  # allowed even once people have attested: the words they read are unchanged
    second.refresh_from_db()
    assert second.body_sha256 == fingerprint and second.editors_note.endswith("A corrected note.")


def test_version_one_labels_its_effective_date_as_demo_data(demo):
    first = demo["module"].policy_document.versions.get(version_label="1.0")
    assert f"{first.effective_date:%-d %B %Y}, is demo data" in first.editors_note


# Where officers read it


def clause_paragraphs(page: str) -> dict[str, str]:
    return dict(re.findall(r'<p class="govuk-body" id="(clause-\d+)" tabindex="-1">(.*?)</p>', page, re.S))


def test_the_policy_page_shows_the_note_as_an_editors_note_beside_the_clauses(client, demo):
    client.force_login(demo["officer"])
    document = demo["module"].policy_document
    page = client.get(f"/policies/{document.reference}/").content.decode()
    note = page.index(f"{EDITORS_NOTE} on version 2.0")
    assert 'class="govuk-inset-text attest-editors-note"' in page
    assert "the wording the Metropolitan Police Service (MPS, the Met) proposed in its response" in page
    assert "this demo treats it as published" in page and "which is demo data" in page
    clauses = clause_paragraphs(page)
    assert len(clauses) == 10 and note < page.index('id="clause-1"')
    assert clauses["clause-5"].startswith("5. Furthermore, Met policy")
    assert not any("note" in text or "demo" in text or "cross-referenced" in text for text in clauses.values())


def test_the_attest_page_shows_the_note_of_the_version_being_attested_to(client, demo):
    client.force_login(demo["reattest"])  # attested to 1.0; 2.0 is now in force
    page = client.get(f"/modules/{demo['module'].pk}/attest/").content.decode()
    assert f"{EDITORS_NOTE} on version 2.0" in page
    assert "this demo treats it as published" in page and "which is demo data" in page
    text = page[page.index('class="attest-policy-text') :]
    assert EDITORS_NOTE not in text and "demo data" not in text.split("</div>")[0]


def test_the_module_page_says_version_two_is_proposed_wording_treated_as_published(client, demo):
    client.force_login(demo["officer"])
    page = client.get(demo["module"].url).content.decode()
    assert "is the wording the Met proposed in that response" in page
    assert "this demo treats it as published" in page


def test_policy_version_has_no_editors_note_unless_one_is_given():
    assert PolicyVersion(body="1. Text.").editors_note_paragraphs() == []
    assert PolicyVersion(editors_note="One.\n\n  Two\n lines.  ").editors_note_paragraphs() == ["One.", "Two lines."]


# Module text: abbreviations spelt out where they first appear

ABBREVIATIONS = {
    "IOPC": "Independent Office for Police Conduct",
    "MPS": "Metropolitan Police Service",
    "Met": "Metropolitan Police Service",
    "PNC": "Police National Computer",
    "CRIS": "Crime Report Information System",
    "CAD": "Computer Aided Dispatch",
    "BATS": "briefing and tasking system",
}


def test_module_text_spells_out_each_abbreviation_where_it_first_appears():
    module = tomllib.loads((CONTENT / "module.toml").read_text())
    text = normalised(" ".join([module["title"], module["summary"], *module["learning_outcomes"]]))
    text += " " + normalised(" ".join(module["topics"].values()))
    for short, long in ABBREVIATIONS.items():
        first = re.search(rf"\b{short}\b", text)
        if first is None:
            continue
        around = text[max(0, first.start() - 60) : first.end() + 60]
        assert long in around, f"{short} first appears without “{long}”: …{around}…"
