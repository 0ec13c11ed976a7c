"""What changed between two policy versions, as an officer attesting again reads it: clauses
matched by their words, not their numbers; headings counted as sections, not clauses; each
change named by its clause number, old and new; counts that are true; the statement's changes
as phrases. The policy page and the attest page's policy text show headings as headings."""

import datetime
import re
from collections import Counter
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from certificates.diff import compare, paragraphs, summary, word_changes
from certificates.factories import PolicyDocumentFactory, PolicyVersionFactory
from learning.content import load_policy
from learning.factories import EnrolmentFactory, ModulePageFactory
from learning.models import module_progress
from people.factories import UserFactory
from scenarios.factories import ScenarioPageFactory
from tests.helpers import BRANCHING_STEPS, attest, pass_module

OLD = """Calls to the public

1. Use a landline or a radio.

2. Never use 141 to hide your number.

3. Keep a record of every call.

4. Tell your supervisor about any call from your own phone."""

NEW = """Calling the public

1. Use a landline, a radio or a Met phone.

2. Keep a record of every call.

3. Tell your supervisor about any call from your own phone.

Emergencies

4. In an emergency with no other option, you may use your own phone."""

STATEMENT_OLD = "I have read the policy on calls from personal phones. I understand it and I will follow it."
STATEMENT_NEW = (
    "I have read version 2.0 of the policy on calls to the public from any phone. I understand it and I will follow it."
)


def shown(changes):
    return [(change.kind, change.title) for change in changes if change.kind != "same"]


def test_a_clause_only_renumbered_is_not_counted_as_changed():
    old = "1. Use a landline.\n\n2. Keep a record of every call."
    new = "1. Use a landline.\n\n2. Use a radio if the landline is busy.\n\n3. Keep a record of every call."
    changes = compare(old, new)
    assert shown(changes) == [
        ("added", "Clause 2 added"),
        ("renumbered", "Clause 3 (was 2), words unchanged"),
    ]
    counts = summary(changes)
    assert (counts.changed, counts.added, counts.renumbered) == (0, 1, 1)
    assert counts.renumberings == (("2", "3"),)
    assert counts.renumbered_text == "clause 2 is now 3"
    unnumbered = summary(compare("1. Use a landline.", "Use a landline."))
    assert unnumbered.text == "1 clause renumbered." and unnumbered.renumbered_text == "clause 1 is now unnumbered"
    assert counts.text == "1 clause added and 1 renumbered."


def test_a_heading_is_a_section_not_a_clause():
    changes = compare(OLD, NEW)
    headings = [(change.kind, change.old_text, change.new_text) for change in changes if change.heading]
    assert headings == [
        ("changed", "Calls to the public", "Calling the public"),  # renamed: it heads the same clauses
        ("added", "", "Emergencies"),
    ]
    counts = summary(changes)
    assert (counts.sections_renamed, counts.sections_added) == (1, 1)
    assert counts.added == 1  # "Emergencies" is not a clause added


def test_a_numbered_heading_is_a_section_as_the_policy_page_shows_it():
    changes = compare("3 Scope\n\n3.1 Use a landline.", "3 Who it applies to\n\n3.1 Use a landline.")
    assert shown(changes) == [("changed", "Section renamed")]
    assert summary(changes).text == "No clause changed; 1 section renamed."


def test_a_changed_clause_is_named_with_its_old_and_new_number():
    old = "3.1 Use a landline.\n\n3.2 Make the call from a police station or a police vehicle."
    new = (
        "3.1 Use a landline.\n\n3.2 Use a radio.\n\n3.3 Make the call from a police station, a police vehicle or home."
    )
    changes = compare(old, new)
    assert shown(changes) == [("added", "Clause 3.2 added"), ("changed", "Clause 3.3 changed (was 3.2)")]
    changed = changes[-1]
    assert (changed.old_number, changed.new_number) == ("3.2", "3.3")
    assert changed.words[0].text == "Make the call from a police"  # the numbers are in the title, not the words


def test_clauses_added_and_removed_are_listed_where_they_stand():
    changes = compare(OLD, NEW)
    assert shown(changes) == [
        ("changed", "Section renamed"),
        ("changed", "Clause 1 changed"),
        ("removed", "Clause 2 removed"),
        ("renumbered", "Clause 2 (was 3), words unchanged"),
        ("renumbered", "Clause 3 (was 4), words unchanged"),
        ("added", "Section added"),
        ("added", "Clause 4 added"),
    ]
    removed = next(change for change in changes if change.kind == "removed")
    assert removed.old_text == "2. Never use 141 to hide your number." and removed.new_text == ""


def test_the_counts_are_true():
    assert summary(compare(OLD, NEW)).text == (
        "1 clause changed, 1 added, 1 removed and 2 renumbered; 1 section added and 1 renamed."
    )
    assert summary(compare(OLD, OLD)).text == "No clause changed."


def test_the_statement_diff_groups_words_into_phrases():
    parts = [(part.kind, part.text) for part in word_changes(STATEMENT_OLD, STATEMENT_NEW)]
    # Word by word this was "calls [to the public] from [personal phones.] [any phone.]": the
    # one unchanged word between two changes is folded into a single phrase.
    assert parts == [
        ("same", "I have read"),
        ("added", "version 2.0 of"),
        ("same", "the policy on calls"),
        ("removed", "from personal phones."),
        ("added", "to the public from any phone."),
        ("same", "I understand it and I will follow it."),
    ]


def test_unchanged_words_that_start_a_sentence_stay_between_the_phrases():
    parts = word_changes("Use a radio. Keep a record.", "Use a Met phone. Keep a written record.")
    assert [part.kind for part in parts] == ["same", "removed", "added", "same", "added", "same"]
    assert parts[3].text == "Keep a"


words = st.lists(st.sampled_from(["a", "the", "call", "radio.", "phone,", "Met", "record"]), max_size=12)


@given(words, words)
def test_the_phrases_give_back_both_wordings(old, new):
    before, after = " ".join(old), " ".join(new)
    parts = word_changes(before, after)
    assert " ".join(part.text for part in parts if part.kind != "added") == before
    assert " ".join(part.text for part in parts if part.kind != "removed") == after


def test_the_real_policy_from_version_1_to_2_reads_true():
    policy = load_policy(Path(settings.BASE_DIR) / "content" / "contacting-the-public" / "policy.toml")
    changes = compare(policy.version("1.0").body, policy.version("2.0").body)
    counts = summary(changes)
    assert counts.text == "1 clause changed, 6 added and 3 renumbered; 1 section added."
    assert counts.renumberings == (("2", "8"), ("3", "9"), ("4", "10"))
    assert [change.title for change in changes if change.kind == "changed"] == ["Clause 1 changed"]


# On the attest page, for an officer who attested to 1.0 and must now attest to 2.0 ----------


@pytest.fixture
def returning_officer(client, db):
    """An officer who passed a module and attested to its policy's version 1.0, signed in;
    version 2.0, a material change, took effect today."""
    today = timezone.localdate()
    document = PolicyDocumentFactory(title="Calling the public")
    PolicyVersionFactory(
        document=document,
        version_label="1.0",
        effective_date=today - datetime.timedelta(days=30),
        body=OLD,
        statement=STATEMENT_OLD,
    )
    module = ModulePageFactory(title="Calls", pass_mark=50, policy_document=document)
    ScenarioPageFactory(parent=module, title="The witness", narrative="<p>A witness.</p>", steps=BRANCHING_STEPS)
    officer = UserFactory(first_name="Robin", last_name="Khan")
    EnrolmentFactory(user=officer, module=module)
    client.force_login(officer)
    pass_module(client, module)
    attest(client, module, "Robin Khan")
    PolicyVersionFactory(document=document, version_label="2.0", body=NEW, statement=STATEMENT_NEW)
    assert module_progress(officer, module).reattest
    return client, module


def attest_page(returning_officer) -> str:
    client, module = returning_officer
    return client.get(f"/modules/{module.pk}/attest/").content.decode()


def test_the_attest_page_says_what_changed_truly(returning_officer):
    page = attest_page(returning_officer)
    text = re.sub(r"\s+", " ", page)
    assert "1 clause changed, 1 added, 1 removed and 2 renumbered; 1 section added and 1 renamed." in text
    assert "The attestation statement changed too." in text
    assert "Renumbered, words unchanged: clause 3 is now 2, clause 4 is now 3." in text
    for title in ("Section renamed", "Clause 1 changed", "Clause 2 removed", "Section added", "Clause 4 added"):
        assert f">{title}</h3>" in page
    assert "Clause 2 changed" not in page and "(was 3)" not in page  # renumbered is not changed
    assert "clauses changed" not in page


def test_the_attest_page_shows_a_new_clause_as_plain_text_and_reworded_ones_as_phrases(returning_officer):
    page = attest_page(returning_officer)
    assert (
        '<ins class="attest-diff__whole">In an emergency with no other option, you may use your own phone.</ins>'
        in page
    )
    assert '<del class="attest-diff__whole">Never use 141 to hide your number.</del>' in page
    assert (
        'Use a <del><span class="govuk-visually-hidden">removed: </span>landline or a radio.</del> '
        '<ins><span class="govuk-visually-hidden">added: </span>landline, a radio or a Met phone.</ins>'
    ) in page
    assert (
        '<del><span class="govuk-visually-hidden">removed: </span>from personal phones.</del> '
        '<ins><span class="govuk-visually-hidden">added: </span>to the public from any phone.</ins>'
    ) in page


def test_the_attest_page_shows_the_policy_headings_as_headings(returning_officer):
    page = attest_page(returning_officer)
    text = page[page.index('class="attest-policy-text') :].split("</div>")[0]
    assert '<h3 class="govuk-heading-s">Calling the public</h3>' in text
    assert '<h3 class="govuk-heading-s">Emergencies</h3>' in text
    assert '<p class="govuk-body">4. In an emergency with no other option, you may use your own phone.</p>' in text
    assert "<p>Emergencies</p>" not in text and "<br>" not in text


def test_the_policy_page_shows_section_headings_under_its_title(client, db):
    document = PolicyDocumentFactory(title="Calling the public", reference="CALLS-1")
    PolicyVersionFactory(document=document, version_label="2.0", body=NEW)
    client.force_login(UserFactory())
    page = client.get("/policies/CALLS-1/").content.decode()
    page = page[page.index("<main") : page.index("</main>")]
    levels = re.findall(r"<h([1-6])[^>]*>([^<]*)</h\1>", page)
    assert [text for level, text in levels if level in "23"] == ["Calling the public", "Emergencies"]
    assert [level for level, text in levels][:3] == ["1", "2", "2"]
    assert '<p class="govuk-body" id="clause-4" tabindex="-1">4. In an emergency' in page


def test_the_policy_page_needs_signing_in(client, db):
    PolicyVersionFactory(document=PolicyDocumentFactory(reference="CALLS-2"), body=NEW)
    assert client.get("/policies/CALLS-2/").status_code == 302


def test_every_old_and_new_paragraph_is_in_the_comparison_once():
    changes = compare(OLD, NEW)
    assert Counter(change.old_text for change in changes if change.kind != "added") == Counter(paragraphs(OLD))
    assert [change.new_text for change in changes if change.kind != "removed"] == paragraphs(NEW)
