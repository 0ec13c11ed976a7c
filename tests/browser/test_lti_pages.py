"""The LTI 1.3 pages in a real browser, launched from the in-process platform (tests/lti/platform.py).

The platform's authorisation endpoint is played by the browser's router: it answers the redirect
from Attest's login initiation with the platform's self-posting form carrying a signed id_token
for the nonce Attest asked for, as Moodle does. So the browser keeps the state cookie pylti1p3
set at login initiation and posts it with the token to /lti/launch/, as it would in the field.
Every page with JavaScript on is checked with axe (WCAG 2.2 AA).
"""

from __future__ import annotations

import html
import json
import re
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
import pytest
from django.test import Client
from playwright.sync_api import Page, expect

from access.models import AuditEvent
from lti.services import MODULE_PARAMETER
from tests.browser.test_officer_path import assert_accessible
from tests.lti.platform import LTI
from tests.lti.platform import Platform as LearningPlatform
from tests.lti.test_lti import launch as launch_with_client

pytestmark = pytest.mark.browser
DL_RESPONSE_ITEMS = "https://purl.imsglobal.org/spec/lti-dl/claim/content_items"


@pytest.fixture(scope="module")
def platform():
    platform = LearningPlatform().start()
    yield platform
    platform.stop()


@pytest.fixture
def lms(platform, transactional_db, demo):
    """The platform, registered with Attest for this test (the live server's database is emptied
    after each browser test)."""
    platform.registration = platform.register()
    return platform


def launch(page: Page, lms: LearningPlatform, base_url: str, *, javascript: bool = True, **claims):
    """The whole launch in the browser: the platform sends the person to Attest's login
    initiation, which sends them on to the platform's authorisation endpoint with a state (its
    cookie now in the browser) and a nonce; the platform answers with a form posting a fresh
    id_token for that nonce to the launch address, submitted by script as platforms do, with a
    button for a browser without JavaScript. Returns Attest's response to that post.

    The platform in tests/lti/platform.py has no authorisation endpoint, and Playwright does not
    route the target of a redirect: so the page reads Attest's authorisation request from the
    address it was sent to, then loads the platform's answer to it (routed) from the platform's
    origin, in the same browser context (same cookies)."""
    query = {
        "iss": lms.issuer,
        "login_hint": "platform-user-42",
        "target_link_uri": f"{base_url}/lti/launch/",
        "client_id": lms.client_id,
        "lti_message_hint": "resource-link-1",
    }
    page.goto(f"{base_url}/lti/login/?{urlencode(query)}")
    assert page.url.startswith(f"{lms.url}/auth?"), page.url
    sent = {name: values[0] for name, values in parse_qs(urlsplit(page.url).query).items()}
    token = lms.id_token(sent["nonce"], **{LTI + "target_link_uri": sent["redirect_uri"]}, **claims)
    form = f"""<!doctype html>
<html lang="en"><head><title>Force learning platform</title></head><body>
<form method="post" action="{html.escape(sent["redirect_uri"])}">
  <input type="hidden" name="id_token" value="{html.escape(token)}">
  <input type="hidden" name="state" value="{html.escape(sent["state"])}">
  <button type="submit">Continue to Attest</button>
</form>
<script>document.forms[0].submit()</script>
</body></html>"""
    answer = f"{lms.url}/auth/answer"
    page.route(answer, lambda route: route.fulfill(status=200, content_type="text/html; charset=utf-8", body=form))
    with page.expect_response(lambda response: response.url == f"{base_url}/lti/launch/") as launched:
        page.goto(answer, wait_until="commit")
        if not javascript:
            page.get_by_role("button", name="Continue to Attest").click()
    page.wait_for_load_state()
    return launched.value


def tab_to(page: Page, target, presses: int = 15) -> None:
    """Press Tab until ``target`` has the focus; fail if it never gets it."""
    for _ in range(presses):
        page.keyboard.press("Tab")
        if target.evaluate("element => element === document.activeElement"):
            return
    pytest.fail(f"{presses} presses of Tab never reached {target}", pytrace=False)


def officer(module, warrant_number="MP100001") -> dict:
    return {LTI + "custom": {"warrant_number": warrant_number, MODULE_PARAMETER: str(module.pk)}}


# An officer's launch ---------------------------------------------------------------------------


def test_an_officer_launched_from_the_platform_lands_on_the_module(lms, demo, live_server, page):
    module = demo["module"]
    response = launch(page, lms, live_server.url, **officer(module))
    assert response.status == 302 and "/lti/continue/" in response.headers["location"]
    page.wait_for_url(f"{live_server.url}{module.url}")
    expect(page.get_by_role("heading", level=1)).to_contain_text(module.title)
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()  # signed in by the launch
    assert_accessible(page)


# Refusals --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "reason, status, claims",
    [
        ("expired", 400, {"iat": 1_700_000_000, "exp": 1_700_000_300}),
        ("person-not-found", 403, {"warrant_number": "MP999999"}),
    ],
)
def test_a_refused_launch_shows_the_refusal_page(lms, demo, live_server, page, reason, status, claims):
    claims = dict(claims)
    custom = officer(demo["module"], claims.pop("warrant_number", "MP100001"))
    response = launch(page, lms, live_server.url, **custom, **claims)
    assert response.status == status
    expect(page.get_by_role("heading", level=1)).to_have_text("Attest could not open this")
    expect(page.get_by_role("main")).to_contain_text(reason)  # the reference to quote
    assert_accessible(page)
    assert AuditEvent.objects.filter(action="access-denied", details__reason=reason).count() == 1

    # Keyboard: the first Tab reaches the skip link, which takes focus to the message; Tab then
    # goes on through the page's links to the footer's.
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to main content")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#main-content")).to_be_focused()
    tab_to(page, page.get_by_role("link", name="Accessibility"))


# Deep linking ----------------------------------------------------------------------------------


def test_the_module_picker_passes_axe(lms, demo, live_server, page):
    response = launch(page, lms, live_server.url, **{LTI + "custom": {}}, **lms.deep_linking_claims())
    assert response.status == 200
    expect(page.get_by_role("heading", level=1)).to_have_text("Choose an Attest module")
    expect(page.get_by_role("heading", level=2, name=demo["module"].title)).to_be_visible()
    assert_accessible(page)
    tab_to(page, page.get_by_role("button", name=f"Add {demo['module'].title} to the course"))


def test_choosing_a_module_without_javascript_posts_the_signed_link_to_the_platform(
    lms, demo, live_server, page_without_javascript
):
    page, module = page_without_javascript, demo["module"]
    arrived: list[str] = []

    def platform_receives(route, request):
        arrived.append(request.post_data or "")
        route.fulfill(status=200, content_type="text/html", body="<!doctype html><title>Added</title><p>Added")

    page.route(f"{lms.url}/deep-link-return", platform_receives)
    claims = {LTI + "custom": {}, **lms.deep_linking_claims()}
    response = launch(page, lms, live_server.url, javascript=False, **claims)
    assert response.status == 200

    form = page.locator("form", has=page.get_by_role("button", name=re.compile(re.escape(module.title))))
    expect(form).to_have_attribute("action", f"{lms.url}/deep-link-return")
    expect(form).to_have_attribute("method", "post")
    page.get_by_role("button", name=f"Add {module.title} to the course").click()
    page.wait_for_url(f"{lms.url}/deep-link-return")

    (body,) = arrived
    token = parse_qs(body)["JWT"][0]
    keys = {key["kid"]: key for key in Client().get("/lti/jwks/").json()["keys"]}
    public = jwt.algorithms.RSAAlgorithm.from_jwk(json.dumps(keys[jwt.get_unverified_header(token)["kid"]]))
    claims = jwt.decode(token, public, algorithms=["RS256"], audience=lms.issuer)
    assert claims[LTI + "message_type"] == "LtiDeepLinkingResponse"
    (item,) = claims[DL_RESPONSE_ITEMS]
    assert item["custom"] == {MODULE_PARAMETER: str(module.pk)}
    assert item["url"] == f"{live_server.url}/lti/launch/"


# The new window offer ----------------------------------------------------------------------------


def test_a_frame_without_its_cookie_offers_a_new_window_that_passes_axe(lms, demo, live_server, page):
    """Launched (here by the test client), then the step on to the module loaded in the
    platform's frame by a browser that kept Attest's cookie back: the new window offer."""
    launched = launch_with_client(Client(), lms, demo["module"])
    onward = launched["Location"]
    assert onward.startswith("/lti/continue/")

    course = (
        '<!doctype html><html lang="en"><head><title>Probationer training</title></head><body>'
        f'<iframe src="{live_server.url}{onward}" title="Attest" width="900" height="700"></iframe></body></html>'
    )
    # The course page is written into a page the platform really served (its key set): a
    # routed page has no network address of its own, and Chromium's local network access checks
    # then block its frame from loading anything on this machine.
    page.goto(f"{lms.url}/jwks")
    page.set_content(course)
    frame = page.frame_locator("iframe")
    expect(frame.get_by_role("heading", level=1)).to_have_text("Open the module in a new window")
    attest = next(f for f in page.frames if f.url.startswith(live_server.url))
    assert_accessible(attest)
    button = frame.get_by_role("link", name=re.compile("Open the module in a new window"))
    expect(button).to_have_attribute("href", onward)

    # The new window, at the top level, is signed in by the one-time step and shows the module.
    with page.context.expect_page() as opened:
        button.click()
    window = opened.value
    window.wait_for_url(f"{live_server.url}{demo['module'].url}")
    expect(window.get_by_role("heading", level=1)).to_contain_text(demo["module"].title)
