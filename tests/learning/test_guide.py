"""A module's guide (content/<slug>/guide.toml): the case summary on the module page, the glossary,
the job aid as a page and a PDF; and how the step pages keep the story and the clauses one click
away."""

import io
import re
import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from pypdf import PdfReader

from core.templatetags.attest_richtext import clean_richtext
from learning.content import ContentError, load_policy
from learning.factories import EnrolmentFactory, ModulePageFactory
from learning.guide import load_guide
from scenarios.models import Attempt
from scenarios.services import walk
from tests.helpers import answer_every_step, certified, right_answers

CONTENT = Path(settings.BASE_DIR) / "content" / "contacting-the-public"
CITATION = load_policy(CONTENT / "policy.toml").citation  # "Personal devices policy", or as policy.toml names it
TERMS = {
    "IOPC": "Independent Office for Police Conduct",
    "MPS": "Metropolitan Police Service",
    "PNC": "Police National Computer",
    "CRIS": "Crime Report Information System",
    "CAD": "Computer Aided Dispatch",
    "BATS": "briefing and tasking system",
    "METSEC Code": "MPS Security Code",
    "141": "withhold",
    "DPS": "Directorate of Professional Standards",
    "Data Board": "Use of Met Computer Systems Policy",
}


@pytest.fixture
def officer_client(client, demo):
    client.force_login(demo["officer"])
    return client


def start(client, module) -> Attempt:
    client.post(f"/modules/{module.pk}/start/")
    return Attempt.objects.filter(module_id=module.pk).latest("started_at")


def text_of(response) -> str:
    return response.content.decode()


# The file --------------------------------------------------------------------------------------


def test_the_glossary_spells_out_every_abbreviation_the_module_uses():
    glossary = {term.term: term for term in load_guide(CONTENT).glossary}
    for term, words in TERMS.items():
        assert words in glossary[term].meaning, term
    assert glossary["MPS"].also == "the Met"
    assert glossary["DPS"].also == "Professional Standards"


def test_the_case_summary_tells_the_case_without_names():
    guide = load_guide(CONTENT)
    assert [part.heading for part in guide.case] == [
        "What was alleged",
        "What the officer admitted",
        "What the IOPC recommended",
        "What the Met said",
    ]
    told = " ".join(part.text for part in guide.case)
    assert "141" in told
    assert "partially accepted" in told
    # Only roles: no name, rank or place. Capitalised words are those of institutions and policies.
    capitalised = set(re.findall(r"\b[A-Z][a-z]+\b", told))
    assert capitalised <= {
        "The",
        "Independent",
        "Office",
        "Police",
        "Conduct",
        "Metropolitan",
        "Met",
        "He",
        "That",
        "Officers",
        "It",
        "Security",
        "Code",
    }, capitalised


def test_the_job_aid_cites_clauses_of_policy_version_two():
    aid = load_guide(CONTENT).job_aid
    assert [step.heading for step in aid.steps] == [
        "Is there a clear policing purpose?",
        "Use a Met option",
        "Your own phone only in an emergency with no Met option",
        "Record the call and your rationale",
    ]
    assert str(aid.steps[1].citation) == f"{CITATION} v2.0, clauses 5 and 7"
    assert str(aid.steps[0].citation) == f"{CITATION} v2.0, clauses 6, 8, 9 and 10"
    assert "CRIS" in aid.steps[3].text


@pytest.fixture
def module_dir(tmp_path):
    shutil.copy(CONTENT / "policy.toml", tmp_path / "policy.toml")
    return tmp_path


def write_guide(directory: Path, old: str, new: str) -> None:
    text = (CONTENT / "guide.toml").read_text()
    assert old in text
    (directory / "guide.toml").write_text(text.replace(old, new, 1))


def test_a_job_aid_citing_a_clause_the_policy_lacks_is_refused(module_dir):
    write_guide(module_dir, "clauses = [5, 7]", "clauses = [5, 42]")
    with pytest.raises(
        ContentError, match=r"guide\.toml: job_aid, step 2, “clauses”: policy version 2.0 has no clause 42"
    ):
        load_guide(module_dir)


def test_an_unknown_field_in_the_guide_is_refused(module_dir):
    write_guide(module_dir, 'term = "CAD"', 'term = "CAD"\nmeaninng = "typo"')
    with pytest.raises(ContentError, match="unknown field “meaninng”"):
        load_guide(module_dir, load_policy(module_dir / "policy.toml"))


def test_a_term_listed_twice_is_refused(module_dir):
    write_guide(module_dir, 'term = "CAD"', 'term = "CRIS"')
    with pytest.raises(ContentError, match="“CRIS” appears twice"):
        load_guide(module_dir)


def test_check_content_checks_the_guide_and_prints_the_reading_load():
    out = io.StringIO()
    call_command("check_content", str(CONTENT), stdout=out)
    out = out.getvalue()
    assert "11 glossary terms, a job aid of 4 steps" in out
    assert re.search(r"reading on the right path: [\d,]+ words, about \d+ minutes at 200 a minute", out)


# The module page -------------------------------------------------------------------------------


def test_the_module_page_tells_the_case_before_start_and_links_the_glossary_and_job_aid(officer_client, demo):
    module = demo["module"]
    page = text_of(officer_client.get(module.url))
    assert page.index("The case behind this module") < page.index("Start now")
    assert "What the officer admitted" in page
    assert f'href="/modules/{module.pk}/glossary/">Glossary</a>' in page
    assert f'href="/modules/{module.pk}/job-aid/">Job aid</a>' in page


def test_a_module_without_a_guide_shows_none_and_its_addresses_are_not_found(officer_client, demo):
    module = ModulePageFactory()
    EnrolmentFactory(user=demo["officer"], module=module)
    page = text_of(officer_client.get(module.url))
    assert "The case behind" not in page
    assert "/glossary/" not in page
    for suffix in ("glossary/", "job-aid/", "job-aid/pdf/"):
        assert officer_client.get(f"/modules/{module.pk}/{suffix}").status_code == 404


# The glossary and the job aid: allowed and denied -------------------------------------------------


@pytest.mark.parametrize("suffix", ["glossary/", "job-aid/", "job-aid/pdf/"])
def test_someone_not_signed_in_is_sent_to_sign_in(client, demo, suffix):
    response = client.get(f"/modules/{demo['module'].pk}/{suffix}")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("suffix", ["glossary/", "job-aid/", "job-aid/pdf/"])
def test_an_unpublished_or_missing_module_has_no_guide(officer_client, demo, suffix):
    module = demo["module"]
    assert officer_client.get(f"/modules/999999/{suffix}").status_code == 404
    module.unpublish()
    assert officer_client.get(f"/modules/{module.pk}/{suffix}").status_code == 404


def test_anyone_signed_in_reads_the_glossary_assigned_or_not(client, demo):
    client.force_login(demo["trainer"])  # not assigned the module
    page = text_of(client.get(f"/modules/{demo['module'].pk}/glossary/"))
    assert '<h1 class="govuk-heading-xl">Glossary</h1>' in page
    for term, words in TERMS.items():
        assert f"{term}" in page and words in page, term
    assert 'id="term-iopc"' in page


def test_the_job_aid_page_links_each_clause_to_the_policy(officer_client, demo):
    module = demo["module"]
    page = text_of(officer_client.get(f"/modules/{module.pk}/job-aid/"))
    assert "Is there a clear policing purpose?" in page
    assert '<a class="govuk-link" href="/policies/MPS-PERSONAL-DEVICES/#clause-7">7</a>' in page
    assert f'href="/modules/{module.pk}/job-aid/pdf/" download>' in page


def test_the_job_aid_pdf_is_one_page_with_the_four_steps_and_their_clauses(officer_client, demo):
    response = officer_client.get(f"/modules/{demo['module'].pk}/job-aid/pdf/")
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="job-aid-contacting-the-public.pdf"'
    reader = PdfReader(io.BytesIO(response.content))
    assert len(reader.pages) == 1
    text = " ".join(reader.pages[0].extract_text().split())
    for heading in ("Is there a clear policing purpose?", "Use a Met option", "Record the call and your rationale"):
        assert heading in text
    assert f"{CITATION} v2.0, clauses 5 and 7" in text
    assert "Whatever the step" in text
    assert settings.FORCE_NAME in text
    assert reader.metadata.title == "Contacting the public: four steps"


def test_the_certificate_page_links_the_job_aid(client, demo):
    certificate = certified(client, demo["officer"], demo["module"])
    page = text_of(client.get(f"/certificates/{certificate.display_serial}/"))
    assert f'href="/modules/{demo["module"].pk}/job-aid/">job aid</a>' in page


# Step pages: the story once, the clause one click away --------------------------------------------


def test_the_story_is_told_in_full_on_a_scenarios_first_step_and_folded_after(officer_client, demo):
    attempt = start(officer_client, demo["module"])
    first = walk(attempt).current
    opening = re.search(r"<p>(.*?)</p>", first.narrative)[1]

    page = text_of(officer_client.get(f"/attempts/{attempt.public_id}/steps/1/"))
    assert f'<div class="govuk-inset-text"><p>{opening}</p>' in page
    assert "govuk-details__summary" not in page.split("<h1", 1)[0]

    officer_client.post(f"/attempts/{attempt.public_id}/steps/1/", {"answer": right_answers(first)})
    feedback = text_of(officer_client.get(f"/attempts/{attempt.public_id}/steps/1/"))
    assert "Read the story again" in feedback
    assert '<div class="govuk-inset-text"><p>' not in feedback.split("<h1", 1)[0]

    second = walk(Attempt.objects.get(pk=attempt.pk)).current
    assert second.scenario_number == first.scenario_number  # the first scenario has several steps
    page = text_of(officer_client.get(f"/attempts/{attempt.public_id}/steps/2/"))
    story = re.search(r'<details class="govuk-details" id="story">(.*?)</details>', page, re.S)[1]
    assert "Show the story so far" in story
    assert opening in story
    assert '<details class="govuk-details" open' not in page  # closed until the officer opens it


def test_a_new_scenario_tells_its_story_in_full_again(officer_client, demo):
    attempt = start(officer_client, demo["module"])
    while (step := walk(Attempt.objects.get(pk=attempt.pk)).current).scenario_number == 1:
        officer_client.post(f"/attempts/{attempt.public_id}/steps/{step.position}/", {"answer": right_answers(step)})
    page = text_of(officer_client.get(f"/attempts/{attempt.public_id}/steps/{step.position}/"))
    assert "Show the story so far" not in page
    assert f'<div class="govuk-inset-text">{clean_richtext(step.narrative)}' in page.replace("\n", "")


def test_feedback_shows_the_clause_reference_and_its_words_one_click_away(officer_client, demo):
    attempt = start(officer_client, demo["module"])
    step = walk(attempt).current
    officer_client.post(f"/attempts/{attempt.public_id}/steps/1/", {"answer": right_answers(step)})
    page = text_of(officer_client.get(f"/attempts/{attempt.public_id}/steps/1/"))
    chosen = step.chosen(right_answers(step))[0]
    number = chosen.clause_reference.rsplit(" ", 1)[1]
    assert f'href="/policies/MPS-PERSONAL-DEVICES/#clause-{number}">{chosen.clause_reference}</a>' in page
    clause = re.search(rf"Show clause {number}</span></summary>(.*?)</details>", page, re.S)
    assert clause and chosen.clause_text in clause[1]
    assert page.count(chosen.clause_text) == 1  # not also quoted outside the details


def test_every_step_page_links_the_glossary_in_a_new_tab(officer_client, demo):
    attempt = start(officer_client, demo["module"])
    page = text_of(officer_client.get(f"/attempts/{attempt.public_id}/steps/1/"))
    assert (
        f'<a class="govuk-link" href="/modules/{demo["module"].pk}/glossary/" target="_blank" '
        'rel="noopener noreferrer">Glossary (opens in new tab)</a>'
    ) in page


def test_the_review_folds_each_cited_clause_too(officer_client, demo):
    attempt = answer_every_step(officer_client, start(officer_client, demo["module"]))
    page = text_of(officer_client.get(f"/attempts/{attempt.public_id}/result/"))
    assert "Show clause" in page
    assert "<blockquote" not in re.sub(r"<details.*?</details>", "", page, flags=re.S)
