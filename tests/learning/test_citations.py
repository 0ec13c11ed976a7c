"""Citations to check: after a policy's new version takes effect, trainers are told which
scenario feedback still cites a version no longer in force."""

import ast
import datetime
from pathlib import Path

import pytest
from django.utils import timezone

from certificates.factories import PolicyVersionFactory
from certificates.models import PolicyVersion, policy_version_published
from learning.citations import cited_version, same_label, stale_citations
from scenarios.factories import ScenarioPageFactory
from scenarios.models import ScenarioPage
from tests.helpers import sign_in_with_mfa

TODAY = timezone.localdate()


@pytest.mark.parametrize(
    ("reference", "label"),
    [
        ("Personally owned devices and police information v2.0, clause 6", "2.0"),
        ("Personal devices policy version 3, clause 4", "3"),
        ("UMCS 2.0 clause 4", "2.0"),
        ("Personally owned devices, clause 6", ""),
        ("", ""),
    ],
)
def test_the_version_is_read_from_a_clause_reference(reference, label):
    assert cited_version(reference) == label


def test_labels_are_compared_as_versions():
    assert same_label("2.0", "v2.0") and same_label("2", "2.0") and not same_label("2.0", "2.1")


def true_or_false_citing(label: str) -> list:
    return [
        (
            "true_false",
            {
                "prompt": "You may ring a witness from your own phone if you withhold your number.",
                "answer": "false",
                "feedback_if_right": "Right.",
                "feedback_if_wrong": "No.",
                "clause_reference": f"Personally owned devices and police information v{label}, clause 6",
                "clause_text": "",
            },
        )
    ]


@pytest.fixture
def version_3(demo):
    """Version 3.0 of the demo module's policy, a material change, in force from today (the
    demo's 2.0 took effect the day it was loaded; the later-stored version of a day wins)."""
    return PolicyVersionFactory(
        document=demo["module"].policy_document, version_label="3.0", effective_date=TODAY, material=True
    )


def test_nothing_to_check_while_the_cited_version_is_in_force(demo):
    assert stale_citations(within=demo["module"]) == []


def test_citations_of_the_version_before_a_material_change_are_listed(demo, version_3):
    found = stale_citations(within=demo["module"])
    assert found, "the demo's feedback cites v2.0"
    bridge = [row for row in found if row.scenario_title == "The bridge"]
    first = bridge[0]
    assert (first.step_number, first.cited_label, first.in_force_label) == (1, "2.0", "3.0")
    assert first.option.startswith("Don't call him.")
    assert first.why == f"v2.0 is no longer in force: v3.0 took effect on {TODAY:%-d %B %Y}."
    assert {row.module_title for row in found} == {demo["module"].title}


def test_a_minor_change_leaves_the_citations_standing(demo):
    # 2.1 is a minor change: attestations to 2.0 still count, and so do citations of it.
    PolicyVersionFactory(
        document=demo["module"].policy_document, version_label="2.1", effective_date=TODAY, material=False
    )
    assert stale_citations(within=demo["module"]) == []


def test_a_version_not_yet_in_force_is_not_listed_but_one_never_stored_is(demo):
    PolicyVersionFactory(
        document=demo["module"].policy_document,
        version_label="3.0",
        effective_date=timezone.localdate() + datetime.timedelta(days=30),
    )
    ahead = ScenarioPageFactory(parent=demo["module"], title="Ahead", steps=true_or_false_citing("3.0"))
    typo = ScenarioPageFactory(parent=demo["module"], title="Typo", steps=true_or_false_citing("2.9"))
    assert stale_citations(within=ahead) == []
    [row] = stale_citations(within=typo)
    assert (row.option, row.known, row.why) == ("The statement", False, "The policy has no version v2.9.")


def test_a_citation_fixed_in_a_draft_is_not_listed_again(demo, version_3):
    scenario = ScenarioPageFactory(parent=demo["module"], title="Fixed", steps=true_or_false_citing("2.0"))
    assert len(stale_citations(within=scenario)) == 1
    draft = scenario.get_latest_revision_as_object()
    draft.steps = true_or_false_citing("3.0")
    draft.save_revision()
    assert stale_citations(within=ScenarioPage.objects.get(pk=scenario.pk)) == []


def test_the_check_makes_the_same_queries_however_many_scenarios(demo, version_3, django_assert_max_num_queries):
    stale_citations()  # binding_today keeps the policy's versions, as it does between requests
    with django_assert_max_num_queries(4) as few:
        before = len(stale_citations())
    for number in range(5):
        ScenarioPageFactory(parent=demo["module"], title=f"More {number}", steps=true_or_false_citing("2.0"))
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(stale_citations()) == before + 5


# The report ------------------------------------------------------------------------------------


def test_trainers_see_the_citations_to_check(client, demo, version_3):
    sign_in_with_mfa(client, demo["trainer"])
    response = client.get("/admin/reports/scenario-citations/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Citations to check" in html
    assert "The bridge" in html and "v2.0 is no longer in force: v3.0 took effect" in html


def test_the_report_says_when_there_is_nothing_to_check(client, demo):
    sign_in_with_mfa(client, demo["trainer"])
    html = client.get("/admin/reports/scenario-citations/").content.decode()
    assert "Every citation names a version of its policy that is in force." in html


def test_the_report_exports_as_csv(client, demo, version_3):
    sign_in_with_mfa(client, demo["trainer"])
    response = client.get("/admin/reports/scenario-citations/?export=csv")
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode()
    assert body.splitlines()[0] == "Module,Scenario,Step,Option,Cites,Why it needs checking"
    assert "The bridge" in body


@pytest.mark.parametrize("username", ["officer", "hr", "reporting"])
def test_people_without_the_analytics_permission_are_refused_the_report(client, demo, version_3, username):
    sign_in_with_mfa(client, demo[username])
    response = client.get("/admin/reports/scenario-citations/")
    assert response.status_code in (302, 403)
    assert b"The bridge" not in response.content


def test_the_report_makes_the_same_queries_however_many_rows(client, demo, version_3, django_assert_max_num_queries):
    sign_in_with_mfa(client, demo["trainer"])
    client.get("/admin/reports/scenario-citations/")
    with django_assert_max_num_queries(40) as few:
        client.get("/admin/reports/scenario-citations/")
    for number in range(5):
        ScenarioPageFactory(parent=demo["module"], title=f"More {number}", steps=true_or_false_citing("2.0"))
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get("/admin/reports/scenario-citations/")


# The notice on the edit pages ------------------------------------------------------------------


def test_the_scenario_edit_page_tells_the_trainer_what_to_check(client, demo, version_3):
    sign_in_with_mfa(client, demo["trainer"])
    scenario = ScenarioPage.objects.get(slug="the-bridge")
    html = client.get(f"/admin/pages/{scenario.pk}/edit/").content.decode()
    assert "cite a policy version no longer in force" in html
    assert "The bridge: step 1" in html
    assert "/admin/reports/scenario-citations/" in html


def test_the_module_edit_page_counts_every_scenario(client, demo, version_3):
    sign_in_with_mfa(client, demo["trainer"])
    html = client.get(f"/admin/pages/{demo['module'].pk}/edit/").content.decode()
    total = len(stale_citations(within=demo["module"]))
    assert f"{total} citations in feedback here cite a policy version no longer in force" in html
    assert f"and {total - 5} more." in html


def test_no_notice_while_every_citation_is_in_force(client, demo):
    sign_in_with_mfa(client, demo["trainer"])
    scenario = ScenarioPage.objects.get(slug="the-bridge")
    html = client.get(f"/admin/pages/{scenario.pk}/edit/").content.decode()
    assert "no longer in force" not in html


# The email to trainers -------------------------------------------------------------------------


def publish(version, capture):
    with capture(execute=True):
        policy_version_published.send(sender=PolicyVersion, version=version)


def test_trainers_are_emailed_the_citations_a_version_in_force_leaves_out_of_date(
    demo, version_3, mailoutbox, django_capture_on_commit_callbacks
):
    publish(version_3, django_capture_on_commit_callbacks)
    to = sorted(address for message in mailoutbox for address in message.to)
    assert demo["trainer"].email in to
    assert demo["officer"].email not in to and demo["hr"].email not in to
    message = next(message for message in mailoutbox if message.to == [demo["trainer"].email])
    total = len(stale_citations(within=demo["module"]))
    assert message.subject.startswith(f"{total} scenario citations to check:")
    assert "The bridge" in message.body and "v2.0, clause 6" in message.body
    assert "/admin/reports/scenario-citations/" in message.body


def test_no_email_for_a_version_that_takes_effect_later(demo, mailoutbox, django_capture_on_commit_callbacks):
    later = PolicyVersionFactory(
        document=demo["module"].policy_document,
        version_label="3.0",
        effective_date=timezone.localdate() + datetime.timedelta(days=30),
    )
    publish(later, django_capture_on_commit_callbacks)
    assert mailoutbox == []


def test_no_email_when_nothing_is_out_of_date(demo, mailoutbox, django_capture_on_commit_callbacks):
    minor = PolicyVersionFactory(
        document=demo["module"].policy_document, version_label="2.1", effective_date=TODAY, material=False
    )
    publish(minor, django_capture_on_commit_callbacks)
    assert mailoutbox == []


# Where the check lives ---------------------------------------------------------------------------


def imported_apps(app: str) -> set[str]:
    """The top-level packages ``app``'s modules import, lazily or not, and name to
    ``apps.get_model`` (the imports docs/developers.md counts)."""
    found = set()
    for path in (Path(__file__).resolve().parents[2] / app).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                found |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.add(node.module.split(".")[0])
            elif (
                isinstance(node, ast.Call)
                and getattr(node.func, "attr", "") == "get_model"
                and node.args
                and isinstance(node.args[0], ast.Constant)
            ):
                found.add(str(node.args[0].value).split(".")[0])
    return found


def test_scenarios_and_certificates_do_not_import_each_other():
    # The check reads both, so it lives in learning, which orchestrates them.
    assert "certificates" not in imported_apps("scenarios")
    assert "scenarios" not in imported_apps("certificates")
