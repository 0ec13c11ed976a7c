"""The result page of a failed attempt in a real browser: a jump link takes the officer to the
step to relearn, one press of "Retake the scenarios" starts again, and axe finds nothing to fix."""

import re

import pytest
from playwright.sync_api import expect

from learning.services import begin_module
from scenarios.models import Attempt
from scenarios.services import Step
from tests.browser.test_officer_path import STEP_URL, assert_accessible, no_axe, sign_in
from tests.helpers import answer_path, right_answers, wrong_answers

pytestmark = pytest.mark.browser


def wrong_on_first_critical_and_first_other(step: Step, wrong: list[Step]) -> list[str]:
    if not any(earlier.critical == step.critical for earlier in wrong):
        wrong.append(step)
        return wrong_answers(step)
    return right_answers(step)


def test_a_failed_result_jumps_to_what_to_relearn_and_retakes_in_one_press(transactional_db, demo, live_server, page):
    # The steps are answered behind the scenes: the step pages have browser tests of their own.
    wrong: list[Step] = []
    attempt = begin_module(demo["officer"], demo["module"])
    answer_path(attempt, lambda step: wrong_on_first_critical_and_first_other(step, wrong))
    critical = next(step for step in wrong if step.critical)
    assert attempt.critical_failed and len(wrong) == 2

    sign_in(page, live_server.url, check_page=no_axe)  # the sign-in pages have axe in test_officer_path
    page.goto(f"{live_server.url}/attempts/{attempt.public_id}/result/")
    expect(page.get_by_role("heading", level=1)).to_have_text("You have not passed this time")
    assert_accessible(page)

    # Critical first, then jump: the card is focused and scrolled to the top of the window.
    links = page.locator("h2:text-is('What to relearn') ~ ul a")
    expect(links).to_have_count(2)
    expect(links.first).to_have_attribute("href", f"#step-{critical.position}")
    links.first.click()
    card = page.locator(f"#step-{critical.position}")
    expect(page).to_have_url(re.compile(rf"#step-{critical.position}$"))
    expect(card).to_be_focused()
    expect(card).to_contain_text("Not correct")
    assert 0 <= card.bounding_box()["y"] < 50, "the card is at the top of the window"

    page.get_by_role("button", name="Retake the scenarios").click()
    page.wait_for_url(STEP_URL)
    assert "/steps/1/" in page.url
    retake = Attempt.objects.get(user=demo["officer"], module=demo["module"], status=Attempt.Status.IN_PROGRESS)
    assert retake.number == attempt.number + 1 and str(retake.public_id) in page.url
