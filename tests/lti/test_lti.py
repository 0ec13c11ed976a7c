"""Attest as an LTI 1.3 tool, against a real platform in process (tests/lti/platform.py): signed
id_tokens, the platform's JWKS, token endpoint and grade service over HTTP on 127.0.0.1."""

from __future__ import annotations

import json
import time
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
from django.core.management import call_command
from lti_tool.models import Key, LtiDeployment

from access.models import AuditEvent
from lti.models import GradeReturn, Launch, Platform, PlatformAccountLink
from lti.services import MODULE_PARAMETER
from people.factories import UserFactory
from tests.helpers import attest, pass_module, sign_in_with_mfa

from .platform import LTI, new_key
from .platform import Platform as LearningPlatform

pytestmark = pytest.mark.django_db
LAUNCH_URL = "http://testserver/lti/launch/"


@pytest.fixture(scope="module")
def platform():
    platform = LearningPlatform().start()
    yield platform
    platform.stop()


@pytest.fixture
def lms(platform, demo):
    """The platform, registered with Attest, its scores emptied, knowing Attest's public keys."""
    platform.scores.clear()
    platform.tokens_issued.clear()
    platform.fail_scores = 0
    platform.registration = platform.register()
    return platform


def give_platform_our_keys(client, platform):
    platform.tool_jwks = client.get("/lti/jwks/").json()


def begin_login(client, platform, secure=False, **params):
    """The platform's OIDC login initiation; returns Attest's redirect's state and nonce."""
    query = {
        "iss": platform.issuer,
        "login_hint": "platform-user-42",
        "target_link_uri": LAUNCH_URL,
        "client_id": platform.client_id,
        "lti_message_hint": "resource-link-1",
        **params,
    }
    response = client.get("/lti/login/", query, secure=secure)
    assert response.status_code == 302, response.content
    sent = parse_qs(urlsplit(response["Location"]).query)
    assert response["Location"].startswith(platform.url + "/auth?")
    assert sent["redirect_uri"] == [LAUNCH_URL] and sent["client_id"] == [platform.client_id]
    return sent["state"][0], sent["nonce"][0]


def launch(client, platform, module=None, *, state=None, **claims):
    """A whole launch: login initiation, then the platform posting its signed id_token."""
    login_state, nonce = begin_login(client, platform)
    custom = claims.pop("custom", None)
    if custom is None:
        custom = {"warrant_number": "MP100001"}
        if module is not None:
            custom[MODULE_PARAMETER] = str(module.pk)
    token = platform.id_token(claims.pop("nonce", nonce), **{LTI + "custom": custom}, **claims)
    response = client.post("/lti/launch/", {"id_token": token, "state": state or login_state})
    response.id_token, response.state = token, state or login_state
    return response


def refusals(reason):
    return AuditEvent.objects.filter(action="access-denied", verb="learning platform launch", details__reason=reason)


# The key set ------------------------------------------------------------------------------------


def test_attest_publishes_its_public_keys_and_rotation_keeps_the_old_one_until_retired(client, db):
    first = client.get("/lti/jwks/").json()["keys"]
    assert len(first) == 1 and first[0]["kty"] == "RSA" and first[0]["alg"] == "RS256"
    assert "d" not in first[0]  # never the private part
    call_command("rotate_keys", "--deactivate-after", "7")
    both = {k["kid"] for k in client.get("/lti/jwks/").json()["keys"]}
    assert first[0]["kid"] in both and len(both) == 2
    Key.objects.filter(datetime_created__lt=Key.objects.latest().datetime_created).update(is_active=False)
    assert {k["kid"] for k in client.get("/lti/jwks/").json()["keys"]} == both - {first[0]["kid"]}


# A resource link launch -----------------------------------------------------------------------------


def test_a_launch_signs_the_officer_in_and_opens_the_module(client, lms, demo):
    module = demo["module"]
    response = launch(client, lms, module)
    assert response.status_code == 302 and response["Location"].startswith("/lti/continue/")
    assert client.session["_auth_user_id"] == str(demo["officer"].pk)
    onward = client.get(response["Location"])
    assert onward.status_code == 302 and onward["Location"] == module.url
    assert client.get(module.url).status_code == 200
    assert AuditEvent.objects.filter(action="sign-in", actor=demo["officer"], path="/lti/launch/").count() == 1
    stored = Launch.objects.get(user=demo["officer"])
    assert (stored.module_id, stored.resource_link_id, stored.sub) == (module.pk, "resource-link-1", "platform-user-42")
    assert stored.lineitem_url == lms.url + "/lineitems/1" and stored.registration == lms.registration


def test_a_launch_is_refused_when_the_signature_is_not_the_platforms(client, lms, demo):
    login_state, nonce = begin_login(client, lms)
    forged = lms.id_token(nonce, key=new_key(), **{LTI + "custom": {"warrant_number": "MP100001"}})
    response = client.post("/lti/launch/", {"id_token": forged, "state": login_state})
    assert response.status_code == 400 and b"did not come from a learning platform" in response.content
    assert "_auth_user_id" not in client.session
    assert refusals("bad-signature").count() == 1


def test_a_launch_is_refused_when_meant_for_another_tool(client, lms, demo):
    response = launch(client, lms, demo["module"], aud="someone-elses-tool")
    assert response.status_code == 400 and b"meant for another tool" in response.content
    assert refusals("wrong-audience").count() == 1


def test_a_replayed_launch_is_refused(client, lms, demo):
    first = launch(client, lms, demo["module"])
    assert first.status_code == 302
    client.logout()
    again = client.post("/lti/launch/", {"id_token": first.id_token, "state": first.state})
    assert again.status_code == 400 and b"used already" in again.content
    assert refusals("replayed").count() == 1


def test_an_expired_launch_is_refused(client, lms, demo):
    past = int(time.time()) - 3600
    response = launch(client, lms, demo["module"], iat=past, exp=past + 300)
    assert response.status_code == 400 and b"expired" in response.content
    assert refusals("expired").count() == 1


def test_a_launch_from_an_unknown_or_inactive_deployment_is_refused(client, lms, demo):
    response = launch(client, lms, demo["module"], **{LTI + "deployment_id": "deployment-nobody-approved"})
    assert response.status_code == 403 and b"not been approved" in response.content
    assert not LtiDeployment.objects.filter(deployment_id="deployment-nobody-approved").exists()
    LtiDeployment.objects.update(is_active=False)
    assert launch(client, lms, demo["module"]).status_code == 403
    assert refusals("unknown-deployment").count() == 2
    # One event each: the refusal with its reason, not a second one for the 403.
    assert AuditEvent.objects.filter(action="access-denied", path="/lti/launch/").count() == 2


def test_a_launch_without_the_state_from_this_browser_is_refused(client, lms, demo):
    response = launch(client, lms, demo["module"], state="state-made-up")
    assert response.status_code == 400 and refusals("state").count() == 1


@pytest.mark.parametrize("token", ["", "not-a-jwt", "a.b.c", "e30.e30.e30"])
def test_garbage_instead_of_an_id_token_is_refused_not_an_error(client, lms, demo, token):
    begin_login(client, lms)
    response = client.post("/lti/launch/", {"id_token": token, "state": "x"})
    assert response.status_code == 400


def test_a_login_from_an_unregistered_platform_is_refused(client, lms):
    response = client.get(
        "/lti/login/", {"iss": "https://elsewhere.example", "login_hint": "x", "target_link_uri": LAUNCH_URL}
    )
    assert response.status_code == 400 and refusals("unknown-platform").count() == 1
    elsewhere = client.get(
        "/lti/login/", {"iss": lms.issuer, "login_hint": "x", "target_link_uri": "https://evil.example/"}
    )
    assert elsewhere.status_code == 400 and refusals("bad-login").count() == 1


# Who the launch is for --------------------------------------------------------------------------


def test_nobody_is_matched_by_email_or_created(client, lms, demo):
    users_before = type(demo["officer"]).objects.count()
    response = launch(
        client, lms, demo["module"], custom={MODULE_PARAMETER: str(demo["module"].pk)}, email=demo["officer"].email
    )
    assert response.status_code == 403 and b"Your training record could not be found" in response.content
    assert type(demo["officer"]).objects.count() == users_before
    assert "_auth_user_id" not in client.session and refusals("person-not-found").count() == 1


def test_an_unknown_warrant_number_or_a_leaver_is_refused(client, lms, demo):
    unknown = launch(client, lms, custom={"warrant_number": "MP999999", MODULE_PARAMETER: str(demo["module"].pk)})
    assert unknown.status_code == 403
    leaver = UserFactory(is_active=False)
    custom = {"warrant_number": leaver.warrant_number, MODULE_PARAMETER: str(demo["module"].pk)}
    gone = launch(client, lms, custom=custom)
    assert gone.status_code == 403 and b"not active" in gone.content
    assert refusals("person-inactive").count() == 1


def test_the_warrant_number_may_come_from_the_lis_person_sourcedid(client, lms, demo):
    Platform.objects.create(registration=lms.registration, person_claim=Platform.PersonClaim.WARRANT_SOURCEDID)
    module_only = {MODULE_PARAMETER: str(demo["module"].pk)}
    response = launch(client, lms, custom=module_only, **{LTI + "lis": {"person_sourcedid": "MP100001"}})
    assert response.status_code == 302 and client.session["_auth_user_id"] == str(demo["officer"].pk)
    client.logout()
    # The custom parameter is not read under this rule.
    assert launch(client, lms, demo["module"]).status_code == 403


def test_a_platform_account_linked_by_hr_matches_and_nothing_else_does(client, lms, demo):
    Platform.objects.create(registration=lms.registration, person_claim=Platform.PersonClaim.LINKED_ACCOUNT)
    # Not linked yet: the warrant number in the launch is not enough under this rule.
    assert launch(client, lms, demo["module"]).status_code == 403
    PlatformAccountLink.objects.create(registration=lms.registration, sub="platform-user-42", user=demo["reattest"])
    response = launch(client, lms, demo["module"])
    assert response.status_code == 302 and client.session["_auth_user_id"] == str(demo["reattest"].pk)


def test_a_launch_naming_no_live_module_is_refused(client, lms, demo):
    response = launch(client, lms, custom={"warrant_number": "MP100001", MODULE_PARAMETER: "99999999"})
    assert response.status_code == 400 and refusals("unknown-module").count() == 1


def test_someone_whose_role_needs_mfa_is_still_asked_for_it(client, lms, demo):
    launch(client, lms, demo["module"], custom={"warrant_number": "ST500001", MODULE_PARAMETER: str(demo["module"].pk)})
    assert client.session["_auth_user_id"] == str(demo["hr"].pk)
    admin = client.get("/admin/")
    assert (admin.status_code == 302 and "/mfa/" in admin["Location"]) or "reauthenticate" in admin["Location"]


# Deep linking ----------------------------------------------------------------------------------


def test_a_course_author_chooses_a_module_and_the_platform_gets_a_signed_resource_link(client, lms, demo):
    give_platform_our_keys(client, lms)
    response = launch(client, lms, custom={}, **lms.deep_linking_claims())
    assert response.status_code == 200
    page = response.content.decode()
    main = page.split("<main")[1].split("</main>")[0]
    assert f'action="{lms.url}/deep-link-return"' in main and "<script" not in main
    assert demo["module"].title in page
    assert lms.url in response["Content-Security-Policy"].split("form-action")[1].split(";")[0]
    chosen = response.context["choices"][0]
    header = jwt.get_unverified_header(chosen["jwt"])
    keys = {k["kid"]: k for k in lms.tool_jwks["keys"]}
    body = jwt.decode(
        chosen["jwt"],
        jwt.algorithms.RSAAlgorithm.from_jwk(json.dumps(keys[header["kid"]])),
        algorithms=["RS256"],
        audience=lms.issuer,
    )
    assert body[LTI + "message_type"] == "LtiDeepLinkingResponse"
    assert body["https://purl.imsglobal.org/spec/lti-dl/claim/data"] == "opaque-platform-data"
    (item,) = body["https://purl.imsglobal.org/spec/lti-dl/claim/content_items"]
    assert item["type"] == "ltiResourceLink" and item["url"] == LAUNCH_URL
    assert item["custom"] == {MODULE_PARAMETER: str(chosen["module"].pk)}
    assert item["lineItem"]["scoreMaximum"] == 100
    assert "_auth_user_id" not in client.session  # choosing a module signs nobody in


def test_a_learner_may_not_choose_modules(client, lms, demo):
    claims = lms.deep_linking_claims()
    claims[LTI + "roles"] = ["http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"]
    response = launch(client, lms, custom={}, **claims)
    assert response.status_code == 403 and refusals("not-author").count() == 1


# Grades ----------------------------------------------------------------------------------------


def test_passing_sends_the_score_and_attesting_sends_completion(client, lms, demo, django_capture_on_commit_callbacks):
    give_platform_our_keys(client, lms)
    module = demo["module"]
    launch(client, lms, module)
    with django_capture_on_commit_callbacks(execute=True):
        attempt = pass_module(client, module)
    assert attempt.status == "passed"
    (score,) = lms.scores
    assert score["lineitem"] == "/lineitems/1" and score["userId"] == "platform-user-42"
    assert score["scoreGiven"] == attempt.score_percent and score["scoreMaximum"] == 100
    assert (score["activityProgress"], score["gradingProgress"]) == ("Submitted", "FullyGraded")
    with django_capture_on_commit_callbacks(execute=True):
        attest(client, module, demo["officer"].get_full_name())
    completion = lms.scores[1]
    assert (completion["activityProgress"], completion["gradingProgress"]) == ("Completed", "FullyGraded")
    assert completion["scoreGiven"] == attempt.score_percent
    assert set(GradeReturn.objects.values_list("status", flat=True)) == {"sent"}


def test_a_grade_the_platform_refuses_is_kept_and_sent_when_due(client, lms, demo, django_capture_on_commit_callbacks):
    give_platform_our_keys(client, lms)
    module = demo["module"]
    launch(client, lms, module)
    lms.fail_scores = 1
    with django_capture_on_commit_callbacks(execute=True):
        pass_module(client, module)
    owed = GradeReturn.objects.get()
    assert owed.status == "pending" and owed.tries == 1 and "500" in owed.last_error and not lms.scores
    call_command("send_lti_grades")  # not due yet: waits its backoff
    assert not lms.scores
    GradeReturn.objects.update(next_try_at=owed.created_at)
    call_command("send_lti_grades")
    owed.refresh_from_db()
    assert owed.status == "sent" and owed.tries == 2 and len(lms.scores) == 1


def test_a_grade_out_of_tries_waits_for_an_administrator(
    client, lms, demo, settings, django_capture_on_commit_callbacks
):
    settings.LTI_GRADE_MAX_TRIES = 1
    give_platform_our_keys(client, lms)
    launch(client, lms, demo["module"])
    lms.fail_scores = 1
    with django_capture_on_commit_callbacks(execute=True):
        pass_module(client, demo["module"])
    owed = GradeReturn.objects.get()
    assert owed.status == "failed"
    admin = type(demo["admin"]).objects.get(username="admin")
    sign_in_with_mfa(client, admin)
    listing = client.get("/admin/lti-grade-returns/")
    assert listing.status_code == 200 and "Failed" in listing.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        retried = client.post(f"/admin/lti-grade-returns/retry/{owed.pk}/")
    assert retried.status_code == 302
    owed.refresh_from_db()
    assert owed.status == "sent" and len(lms.scores) == 1


def test_no_grade_goes_anywhere_the_person_did_not_launch_from(client, lms, demo, django_capture_on_commit_callbacks):
    client.force_login(demo["officer"])
    with django_capture_on_commit_callbacks(execute=True):
        pass_module(client, demo["module"])
    assert not GradeReturn.objects.exists() and not lms.scores


# Frames ----------------------------------------------------------------------------------------


def test_officer_pages_may_be_framed_by_the_launching_platform_only(client, lms, demo):
    module = demo["module"]
    plain = client.get("/lti/jwks/")
    assert plain["X-Frame-Options"] == "DENY"
    response = launch(client, lms, module)
    page = client.get(module.url)
    assert "X-Frame-Options" not in page
    assert f"frame-ancestors {lms.url}" in page["Content-Security-Policy"]
    admin = client.get("/admin/")
    assert "frame-ancestors 'none'" in admin["Content-Security-Policy"] or admin["X-Frame-Options"] == "DENY"
    assert response.status_code == 302


def test_another_officers_ordinary_session_is_never_framed(client, demo):
    client.force_login(demo["officer"])
    page = client.get(demo["module"].url)
    assert page["X-Frame-Options"] == "DENY" and "frame-ancestors 'none'" in page["Content-Security-Policy"]


def test_framed_sessions_get_cross_site_cookies_over_https_and_keep_csrf_checks(client, lms, demo):
    module = demo["module"]
    login_state, nonce = begin_login(client, lms, secure=True)
    custom = {"warrant_number": "MP100001", MODULE_PARAMETER: str(module.pk)}
    token = lms.id_token(nonce, **{LTI + "custom": custom})
    response = client.post("/lti/launch/", {"id_token": token, "state": login_state}, secure=True)
    assert response.status_code == 302
    for name in ("sessionid", "csrftoken"):
        cookie = response.cookies[name]
        assert (cookie["samesite"], cookie["secure"]) == ("None", True), name
    assert "X-Frame-Options" not in response
    # Over plain HTTP a browser would drop SameSite=None: the cookie is left as configured.
    plain = launch(client, lms, module)
    assert plain.cookies["sessionid"]["samesite"] == "Lax"
    # Forms in the frame still need the CSRF token.
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.cookies = client.cookies
    assert strict.post(f"/modules/{module.pk}/start/", secure=True).status_code == 403


def test_a_frame_without_its_cookie_offers_a_new_window_which_signs_in_once(client, lms, demo):
    from django.test import Client

    module = demo["module"]
    response = launch(client, lms, module)
    onward = response["Location"]
    framed_without_cookie = Client()
    offer = framed_without_cookie.get(onward, headers={"Sec-Fetch-Dest": "iframe"})
    assert offer.status_code == 200 and b"Open the module in a new window" in offer.content
    assert f"frame-ancestors {lms.url}" in offer["Content-Security-Policy"]
    new_window = Client()
    opened = new_window.get(onward, headers={"Sec-Fetch-Dest": "document"})
    assert opened.status_code == 302 and opened["Location"] == module.url
    assert new_window.session["_auth_user_id"] == str(demo["officer"].pk)
    assert Client().get(onward).status_code == 400  # once only


# The admin ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/admin/lti-registrations/",
        "/admin/lti-registrations/new/",
        "/admin/lti-deployments/",
        "/admin/lti-platform-rules/",
        "/admin/lti-grade-returns/",
        "/admin/lti-keys/",
    ],
)
def test_only_administrators_manage_platforms(client, demo, path):
    sign_in_with_mfa(client, demo["admin"])
    assert client.get(path).status_code == 200
    for role in ("hr", "trainer", "reporting"):
        sign_in_with_mfa(client, demo[role])
        response = client.get(path)
        assert response.status_code in (302, 403), (role, response.status_code)
        assert response.status_code == 403 or response["Location"] in ("/admin/", "/admin/login/")


def test_hr_links_a_platform_account_once(client, lms, demo):
    sign_in_with_mfa(client, demo["hr"])
    assert client.get("/admin/lti-account-links/").status_code == 200
    form = {"registration": lms.registration.pk, "sub": "platform-user-42", "user": demo["officer"].pk}
    assert client.post("/admin/lti-account-links/new/", form).status_code == 302
    link = PlatformAccountLink.objects.get()
    assert link.linked_by == demo["hr"]
    again = client.post("/admin/lti-account-links/new/", {**form, "user": demo["reattest"].pk})
    assert again.status_code == 200 and PlatformAccountLink.objects.count() == 1
    sign_in_with_mfa(client, demo["trainer"])
    assert client.get("/admin/lti-account-links/").status_code in (302, 403)


def test_a_deactivated_platform_is_refused_and_no_longer_frames_its_sessions(client, lms, demo):
    module = demo["module"]
    assert launch(client, lms, module).status_code == 302
    lms.registration.is_active = False
    lms.registration.save()
    from core.kept import Kept

    Kept.forget_everything()  # as a minute passing would
    page = client.get(module.url)
    assert page["X-Frame-Options"] == "DENY"
    client.logout()
    login = client.get(
        "/lti/login/",
        {"iss": lms.issuer, "login_hint": "x", "target_link_uri": LAUNCH_URL, "client_id": lms.client_id},
    )
    assert login.status_code == 400


def test_the_frame_origin_may_be_set_apart_from_the_issuer(lms, demo):
    from django.core.exceptions import ValidationError

    rules = Platform(registration=lms.registration, frame_origin="https://moodle.force.example/")
    rules.full_clean()
    assert rules.origin() == "https://moodle.force.example"
    with pytest.raises(ValidationError):
        Platform(registration=lms.registration, frame_origin="https://moodle.force.example/course/").full_clean()
    assert Platform(registration=lms.registration).origin() == lms.url
