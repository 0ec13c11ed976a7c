"""MFA in a real browser: the sign-in code challenge, setting up an authenticator app on the way
to the Wagtail admin, confirming with it, and the sign-in security pages, with axe on each.

Codes are computed with allauth's own TOTP functions from the secret the account's app holds:
seed_demo's published demo secret, or the one the set-up page shows.
"""

from __future__ import annotations

import re

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.conf import settings
from playwright.sync_api import Page, expect

from demo.management.commands.seed_demo import DEMO_TOTP_SECRET
from tests.browser.test_officer_path import (
    CODE_CHALLENGE,
    assert_accessible,
    authenticator_code,
    code_for,
    enter_code,
    sign_in,
)

pytestmark = pytest.mark.browser

ERROR_TITLE = re.compile(r"^Error: ")
CONFIRM_HEADING = "Confirm it\u2019s you"


def submit_password(page: Page, username: str) -> None:
    page.get_by_label("Username or email address").fill(username)
    page.get_by_label("Password").fill(settings.DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def a_wrong_code(right: str) -> str:
    return f"{(int(right) + 1) % 1_000_000:06d}"


def confirm_with_password(page: Page) -> None:
    """allauth asks for the password again before any change to sign-in security, however
    recently the person signed in."""
    expect(page.get_by_role("heading", level=1)).to_have_text(CONFIRM_HEADING)
    assert_accessible(page)
    page.get_by_label("Password").fill(settings.DEMO_PASSWORD)
    page.get_by_role("button", name="Continue").click()


def test_staff_sign_in_with_a_code_and_reach_the_admin(transactional_db, demo, live_server, page):
    base = live_server.url
    page.goto(f"{base}/admin/")
    page.wait_for_url(re.compile(r"/accounts/login/\?next="))
    assert_accessible(page)
    submit_password(page, "hr")

    page.wait_for_url(f"{base}{CODE_CHALLENGE}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Enter your security code")
    expect(page.get_by_text("Problems with the code?")).to_be_visible()
    # No security key on this account: no button for one.
    expect(page.get_by_role("button", name="Use a security key")).to_have_count(0)
    assert_accessible(page)
    enter_code(page, code_for("hr"))

    page.wait_for_url(f"{base}/admin/")
    expect(page.get_by_role("heading", level=1)).to_have_text(settings.WAGTAIL_SITE_NAME)  # the admin dashboard


def test_a_wrong_code_is_explained_and_a_recovery_code_works_instead(transactional_db, demo, live_server, page):
    base = live_server.url
    page.goto(f"{base}/accounts/login/")
    submit_password(page, "trainer")
    page.wait_for_url(f"{base}{CODE_CHALLENGE}")

    enter_code(page, a_wrong_code(code_for("trainer")))
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("There is a problem")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("link")).to_have_attribute("href", "#id_code")
    expect(page.locator("#id_code-error")).to_contain_text("Error:")
    expect(page.get_by_label("Security code")).to_have_attribute("aria-describedby", "id_code-hint id_code-error")
    expect(page).to_have_title(ERROR_TITLE)
    assert_accessible(page)

    recovery = Authenticator.objects.get(user=demo["trainer"], type=Authenticator.Type.RECOVERY_CODES)
    enter_code(page, recovery.wrap().get_unused_codes()[0])
    page.wait_for_url(f"{base}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("My training")
    recovery.refresh_from_db()
    assert len(recovery.wrap().get_unused_codes()) == 9


def test_staff_without_an_app_set_one_up_on_the_way_to_the_admin(transactional_db, demo, live_server, page):
    base = live_server.url
    Authenticator.objects.filter(user=demo["trainer"]).delete()
    sign_in(page, base, check_page=assert_accessible, username="trainer")  # no code asked

    page.goto(f"{base}/admin/")
    page.wait_for_url(re.compile(r"/accounts/reauthenticate/\?next="))
    expect(page.get_by_text("Set up an authenticator app to carry on.")).to_be_visible()
    confirm_with_password(page)
    page.wait_for_url(re.compile(r"/accounts/2fa/totp/activate/\?next=%2Fadmin%2F$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Set up an authenticator app")
    expect(page.get_by_role("img", name="QR code to add Attest to your authenticator app")).to_be_visible()
    assert_accessible(page)
    secret = page.locator("#authenticator-secret").inner_text().replace(" ", "")
    assert re.fullmatch(r"[A-Z2-7]{32}", secret)

    field = page.get_by_label("Code from the app")
    expect(field).to_have_attribute("autocomplete", "one-time-code")
    expect(field).to_have_attribute("inputmode", "numeric")
    field.fill(a_wrong_code(authenticator_code(secret)))
    page.get_by_role("button", name="Set up the app").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("There is a problem")
    expect(page).to_have_title(ERROR_TITLE)
    assert page.locator("#authenticator-secret").inner_text().replace(" ", "") == secret  # the same key
    assert_accessible(page)

    page.get_by_label("Code from the app").fill(authenticator_code(secret))
    page.get_by_role("button", name="Set up the app").click()
    page.wait_for_url(f"{base}/accounts/2fa/recovery-codes/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your recovery codes")
    expect(page.get_by_text("Authenticator app activated.")).to_be_visible()
    expect(page.get_by_role("list", name="Unused recovery codes").get_by_role("listitem")).to_have_count(10)
    assert_accessible(page)

    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(f"{base}/admin/")
    expect(page.get_by_role("heading", level=1)).to_have_text(settings.WAGTAIL_SITE_NAME)  # the admin dashboard

    # Sign-in security, from the header: the app is set up, and having arrived, no Continue.
    page.goto(f"{base}/")
    page.get_by_role("link", name="Sign-in security").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign-in security")
    app_row = page.locator(".govuk-summary-list__row").filter(has_text="Authenticator app")
    expect(app_row.locator(".govuk-summary-list__value")).to_have_text("Set up")
    expect(page.get_by_role("button", name="Continue")).to_have_count(0)
    assert_accessible(page)
    assert Authenticator.objects.filter(user=demo["trainer"], type=Authenticator.Type.TOTP).count() == 1


def test_a_session_without_mfa_confirms_with_the_app_before_the_admin(transactional_db, demo, live_server, page):
    """An app added elsewhere after this session signed in: the admin asks for a code first."""
    base = live_server.url
    Authenticator.objects.filter(user=demo["policyowner"]).delete()
    sign_in(page, base, check_page=assert_accessible, username="policyowner")
    TOTP.activate(demo["policyowner"], DEMO_TOTP_SECRET)

    page.goto(f"{base}/admin/")
    page.wait_for_url(re.compile(r"/accounts/2fa/reauthenticate/\?next=%2Fadmin%2F$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(CONFIRM_HEADING)
    # A password alone is not a second step: not offered here.
    expect(page.get_by_role("link", name="Use your password")).to_have_count(0)
    assert_accessible(page)
    enter_code(page, a_wrong_code(code_for("policyowner")))
    expect(page.locator(".govuk-error-summary")).to_contain_text("There is a problem")
    expect(page).to_have_title(ERROR_TITLE)
    assert_accessible(page)
    enter_code(page, code_for("policyowner"))
    page.wait_for_url(f"{base}/admin/")


def test_the_sign_in_security_pages_are_accessible_under_the_content_security_policy(
    transactional_db, demo, live_server, page
):
    base = live_server.url
    refused: list[str] = []

    def note_refusals(message) -> None:
        if "Content Security Policy" in message.text:
            refused.append(message.text)

    page.on("console", note_refusals)
    sign_in(page, base, check_page=assert_accessible, username="manager")

    pages = {
        "/accounts/2fa/": "Sign-in security",
        "/accounts/2fa/recovery-codes/": "Your recovery codes",
        "/accounts/2fa/recovery-codes/generate/": "Get new recovery codes",
        "/accounts/2fa/totp/deactivate/": "Remove your authenticator app",
        "/accounts/2fa/webauthn/add/": "Add a security key",
        "/accounts/2fa/webauthn/": "Security keys",
        "/accounts/sessions/": "Where you are signed in",
        "/accounts/password/change/": "Change your password",
        "/accounts/logout/": "Sign out",
    }
    page.goto(f"{base}/accounts/2fa/recovery-codes/")
    expect(page.get_by_role("link", name="Use authenticator app or code")).to_be_visible()
    confirm_with_password(page)
    for path, heading in pages.items():
        page.goto(f"{base}{path}")
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        assert_accessible(page)

    page.goto(f"{base}/accounts/password/change/")
    page.get_by_role("button", name="Change password").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("There is a problem")
    expect(page.locator(".govuk-form-group--error").first).to_be_visible()
    expect(page).to_have_title(ERROR_TITLE)
    assert_accessible(page)

    page.goto(f"{base}/accounts/2fa/recovery-codes/generate/")
    page.get_by_role("button", name="Get new codes").click()
    page.wait_for_url(f"{base}/accounts/2fa/recovery-codes/")
    expect(page.get_by_role("list", name="Unused recovery codes").get_by_role("listitem")).to_have_count(10)
    with page.expect_download() as download:
        page.get_by_role("button", name="Download the codes").click()
    assert len(download.value.path().read_text().split()) == 10

    page.goto(f"{base}/accounts/logout/")
    page.locator("main").get_by_role("button", name="Sign out").click()
    for path, heading in {
        "/accounts/password/reset/": "Reset your password",
        "/accounts/password/reset/done/": "Check your email",
        "/accounts/inactive/": "Your account is not active",
    }.items():
        page.goto(f"{base}{path}")
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        assert_accessible(page)
    assert refused == []
