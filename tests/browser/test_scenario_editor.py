"""The scenario editor in a real browser: where a choice leads is chosen from a list of the
scenario's steps, a new decision point opens with two choices and no error, and the scenario map
and the citations report pass axe."""

import pytest
from playwright.sync_api import expect

from certificates.factories import PolicyVersionFactory
from scenarios.models import ScenarioPage
from tests.browser.test_officer_path import assert_accessible, no_axe, sign_in

LIST = "select[data-scenario-step-list]"


def options_of(select) -> list[str]:
    return select.locator("option").all_inner_texts()


@pytest.mark.browser
def test_in_the_editor_a_choice_leads_to_a_step_chosen_from_a_list(transactional_db, demo, live_server, page):

    scenario = ScenarioPage.objects.get(slug="the-bridge")
    page.goto(f"{live_server.url}/admin/login/")
    page.wait_for_url(f"{live_server.url}/accounts/login/")
    sign_in(page, live_server.url, check_page=no_axe, username="trainer")
    page.goto(f"{live_server.url}/admin/pages/{scenario.pk}/edit/")

    first_choice = page.locator(LIST).first
    expect(first_choice).to_have_value("the-inspector")
    assert options_of(first_choice) == [
        "Choose where this choice leads",
        "Step 1: the-call",
        "Step 2: the-inspector",
        "Step 3: afterwards",
        "Step 4: the-rationale",
        "Step 5: the-exception",
        "The end of the scenario",
    ]
    # The field's label names the list; the text box it stands for is hidden, and follows it.
    select_id = first_choice.get_attribute("id")
    typed = page.locator(f"#{select_id.removesuffix('-step')}")
    expect(typed).to_be_hidden()
    expect(page.locator(f'label[for="{select_id}"]')).to_have_count(1)

    first_choice.select_option("afterwards")
    expect(typed).to_have_value("afterwards")

    # Renaming a step renames it in every list; a link to the old name shows as broken.
    page.locator('input[name="steps-1-value-name"]').fill("inspector")
    second_choice = page.locator(LIST).nth(2)  # step 1's third choice led to "the-inspector"
    expect(second_choice.locator("option", has_text="Step 2: inspector")).to_have_count(1)
    expect(second_choice).to_have_value("the-inspector")
    expect(second_choice.locator("option:checked")).to_have_text("“the-inspector”: no step has this name")

    # A decision point added now opens with two empty choices, no error, and lists to choose from.
    lists_before = page.locator(LIST).count()
    page.get_by_role("button", name="Insert a block").last.click()
    page.get_by_role("option", name="Decision point").click()
    expect(page.locator(LIST)).to_have_count(lists_before + 2)
    expect(page.get_by_text("The minimum number of items is 2")).to_have_count(0)
    new_choice = page.locator(LIST).last
    expect(new_choice).to_have_value("")
    assert "Step 2: inspector" in options_of(new_choice)


@pytest.mark.browser
def test_the_map_and_the_citations_report_are_accessible(transactional_db, demo, live_server, page):

    PolicyVersionFactory(document=demo["module"].policy_document, version_label="3.0")  # 2.0 cited, 3.0 in force
    scenario = ScenarioPage.objects.get(slug="the-bridge")
    page.goto(f"{live_server.url}/admin/login/")
    page.wait_for_url(f"{live_server.url}/accounts/login/")
    sign_in(page, live_server.url, check_page=no_axe, username="trainer")

    page.goto(f"{live_server.url}/admin/scenarios/{scenario.pk}/map/")
    expect(page.get_by_role("row", name="Step 1")).to_contain_text("Step 2 (“the-inspector”): from choice 1")
    assert_accessible(page)

    page.goto(f"{live_server.url}/admin/reports/scenario-citations/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Citations to check")
    expect(page.get_by_text("v2.0 is no longer in force").first).to_be_visible()
    assert_accessible(page)
