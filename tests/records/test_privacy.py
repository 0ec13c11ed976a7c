"""Your data (a person's download of everything held about them) and the retention of answers."""

import datetime
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from access.models import AuditEvent
from certificates.models import Attestation, Certificate
from learning.factories import ModulePageFactory
from learning.models import Exemption, Reminder
from learning.services import begin_module
from people.models import User
from records.privacy import personal_data, remove_old_responses, responses_past_retention, retention_cutoff
from records.transcript import render_transcript, transcript_for
from scenarios.models import Attempt, Response
from scenarios.services import record_response, walk
from tests.helpers import WrongOnFirstCritical, answer_path, certified, sign_in_with_mfa

ROOT = Path(__file__).resolve().parents[2]
LOGIN = reverse("account_login")
PAGE = reverse("records:my_data")
DOWNLOAD = reverse("records:my_data_download")
YEAR = datetime.timedelta(days=365)


def fresh(user) -> User:
    return User.objects.get(pk=user.pk)


def download(client, user) -> dict:
    client.force_login(user)
    response = client.get(DOWNLOAD)
    assert response.status_code == 200
    return json.loads(response.content.decode("utf-8"))


@pytest.fixture
def two_people(client, demo):
    """Sam Taylor fails the module once on a critical step, then passes and attests; his line
    manager, Alex Morgan, passes and attests too. Each has a reminder; Sam has an exemption."""
    officer, manager, module = demo["officer"], demo["manager"], demo["module"]
    answer_path(begin_module(officer, module), WrongOnFirstCritical())
    officer_certificate = certified(client, officer, module)
    manager_certificate = certified(client, manager, module)
    for person in (officer, manager):
        enrolment = person.enrolments.get(module=module)
        Reminder.objects.create(enrolment=enrolment, kind="before-7", sent_to=person.email)
    other = ModulePageFactory(title="Public order refresher")
    Exemption.objects.create(user=officer, module=other, reason="On long-term secondment", created_by=demo["hr"])
    client.logout()
    return {
        "officer": officer,
        "manager": manager,
        "module": module,
        "officer_certificate": officer_certificate,
        "manager_certificate": manager_certificate,
    }


# The page and the download ---------------------------------------------------------------------


def test_the_page_explains_what_is_held_and_links_to_the_download(client, demo):
    client.force_login(demo["officer"])
    response = client.get(PAGE)
    assert response.status_code == 200
    text = response.content.decode()
    assert '<h1 class="govuk-heading-xl">Your data</h1>' in text
    assert f'href="{DOWNLOAD}"' in text
    assert "kept for 6 years after the attempt" in text
    assert f'href="{PAGE}"' in client.get(reverse("learning:dashboard")).content.decode(), "the footer links to it"


@pytest.mark.parametrize("url", [PAGE, DOWNLOAD])
def test_anonymous_visitors_are_sent_to_sign_in(client, db, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(f"{LOGIN}?next=")
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).exists()


def test_the_download_is_a_private_utf8_json_attachment(client, demo):
    officer = demo["officer"]
    User.objects.filter(pk=officer.pk).update(first_name="Siân")
    client.force_login(fresh(officer))
    response = client.get(DOWNLOAD)
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="attest-data-mp100001-')
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]
    assert "Siân".encode() in response.content, "UTF-8 as it is, not escaped"
    assert json.loads(response.content)["profile"]["first_name"] == "Siân"


def test_the_download_holds_the_persons_records(client, two_people, demo):
    officer, module = two_people["officer"], two_people["module"]
    data = download(client, officer)

    assert data["profile"] | {"last_sign_in_at": None, "account_created_at": None} == {
        "name": "Sam Taylor",
        "first_name": "Sam",
        "last_name": "Taylor",
        "username": "officer",
        "email": officer.email,
        "warrant_number": "MP100001",
        "rank": "Police Constable",
        "role": officer.role,
        "org_unit": {"name": "Central West Response Team A", "code": "cw-response-a"},
        "line_manager": "Alex Morgan",
        "joined_on": officer.joined_on.isoformat() if officer.joined_on else None,
        "account_created_at": None,
        "last_sign_in_at": None,
        "active": True,
    }
    assert [(row["module"], row["status"]) for row in data["enrolments"]] == [(module.title, "Complete")]

    attempts = list(Attempt.objects.filter(user=officer).order_by("started_at"))
    assert [row["id"] for row in data["attempts"]] == [str(attempt.public_id) for attempt in attempts]
    assert [row["status"] for row in data["attempts"]] == ["Not passed", "Passed"]
    for row, attempt in zip(data["attempts"], attempts, strict=True):
        assert row["score_percent"] == attempt.score_percent
        responses = list(attempt.responses.order_by("position"))
        assert [answer["option_ids_chosen"] for answer in row["responses"]] == [r.choice_ids for r in responses]
        assert [answer["correct"] for answer in row["responses"]] == [r.correct for r in responses]
        for answer in row["responses"]:
            assert answer["step"] and answer["scenario"], "named as the officer was shown it"
            assert answer["options_chosen"] and answer["options_chosen"] != answer["option_ids_chosen"]
            assert answer["answered_at"].endswith("+00:00")
    assert data["attempts"][0]["critical_step_failed"] is True

    [attestation] = data["attestations"]
    row = Attestation.objects.get(user=officer)
    assert attestation["typed_name"] == "Sam Taylor"
    assert attestation["statement"] == row.statement
    assert attestation["policy_version"] == row.policy_version.version_label
    assert attestation["ip_address"] == row.ip_address
    assert attestation["user_agent"] == row.user_agent

    [certificate] = data["certificates"]
    assert certificate["serial"] == two_people["officer_certificate"].display_serial
    assert (certificate["status"], certificate["state_today"]) == ("Valid", "valid")
    assert certificate["expires_on"] == two_people["officer_certificate"].expires_on.isoformat()

    assert [(row["kind"], row["sent_to"]) for row in data["reminders"]] == [("before-7", officer.email)]
    assert [(row["module"], row["reason"], row["recorded_by"]) for row in data["exemptions"]] == [
        ("Public order refresher", "On long-term secondment", demo["hr"].get_full_name())
    ]
    assert {"sessions", "mfa_methods", "single_sign_on"} <= data["sign_in"].keys()


def test_the_download_includes_the_ledger_hashes(client, two_people):
    officer = two_people["officer"]
    [attestation] = download(client, officer)["attestations"]
    row = Attestation.objects.get(user=officer)
    assert attestation["policy_text_sha256"] == row.body_sha256
    assert attestation["previous_hash"] == row.previous_hash
    assert attestation["row_hash"] == row.row_hash
    assert attestation["attempt_id"] == str(row.attempt_id)


def test_the_download_holds_nobody_elses_records(client, two_people, demo):
    officer, manager = two_people["officer"], two_people["manager"]
    client.force_login(manager)
    client.get(reverse("certificates:mine"))  # something of the manager's own in the audit log
    body = client.get(DOWNLOAD).content.decode()  # and the manager's own download
    client.logout()
    data = download(client, officer)
    # A ledger row names the hash of the row before it, whoever's it is: that link is what lets
    # the chain be checked, and a hash tells nothing about the row it came from.
    for attestation in data["attestations"]:
        attestation.pop("previous_hash")
    text = json.dumps(data)

    for other in (manager, demo["reattest"]):
        for attempt in Attempt.objects.filter(user=other):
            assert str(attempt.public_id) not in text
        for row in Attestation.objects.filter(user=other):
            assert row.row_hash not in text
        for certificate in Certificate.objects.filter(user=other):
            assert certificate.display_serial not in text
        assert other.email not in text
    assert manager.warrant_number not in text
    assert not [event for event in data["audit_log"] if event["verb"] == "personal data"], (
        "the manager's download is in the manager's data, not the officer's"
    )
    assert two_people["manager_certificate"].display_serial in body


def test_each_download_is_in_the_audit_log_and_in_the_next_download(client, demo):
    officer = demo["officer"]
    download(client, officer)
    [event] = AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT, actor=officer)
    assert (event.verb, event.path) == ("personal data", DOWNLOAD)

    again = download(client, officer)
    assert [row["verb"] for row in again["audit_log"] if row["action"] == "Exported"] == ["personal data"]
    assert AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT, actor=officer).count() == 2


def test_the_page_is_not_a_download_and_is_not_recorded(client, demo):
    client.force_login(demo["officer"])
    client.get(PAGE)
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).exists()


def test_someone_with_no_training_gets_empty_lists(db):
    person = User.objects.create_user("newstarter", "new@attest.example", first_name="Robin", last_name="Lee")
    data = personal_data(person)
    assert data["profile"]["org_unit"] is None
    assert data["profile"]["line_manager"] is None
    for section in ("enrolments", "attempts", "attestations", "certificates", "reminders", "exemptions"):
        assert data[section] == [], section
    json.dumps(data)  # every value is JSON already


# The number of queries --------------------------------------------------------------------------

QUERIES = 17  # person, enrolments, attempts (+ answers, pinned scenarios, revisions), ledger,
# certificates (+ policy versions, + their events), reminders, exemptions, completions recorded by HR,
# audit log, sessions, MFA, single sign-on


def test_the_download_costs_the_same_queries_for_one_attempt(client, demo, django_assert_num_queries):
    officer = demo["officer"]
    certified(client, officer, demo["module"])
    assert Attempt.objects.filter(user=officer).count() == 1
    with django_assert_num_queries(QUERIES):
        data = personal_data(officer)
    assert len(data["attempts"]) == 1


def test_the_download_costs_the_same_queries_for_several_attempts(client, demo, django_assert_num_queries):
    officer, module = demo["officer"], demo["module"]
    for _ in range(3):
        answer_path(begin_module(officer, module), WrongOnFirstCritical())
    certified(client, officer, module)
    assert Attempt.objects.filter(user=officer).count() == 4
    with django_assert_num_queries(QUERIES):
        data = personal_data(officer)
    assert len(data["attempts"]) == 4
    assert (
        sum(len(row["responses"]) for row in data["attempts"]) == Response.objects.filter(attempt__user=officer).count()
    )


# Retention of answers ---------------------------------------------------------------------------


def answer_first_step(attempt: Attempt) -> None:
    step = walk(attempt).current
    record_response(attempt, step.position, sorted(step.correct_ids))


def age(attempts, years: float) -> None:
    """Move ``attempts`` (and their answers) ``years`` back in time, keeping their order."""
    back = years * YEAR
    Attempt.objects.filter(pk__in=[attempt.pk for attempt in attempts]).update(
        started_at=F("started_at") - back, completed_at=F("completed_at") - back
    )
    Response.objects.filter(attempt__in=attempts).update(answered_at=F("answered_at") - back)


@pytest.fixture
def old_and_new(client, two_people):
    """Sam's attempts finished seven years ago; Alex's today; and an attempt Alex started seven
    years ago and never finished, with one answer."""
    officer, manager, module = two_people["officer"], two_people["manager"], two_people["module"]
    old = list(Attempt.objects.filter(user=officer).order_by("number"))
    age(old, 7)
    new = list(Attempt.objects.filter(user=manager).order_by("number"))
    unfinished = begin_module(manager, module)
    answer_first_step(unfinished)
    age([Attempt.objects.get(pk=unfinished.pk)], 7)
    return {
        **two_people,
        "old": [Attempt.objects.get(pk=attempt.pk) for attempt in old],
        "unfinished": Attempt.objects.get(pk=unfinished.pk),
        "new": new,
    }


def ledger() -> list[tuple]:
    return list(Attestation.objects.order_by("pk").values_list("pk", "row_hash"))


def certificates() -> list[tuple]:
    return [(c.serial, c.status, c.issued_at, c.expires_on) for c in Certificate.objects.order_by("pk")]


def summaries(attempts) -> list[tuple]:
    return list(
        Attempt.objects.filter(pk__in=[attempt.pk for attempt in attempts])
        .order_by("pk")
        .values_list("status", "score_percent", "correct_count", "step_count", "started_at", "completed_at")
    )


def test_retention_removes_old_answers_and_keeps_the_evidence(old_and_new):
    old, unfinished, new = old_and_new["old"], old_and_new["unfinished"], old_and_new["new"]
    expected = Response.objects.filter(attempt__in=[*old, unfinished]).count()
    kept = Response.objects.filter(attempt__in=new).count()
    assert expected and kept
    ledger_before, certificates_before, summaries_before = ledger(), certificates(), summaries([*old, *new])

    assert remove_old_responses() == expected

    assert not Response.objects.filter(attempt__in=[*old, unfinished]).exists()
    assert Response.objects.filter(attempt__in=new).count() == kept, "newer answers are kept"
    assert summaries([*old, *new]) == summaries_before, "each attempt's score, result and dates stay"
    assert ledger() == ledger_before
    assert certificates() == certificates_before
    call_command("verify_ledger", stdout=io.StringIO())  # the chain still verifies


def test_a_retention_run_is_in_the_audit_log(old_and_new, settings):
    removed = remove_old_responses()
    [event] = AuditEvent.objects.filter(verb="retention")
    assert event.action == AuditEvent.Action.CHANGE
    assert event.actor is None, "a background job's"
    assert event.details["responses_removed"] == removed
    assert event.details["retention_years"] == settings.RESPONSE_RETENTION_YEARS
    older_than = datetime.datetime.fromisoformat(event.details["older_than"])
    assert abs(older_than - retention_cutoff()) < datetime.timedelta(minutes=1)


def test_retention_is_idempotent(old_and_new):
    first = remove_old_responses()
    remaining = Response.objects.count()
    assert first > 0
    assert remove_old_responses() == 0
    assert Response.objects.count() == remaining
    assert [event.details["responses_removed"] for event in AuditEvent.objects.filter(verb="retention")] == [0, first]


def test_the_cutoff_follows_the_setting_and_the_clock(two_people, settings):
    attempt = Attempt.objects.filter(user=two_people["officer"], status=Attempt.Status.PASSED).get()
    finished = attempt.completed_at
    settings.RESPONSE_RETENTION_YEARS = 2
    assert remove_old_responses(now=finished + 2 * YEAR - datetime.timedelta(days=2)) == 0
    assert attempt.responses.exists(), "not yet two years old"
    assert remove_old_responses(now=finished + 2 * YEAR + datetime.timedelta(days=2)) > 0
    assert not attempt.responses.exists()


def test_an_attempt_in_progress_within_the_period_keeps_its_answers(client, demo):
    attempt = begin_module(demo["officer"], demo["module"])
    answer_first_step(attempt)
    Attempt.objects.filter(pk=attempt.pk).update(started_at=timezone.now() - 5 * YEAR)
    assert remove_old_responses() == 0
    assert attempt.responses.count() == 1


def test_the_dry_run_changes_nothing(old_and_new):
    expected = responses_past_retention().count()
    before = Response.objects.count()
    out = io.StringIO()
    call_command("apply_retention", "--dry-run", stdout=out)
    assert f"Dry run: {expected} answers" in out.getvalue()
    assert "Nothing was changed" in out.getvalue()
    assert Response.objects.count() == before
    assert not AuditEvent.objects.filter(verb="retention").exists()


def test_the_command_runs_the_task(old_and_new):
    expected = responses_past_retention().count()
    out = io.StringIO()
    call_command("apply_retention", stdout=out)
    assert f"Answers removed: {expected}" in out.getvalue()
    assert not responses_past_retention().exists()
    assert AuditEvent.objects.filter(verb="retention").count() == 1


def test_after_retention_the_transcript_still_shows_each_attempt_and_score(client, old_and_new):
    remove_old_responses()
    officer = old_and_new["officer"]
    transcript = transcript_for(fresh(officer))
    records = transcript.modules[0].attempts
    assert [(record.result, record.score_percent) for record in records] == [
        ("Failed: critical step", old_and_new["old"][0].score_percent),
        ("Passed", 100),
    ]
    render_transcript(transcript)

    client.force_login(officer)
    response = client.get(reverse("records:transcript", args=[officer.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"


def test_after_retention_the_result_and_step_pages_still_work(client, old_and_new):
    remove_old_responses()
    officer = old_and_new["officer"]
    client.force_login(officer)
    for attempt in old_and_new["old"]:
        result = client.get(reverse("scenarios:result", args=[attempt.public_id]))
        assert result.status_code == 200
        assert f"{attempt.score_percent}%" in result.content.decode()
        step = client.get(reverse("scenarios:step", args=[attempt.public_id, 1]))
        assert step.status_code == 302


def test_after_retention_the_download_keeps_the_attempts_without_answers(client, old_and_new):
    remove_old_responses()
    data = download(client, old_and_new["officer"])
    assert [(row["score_percent"], row["responses"]) for row in data["attempts"]] == [
        (attempt.score_percent, []) for attempt in sorted(old_and_new["old"], key=lambda a: a.started_at)
    ]
    assert data["attestations"] and data["certificates"]


def test_after_retention_the_step_analytics_still_work(client, old_and_new, demo):
    remove_old_responses()
    sign_in_with_mfa(client, demo["trainer"])
    assert client.get("/admin/reports/scenario-steps/").status_code == 200
    assert client.get("/admin/reports/scenario-steps/", {"export": "csv"}).status_code == 200


# The setting -----------------------------------------------------------------------------------


def retention_years_setting(value: str | None) -> subprocess.CompletedProcess:
    environment = {key: item for key, item in os.environ.items() if key != "RESPONSE_RETENTION_YEARS"}
    if value is not None:
        environment["RESPONSE_RETENTION_YEARS"] = value
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; from django.conf import settings; django.setup(); print(settings.RESPONSE_RETENTION_YEARS)",
        ],
        cwd=ROOT,
        env={**environment, "DJANGO_SETTINGS_MODULE": "config.settings.test"},
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.parametrize(("value", "years"), [(None, "6"), ("1", "1"), ("10", "10")])
def test_the_retention_period_comes_from_the_environment(value, years):
    result = retention_years_setting(value)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == years


@pytest.mark.parametrize("value", ["0", "-3"])
def test_a_retention_period_under_a_year_is_refused(value):
    result = retention_years_setting(value)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "RESPONSE_RETENTION_YEARS must be 1 or more" in result.stderr
