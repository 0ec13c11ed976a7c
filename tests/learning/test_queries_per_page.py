"""An officer's page costs the same few queries however far they are through the module, however
many scenarios it has and however many attempts they made before (docs/benchmarks.md has what
each costs in time). Each page is asked for once before it is counted: the first request of a
session also finds the site, the header's team link and the session itself, and keeps them."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from certificates.models import Certificate
from learning.factories import EnrolmentFactory
from learning.models import ModulePage
from people.factories import UserFactory
from scenarios.models import Attempt
from scenarios.services import walk
from tests.helpers import answer_every_step, attestation_form, right_answers, wrong_answers

# The most each page may make, once warm. Each is the page's own reads plus the signed-in person.
STEP_PAGE = 3  # the person, the attempt, its responses
ANSWER = 7  # the person, the attempt (and again, locked), its responses, the insert; BEGIN, COMMIT
DASHBOARD = 2  # the person, their enrolments
MODULE_PAGE = 8  # the person, the module, its scenarios' titles, attempts, enrolment, policy, attestations
ATTESTATION = 30
RESULT_PAGE = 6


def queries(client, path, data=None) -> int:
    with CaptureQueriesContext(connection) as captured:
        (client.post(path, data) if data is not None else client.get(path)).status_code  # noqa: B018
    return len(captured)


@pytest.fixture
def officer(client, demo):
    client.force_login(demo["officer"])
    client.get("/")  # the first request of a session: see the module docstring
    ModulePage.policy_url_for(demo["module"].pk)  # kept by the process once the first feedback cites it
    return demo["officer"]


def start(client, module) -> Attempt:
    client.post(f"/modules/{module.pk}/start/")
    return Attempt.objects.filter(module_id=module.pk).latest("started_at")


def step_path(attempt: Attempt, position: int) -> str:
    return f"/attempts/{attempt.public_id}/steps/{position}/"


def test_a_step_costs_the_same_at_the_first_scenario_as_at_the_last(client, demo, officer):
    attempt = start(client, demo["module"])
    questions, feedback = [], []
    while (step := walk(Attempt.objects.get(pk=attempt.pk)).current) is not None:
        path = step_path(attempt, step.position)
        questions.append(queries(client, path))
        client.post(path, {"answer": right_answers(step)})
        feedback.append(queries(client, path))
    assert len(questions) > 20  # every scenario of the demo module, in one attempt
    assert set(questions) == {STEP_PAGE}, questions
    assert set(feedback) == {STEP_PAGE}, feedback


def test_an_answer_costs_the_same_at_every_step_but_the_last(client, demo, officer):
    attempt = start(client, demo["module"])
    counts = []
    while (current := walk(Attempt.objects.get(pk=attempt.pk))).current is not None:
        step = current.current
        count = queries(client, step_path(attempt, step.position), {"answer": right_answers(step)})
        counts.append(count)
    *before_the_last, last = counts
    assert set(before_the_last) == {ANSWER}, counts
    assert last > ANSWER  # scoring, finishing and the enrolment's new status


def test_the_dashboard_costs_the_same_with_more_modules(client, demo, officer, django_assert_max_num_queries):
    from learning.factories import ModulePageFactory

    with django_assert_max_num_queries(DASHBOARD):
        client.get("/")
    for _ in range(3):
        EnrolmentFactory(user=officer, module=ModulePageFactory())
    client.get("/")  # publishing a page made every process forget the site's pages' addresses
    with django_assert_max_num_queries(DASHBOARD):
        response = client.get("/")
    assert response.content.decode().count("Module ") >= 3


def test_the_module_page_costs_the_same_after_more_attempts(client, demo, officer, django_assert_max_num_queries):
    module = demo["module"]
    client.get(module.url)
    with django_assert_max_num_queries(MODULE_PAGE):
        client.get(module.url)
    before = queries(client, module.url)
    for _ in range(2):  # two failed attempts
        answer_every_step(client, start(client, module), answer=wrong_answers)
    client.get(module.url)
    assert queries(client, module.url) == before


def test_an_attestation_only_module_page_costs_no_more(client, demo, officer, django_assert_max_num_queries):
    """A module with no scenarios to pass (``attestation_only``) reads no attempts, titles or limits."""
    from learning.factories import ModulePageFactory

    module = ModulePageFactory(attestation_only=True, policy_document=demo["module"].policy_document)
    EnrolmentFactory(user=officer, module=module)
    client.get(module.url)
    with django_assert_max_num_queries(MODULE_PAGE):
        response = client.get(module.url)
    assert "Read the policy and attest" in response.content.decode()
    with django_assert_max_num_queries(DASHBOARD):
        client.get("/")


def test_the_result_page_costs_the_same_however_many_steps(client, demo, officer, django_assert_max_num_queries):
    attempt = answer_every_step(client, start(client, demo["module"]), answer=wrong_answers)
    assert attempt.responses.count() > 20
    path = f"/attempts/{attempt.public_id}/result/"
    client.get(path)
    with django_assert_max_num_queries(RESULT_PAGE):
        response = client.get(path)
    assert response.status_code == 200


def test_the_attestation_costs_a_bounded_number_of_queries(client, demo, officer, django_assert_max_num_queries):
    module = demo["module"]
    answer_every_step(client, start(client, module))
    with django_assert_max_num_queries(ATTESTATION):
        response = client.post(f"/modules/{module.pk}/attest/", attestation_form(module, officer.get_full_name()))
    assert response.status_code == 302
    assert Certificate.objects.filter(user=officer).count() == 1


def test_another_officer_costs_the_same(client, demo, officer):
    """The counts are the page's, not the demo officer's: a second officer's first step costs the same."""
    attempt = start(client, demo["module"])
    first = walk(attempt).current
    mine = queries(client, step_path(attempt, first.position))
    other = UserFactory()
    EnrolmentFactory(user=other, module=demo["module"])
    client.force_login(other)
    client.get("/")
    theirs = start(client, demo["module"])
    assert queries(client, step_path(theirs, walk(theirs).current.position)) == mine
