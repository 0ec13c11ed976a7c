"""The module built from IOPC learning recommendation 408/20: its content files, the loader
that checks them, and what seed_demo makes of them."""

import re
import shutil
import tomllib
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.utils.html import escape

from certificates.models import Certificate, PolicyDocument, PolicyVersion
from learning.content import ContentError, install_policy, load_module
from learning.models import Enrolment, ModulePage
from people.models import User
from scenarios.blocks import graph_nodes
from scenarios.graph import problems
from scenarios.models import Attempt, ScenarioPage
from tests.helpers import WrongOnFirstCritical, answer_every_step, attest, sign_in_with_mfa

CONTENT = Path(settings.BASE_DIR) / "content" / "contacting-the-public"
TOPICS = tomllib.loads((CONTENT / "module.toml").read_text())["topics"]
CITATION = re.compile(r"^Personally owned devices and police information v(?P<label>\S+), clause (?P<number>\d+)$")


def scenario_steps(module):
    for scenario in ScenarioPage.objects.child_of(module).live().specific():
        for index, child in enumerate(scenario.steps, start=1):
            yield scenario, index, child


def test_the_recommendations_eleven_topics_and_six_grey_areas_are_listed():
    assert len(TOPICS) == 17
    grey_areas = {
        "supervisor-pressure",
        "emergency-judgement",
        "safeguarding-contact",
        "accessible-contact",
        "record-after-emergency",
        "work-apps-on-personal-devices",
    }
    assert grey_areas <= set(TOPICS)


def test_the_module_has_ten_scenarios_and_twenty_five_steps_with_every_kind_of_step(demo):
    module = demo["module"]
    steps = list(scenario_steps(module))
    assert ScenarioPage.objects.child_of(module).live().count() >= 10
    assert len(steps) >= 25
    kinds = [child.block_type for _, _, child in steps]
    assert kinds.count("decision_point") >= 4
    assert set(kinds) == {"single_choice", "multiple_response", "true_false", "decision_point"}
    for _, _, child in steps:
        if child.block_type == "decision_point":
            assert all(option.consequence for option in child.value.options())


def test_each_topic_is_taught_by_at_least_one_step(demo):
    taught = {}
    for scenario, index, child in scenario_steps(demo["module"]):
        assert child.value.topic_tags(), f"{scenario.title} step {index} has no topic"
        for tag in child.value.topic_tags():
            assert tag in TOPICS, f"{scenario.title} step {index}: unknown topic {tag}"
            taught.setdefault(tag, []).append((scenario.title, index))
    assert set(taught) == set(TOPICS)


def test_every_scenario_passes_the_branching_checks(demo):
    for scenario in ScenarioPage.objects.child_of(demo["module"]).specific():
        assert problems(graph_nodes(scenario.steps)) == [], scenario.title


def test_every_cited_clause_exists_in_its_policy_version_and_is_quoted_exactly(demo):
    document = demo["module"].policy_document
    cited = 0
    for scenario, index, child in scenario_steps(demo["module"]):
        for option in child.value.options():
            if not option.clause_reference:
                continue
            match = CITATION.match(option.clause_reference)
            assert match, f"{scenario.title} step {index}: {option.clause_reference!r}"
            version = document.versions.get(version_label=match["label"])
            clauses = {anchor: text for anchor, text, _ in version.clauses()}
            number = match["number"]
            assert clauses.get(f"clause-{number}") == f"{number}. {option.clause_text}", option.clause_reference
            cited += 1
    assert cited >= 50


def test_the_bright_line_rules_are_critical_steps(demo):
    critical_topics = set()
    for _, _, child in scenario_steps(demo["module"]):
        if child.value["critical"]:
            critical_topics |= set(child.value.topic_tags())
    assert {"number-onto-personal-phone", "screenshot-police-systems"} <= critical_topics


def test_the_policy_has_both_versions_clause_by_clause_and_the_second_is_material(demo):
    document = demo["module"].policy_document
    first, second = document.versions.order_by("effective_date", "pk")
    assert (first.version_label, second.version_label) == ("1.0", "2.0")
    assert "The general rule is that privately owned [i.e. non Met-issued] mobile devices" in first.body
    assert "general rule" not in second.body
    assert second.material
    assert document.current_version() == second
    for version in (first, second):
        assert version.statement
        numbered = [anchor for anchor, _, heading in version.clauses() if anchor]
        assert numbered == [f"clause-{n}" for n in range(1, len(numbered) + 1)]
    text = " ".join(second.body.split())
    for words in [
        "take screenshots [e.g. from Met BATS]",
        "record any internal meetings without prior authority",
        "switch off and/or store personally owned mobile devices",
        "social media platforms or instant messaging services",
        "A record of the call and the rationale becomes part of the incident or investigation [e.g. on CRIS]",
        "use police landlines or their radios to make calls, even if this results in some delay",
        "refer such matters to your supervisor",
    ]:
        assert words in text


def test_the_module_settings_come_from_the_content(demo):
    module = demo["module"]
    assert module.title == "Contacting the public: personal devices and police data"
    assert (module.pass_mark, module.estimated_minutes) == (80, 31)
    assert module.learning_outcomes.count("<li>") == 5


# The officer's path through the real module


def start(client, module):
    client.post(f"/modules/{module.pk}/start/")
    return Attempt.objects.filter(module_id=module.pk).latest("started_at")


def test_the_module_can_be_completed_with_the_right_answers(client, demo):
    client.force_login(demo["officer"])
    attempt = answer_every_step(client, start(client, demo["module"]))
    assert attempt.passed and attempt.score_percent == 100
    assert attest(client, demo["module"], "Sam Taylor").status_code == 302
    certificate = Certificate.objects.get(user=demo["officer"])
    assert certificate.policy_version.version_label == "2.0"
    assert Enrolment.objects.get(user=demo["officer"]).status == Enrolment.Status.COMPLETE


def test_a_wrong_answer_on_a_critical_step_fails_the_module_whatever_the_score(client, demo):
    client.force_login(demo["officer"])
    answer = WrongOnFirstCritical()
    attempt = answer_every_step(client, start(client, demo["module"]), answer)
    assert len(answer.wrong) == 1
    assert attempt.score_percent >= demo["module"].pass_mark
    assert not attempt.passed
    page = client.get(f"/attempts/{attempt.public_id}/result/").content.decode()
    assert "a rule that must never be broken" in page


# Loading content: malformed files are refused with the file and the field named


@pytest.fixture
def content(tmp_path):
    copy = tmp_path / "module"
    shutil.copytree(CONTENT, copy)
    return copy


def edit(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, count))


ARREST = "scenarios/01-after-the-arrest.toml"
BATS = "scenarios/04-the-bats-screen.toml"


@pytest.mark.parametrize(
    ("file", "old", "new", "expected"),
    [
        (ARREST, 'title = "After the arrest"', 'title = "After the arrest', "not valid TOML"),
        (ARREST, 'prompt = "You could ring', 'question = "You could ring', "“question”"),
        (ARREST, "correct = true", "corect = true", "unknown field “corect”"),
        (ARREST, "clause = 1", "clause = 42", "step 2, “clause”: policy version 2.0 has no clause 42"),
        (ARREST, "clause = 1", 'clause = "1"', "step 2, “clause”: must be a whole number"),
        (ARREST, 'topics = ["number-onto-personal-phone"]', 'topics = ["phones"]', "step 2, “topics”: “phones”"),
        (ARREST, 'leads_to = "her-number"', 'leads_to = "her-numbr"', "her-numbr"),
        (ARREST, 'type = "true_false"', 'type = "essay"', "step 2, “type”: “essay” is not a step type"),
        (ARREST, "answer = false", "", "step 2, “answer”: is missing"),
        (ARREST, 'policy_version = "2.0"', 'policy_version = "9.9"', "“policy_version”: “9.9” is not a version"),
        (BATS, 'slug = "the-bats-screen"', 'slug = "after-the-arrest"', "“slug”: “after-the-arrest” is also"),
        (ARREST, 'slug = "after-the-arrest"', 'slug = "After the arrest"', "“slug”: “After the arrest” must be"),
        ("module.toml", "pass_mark = 80", "pass_mark = 0", "“pass_mark”: must be between 1 and 100, not 0"),
        ("module.toml", "estimated_minutes = 31", "", "“estimated_minutes”: is missing"),
        (ARREST, "clause = 1", "clause = 4", "step 2, “clause”: clause 4 does not support this step's topics"),
        ("module.toml", "switch-off-or-store = [4]\n", "", "gives no clauses for the topic “switch-off-or-store”"),
        ("module.toml", "switch-off-or-store = [4]", "switch-off-or-store = [44]", "version 2.0 has no clause 44"),
        ("module.toml", "switch-off-or-store = [4]", 'switch-off-or-store = "4"', "must be a list of clause numbers"),
        ("module.toml", '[topic_clauses."2.0"]', '[topic_clauses."3.0"]', "“3.0” is not a version"),
        ("policy.toml", "number = 3\n", "number = 1\n", "clause 1 comes after clause 2"),
        ("policy.toml", 'label = "2.0"', 'label = "1.0"', "version “1.0” appears twice"),
    ],
)
def test_a_malformed_file_is_refused_naming_the_file_and_the_field(db, content, file, old, new, expected):
    edit(content / file, old, new)
    with pytest.raises(ContentError) as error:
        load_module(content)
    assert error.value.path.endswith(Path(file).name)
    assert expected in str(error.value)


def test_two_right_answers_on_a_single_choice_step_are_refused(db, content):
    edit(
        content / "scenarios/02-calling-back-a-witness.toml",
        'text = "The call had a clear policing purpose, so using my own phone was fine."\n',
        'text = "The call had a clear policing purpose, so using my own phone was fine."\ncorrect = true\n',
    )
    with pytest.raises(ContentError) as error:
        load_module(content)
    assert "02-calling-back-a-witness.toml: step 2" in str(error.value)
    assert "Mark exactly one option as right" in str(error.value)


def test_a_question_with_one_option_is_refused(db, content):
    text = (content / BATS).read_text()
    last_two_options = text.rsplit("[[steps.options]]", 2)[0]
    (content / BATS).write_text(last_two_options)
    with pytest.raises(ContentError) as error:
        load_module(content)
    assert "04-the-bats-screen.toml: step 3, “options”: The minimum number of items is 2" in str(error.value)


def test_a_topic_no_step_teaches_is_refused(db, content):
    edit(content / "module.toml", "[topics]\n", '[topics]\nbody-worn-video = "Body-worn video"\n')
    edit(content / "module.toml", '[topic_clauses."2.0"]\n', '[topic_clauses."2.0"]\nbody-worn-video = [3]\n')
    with pytest.raises(ContentError, match="no step teaches “body-worn-video”"):
        load_module(content)


def test_an_unreachable_step_is_refused(db, content):
    edit(content / ARREST, 'leads_to = "her-number"', 'leads_to = "end"', count=3)
    with pytest.raises(ContentError) as error:
        load_module(content)
    assert ARREST.split("/")[1] in str(error.value) and "steps" in str(error.value)


def test_seeding_with_broken_content_stops_and_writes_nothing(db, content, monkeypatch):
    from demo.management.commands import seed_demo

    edit(content / ARREST, "clause = 1", "clause = 42")
    monkeypatch.setattr(seed_demo, "DEMO_MODULE", content)
    User.objects.filter(username="officer").update(first_name="Changed")
    counts = (ModulePage.objects.count(), PolicyDocument.objects.count(), PolicyVersion.objects.count())
    with pytest.raises(CommandError, match="no clause 42"):
        call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert (ModulePage.objects.count(), PolicyDocument.objects.count(), PolicyVersion.objects.count()) == counts
    assert User.objects.get(username="officer").first_name == "Changed"  # the people were not put back


# Installing: once, leaving what trainers changed


def test_loading_again_changes_nothing_and_keeps_a_trainers_edits(demo):
    module = demo["module"]
    scenario = ScenarioPage.objects.child_of(module).get(slug="after-the-arrest")
    scenario.title = "After the arrest (revised)"
    scenario.save_revision().publish()
    counts = (ScenarioPage.objects.count(), PolicyVersion.objects.count(), Attempt.objects.count())

    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115

    assert (ScenarioPage.objects.count(), PolicyVersion.objects.count(), Attempt.objects.count()) == counts
    assert ScenarioPage.objects.get(pk=scenario.pk).title == "After the arrest (revised)"


def test_a_stored_policy_version_is_never_rewritten(demo, content):
    edit(content / "policy.toml", "I will follow it.", "I will follow it, really.")
    install_policy(load_module(content).policy)
    assert "really" not in PolicyVersion.objects.get(version_label="2.0").statement


# What a trainer finds in the admin


def test_a_trainer_finds_the_module_its_scenarios_and_both_policy_versions(client, demo):
    sign_in_with_mfa(client, demo["trainer"])
    module = demo["module"]
    listing = client.get(f"/admin/pages/{module.pk}/").content.decode()
    for scenario in ScenarioPage.objects.child_of(module):
        assert escape(scenario.title) in listing
    assert client.get(f"/admin/pages/{module.pk}/edit/").status_code == 200
    document = module.policy_document
    policies = client.get("/admin/snippets/certificates/policydocument/")
    assert policies.status_code == 200 and document.title in policies.content.decode()
    page = client.get(f"/admin/snippets/certificates/policydocument/inspect/{document.pk}/").content.decode()
    for version in document.versions.all():
        assert f"Version {version.version_label}" in page
        assert escape(version.clauses()[1][1]) in page
    assert "A material change" in page
    # Reading is all a trainer may do with a policy.
    edit = f"/admin/snippets/certificates/policydocument/edit/{document.pk}/"
    assert client.post(edit, {"title": "Changed"}).status_code == 302
    document.refresh_from_db()
    assert document.title == "Personally owned devices and police information"
