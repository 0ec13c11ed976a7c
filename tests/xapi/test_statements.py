"""Statements to the force's learning record store: what the officer's path sends, in order, and
how it is sent (batches, stable ids, retries with backoff, refusals, voiding, off by default)."""

from __future__ import annotations

import datetime
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from certificates.services import Context, revoke
from learning.factories import EnrolmentFactory, ModulePageFactory
from learning.models import RecordedCompletion
from learning.services import attest_to_module, begin_module, record_completion, withdraw_recorded_completion
from people.factories import UserFactory
from scenarios.factories import ScenarioPageFactory
from scenarios.models import Attempt
from scenarios.services import InvalidAnswer, record_response, walk
from tests.helpers import BRANCHING_STEPS, answer_path, right_answers, wrong_answers
from xapi import sending, statements
from xapi.models import OutboxStatement
from xapi.sending import send_due

from .lrs import problems

ADL = "http://adlnet.gov/expapi/verbs/"
HOME = "https://www.met.police.uk"
PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"


@pytest.fixture
def officer(db):
    return UserFactory(first_name="Alex", last_name="Morgan", warrant_number="MP123456", email="alex@met.example")


@pytest.fixture
def module(demo, officer):
    """The branching module (a decision point, a single choice, a true/false; pass mark 50%),
    with the demo's policy to attest to, assigned to the officer."""
    module = ModulePageFactory(title="Personal phones", pass_mark=50, policy_document=demo["module"].policy_document)
    ScenarioPageFactory(parent=module, title="The witness", narrative="<p>A witness.</p>", steps=BRANCHING_STEPS)
    EnrolmentFactory(user=officer, module=module)
    return module


def certify(officer, module):
    attempt = begin_module(officer, module)
    answer_path(attempt)
    version = module.policy_document.current_version()
    outcome = attest_to_module(
        officer, module, officer.get_full_name(), Context(ip_address="127.0.0.1"), shown_body_sha256=version.body_sha256
    )
    return attempt, outcome.certificate


def test_the_officers_path_sends_each_fact_in_order_valid_and_named_by_account(lrs, officer, module, demo):
    attempt, certificate = certify(officer, module)
    revoke(certificate, reason="Attested for someone else", by=demo["hr"])

    report = send_due()

    assert (report.sent, report.refused, report.waiting) == (8, 0, 0)
    assert lrs.refusals == []
    assert lrs.verbs() == [
        "attempted",
        "answered",
        "answered",
        "answered",
        "passed",
        "attested",
        "certificate-issued",
        "certificate-revoked",
    ]
    sent = lrs.in_order()
    assert [s["verb"]["id"] for s in sent[:5]] == [f"{ADL}attempted", *[f"{ADL}answered"] * 3, f"{ADL}passed"]
    for statement in sent:
        assert problems(statement) == []
        assert statement["actor"] == {"objectType": "Agent", "account": {"homePage": HOME, "name": "MP123456"}}
        assert "alex" not in str(statement).lower() and "morgan" not in str(statement).lower()  # no name, no email
    registration = str(attempt.public_id)
    assert {s["context"]["registration"] for s in sent[:5]} == {registration}
    module_id = f"http://testserver/xapi/activities/module/{module.pk}"
    assert sent[0]["object"]["id"] == module_id
    assert sent[0]["object"]["definition"]["name"] == {"en-GB": "Personal phones"}

    decision = sent[1]
    assert decision["object"]["definition"]["interactionType"] == "choice"
    choices = decision["object"]["definition"]["choices"]
    assert len(choices) == 2
    assert decision["result"]["success"] is True
    assert decision["result"]["response"] in decision["object"]["definition"]["correctResponsesPattern"]
    assert decision["context"]["contextActivities"]["grouping"] == [{"id": module_id, "objectType": "Activity"}]
    true_false = sent[3]
    assert true_false["object"]["definition"]["interactionType"] == "true-false"
    assert true_false["object"]["definition"]["correctResponsesPattern"] == ["false"]
    assert true_false["result"] == {"response": "false", "success": True}

    result = sent[4]["result"]
    assert result["success"] is True and result["completion"] is True
    assert result["score"] == {"raw": 3, "min": 0, "max": 3, "scaled": 1.0}
    attempt.refresh_from_db()
    assert sent[4]["timestamp"] == statements.timestamp(attempt.completed_at)  # the fact's time, not the send's

    by_verb = {s["verb"]["id"].rsplit("/", 1)[-1]: s for s in sent[5:]}
    assert set(by_verb) == {"attested", "certificate-issued", "certificate-revoked"}
    assert by_verb["attested"]["verb"]["id"] == "http://testserver/xapi/verbs/attested"
    assert by_verb["attested"]["object"]["id"].startswith("http://testserver/xapi/activities/policy-version/")
    assert by_verb["attested"]["context"]["registration"] == registration
    issued = by_verb["certificate-issued"]
    assert issued["object"]["id"] == f"http://testserver/xapi/activities/certificate/{certificate.serial}"
    assert issued["timestamp"] == statements.timestamp(certificate.issued_at)
    # A revocation is a fact of its own: the issue stays true of its day, and is not voided.
    assert "voided" not in lrs.verbs()
    assert "Attested for someone else" not in str(by_verb["certificate-revoked"])  # HR's words stay here
    assert OutboxStatement.objects.filter(status="sent").count() == 8


def test_a_failed_attempt_is_failed_with_its_score(lrs, officer, module):
    attempt = begin_module(officer, module)
    answer_path(attempt, wrong_answers)  # the wrong first choice ends the scenario: 0 of 1
    send_due()
    finished = lrs.in_order()[-1]
    assert finished["verb"]["id"] == f"{ADL}failed"
    assert finished["result"]["success"] is False
    assert finished["result"]["score"] == {"raw": 0, "min": 0, "max": 1, "scaled": 0.0}
    answered = lrs.in_order()[1]
    assert answered["result"]["success"] is False


def test_statement_ids_are_stable_so_a_resend_after_a_lost_reply_stores_nothing_twice(lrs, officer, module):
    attempt = begin_module(officer, module)
    answer_path(attempt)
    ids = set(OutboxStatement.objects.values_list("statement_id", flat=True))
    assert uuid.uuid5(statements.NAMESPACE, f"attempted:{attempt.public_id}") in ids

    lrs.fail("lost")  # the LRS stores the batch, and its reply never arrives
    first = send_due()
    assert (first.sent, first.waiting) == (0, 5)
    assert len(lrs.stored) == 5
    OutboxStatement.objects.update(next_try_at=timezone.now())  # the backoff has passed
    second = send_due()
    assert second.sent == 5
    assert len(lrs.stored) == 5 and lrs.refusals == []  # the same statements, accepted, stored once
    # Built again from the same facts, a statement is the same statement.
    step = walk(attempt).answered[0]
    response = attempt.responses.get(position=1)
    rebuilt = statements.response_recorded(attempt, response, step, statements.agent(officer.pk, "MP123456"))
    assert rebuilt == lrs.stored[rebuilt["id"]]


@pytest.mark.parametrize("failure", [500, 503, "timeout"])
def test_a_failing_lrs_is_tried_again_with_backoff_until_it_takes_them(lrs, officer, module, failure):
    answer_path(begin_module(officer, module))
    lrs.fail(failure, times=2)

    first = send_due()
    assert (first.sent, first.waiting, first.batches) == (0, 5, 1)  # one batch tried, then it stops
    row = OutboxStatement.objects.first()
    assert (row.status, row.tries) == ("pending", 1)
    assert row.last_error
    waited = row.next_try_at - timezone.now()
    assert datetime.timedelta(seconds=25) < waited <= datetime.timedelta(seconds=30)
    assert send_due().sent == 0  # not due yet: nothing is sent, nothing asked of the LRS
    assert len(lrs.requests) == 1

    later = timezone.now() + datetime.timedelta(seconds=31)
    assert send_due(now=later).waiting == 5
    row.refresh_from_db()
    assert row.tries == 2
    assert row.next_try_at - later > datetime.timedelta(seconds=55)  # doubled

    report = send_due(now=timezone.now() + datetime.timedelta(minutes=2))
    assert report.sent == 5
    assert set(OutboxStatement.objects.values_list("status", flat=True)) == {"sent"}
    assert len(lrs.stored) == 5


def test_backoff_doubles_to_at_most_six_hours():
    waits = [sending.backoff(tries) for tries in (1, 2, 3, 11, 50)]
    assert waits[:3] == [datetime.timedelta(seconds=s) for s in (30, 60, 120)]
    assert waits[3:] == [datetime.timedelta(hours=6)] * 2


def test_a_statement_the_lrs_refuses_is_set_aside_and_the_rest_of_the_batch_is_sent(lrs, officer, module):
    answer_path(begin_module(officer, module))
    bad = OutboxStatement.objects.order_by("pk")[1]
    body = {**bad.body, "actor": {"objectType": "Agent", "mbox": "mailto:alex@met.example"}}
    OutboxStatement.objects.filter(pk=bad.pk).update(body=body)  # as if a bug had written it

    report = send_due()

    assert (report.sent, report.refused) == (4, 1)
    assert lrs.requests[0] == ("POST", 5) and lrs.requests[1:] == [("PUT", 1)] * 5
    bad.refresh_from_db()
    assert bad.status == "rejected" and "HTTP 400" in bad.last_error and "mbox" not in lrs.stored
    assert send_due().sent == 0  # a refused statement waits for an administrator


def test_withdrawing_a_completion_recorded_by_mistake_voids_its_statement(
    lrs, officer, module, demo, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    record = record_completion(
        officer,
        module,
        completed_on=timezone.localdate(),
        kind=RecordedCompletion.Kind.CLASSROOM,
        description="Personal phones briefing, Lambeth",
        evidence=SimpleUploadedFile("sheet.pdf", PDF, content_type="application/pdf"),
        by=demo["hr"],
    )
    withdraw_recorded_completion(record, reason="Wrong person", by=demo["hr"])

    send_due()

    completed, voiding = lrs.in_order()
    assert completed["verb"]["id"] == f"{ADL}completed"
    assert completed["actor"]["account"]["name"] == "MP123456"
    assert voiding["verb"]["id"] == f"{ADL}voided"
    assert voiding["object"] == {"objectType": "StatementRef", "id": completed["id"]}
    assert voiding["actor"]["account"]["name"] == statements.account_name(demo["hr"].pk, demo["hr"].warrant_number)
    assert lrs.refusals == []


def test_the_schema_refuses_what_the_profile_and_the_spec_forbid(officer):
    good = statements.voiding(uuid.uuid4(), statements.agent(officer.pk, "MP1"), timezone.now())
    assert problems(good) == []
    bad_cases = {
        "mbox": {**good, "actor": {"mbox": "mailto:a@b.example", "account": good["actor"]["account"]}},
        "relative IRI": {**good, "verb": {"id": "voided"}},
        "not a UUID": {**good, "id": "123"},
        "voided needs a StatementRef": {**good, "object": {"id": "http://testserver/x"}},
        "scaled above 1": {**good, "result": {"score": {"scaled": 1.5}}},
        "platform on a StatementRef": {**good, "context": {"platform": "Attest"}},
        "raw above max": {**good, "result": {"score": {"raw": 4, "min": 0, "max": 3}}},
    }
    for name, statement in bad_cases.items():
        assert problems(statement), name


def test_off_by_default_nothing_is_written_or_sent(officer, module):
    from django.conf import settings

    assert settings.XAPI_LRS_ENDPOINT == ""  # the default: no LRS
    certify(officer, module)
    assert OutboxStatement.objects.count() == 0
    assert send_due().batches == 0


def test_recording_an_answer_adds_one_insert_when_on(lrs, officer, module, settings):
    attempt = begin_module(officer, module)
    step = walk(attempt).current

    def answer_queries(position, step) -> list[str]:
        with CaptureQueriesContext(connection) as queries:
            record_response(attempt, position, right_answers(step))
        return [query["sql"] for query in queries]

    on = answer_queries(1, step)
    settings.XAPI_LRS_ENDPOINT = ""
    off = answer_queries(2, walk(Attempt.objects.get(pk=attempt.pk)).current)
    added = [sql for sql in on if "xapi_" in sql]
    assert len(on) == len(off) + 1
    assert len(added) == 1 and added[0].startswith("INSERT")


def test_the_task_sends_once_the_answer_commits_and_an_lrs_failure_never_fails_the_officer(
    lrs, officer, module, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        attempt = begin_module(officer, module)
        record_response(attempt, 1, right_answers(walk(attempt).current))
    assert len(callbacks) == 1  # one send queued per transaction, however many statements it wrote
    assert len(lrs.stored) == 2  # attempted and answered

    lrs.fail(503)
    # The test's transaction never commits: forget the send queued above, as a commit would.
    connection.run_on_commit.clear()
    attempt = Attempt.objects.get(pk=attempt.pk)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = record_response(attempt, 2, right_answers(walk(attempt).current))
    assert len(callbacks) == 1
    assert response.pk  # the answer stands
    assert (
        OutboxStatement.objects.get(statement_id=statements.statement_id("answered", attempt.public_id, 2)).tries == 1
    )


def test_send_statements_command_drains_the_outbox_and_reports(lrs, officer, module, settings, capsys):
    settings.XAPI_BATCH_SIZE = 2
    answer_path(begin_module(officer, module))
    call_command("send_statements")
    out = capsys.readouterr().out
    assert "Sent 5 statements in 3 batches." in out
    call_command("send_statements", "--status")
    assert "Sent: 5" in capsys.readouterr().out


def test_send_statements_forgets_the_copies_of_statements_stored_long_ago(lrs, officer, module, capsys):
    answer_path(begin_module(officer, module))
    send_due()
    OutboxStatement.objects.filter(verb="attempted").update(sent_at=timezone.now() - datetime.timedelta(days=40))
    OutboxStatement.objects.filter(verb="answered").update(status="pending", sent_at=None)
    call_command("send_statements", "--forget-sent-after", "30")
    assert "Forgot 1 statements" in capsys.readouterr().out
    assert not OutboxStatement.objects.filter(verb="attempted").exists()
    assert OutboxStatement.objects.count() == 4


def test_send_statements_without_an_lrs_says_so(settings):
    settings.XAPI_LRS_ENDPOINT = ""
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="XAPI_LRS_ENDPOINT"):
        call_command("send_statements")


def test_an_officer_without_a_warrant_number_is_a_stable_account(lrs, module, db):
    person = UserFactory(warrant_number="")
    EnrolmentFactory(user=person, module=module)
    begin_module(person, module)
    send_due()
    assert lrs.in_order()[0]["actor"]["account"]["name"] == f"attest-user-{person.pk}"


def test_while_the_lrs_rests_new_statements_wait_so_no_answer_pays_a_timeout_each(lrs, officer, module):
    attempt = begin_module(officer, module)
    lrs.fail("timeout")
    assert send_due().waiting == 1  # the one request that paid the timeout
    attempt = Attempt.objects.get(pk=attempt.pk)
    record_response(attempt, 1, right_answers(walk(attempt).current))

    assert send_due().batches == 0  # the new statement waits with the first: the LRS is not asked
    assert len(lrs.requests) == 1

    report = send_due(now=timezone.now() + datetime.timedelta(seconds=31))  # the first one's retry
    assert report.sent == 2  # found the LRS back: everything waiting goes
    assert len(lrs.stored) == 2


def test_an_answer_refused_writes_no_statement(lrs, officer, module):
    attempt = begin_module(officer, module)
    before = OutboxStatement.objects.count()
    with pytest.raises(InvalidAnswer):
        record_response(attempt, 1, ["not-an-option"])
    assert OutboxStatement.objects.count() == before  # the statement lives and dies with its fact


def test_a_statement_that_cannot_be_built_never_fails_the_officers_answer(lrs, officer, module, monkeypatch, caplog):
    attempt = begin_module(officer, module)

    def broken(*args):
        raise KeyError("prompt")

    monkeypatch.setattr(statements, "response_recorded", broken)
    response = record_response(attempt, 1, right_answers(walk(attempt).current))
    assert response.pk
    assert not OutboxStatement.objects.filter(verb="answered").exists()
    assert "No xAPI statement could be built" in caplog.text
