"""Guarantees that rest on PostgreSQL: row locks, unique constraints and the ledger lock
under real concurrent requests. CI runs these in its PostgreSQL pass."""

import threading
from collections import Counter

import pytest
from django.db import connection
from django.test import Client

from certificates.models import Attestation, Certificate
from certificates.services import Context
from learning.factories import EnrolmentFactory
from learning.services import attest_to_module, begin_module
from people.factories import UserFactory
from scenarios.models import Attempt, Response
from scenarios.services import AttemptError, record_response, walk
from tests.helpers import answer_path, attestation_form


def shown_text(module) -> str:
    return module.policy_document.current_version().body_sha256


pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def run_together(count: int, work) -> list:
    """Run ``work(i)`` in ``count`` threads released at the same moment; return what each returned or raised."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def run(i: int) -> None:
        try:
            barrier.wait()
            results[i] = work(i)
        except Exception as error:  # the test inspects every outcome, errors included
            results[i] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def passed_attempt(user, module) -> Attempt:
    attempt = begin_module(user, module)
    answer_path(attempt)
    return attempt


def test_concurrent_answers_to_one_step_record_exactly_one(demo):
    attempt = begin_module(demo["officer"], demo["module"])
    choices = [[option.id] for option in walk(attempt).current.options]

    results = run_together(12, lambda i: record_response(Attempt.objects.get(pk=attempt.pk), 1, choices[i % 3]))

    assert Response.objects.filter(attempt=attempt).count() == 1
    outcomes = Counter(type(result).__name__ for result in results)
    assert outcomes["Response"] == 1
    assert outcomes["AlreadyAnswered"] == 11


def test_concurrent_starts_make_one_attempt(demo):
    results = run_together(10, lambda i: begin_module(demo["officer"], demo["module"]).pk)
    assert not [result for result in results if isinstance(result, AttemptError | Exception)]
    assert len(set(results)) == 1
    assert Attempt.objects.filter(user=demo["officer"]).count() == 1


def test_concurrent_attestations_make_one_row_and_one_certificate(demo):
    passed_attempt(demo["officer"], demo["module"])
    shown = shown_text(demo["module"])

    results = run_together(
        16,
        lambda i: attest_to_module(
            demo["officer"], demo["module"], "Sam Taylor", Context(ip_address="127.0.0.1"), shown_body_sha256=shown
        ),
    )

    assert not [result for result in results if isinstance(result, Exception)], results
    assert Attestation.objects.filter(user=demo["officer"]).count() == 1
    assert Certificate.objects.filter(user=demo["officer"]).count() == 1
    assert {result.certificate.pk for result in results} == {Certificate.objects.get(user=demo["officer"]).pk}
    assert sum(not result.already_attested for result in results) == 1


def test_fifty_concurrent_attestation_forms_make_one_row_and_one_certificate(demo):
    """Fifty browsers (a double-click, a replayed form, many tabs) post the same attestation at
    once through the whole request stack: one ledger row, one certificate, and every response is
    the certificate with a success or "already attested" message, or the "already attested" page."""
    officer, module = demo["officer"], demo["module"]
    passed_attempt(officer, module)
    form = attestation_form(module, "Sam Taylor")
    clients = []
    for _ in range(50):
        browser = Client(raise_request_exception=False)
        browser.force_login(officer)
        clients.append(browser)

    responses = run_together(50, lambda i: clients[i].post(f"/modules/{module.pk}/attest/", form))

    assert Attestation.objects.filter(user=officer).count() == 1
    certificate = Certificate.objects.get(user=officer)
    certificate_url = f"/certificates/{certificate.display_serial}/"
    outcomes = Counter()
    for browser, response in zip(clients, responses, strict=True):
        assert not isinstance(response, Exception), response
        if response.status_code == 302:
            assert response.url == certificate_url
            page = browser.get(certificate_url).content.decode()
            if "Attestation recorded. Your certificate has been issued." in page:
                outcomes["recorded"] += 1
            else:
                assert "You had already attested to this version. Here is your certificate." in page
                outcomes["already attested"] += 1
        else:
            assert response.status_code == 200, response.status_code
            assert "You have already attested" in response.content.decode()
            outcomes["already attested page"] += 1
    assert outcomes["recorded"] == 1, outcomes
    assert sum(outcomes.values()) == 50


def test_concurrent_attestations_by_different_people_keep_one_unbroken_chain(demo):
    people = [demo["officer"], demo["manager"]]
    for _ in range(6):
        person = UserFactory()
        EnrolmentFactory(user=person, module=demo["module"])
        people.append(person)
    for person in people:
        passed_attempt(person, demo["module"])
    shown = shown_text(demo["module"])

    results = run_together(
        len(people),
        lambda i: attest_to_module(
            people[i], demo["module"], people[i].get_full_name(), Context(), shown_body_sha256=shown
        ),
    )

    assert not [result for result in results if isinstance(result, Exception)], results
    rows = list(Attestation.objects.order_by("pk"))
    assert len(rows) == len(people) + 1
    assert rows[0].user == demo["reattest"]  # seed_demo's returning officer attested first
    assert {row.user_id for row in rows[1:]} == {person.pk for person in people}
    previous = "0" * 64
    for row in rows:
        assert row.previous_hash == previous
        assert row.row_hash == row.compute_hash()
        previous = row.row_hash


def test_concurrent_attestations_after_a_revocation_make_one_new_row(demo):
    """After HR revokes a certificate, the holder may attest to the same version once more:
    sixteen tabs doing so at once append one row, pointing at the revocation, and one certificate."""
    from certificates.services import revoke

    officer, module = demo["officer"], demo["module"]
    passed_attempt(officer, module)
    shown = shown_text(module)
    context = Context(ip_address="127.0.0.1")
    first = attest_to_module(officer, module, "Sam Taylor", context, shown_body_sha256=shown).certificate
    revoke(first, reason="Attested on behalf of another officer", by=demo["hr"])
    passed_attempt(officer, module)

    results = run_together(
        16, lambda i: attest_to_module(officer, module, "Sam Taylor", context, shown_body_sha256=shown)
    )

    assert not [result for result in results if isinstance(result, Exception)], results
    rows = list(Attestation.objects.filter(user=officer).order_by("pk"))
    assert [row.after_revocation_id for row in rows] == [None, first.pk]
    assert Certificate.objects.filter(user=officer).count() == 2
    assert sum(not result.already_attested for result in results) == 1
