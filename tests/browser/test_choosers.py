"""The choosers in a real browser: HR adds several org units to an assignment through the org unit
chooser, and chooses a person for an exemption by searching as they type. axe checks each form."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.test_officer_path import assert_accessible, no_axe, sign_in

pytestmark = pytest.mark.browser


def test_hr_chooses_units_and_a_person_in_the_browser(transactional_db, demo, live_server, page):
    sign_in(page, live_server.url, check_page=no_axe, username="hr")

    page.goto(f"{live_server.url}/admin/assignments/new/")
    assert_accessible(page)
    page.get_by_role("button", name="Add org units").click()
    modal = page.locator(".modal-dialog")
    modal.get_by_label("Search").fill("central west")
    expect(modal.get_by_role("checkbox", name="Frontline Policing", exact=True)).to_have_count(0)  # searched
    modal.get_by_role("checkbox", name="Central West Response Team A", exact=True).check()
    modal.get_by_role("checkbox", name="Central West BCU", exact=True).check()
    modal.get_by_role("button", name="Confirm selection").click()
    chosen = page.get_by_role("list", name="Chosen org units")
    expect(chosen.get_by_role("checkbox", name="Central West Response Team A (cw-response-a")).to_be_checked()
    expect(chosen.get_by_role("checkbox", name="Central West BCU (cw-bcu")).to_be_checked()

    page.goto(f"{live_server.url}/admin/exemptions/new/")
    assert_accessible(page)
    page.get_by_role("button", name="Choose a person").click()
    modal = page.locator(".modal-dialog")
    modal.get_by_label("Search").fill("MP100002")
    expect(modal.get_by_role("link", name="Sam Taylor")).to_have_count(0)  # searched
    modal.get_by_role("link", name="Priya Shah").click()
    expect(page.get_by_text("Priya Shah (MP100002)")).to_be_visible()


def test_hr_moves_a_person_and_adds_a_unit_in_the_browser(transactional_db, demo, live_server, page):
    sign_in(page, live_server.url, check_page=no_axe, username="hr")
    officer = demo["officer"]

    page.goto(f"{live_server.url}/admin/people/?q=taylor")
    assert_accessible(page)
    page.get_by_role("link", name="Sam Taylor").click()
    expect(page.get_by_role("heading", name="Enrolments")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Change org unit, line manager or active").click()
    assert_accessible(page)
    page.locator("#id_org_unit-chooser").get_by_role("button", name="Actions").click()
    page.get_by_role("button", name="Choose another org unit").click()
    modal = page.locator(".modal-dialog")
    modal.get_by_label("Search").fill("dps")
    expect(modal.get_by_role("link", name="Frontline Policing")).to_have_count(0)  # searched
    modal.get_by_role("link", name="Directorate of Professional Standards").click()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("org unit: Central West Response Team A (cw-response-a) → Directorate")).to_be_visible()
    officer.refresh_from_db()
    assert officer.org_unit.code == "dps"

    page.goto(f"{live_server.url}/admin/org-units/")
    assert_accessible(page)
    page.get_by_role("link", name="Add below Central West BCU").click()
    assert_accessible(page)
    page.get_by_label("Name").fill("Response Team B")
    page.get_by_label("Code").fill("cw-response-b")
    page.get_by_role("button", name="Add unit").click()
    expect(page.get_by_text("Response Team B (cw-response-b) added.")).to_be_visible()
    page.goto(f"{live_server.url}/admin/org-units/add/")
    page.get_by_role("button", name="Add unit").click()
    expect(page.get_by_role("alert")).to_contain_text("There is a problem")
    assert_accessible(page)
