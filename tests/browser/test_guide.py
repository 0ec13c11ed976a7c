"""The module's guide and the folded story and clauses, in a real browser: axe on each new page,
and the details components opened with a mouse, with the keyboard and without JavaScript."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from tests.browser.test_officer_path import (
    MODULE_TITLE,
    STEP_URL,
    answer_step,
    assert_accessible,
    no_axe,
    open_module_and_start,
    sign_in,
)

pytestmark = pytest.mark.browser


def story(page: Page):
    return page.locator("details#story")


def clause(page: Page):
    return page.locator("details.govuk-details").filter(has_text=re.compile(r"Show clause \d+"))


def test_the_case_glossary_and_job_aid_with_axe(transactional_db, demo, live_server, page):
    sign_in(page, live_server.url, check_page=assert_accessible)
    page.get_by_role("link", name=MODULE_TITLE).click()
    expect(page.get_by_role("heading", name="The case behind this module")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Glossary", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Glossary")
    expect(page.get_by_text("Independent Office for Police Conduct")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="job aid", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Contacting the public: four steps")
    assert_accessible(page)
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the job aid (PDF, one page)").click()
    pdf = PdfReader(io.BytesIO(Path(download_info.value.path()).read_bytes()))
    assert len(pdf.pages) == 1
    assert "Is there a clear policing purpose?" in pdf.pages[0].extract_text()


def test_the_story_and_the_clause_are_one_click_away_with_axe(transactional_db, demo, live_server, page):
    sign_in(page, live_server.url, check_page=assert_accessible)
    open_module_and_start(page, check_page=assert_accessible)
    expect(page.locator(".govuk-inset-text").first).to_be_visible()  # the story, in full
    expect(story(page)).to_have_count(0)
    glossary = page.get_by_role("link", name="Glossary (opens in new tab)")
    expect(glossary).to_have_attribute("target", "_blank")

    answer_step(page, right=True)
    page.wait_for_url(re.compile(r"#feedback$"))
    cited = clause(page).first
    expect(cited.locator(".govuk-details__text")).to_be_hidden()
    cited.locator("summary").click()
    expect(cited.locator(".govuk-details__text blockquote")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Continue", exact=True).click()
    page.wait_for_url(STEP_URL)
    folded = story(page)
    expect(folded.locator("summary")).to_have_text("Show the story so far")
    expect(folded.locator(".govuk-details__text")).to_be_hidden()
    assert_accessible(page)
    # With the keyboard: Tab to the summary, Enter opens it.
    page.reload()
    for _ in range(30):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.matches('details#story summary')"):
            break
    page.keyboard.press("Enter")
    expect(folded.locator(".govuk-details__text")).to_be_visible()
    assert_accessible(page)


def test_the_folded_story_and_clause_open_without_javascript(
    transactional_db, demo, live_server, page_without_javascript
):
    page = page_without_javascript
    sign_in(page, live_server.url, check_page=no_axe)
    open_module_and_start(page, check_page=no_axe)
    answer_step(page, right=True)
    page.wait_for_url(re.compile(r"#feedback$"))
    cited = clause(page).first
    cited.locator("summary").click()
    expect(cited.locator(".govuk-details__text")).to_be_visible()
    folded = story(page)
    expect(folded.locator("summary")).to_have_text("Read the story again")
    folded.locator("summary").click()
    expect(folded.locator(".govuk-details__text")).to_be_visible()
