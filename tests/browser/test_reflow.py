"""Reflow (WCAG 2.2, 1.4.10): every officer page read at 320 CSS pixels wide, with axe on each.

At that width no page may scroll sideways. A table too wide for it scrolls inside its own
container, a focusable region, so the page around it still fits. One browser context walks the
pages in turn as the officer (through a module to a certificate), the returning officer (a
superseded certificate, the policy's changes) and the line manager (My team, sign-in security).
"""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from certificates.models import Certificate
from tests.browser.test_mfa import confirm_with_password
from tests.browser.test_officer_path import (
    FULL_NAME,
    MODULE_TITLE,
    STEP_URL,
    answer_step,
    assert_accessible,
    attempt_on_screen,
    sign_in,
)
from tests.helpers import answer_path

pytestmark = pytest.mark.browser

WIDTH = 320
SCROLL_REGION = ".attest-table-scroll"

# How wide the document is, and the captions of the tables wider than the screen that are not
# inside a scroll region.
MEASURE = """(region) => ({
    width: document.documentElement.scrollWidth,
    loose: [...document.querySelectorAll('table')]
        .filter((table) => table.scrollWidth > window.innerWidth && !table.closest(region))
        .map((table) => table.caption?.textContent.trim() || 'a table without a caption'),
})"""


class Reflow:
    """Checks each page as it is reached and notes what does not fit, so one run names every
    page that scrolls sideways rather than stopping at the first."""

    def __init__(self, page: Page, base_url: str) -> None:
        self.page = page
        self.base_url = base_url
        self.problems: list[str] = []

    def check(self, _page: Page | None = None) -> None:
        """Measure the page on screen and run axe on it (usable as ``sign_in``'s ``check_page``)."""
        found = self.page.evaluate(MEASURE, SCROLL_REGION)
        name = f"{self.page.title()} ({self.page.url.removeprefix(self.base_url)})"
        if found["width"] > WIDTH:
            self.problems.append(f"{name} is {found['width']} px wide")
        self.problems.extend(f"{name}: table {caption!r} is wider than the screen" for caption in found["loose"])
        for region in self.page.locator(SCROLL_REGION).all():
            expect(region).to_have_attribute("role", "region")
            expect(region).to_have_attribute("tabindex", "0")
            expect(region).to_have_attribute("aria-label", re.compile(r"\S"))
        assert_accessible(self.page)

    def visit(self, path: str) -> None:
        self.page.goto(f"{self.base_url}{path}")
        self.check()


def test_officer_pages_fit_a_320_pixel_wide_screen(transactional_db, demo, live_server, browser):
    module = demo["module"]
    context = browser.new_context(viewport={"width": WIDTH, "height": 640})
    try:
        page = context.new_page()
        reflow = Reflow(page, live_server.url)

        # The officer: sign-in, the module, a step and its feedback, then (answered behind the
        # scenes) the result, the attestation and the certificate.
        sign_in(page, live_server.url, check_page=reflow.check)
        page.get_by_role("link", name=MODULE_TITLE).click()
        reflow.check()
        page.get_by_role("button", name="Start now").click()
        page.wait_for_url(STEP_URL)
        reflow.check()
        answer_step(page, right=True)
        page.wait_for_url(re.compile(r"#feedback$"))
        reflow.check()
        attempt = attempt_on_screen(page)
        answer_path(attempt)
        reflow.visit(reverse("scenarios:result", args=[attempt.public_id]))
        reflow.visit(reverse("learning:attest", args=[module.pk]))
        page.get_by_label("I confirm the statement above").check()
        page.get_by_label("Your full name").fill(FULL_NAME)
        page.get_by_role("button", name="Attest and get my certificate").click()
        page.wait_for_url(re.compile(r"/certificates/[^/]+/$"))
        reflow.check()
        serial = Certificate.objects.get(user=demo["officer"]).display_serial
        for path in (
            reverse("learning:dashboard"),
            reverse("certificates:mine"),
            reverse("certificates:policy", args=[module.policy_document.reference]),
            reverse("learning:glossary", args=[module.pk]),
            reverse("learning:job_aid", args=[module.pk]),
            reverse("records:my_data"),
            reverse("usersessions_list"),
            reverse("mfa_index"),
            reverse("certificates:verify_form"),
            reverse("certificates:verify", args=[serial]),
            "/accessibility/",
            "/accounts/email/",
            reverse("mfa_activate_totp"),  # asks for the password first
        ):
            reflow.visit(path)
        confirm_with_password(page)
        reflow.check()  # the authenticator app's set-up: QR code and the secret to type

        # The returning officer: a superseded certificate, and what changed in the policy.
        context.clear_cookies()
        sign_in(page, live_server.url, check_page=reflow.check, username="reattest")
        superseded = Certificate.objects.get(user=demo["reattest"])
        for path in (
            reverse("learning:attest", args=[module.pk]),
            reverse("certificates:mine"),
            reverse("certificates:detail", args=[superseded.display_serial]),
        ):
            reflow.visit(path)

        # The line manager, who signs in with a code: the team, and sign-in security with an app.
        context.clear_cookies()
        sign_in(page, live_server.url, check_page=reflow.check, username="manager")
        reflow.visit(reverse("records:team"))
        reflow.visit(reverse("mfa_view_recovery_codes"))  # asks for the password first
        confirm_with_password(page)
        reflow.check()
        reflow.visit(reverse("mfa_index"))

        assert not reflow.problems, f"At {WIDTH} px wide:\n" + "\n".join(reflow.problems)
    finally:
        context.close()
