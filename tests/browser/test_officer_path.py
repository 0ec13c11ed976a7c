"""The officer's path in a real browser: sign in, scenarios, attestation, certificate, verification.

Every page a JavaScript-enabled test visits is checked with axe-core against WCAG 2.2 AA.
The right answers come from the attempt itself (its pinned revisions and shuffled options),
so the tests follow whatever order the attempt's seed gives.
"""

from __future__ import annotations

import io
import re
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from allauth.mfa.utils import decrypt
from django.conf import settings
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from scenarios.models import Attempt
from scenarios.services import Step, walk
from tests.helpers import answer_path, right_answers, wrong_answers

pytestmark = pytest.mark.browser

MODULE_TITLE = "Contacting the public: personal devices and police data"
FULL_NAME = "Sam Taylor"  # the demo officer's name on their HR record
AXE_SCRIPT = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
STEP_URL = re.compile(r"/attempts/(?P<public_id>[0-9a-f-]{36})/steps/(?P<position>\d+)/")
CODE_CHALLENGE = "/accounts/2fa/authenticate/"

PageCheck = Callable[[Page], None]


# Accessibility ---------------------------------------------------------------------------


def run_axe(page: Page) -> list[dict]:
    """axe-core's violations of the WCAG 2.0-2.2 A and AA rules on the page as it stands.

    axe is evaluated through the browser's debugging protocol, not added as a script tag: the
    site's Content Security Policy refuses inline scripts, as it should.
    """
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(f"(() => {{\n{AXE_SCRIPT.read_text(encoding='utf-8')}\n}})()")
    results = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})",
        AXE_TAGS,
    )
    return results["violations"]


def assert_accessible(page: Page) -> None:
    """Fail listing each violation's id, impact and target selectors, so the fix can be found."""
    violations = run_axe(page)
    if violations:
        lines = [f"axe found {len(violations)} accessibility violation(s) on {page.url}:"]
        for violation in violations:
            lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']}")
            lines.extend(f"    at {node['target']}" for node in violation["nodes"])
        pytest.fail("\n".join(lines), pytrace=False)


def no_axe(page: Page) -> None:
    """For a context with JavaScript off: axe is JavaScript, so it cannot run on those pages."""


# The officer's verbs ---------------------------------------------------------------------


def authenticator_code(secret: str) -> str:
    """The code an authenticator app with this secret shows now (allauth's own TOTP functions).

    Near the end of a 30-second window it waits for the next, so the code is still the current
    one when the server checks it.
    """
    period = mfa_settings.TOTP_PERIOD
    if period - time.time() % period < 3:
        time.sleep(period - time.time() % period + 0.1)
    return format_hotp_value(hotp_value(secret, int(time.time()) // period))


def code_for(username: str) -> str:
    """The current code of this person's authenticator app (seed_demo's, for the demo accounts)."""
    app = Authenticator.objects.get(user__username=username, type=Authenticator.Type.TOTP)
    return authenticator_code(decrypt(app.data["secret"]))


def enter_code(page: Page, code: str) -> None:
    """Answer the sign-in code challenge (or a confirmation) with this code."""
    field = page.get_by_label("Security code")
    expect(field).to_have_attribute("autocomplete", "one-time-code")
    expect(field).to_have_attribute("inputmode", "numeric")
    field.fill(code)
    page.get_by_role("button", name="Continue").click()


def sign_in(page: Page, base_url: str, *, check_page: PageCheck, username: str = "officer") -> None:
    """Sign in at the login page and land on the "My training" dashboard, entering a code from
    the person's authenticator app when their account asks for one (privileged roles)."""
    page.goto(f"{base_url}/accounts/login/")
    check_page(page)
    page.get_by_label("Username or email address").fill(username)
    page.get_by_label("Password").fill(settings.DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(rf"^{re.escape(base_url)}(/|{CODE_CHALLENGE})$"))
    if page.url.endswith(CODE_CHALLENGE):
        expect(page.get_by_role("heading", level=1)).to_have_text("Enter your security code")
        check_page(page)
        enter_code(page, code_for(username))
        page.wait_for_url(f"{base_url}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("My training")
    check_page(page)


def open_module_and_start(page: Page, *, check_page: PageCheck) -> None:
    """From the dashboard, open the module and press "Start now" to reach the first step."""
    page.get_by_role("link", name=MODULE_TITLE).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(MODULE_TITLE)
    check_page(page)
    page.get_by_role("button", name="Start now").click()
    page.wait_for_url(STEP_URL)


def attempt_on_screen(page: Page) -> Attempt:
    match = STEP_URL.search(page.url)
    assert match, f"expected a step page, got {page.url}"
    return Attempt.objects.get(public_id=match["public_id"])


def step_on_screen(page: Page) -> Step:
    """The step the page asks, as the attempt engine sees it (with its right answers)."""
    step = walk(attempt_on_screen(page)).current
    assert step is not None and f"/steps/{step.position}/" in page.url, f"{page.url} is not the current step"
    return step


def answer_step(page: Page, *, right: bool) -> None:
    """Tick the step's right options, or one wrong option (wrong on any kind of step), and submit."""
    step = step_on_screen(page)
    for option_id in right_answers(step) if right else wrong_answers(step):
        page.locator(f'input[name="answer"][value="{option_id}"]').check()
    page.get_by_role("button", name="Submit answer").click()


def pass_the_scenarios(page: Page, *, check_page: PageCheck) -> Attempt:
    """Answer every step the path reaches, to the result page; return the finished attempt.

    One wrong answer goes to the first step that is not critical, to prove the path survives
    it (still over the pass mark); critical steps are always answered right.
    """
    wrong_count = 0
    while True:
        step = step_on_screen(page)
        expect(page.get_by_role("heading", level=1)).to_have_text(step.question)
        check_page(page)
        right = step.critical or wrong_count > 0
        wrong_count += not right
        answer_step(page, right=right)

        page.wait_for_url(re.compile(r"#feedback$"))
        feedback = page.locator("#feedback")
        expect(feedback).to_contain_text("Feedback on your answer")
        expect(feedback.locator(".govuk-tag")).to_have_text("Correct" if right else "Not correct")
        check_page(page)
        attempt = attempt_on_screen(page)
        if attempt.is_finished:
            assert attempt.correct_count == attempt.step_count - 1
            page.get_by_role("link", name="See your result").click()
            return attempt
        page.get_by_role("link", name="Continue", exact=True).click()
        page.wait_for_url(STEP_URL)


def attest_and_get_certificate(page: Page, *, check_page: PageCheck) -> str:
    """From the result page, go straight to the policy, attest as the officer; return the certificate's serial."""
    page.get_by_role("link", name="Read the policy and attest").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Read and attest to the policy")
    check_page(page)
    page.get_by_label("I confirm the statement above").check()
    page.get_by_label("Your full name").fill(FULL_NAME)
    page.get_by_role("button", name="Attest and get my certificate").click()

    page.wait_for_url(re.compile(r"/certificates/[^/]+/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Certificate of completion")
    expect(page.get_by_text("Attestation recorded. Your certificate has been issued.")).to_be_visible()
    check_page(page)
    return page.locator("dd.attest-serial").inner_text().strip()


def tab_until(page: Page, selector: str, *, limit: int = 30) -> None:
    """Press Tab until the focused element matches ``selector``; fail if it never does."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("(selector) => document.activeElement.matches(selector)", selector):
            return
    pytest.fail(f"{limit} presses of Tab never reached {selector}", pytrace=False)


# The tests -------------------------------------------------------------------------------


def test_officer_path_in_a_browser_with_axe(transactional_db, demo, live_server, browser, page):
    sign_in(page, live_server.url, check_page=assert_accessible)
    open_module_and_start(page, check_page=assert_accessible)

    attempt = pass_the_scenarios(page, check_page=assert_accessible)
    assert attempt.step_count >= 25
    expect(page.get_by_role("heading", level=1)).to_have_text("You passed")
    expect(page.locator(".govuk-panel__body")).to_contain_text(f"You scored {attempt.score_percent}%")
    assert_accessible(page)

    serial = attest_and_get_certificate(page, check_page=assert_accessible)

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download certificate (PDF)").click()
    pdf = Path(download_info.value.path()).read_bytes()
    assert pdf.startswith(b"%PDF")
    text = "\n".join(sheet.extract_text() for sheet in PdfReader(io.BytesIO(pdf)).pages)
    assert FULL_NAME in text
    assert serial in text

    # Anyone may verify: a fresh context has no session cookie.
    public = browser.new_context()
    try:
        visitor = public.new_page()
        visitor.goto(f"{live_server.url}/verify/{serial}/")
        expect(visitor.get_by_role("heading", level=1)).to_have_text("This certificate is valid")
        expect(visitor.get_by_role("button", name="Sign out")).to_have_count(0)
        assert_accessible(visitor)
    finally:
        public.close()

    page.get_by_role("link", name="My training", exact=True).click()
    module_row = page.get_by_role("row").filter(has_text=MODULE_TITLE)
    expect(module_row.locator(".govuk-tag")).to_have_text("Complete")
    assert_accessible(page)


def test_officer_path_without_javascript(transactional_db, demo, live_server, page_without_javascript):
    # axe-core is itself JavaScript, so it cannot run in this context; the same pages are
    # checked with axe in the test above. This test proves the path needs no script at all.
    page = page_without_javascript
    sign_in(page, live_server.url, check_page=no_axe)
    expect(page.locator("body")).not_to_have_class(re.compile(r"\bjs-enabled\b"))
    open_module_and_start(page, check_page=no_axe)

    assert pass_the_scenarios(page, check_page=no_axe).passed
    expect(page.get_by_role("heading", level=1)).to_have_text("You passed")

    serial = attest_and_get_certificate(page, check_page=no_axe)
    assert serial
    expect(page.get_by_role("link", name="Download certificate (PDF)")).to_be_visible()


def test_a_step_can_be_answered_with_the_keyboard_alone(transactional_db, demo, live_server, page):
    sign_in(page, live_server.url, check_page=assert_accessible)
    open_module_and_start(page, check_page=assert_accessible)
    assert_accessible(page)
    page.reload()  # focus starts at the top of the document, as on arrival

    page.keyboard.press("Tab")
    expect(page.locator(":focus")).to_have_text("Skip to main content")

    tab_until(page, 'input[name="answer"]')
    step = step_on_screen(page)
    # Arrow keys move between radios and select as they go; a checkbox is ticked with Space.
    page.keyboard.press("Space" if step.multiple else "ArrowDown")
    expect(page.locator(":focus")).to_be_checked()
    tab_until(page, 'button[type="submit"]')
    expect(page.locator(":focus")).to_have_text("Submit answer")
    page.keyboard.press("Enter")

    page.wait_for_url(re.compile(r"#feedback$"))
    expect(page.locator("#feedback")).to_contain_text("Feedback on your answer")
    assert_accessible(page)


def test_form_errors_show_the_error_summary(transactional_db, demo, live_server, page):
    sign_in(page, live_server.url, check_page=assert_accessible)
    open_module_and_start(page, check_page=assert_accessible)
    assert_accessible(page)

    page.get_by_role("button", name="Submit answer").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("There is a problem")
    expect(summary).to_be_focused()  # GOV.UK Frontend's script moves focus to the summary
    expect(summary.get_by_role("link", name="Select an answer.")).to_have_attribute("href", "#answer")
    expect(page).to_have_title(re.compile(r"^Error: "))
    assert_accessible(page)
    summary.get_by_role("link", name="Select an answer.").click()
    expect(page.locator('input[name="answer"]').first).to_be_focused()

    # Pass the scenarios behind the scenes: this test is about the attestation form's errors.
    attempt = Attempt.objects.get(user=demo["officer"], status=Attempt.Status.IN_PROGRESS)
    answer_path(attempt)
    page.goto(f"{live_server.url}/modules/{demo['module'].pk}/attest/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Read and attest to the policy")
    assert_accessible(page)

    page.get_by_role("button", name="Attest and get my certificate").click()
    links = page.locator(".govuk-error-summary").get_by_role("link")
    expect(links).to_have_count(2)
    expect(links.nth(0)).to_have_text("Confirm that you have read, understood and will follow this policy.")
    expect(links.nth(0)).to_have_attribute("href", "#id_confirm")
    expect(links.nth(1)).to_have_text("Enter your full name.")
    expect(links.nth(1)).to_have_attribute("href", "#id_full_name")
    expect(page).to_have_title(re.compile(r"^Error: "))
    assert_accessible(page)
    links.nth(1).click()
    expect(page.get_by_label("Your full name")).to_be_focused()


def test_a_returning_officer_attests_to_the_new_policy_version(transactional_db, demo, live_server, page):
    """The demo's re-attestation story: attested to 1.0, asked to attest to 2.0, no retake."""
    sign_in(page, live_server.url, check_page=assert_accessible, username="reattest")
    module_row = page.get_by_role("row").filter(has_text=MODULE_TITLE)
    expect(module_row.locator(".govuk-tag")).to_have_text("Policy updated: attest again")
    module_row.get_by_role("link", name=re.compile(r"^Read version 2\.0 and attest")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Read and attest to the policy")
    expect(page.get_by_text("You attested to version 1.0 on")).to_be_visible()
    # What changed, before the new text: each change named by its clause, reworded words marked
    # (and said, for a screen reader), a new clause in full.
    expect(page.get_by_role("heading", name="What changed since version 1.0")).to_be_visible()
    expect(page.get_by_text("1 clause changed, 6 added and 3 renumbered; 1 section added.")).to_be_visible()
    changes = page.get_by_role("list", name="What changed since version 1.0")
    expect(changes.get_by_role("heading", name="Clause 1 changed")).to_be_visible()
    expect(changes.get_by_role("heading", name="Clause 2 added")).to_be_visible()
    expect(changes.locator("del").first).to_have_text("removed: The general rule is that")
    expect(changes.locator("ins:not(.attest-diff__whole)").first).to_contain_text("added: version 2.0 of the policy")
    assert_accessible(page)
    page.get_by_label("I confirm the statement above").check()
    page.get_by_label("Your full name").fill("Priya Shah")
    page.get_by_role("button", name="Attest and get my certificate").click()
    page.wait_for_url(re.compile(r"/certificates/[^/]+/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Certificate of completion")
    assert_accessible(page)
    page.get_by_role("link", name="My training", exact=True).click()
    expect(page.get_by_role("row").filter(has_text=MODULE_TITLE).locator(".govuk-tag")).to_have_text("Complete")

    # My certificates keeps both: the new one valid, the one for version 1.0 superseded.
    page.get_by_role("link", name="My certificates", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My certificates")
    states = page.get_by_role("table").locator(".govuk-tag")
    expect(states).to_have_text(["Valid", "Superseded"])
    assert_accessible(page)


def test_a_line_manager_checks_their_team(transactional_db, demo, live_server, page):
    sign_in(page, live_server.url, check_page=assert_accessible, username="manager")
    page.get_by_role("link", name="My team", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My team")
    expect(page.get_by_role("row").filter(has_text="Priya Shah")).to_have_count(1)
    assert_accessible(page)
    page.get_by_label("Show").select_option("not_started")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_role("row").filter(has_text="Sam Taylor")).to_have_count(1)
    expect(page.get_by_role("row").filter(has_text="Priya Shah")).to_have_count(0)
    assert_accessible(page)
