"""Every officer-facing view: allowed and denied, good input and bad."""

import pytest
from django.urls import reverse

from certificates.models import Attestation, Certificate
from learning.factories import EnrolmentFactory
from learning.models import Enrolment
from people.factories import UserFactory
from scenarios.models import Attempt, Response
from scenarios.services import steps_in_list_order
from tests.helpers import (
    answer_every_step,
    attest,
    attestation_form,
    certified,
    pass_module,
    right_answers,
    sign_in_with_mfa,
    wrong_answers,
)


@pytest.fixture
def officer_client(client, demo):
    client.force_login(demo["officer"])
    return client


@pytest.fixture
def other_officer(demo):
    """A second officer, enrolled on the same module, with an attempt and a certificate of their own."""
    person = UserFactory(first_name="Robin", last_name="Khan")
    EnrolmentFactory(user=person, module=demo["module"])
    return person


def sign_in_as(client, user):
    sign_in_with_mfa(client, user)
    return client


def start(client, module):
    client.post(f"/modules/{module.pk}/start/")
    return Attempt.objects.filter(module_id=module.pk).latest("started_at")


# Anonymous visitors ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/training/contacting-the-public/",
        "/training/",
        "/modules/{module}/attest/",
        "/attempts/00000000-0000-0000-0000-000000000000/",
        "/attempts/00000000-0000-0000-0000-000000000000/steps/1/",
        "/attempts/00000000-0000-0000-0000-000000000000/result/",
        "/certificates/0000-0000-0000-0000-0000/",
        "/certificates/0000-0000-0000-0000-0000/pdf/",
    ],
)
def test_anonymous_visitors_are_sent_to_sign_in(client, demo, path):
    path = path.format(module=demo["module"].pk)
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login") + "?next=")


def test_anonymous_visitors_cannot_start_a_module(client, demo):
    response = client.post(f"/modules/{demo['module'].pk}/start/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert not Attempt.objects.exclude(user=demo["reattest"]).exists()


# Signing in -----------------------------------------------------------------------------


@pytest.mark.parametrize("login", ["officer", "officer@attest.example"])
def test_officers_sign_in_with_username_or_email(client, demo, settings, login):
    response = client.post(reverse("account_login"), {"login": login, "password": settings.DEMO_PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.get("/").context["user"] == demo["officer"]


def test_a_wrong_password_is_explained_and_signs_nobody_in(client, demo):
    response = client.post(reverse("account_login"), {"login": "officer", "password": "wrong-password"})
    assert response.status_code == 200
    assert b"govuk-error-summary" in response.content
    assert b"not correct" in response.content
    assert b'id="login-error"' in response.content
    assert b'aria-describedby="login-error"' in response.content
    assert not response.context["user"].is_authenticated


def test_there_is_no_self_service_sign_up(client, demo):
    response = client.get(reverse("account_signup"))
    assert b"Sign Up Closed" in response.content or response.status_code in (403, 404)


def test_signing_out_ends_the_session(officer_client):
    response = officer_client.post(reverse("account_logout"))
    assert response.status_code == 302
    assert officer_client.get("/").status_code == 302


# Dashboard and module page --------------------------------------------------------------


def test_the_dashboard_lists_assigned_modules_with_status_and_due_date(officer_client, demo):
    enrolment = Enrolment.objects.get(user=demo["officer"])
    response = officer_client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "My training" in html
    assert "Contacting the public: personal devices and police data" in html
    assert enrolment.due_date.strftime("%-d %B %Y") in html
    assert "Not started" in html


def test_the_dashboard_shows_only_my_own_modules(client, demo, other_officer):
    response = sign_in_as(client, demo["trainer"]).get("/")
    assert response.status_code == 200
    assert "You have no training assigned" in response.content.decode()


def test_the_dashboard_is_one_query_per_list(officer_client, django_assert_max_num_queries):
    officer_client.get("/")  # the site, the header's team link and the session, kept from now on
    with django_assert_max_num_queries(2):  # the person, their enrolments
        officer_client.get("/")


def test_the_module_page_offers_to_start(officer_client, demo):
    response = officer_client.get(demo["module"].url)
    assert response.status_code == 200
    assert b"Start now" in response.content
    assert b"After the arrest" in response.content


def test_someone_not_assigned_sees_the_module_but_cannot_take_it(client, demo):
    sign_in_as(client, demo["trainer"])
    response = client.get(demo["module"].url)
    assert response.status_code == 200
    assert b"has not been assigned to you" in response.content
    assert b"Start now" not in response.content
    assert client.post(f"/modules/{demo['module'].pk}/start/").status_code == 403
    assert not Attempt.objects.filter(user=demo["trainer"]).exists()


def test_starting_needs_a_post(officer_client, demo):
    assert officer_client.get(f"/modules/{demo['module'].pk}/start/").status_code == 405


def test_an_unknown_module_is_not_found(officer_client):
    assert officer_client.post("/modules/999999/start/").status_code == 404
    assert officer_client.get("/modules/999999/attest/").status_code == 404


def test_a_scenario_page_sends_officers_to_its_module(officer_client, demo):
    response = officer_client.get("/training/contacting-the-public/after-the-arrest/")
    assert response.status_code == 302
    assert response["Location"] == demo["module"].url


# Steps ----------------------------------------------------------------------------------


def test_a_step_shows_its_question_and_then_its_feedback(officer_client, demo):
    attempt = start(officer_client, demo["module"])
    step = steps_in_list_order(attempt)[0]
    page = officer_client.get(f"/attempts/{attempt.public_id}/steps/1/")
    assert page.status_code == 200
    assert step.prompt in page.content.decode()
    assert b'type="radio"' in page.content

    response = officer_client.post(f"/attempts/{attempt.public_id}/steps/1/", {"answer": wrong_answers(step)})
    assert response.status_code == 302
    assert response["Location"].endswith("/steps/1/#feedback")
    feedback = officer_client.get(f"/attempts/{attempt.public_id}/steps/1/").content.decode()
    assert "Not correct" in feedback
    chosen = step.chosen(wrong_answers(step))[0]
    assert chosen.feedback.split(".")[0] in feedback
    assert chosen.clause_reference.startswith("Personally owned devices and police information v2.0, clause ")
    assert chosen.clause_reference in feedback
    assert "The right answer" in feedback


def test_missing_answer_is_explained_and_nothing_is_recorded(officer_client, demo):
    attempt = start(officer_client, demo["module"])
    response = officer_client.post(f"/attempts/{attempt.public_id}/steps/1/", {})
    assert response.status_code == 400
    assert b"govuk-error-summary" in response.content
    assert b"Select an answer" in response.content
    assert b'href="#answer"' in response.content
    assert not Response.objects.filter(attempt=attempt).exists()


def test_an_option_from_another_step_is_refused(officer_client, demo):
    attempt = start(officer_client, demo["module"])
    other_step = steps_in_list_order(attempt)[2]
    response = officer_client.post(f"/attempts/{attempt.public_id}/steps/1/", {"answer": right_answers(other_step)})
    assert response.status_code == 400
    assert b"Choose from the options shown" in response.content
    assert not Response.objects.filter(attempt=attempt).exists()


def test_a_second_submit_of_a_step_changes_nothing(officer_client, demo):
    attempt = start(officer_client, demo["module"])
    step = steps_in_list_order(attempt)[0]
    officer_client.post(f"/attempts/{attempt.public_id}/steps/1/", {"answer": wrong_answers(step)})
    response = officer_client.post(f"/attempts/{attempt.public_id}/steps/1/", {"answer": right_answers(step)})
    assert response.status_code == 409
    assert b"Your first answer stands" in response.content
    assert b"Feedback on your answer" in response.content
    assert Response.objects.get(attempt=attempt).choice_ids == wrong_answers(step)


def test_a_step_that_is_not_the_current_one_cannot_be_answered_or_opened(officer_client, demo):
    attempt = start(officer_client, demo["module"])
    step = steps_in_list_order(attempt)[3]
    response = officer_client.post(f"/attempts/{attempt.public_id}/steps/4/", {"answer": right_answers(step)})
    assert response.status_code == 409
    assert b"Answer the steps in order" in response.content
    assert f'action="/attempts/{attempt.public_id}/steps/1/"'.encode() in response.content
    assert not Response.objects.filter(attempt=attempt).exists()
    response = officer_client.get(f"/attempts/{attempt.public_id}/steps/4/", follow=True)
    assert response.redirect_chain[-1][0].endswith("/steps/1/")
    assert b"Answer the steps in order" in response.content


@pytest.mark.parametrize(("position", "message"), [(0, b"There is no such step"), (99, b"Answer the steps in order")])
def test_a_step_outside_the_attempt_is_explained(officer_client, demo, position, message):
    attempt = start(officer_client, demo["module"])
    response = officer_client.get(f"/attempts/{attempt.public_id}/steps/{position}/", follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0].endswith("/steps/1/")
    assert message in response.content


def test_the_result_waits_for_every_step(officer_client, demo):
    attempt = start(officer_client, demo["module"])
    response = officer_client.get(f"/attempts/{attempt.public_id}/result/")
    assert response.status_code == 302
    assert response["Location"] == f"/attempts/{attempt.public_id}/"


def test_the_result_shows_score_pass_mark_and_a_review(officer_client, demo):
    attempt = pass_module(officer_client, demo["module"])
    response = officer_client.get(f"/attempts/{attempt.public_id}/result/")
    html = response.content.decode()
    assert "You passed" in html
    assert "You scored 100%" in html
    assert "The pass mark is 80%" in html
    assert html.count('class="govuk-summary-card__title"') == attempt.step_count > 25


def test_a_failed_attempt_offers_a_retake_with_a_new_attempt(officer_client, demo):
    attempt = answer_every_step(officer_client, start(officer_client, demo["module"]), wrong_answers)
    result = officer_client.get(f"/attempts/{attempt.public_id}/result/").content.decode()
    assert "You have not passed this time" in result
    assert "must never be broken" in result
    assert "Retake the scenarios" in officer_client.get(demo["module"].url).content.decode()
    retake = start(officer_client, demo["module"])
    assert retake.pk != attempt.pk and retake.number == 2


@pytest.mark.parametrize("suffix", ["", "steps/1/", "result/"])
def test_another_officers_attempt_is_not_found(client, demo, other_officer, suffix):
    attempt = start(sign_in_as(client, other_officer), demo["module"])
    sign_in_as(client, demo["officer"])
    assert client.get(f"/attempts/{attempt.public_id}/{suffix}").status_code == 404
    assert client.post(f"/attempts/{attempt.public_id}/steps/1/", {"answer": ["x"]}).status_code == 404
    assert not Response.objects.filter(attempt=attempt).exists()


# Attestation ----------------------------------------------------------------------------


def test_attesting_needs_a_pass_first(officer_client, demo):
    response = officer_client.get(f"/modules/{demo['module'].pk}/attest/", follow=True)
    assert b"Pass the module" in response.content
    assert attest(officer_client, demo["module"], "Sam Taylor").status_code == 302
    assert not Attestation.objects.filter(user=demo["officer"]).exists()


def test_someone_not_assigned_cannot_attest(client, demo):
    sign_in_as(client, demo["trainer"])
    assert client.get(f"/modules/{demo['module'].pk}/attest/").status_code == 403


def test_the_attestation_form_shows_the_policy_version_in_force(officer_client, demo):
    pass_module(officer_client, demo["module"])
    html = officer_client.get(f"/modules/{demo['module'].pk}/attest/").content.decode()
    version = demo["module"].policy_document.current_version()
    assert version.version_label == "2.0"
    assert "2.0, in force from" in html
    assert "Only in emergencies" in html
    assert version.statement in html


@pytest.mark.parametrize(
    ("data", "messages"),
    [
        ({}, ["Confirm that you have read", "Enter your full name"]),
        ({"full_name": "Sam Taylor"}, ["Confirm that you have read"]),
        ({"confirm": "on", "full_name": "Someone Else"}, ["Type your full name exactly"]),
        ({"confirm": "on", "full_name": "x" * 201}, ["200 characters or fewer"]),
    ],
)
def test_an_incomplete_attestation_is_explained_and_nothing_is_recorded(officer_client, demo, data, messages):
    pass_module(officer_client, demo["module"])
    data = {"body_sha256": demo["module"].policy_document.current_version().body_sha256, **data}
    response = officer_client.post(f"/modules/{demo['module'].pk}/attest/", data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "govuk-error-summary" in html
    for message in messages:
        assert message in html
    assert not Attestation.objects.filter(user=demo["officer"]).exists()
    assert not Certificate.objects.filter(user=demo["officer"]).exists()


def test_attesting_records_the_ledger_row_issues_the_certificate_and_completes_the_module(officer_client, demo):
    attempt = pass_module(officer_client, demo["module"])
    response = officer_client.post(
        f"/modules/{demo['module'].pk}/attest/",
        attestation_form(demo["module"], "  sam   TAYLOR "),
        HTTP_USER_AGENT="pytest-browser/1.0",
    )
    certificate = Certificate.objects.get(user=demo["officer"])
    assert response.status_code == 302
    assert response["Location"] == f"/certificates/{certificate.display_serial}/"
    attestation = Attestation.objects.get(user=demo["officer"])
    version = demo["module"].policy_document.current_version()
    assert attestation.policy_version == version
    assert attestation.statement == version.statement
    assert attestation.body_sha256 == version.body_sha256
    assert attestation.typed_name == "sam TAYLOR"
    assert attestation.attempt_id == attempt.public_id
    assert attestation.user_agent == "pytest-browser/1.0"
    assert attestation.ip_address == "127.0.0.1"
    assert attestation.row_hash == attestation.compute_hash()
    enrolment = Enrolment.objects.get(user=demo["officer"])
    assert enrolment.status == Enrolment.Status.COMPLETE
    assert enrolment.certificate_serial == certificate.serial
    assert "Complete" in officer_client.get("/").content.decode()


def test_a_replayed_attestation_makes_no_second_row(officer_client, demo):
    pass_module(officer_client, demo["module"])
    path = f"/modules/{demo['module'].pk}/attest/"
    attest(officer_client, demo["module"], "Sam Taylor")
    replay = officer_client.post(path, attestation_form(demo["module"], "Sam Taylor"), follow=True)
    certificate = Certificate.objects.get(user=demo["officer"])
    assert replay.redirect_chain == [(f"/certificates/{certificate.display_serial}/", 302)]
    assert b"You had already attested to this version" in replay.content
    assert Attestation.objects.filter(user=demo["officer"]).count() == 1
    assert Certificate.objects.filter(user=demo["officer"]).count() == 1


# Certificates ---------------------------------------------------------------------------


@pytest.fixture
def certificate(officer_client, demo):
    return certified(officer_client, demo["officer"], demo["module"])


def test_the_holder_sees_their_certificate(officer_client, certificate):
    response = officer_client.get(f"/certificates/{certificate.display_serial}/")
    assert response.status_code == 200
    html = response.content.decode()
    module_title = "Contacting the public: personal devices and police data"
    for text in ["Sam Taylor", "MP100001", module_title, certificate.display_serial]:
        assert text in html


def test_another_officer_cannot_see_or_download_my_certificate(client, certificate, demo):
    sign_in_as(client, demo["reattest"])  # same unit, not their line manager
    assert client.get(f"/certificates/{certificate.display_serial}/").status_code == 404
    assert client.get(f"/certificates/{certificate.display_serial}/pdf/").status_code == 404


@pytest.mark.parametrize("serial", ["nonsense", "0000-0000-0000-0000-0000"])
def test_a_bad_certificate_address_is_not_found(officer_client, certificate, serial):
    assert officer_client.get(f"/certificates/{serial}/").status_code == 404


def test_a_stale_form_is_explained_and_saves_nothing(demo):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(demo["officer"])
    response = client.post(f"/modules/{demo['module'].pk}/start/")
    assert response.status_code == 403
    assert b"This form has expired" in response.content
    assert b"Nothing was saved" in response.content
    assert not Attempt.objects.filter(user=demo["officer"]).exists()


def test_an_attestation_to_text_that_changed_while_reading_is_refused(officer_client, demo):
    pass_module(officer_client, demo["module"])
    stale = attestation_form(demo["module"], "Sam Taylor", body_sha256="0" * 64)
    response = officer_client.post(f"/modules/{demo['module'].pk}/attest/", stale, follow=True)
    assert b"The policy was updated while you were reading it" in response.content
    assert not Attestation.objects.filter(user=demo["officer"]).exists()


@pytest.mark.parametrize(
    ("remote_addr", "stored"),
    [("", None), ("2001:DB8:0:0::1", "2001:db8::1"), ("not-an-address", None), ("10.0.0.7", "10.0.0.7")],
)
def test_the_ledger_row_verifies_whatever_address_the_request_came_from(officer_client, demo, remote_addr, stored):
    pass_module(officer_client, demo["module"])
    officer_client.post(
        f"/modules/{demo['module'].pk}/attest/", attestation_form(demo["module"], "Sam Taylor"), REMOTE_ADDR=remote_addr
    )
    row = Attestation.objects.get(user=demo["officer"])
    assert row.ip_address == stored
    assert row.compute_hash() == row.row_hash
    certificate = Certificate.objects.get(user=demo["officer"])
    assert b"This certificate is valid" in officer_client.get(f"/verify/{certificate.display_serial}/").content


def test_a_huge_module_number_is_simply_not_found(officer_client):
    assert officer_client.post("/modules/99999999999999999999/start/").status_code == 404
    assert officer_client.get("/modules/99999999999999999999/attest/").status_code == 404


def test_personal_pages_are_never_kept_by_a_browser_or_proxy(officer_client, demo):
    response = officer_client.get("/")
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]
    assert "no-store" in officer_client.get(demo["module"].url)["Cache-Control"]


def test_an_answer_to_a_finished_attempt_is_refused(officer_client, demo):
    attempt = pass_module(officer_client, demo["module"])
    response = officer_client.post(f"/attempts/{attempt.public_id}/steps/7/", {"answer": ["x"]})
    assert response.status_code == 409
    assert b"This attempt is finished" in response.content
    assert Response.objects.filter(attempt=attempt).count() == attempt.step_count


def test_feedback_links_each_cited_clause_to_the_policy_in_force(officer_client, demo):
    attempt = start(officer_client, demo["module"])
    step = steps_in_list_order(attempt)[0]
    officer_client.post(f"/attempts/{attempt.public_id}/steps/1/", {"answer": wrong_answers(step)})
    feedback = officer_client.get(f"/attempts/{attempt.public_id}/steps/1/").content.decode()
    chosen = step.chosen(wrong_answers(step))[0]
    number = chosen.clause_reference.rsplit(" ", 1)[1]
    link = f'href="/policies/MPS-PERSONAL-DEVICES/#clause-{number}">{chosen.clause_reference}</a>'
    assert link in feedback
    policy = officer_client.get("/policies/MPS-PERSONAL-DEVICES/").content.decode()
    assert f'id="clause-{number}"' in policy
    assert chosen.clause_text in policy


def test_the_policy_page_is_for_signed_in_people_and_known_policies(client, demo):
    assert client.get("/policies/MPS-PERSONAL-DEVICES/").status_code == 302
    client.force_login(demo["officer"])
    assert client.get("/policies/NO-SUCH-POLICY/").status_code == 404


def test_the_module_page_says_when_the_attempts_are_used_up_instead_of_offering_a_retake(client, demo):
    from learning.services import begin_module
    from tests.helpers import WrongOnFirstCritical, answer_path

    module, officer = demo["module"], demo["officer"]
    module.max_attempts = 1
    module.save_revision().publish()
    answer_path(begin_module(officer, module), WrongOnFirstCritical())
    client.force_login(officer)
    page = client.get(module.url).content.decode()
    assert "You have used all the attempts allowed at this module" in page
    assert f'action="/modules/{module.pk}/start/"' not in page
