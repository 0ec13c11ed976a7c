"""The result page teaches: what to relearn first (critical steps first), wrong answers open and
right ones folded away, and one button to the next thing to do (retake, or attest)."""

import re

import pytest
from bs4 import BeautifulSoup
from django.test import Client
from django.urls import reverse

from certificates.factories import PolicyVersionFactory
from learning.factories import EnrolmentFactory, ModulePageFactory
from learning.models import ModulePage
from learning.services import begin_module
from people.factories import UserFactory
from scenarios.factories import ScenarioPageFactory
from scenarios.models import Attempt
from tests.helpers import answer_path, right_answers, wrong_answers

# One true-or-false step per scenario; steps 2 and 4 cover rules that must never be broken.
SCENARIOS = [
    ("The witness", False),
    ("The record", True),
    ("The call back", False),
    ("The radio", True),
    ("The notebook", False),
]
WRONG_ON_FAIL = {1, 2, 4}


def true_or_false(prompt: str, *, critical: bool) -> list[tuple[str, dict]]:
    return [
        (
            "true_false",
            {
                "prompt": prompt,
                "critical": critical,
                "answer": "false",
                "feedback_if_right": "Right.",
                "feedback_if_wrong": "Not so.",
            },
        )
    ]


@pytest.fixture
def officer(db):
    return UserFactory()


@pytest.fixture
def module(officer):
    module = ModulePageFactory(pass_mark=50, policy_document=PolicyVersionFactory().document)
    for title, critical in SCENARIOS:
        ScenarioPageFactory(
            parent=module,
            title=title,
            steps=true_or_false(f"In {title.lower()}, you may break the rule.", critical=critical),
        )
    EnrolmentFactory(user=officer, module=module)
    return module


def finish(officer, module, wrong_positions=frozenset()) -> Attempt:
    attempt = begin_module(officer, module)
    answer_path(attempt, lambda step: wrong_answers(step) if step.position in wrong_positions else right_answers(step))
    return attempt


def result_page(client, attempt: Attempt) -> BeautifulSoup:
    response = client.get(reverse("scenarios:result", args=[attempt.public_id]))
    assert response.status_code == 200
    return BeautifulSoup(response.content, "html.parser")


def relearn_links(page: BeautifulSoup) -> list:
    heading = page.find("h2", string="What to relearn")
    assert heading is not None, "no 'What to relearn' section"
    return heading.find_next("ul").find_all("a")


def test_the_steps_to_relearn_come_first_critical_ones_first_each_linking_to_its_card(client, officer, module):
    attempt = finish(officer, module, WRONG_ON_FAIL)
    client.force_login(officer)
    page = result_page(client, attempt)

    links = relearn_links(page)
    assert [link["href"] for link in links] == ["#step-2", "#step-4", "#step-1"]
    assert links[0].get_text(" ", strip=True).startswith("Step 2, The record: In the record, you may")
    for link in links:
        card = page.find(id=link["href"][1:])
        assert card is not None and "govuk-summary-card" in card["class"]
        assert card.find_parent("details") is None, "a wrong answer's card is shown open"
    tags = [link.find_parent("li").find(class_="govuk-tag") for link in links]
    assert [tag.get_text() if tag else None for tag in tags] == ["Must never be broken"] * 2 + [None]
    assert page.find(id="step-2").find(string="Must never be broken"), "the critical step is marked on its card"
    # The warning names the critical steps, linking to them.
    warning = page.find(class_="govuk-warning-text")
    assert [link["href"] for link in warning.find_all("a")] == ["#step-2", "#step-4"]
    assert "You got 2 steps wrong that cover rules that must never be broken" in warning.get_text(" ", strip=True)


def test_right_answers_are_folded_inside_details_with_their_own_ids(client, officer, module):
    attempt = finish(officer, module, WRONG_ON_FAIL)
    client.force_login(officer)
    page = result_page(client, attempt)

    folded = page.find_all("details", class_="govuk-details", id=re.compile(r"^step-\d+$"))
    assert [details["id"] for details in folded] == ["step-3", "step-5"]
    for details in folded:
        assert details.find(class_="govuk-summary-card")
        assert not details.has_attr("open")
    assert len(page.find_all(class_="govuk-summary-card__title")) == attempt.step_count == len(SCENARIOS)


def test_a_passed_attempt_with_no_wrong_step_has_nothing_to_relearn(client, officer, module):
    attempt = finish(officer, module)
    client.force_login(officer)
    page = result_page(client, attempt)
    assert page.find("h2", string="What to relearn") is None
    assert len(page.find_all("details", id=re.compile(r"^step-"))) == len(SCENARIOS)


def test_one_press_of_retake_starts_a_new_attempt(officer, module):
    attempt = finish(officer, module, WRONG_ON_FAIL)
    client = Client(enforce_csrf_checks=True)  # the form must carry its own token
    client.force_login(officer)
    page = result_page(client, attempt)

    form = page.find("button", string="Retake the scenarios").find_parent("form")
    assert (form["method"], form["action"]) == ("post", reverse("learning:start", args=[module.pk]))
    token = form.find("input", attrs={"name": "csrfmiddlewaretoken"})["value"]
    response = client.post(form["action"], {"csrfmiddlewaretoken": token})

    retake = Attempt.objects.get(user=officer, module=module, number=2)
    assert response.status_code == 302
    assert response["Location"] == reverse("scenarios:attempt", args=[retake.public_id])


@pytest.mark.parametrize(("max_attempts", "offered"), [(None, True), (2, True), (1, False)])
def test_retake_is_offered_only_while_attempts_are_left(client, officer, module, max_attempts, offered):
    ModulePage.objects.filter(pk=module.pk).update(max_attempts=max_attempts)
    attempt = finish(officer, module, WRONG_ON_FAIL)
    client.force_login(officer)
    page = result_page(client, attempt)

    assert (page.find("button", string="Retake the scenarios") is not None) is offered
    assert ("You have used the one attempt allowed" in page.get_text(" ", strip=True)) is not offered
    # The page agrees with the start view, which refuses once the attempts are used up.
    client.post(reverse("learning:start", args=[module.pk]))
    assert Attempt.objects.filter(user=officer, module=module).count() == (2 if offered else 1)


def test_a_pass_goes_straight_to_the_attest_page(client, officer, module):
    attempt = finish(officer, module, {1})  # a step wrong, but over the pass mark
    client.force_login(officer)
    page = result_page(client, attempt)

    assert page.find("h1").get_text(strip=True) == "You passed"
    assert [link["href"] for link in relearn_links(page)] == ["#step-1"]
    button = page.find("a", class_="govuk-button")
    assert button.get_text(strip=True) == "Read the policy and attest"
    assert button["href"] == reverse("learning:attest", args=[module.pk])
    assert page.find("button", string="Retake the scenarios") is None


def test_the_result_is_shown_to_its_officer_only(client, officer, module):
    attempt = finish(officer, module, WRONG_ON_FAIL)
    url = reverse("scenarios:result", args=[attempt.public_id])

    assert client.get(url)["Location"].startswith(reverse("account_login"))
    client.force_login(UserFactory())
    assert client.get(url).status_code == 404
    client.force_login(officer)
    assert client.get(url).status_code == 200


def test_the_result_page_reads_a_few_queries_not_one_per_step(client, officer, module, django_assert_max_num_queries):
    ModulePage.objects.filter(pk=module.pk).update(max_attempts=3)  # with the retake check's query
    attempt = finish(officer, module, WRONG_ON_FAIL)
    client.force_login(officer)
    # Session, user, attempt, its responses and pinned scenarios, module, policy, the retake check
    # (the module's limit, counted since any revocation: the person's progress on the module),
    # permissions and site: none of them per step.
    with django_assert_max_num_queries(18):
        assert client.get(reverse("scenarios:result", args=[attempt.public_id])).status_code == 200


def cards(page: BeautifulSoup) -> list[str]:
    return [card.get_text(" ", strip=True) for card in page.find_all(class_="govuk-summary-card")]


def test_a_card_drawn_for_one_officer_shows_another_officer_their_own_answer(client, officer, module):
    # Cards are kept by the process for what they show: the same step answered otherwise, or
    # the same scenario reworded, is drawn afresh, never another officer's card.
    first = result_page(client_for(officer), finish(officer, module))
    other = UserFactory()
    EnrolmentFactory(user=other, module=module)
    second = result_page(client_for(other), finish(other, module, WRONG_ON_FAIL))

    assert all("Not correct" not in card for card in cards(first))
    assert ["Not correct" in card for card in cards(second)] == [True, True, False, True, False]
    again = result_page(client_for(officer), Attempt.objects.get(user=officer))
    assert cards(again) == cards(first)

    scenario = module.get_children().first().specific
    scenario.steps = true_or_false("In the witness, you may now break the rule.", critical=False)
    scenario.save_revision().publish()
    third = UserFactory()
    EnrolmentFactory(user=third, module=module)
    reworded = result_page(client_for(third), finish(third, module))
    assert "In the witness, you may now break the rule." in cards(reworded)[0]
    assert "In the witness, you may break the rule." in cards(first)[0]


def client_for(person) -> Client:
    client = Client()
    client.force_login(person)
    return client
