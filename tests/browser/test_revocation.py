"""Revocation in a real browser: HR revokes an officer's certificate in the admin, the officer
sees "Revoked: retake" and HR's reason, retakes with one press, attests again and holds a new
certificate, while the revoked one still verifies as revoked. axe checks each officer page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from certificates.services import Context
from learning.services import attest_to_module, begin_module
from scenarios.models import Attempt
from tests.browser.test_officer_path import (
    FULL_NAME,
    MODULE_TITLE,
    STEP_URL,
    assert_accessible,
    attempt_on_screen,
    no_axe,
    sign_in,
)
from tests.helpers import answer_path

pytestmark = pytest.mark.browser

REASON = "Attested on behalf of another officer"


def certify(officer, module) -> str:
    """Pass and attest as ``officer`` without the browser (the officer path tests do that);
    return the certificate's grouped serial."""
    answer_path(begin_module(officer, module))
    shown = module.policy_document.current_version().body_sha256
    outcome = attest_to_module(officer, module, FULL_NAME, Context(), shown_body_sha256=shown)
    return outcome.certificate.display_serial


def test_a_revoked_certificate_sends_the_officer_back_to_training(transactional_db, demo, live_server, browser, page):
    serial = certify(demo["officer"], demo["module"])

    # HR revokes it in the admin, giving the reason and the retake date (today + 4 weeks by default).
    hr = browser.new_context()
    try:
        admin = hr.new_page()
        sign_in(admin, live_server.url, check_page=no_axe, username="hr")
        admin.goto(f"{live_server.url}/admin/certificates/{serial.replace('-', '')}/revoke/")
        admin.get_by_label("Reason").fill(REASON)
        expect(admin.get_by_label("Retake due by")).not_to_have_value("")
        admin.get_by_role("button", name="Revoke certificate").click()
        expect(admin.get_by_text(f"Certificate {serial} revoked.")).to_be_visible()
        expect(admin.get_by_text(f"Sam Taylor must retake {MODULE_TITLE} by")).to_be_visible()
    finally:
        hr.close()

    # The officer's dashboard says so, with HR's reason.
    sign_in(page, live_server.url, check_page=assert_accessible)
    row = page.get_by_role("row").filter(has_text=MODULE_TITLE)
    expect(row.locator(".govuk-tag")).to_have_text("Revoked: retake")
    expect(row).to_contain_text(REASON)
    row.get_by_role("link", name=re.compile(r"^Retake the module")).click()
    expect(page.get_by_role("heading", name="Retake this module")).to_be_visible()
    expect(page.get_by_text(f"The reason given: {REASON}")).to_be_visible()
    assert_accessible(page)

    # One press starts the retake; its steps are answered here, then the officer attests again.
    page.get_by_role("button", name="Retake the scenarios").click()
    page.wait_for_url(STEP_URL)
    attempt = attempt_on_screen(page)
    answer_path(attempt)
    attempt.refresh_from_db()
    assert attempt.passed and Attempt.objects.filter(user=demo["officer"]).count() == 2
    page.goto(f"{live_server.url}/modules/{demo['module'].pk}/attest/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Read and attest to the policy")
    page.get_by_label("I confirm the statement above").check()
    page.get_by_label("Your full name").fill(FULL_NAME)
    page.get_by_role("button", name="Attest and get my certificate").click()
    page.wait_for_url(re.compile(r"/certificates/[^/]+/$"))
    expect(page.get_by_text("Attestation recorded. Your certificate has been issued.")).to_be_visible()
    new_serial = page.url.rstrip("/").rsplit("/", 1)[-1]
    assert new_serial != serial

    page.get_by_role("link", name="My training", exact=True).click()
    expect(page.get_by_role("row").filter(has_text=MODULE_TITLE).locator(".govuk-tag")).to_have_text("Complete")
    assert_accessible(page)

    # The revoked certificate still says so to anyone who checks it.
    page.goto(f"{live_server.url}/verify/{serial}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("This certificate is not valid")
