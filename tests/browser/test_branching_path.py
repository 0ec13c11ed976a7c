"""An officer takes a branching path through a scenario in the browser, with axe on every page."""

import pytest
from playwright.sync_api import expect

from tests.browser.test_officer_path import assert_accessible, sign_in
from tests.helpers import make_branching_module

pytestmark = pytest.mark.browser


def choose_and_continue(page, label: str, *, check_page) -> None:
    page.get_by_label(label, exact=True).check()
    page.get_by_role("button", name="Submit answer").click()
    expect(page.get_by_role("heading", name="Feedback on your answer")).to_be_visible()
    # A screen reader hears the feedback first: focus has moved to its heading.
    expect(page.locator("#feedback")).to_be_focused()
    check_page(page)


def start_branching_module(page, base_url: str, officer) -> None:
    make_branching_module(officer)
    sign_in(page, base_url, check_page=assert_accessible)
    page.get_by_role("link", name="Branching").click()
    page.get_by_role("button", name="Start now").click()


def test_a_decision_takes_the_officer_down_its_branch(transactional_db, demo, live_server, page):
    start_branching_module(page, live_server.url, demo["officer"])
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "No work mobile, and the witness must be called. What do you do?"
    )
    assert_accessible(page)

    choose_and_continue(page, "Use the station landline", check_page=assert_accessible)
    expect(page.get_by_text("What happens next: The line is busy.")).to_be_visible()
    page.get_by_role("link", name="Continue", exact=True).click()

    expect(page.get_by_role("heading", level=1)).to_have_text("The landline is busy. Now what?")
    assert_accessible(page)
    choose_and_continue(page, "Wait for it", check_page=assert_accessible)
    page.get_by_role("link", name="Continue", exact=True).click()

    expect(page.get_by_role("heading", level=1)).to_have_text("You must record why you waited.")
    choose_and_continue(page, "False", check_page=assert_accessible)
    page.get_by_role("link", name="See your result").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("You passed")
    assert_accessible(page)


def test_the_other_branch_ends_the_scenario_at_once(transactional_db, demo, live_server, page):
    start_branching_module(page, live_server.url, demo["officer"])
    choose_and_continue(page, "Use your own phone with 141", check_page=assert_accessible)
    expect(page.get_by_text("What happens next: The witness does not pick up.")).to_be_visible()
    page.get_by_role("link", name="See your result").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("You have not passed this time")
    assert_accessible(page)


def test_the_step_report_is_accessible(transactional_db, demo, live_server, page):
    make_branching_module(demo["officer"])
    # The Wagtail admin's sign-in page sends staff to the one sign-in page, with its code challenge.
    page.goto(f"{live_server.url}/admin/login/")
    page.wait_for_url(f"{live_server.url}/accounts/login/")
    sign_in(page, live_server.url, check_page=assert_accessible, username="trainer")
    page.goto(f"{live_server.url}/admin/reports/scenario-steps/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Scenario steps")
    assert_accessible(page)
