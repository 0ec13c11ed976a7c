"""A revoked certificate sends its holder back to training: a new cycle with its own due date,
"Revoked: retake" and HR's reason on their pages, not complete in any report until they have
passed the scenarios again and attested again, to the same version, in a new ledger row that
points at the revocation."""

import datetime
import re

import pytest
from django.utils import timezone

from certificates.models import Attestation, Certificate
from certificates.services import AlreadyAttested, Context, attest, first_broken_row, revoke
from learning.models import Enrolment
from learning.services import RETAKE_WITHIN, begin_module, module_progress
from records.reports import current_enrolments, rows_by_unit
from tests.helpers import answer_path, certified, pass_module, sign_in_with_mfa
from tests.helpers import attest as post_attestation

TODAY = timezone.localdate()
REASON = "Attested on behalf of another officer"


@pytest.fixture
def sam(client, demo):
    """Sam Taylor, certified on the demo module, then revoked by HR."""
    certificate = certified(client, demo["officer"], demo["module"])
    return revoke(certificate, reason=REASON, by=demo["hr"], retake_due=TODAY + datetime.timedelta(days=10))


def enrolments(user, module) -> list[Enrolment]:
    return list(Enrolment.objects.filter(user=user, module=module).order_by("cycle"))


def test_revoking_opens_a_new_cycle_and_keeps_the_completed_one(sam, demo):
    first, second = enrolments(demo["officer"], demo["module"])
    assert (first.status, first.certificate_serial) == ("complete", sam.serial)  # what was true then
    assert (second.cycle, second.status, second.certificate_serial) == (2, "not_started", "")
    assert second.due_date == TODAY + datetime.timedelta(days=10)
    assert second.revoked_certificate == sam
    assert second.assignment_id == first.assignment_id


def test_without_a_date_the_retake_is_due_in_four_weeks(client, demo):
    revoke(certified(client, demo["officer"], demo["module"]), reason=REASON, by=demo["hr"])
    assert enrolments(demo["officer"], demo["module"])[-1].due_date == TODAY + RETAKE_WITHIN


def test_the_officer_sees_revoked_retake_and_the_reason(client, sam, demo):
    dashboard = client.get("/").content.decode()
    assert "Revoked: retake" in dashboard
    assert REASON in dashboard
    assert "View certificate" not in dashboard and ">Complete<" not in dashboard
    module_page = client.get(demo["module"].url).content.decode()
    assert "Retake this module" in module_page and REASON in module_page
    assert sam.display_serial in re.sub(r"<[^>]+>", "", module_page)  # its groups kept whole by spans
    assert f'action="/modules/{demo["module"].pk}/start/"' in module_page


def test_a_pass_before_the_revocation_does_not_let_them_attest(client, sam, demo):
    progress = module_progress(demo["officer"], demo["module"])
    assert progress.retake and not progress.complete and not progress.can_attest
    response = client.get(f"/modules/{demo['module'].pk}/attest/")
    assert response.status_code == 302 and response.url == demo["module"].url
    before = Attestation.objects.count()
    post_attestation(client, demo["module"], "Sam Taylor")
    assert Attestation.objects.count() == before


def test_they_count_as_not_complete_in_reports_and_on_my_team(client, sam, demo):
    officer = demo["officer"]
    current = current_enrolments().get(user=officer, module=demo["module"])
    assert current.status == "not_started"
    unit = next(row for row in rows_by_unit(current_enrolments()) if row.key == officer.org_unit_id)
    complete_before_revocation = unit.complete
    assert unit.not_started >= 1
    sign_in_with_mfa(client, demo["manager"])
    team = client.get("/team/").content.decode()
    assert "Revoked: retake" in team
    # Retaking and attesting again makes them complete again, counted once.
    client.force_login(officer)
    pass_module(client, demo["module"])
    post_attestation(client, demo["module"], "Sam Taylor")
    unit = next(row for row in rows_by_unit(current_enrolments()) if row.key == officer.org_unit_id)
    assert unit.complete == complete_before_revocation + 1


def test_retaking_and_attesting_again_issues_a_new_certificate_on_a_new_row(client, sam, demo):
    officer, module = demo["officer"], demo["module"]
    pass_module(client, module)
    assert module_progress(officer, module).can_attest
    form = client.get(f"/modules/{module.pk}/attest/").content.decode()
    assert "You have passed the scenarios again: read the policy and attest again" in form
    response = post_attestation(client, module, "Sam Taylor")

    first, again = Attestation.objects.filter(user=officer).order_by("pk")
    assert first.policy_version == again.policy_version  # the same version, attested twice
    assert again.after_revocation == sam
    assert again.pk > first.pk and again.previous_hash != first.previous_hash
    new = Certificate.objects.get(attestation=again)
    assert new.serial != sam.serial and new.current_state == "valid"
    assert response.url == f"/certificates/{new.display_serial}/"
    assert Certificate.objects.get(pk=sam.pk).status == Certificate.Status.REVOKED
    current = enrolments(officer, module)[-1]
    assert (current.status, current.certificate_serial) == ("complete", new.serial)
    assert first_broken_row() is None
    dashboard = client.get("/").content.decode()
    assert "Revoked: retake" not in dashboard and "Complete" in dashboard

    # A replayed form makes no third row.
    post_attestation(client, module, "Sam Taylor")
    assert Attestation.objects.filter(user=officer).count() == 2


def test_each_revocation_allows_one_more_attestation(client, sam, demo):
    officer, module = demo["officer"], demo["module"]
    pass_module(client, module)
    post_attestation(client, module, "Sam Taylor")
    second = Certificate.objects.filter(user=officer).exclude(pk=sam.pk).get()
    revoke(second, reason="Again", by=demo["hr"])
    assert [e.cycle for e in enrolments(officer, module)] == [1, 2, 3]
    pass_module(client, module)
    post_attestation(client, module, "Sam Taylor")
    rows = list(Attestation.objects.filter(user=officer).order_by("pk"))
    assert [row.after_revocation for row in rows] == [None, sam, second]


def test_the_ledger_refuses_a_second_attestation_that_points_at_no_revocation(client, sam, demo):
    officer = demo["officer"]
    version = sam.policy_version
    with pytest.raises(AlreadyAttested):
        attest(officer, version, "Sam Taylor", Context())
    someone_elses = certified(client, demo["reattest"], demo["module"])
    with pytest.raises(ValueError, match="own revoked certificate"):
        attest(officer, version, "Sam Taylor", Context(), after_revocation=someone_elses)
    row = attest(officer, version, "Sam Taylor", Context(), after_revocation=sam)
    with pytest.raises(AlreadyAttested) as refused:
        attest(officer, version, "Sam Taylor", Context(), after_revocation=sam)  # once per revocation
    assert refused.value.attestation == row


def test_the_pointer_to_the_revocation_is_inside_the_row_hash(sam, demo):
    row = attest(demo["officer"], sam.policy_version, "Sam Taylor", Context(), after_revocation=sam)
    assert f'"after_revocation":{sam.pk}' in row.canonical()
    assert '"after_revocation"' not in sam.attestation.canonical()  # rows before it keep their hashes
    assert sam.attestation.compute_hash() == sam.attestation.row_hash
    row.after_revocation = None
    assert row.compute_hash() != row.row_hash


def test_a_retake_is_not_refused_for_attempts_used_before_the_revocation(client, demo):
    module, officer = demo["module"], demo["officer"]
    module.max_attempts = 1
    module.save_revision().publish()
    certificate = certified(client, officer, module)
    revoke(certificate, reason=REASON, by=demo["hr"])
    attempt = begin_module(officer, module)  # the limit counts attempts since the revocation
    answer_path(attempt)
    assert module_progress(officer, module).can_attest


def test_revoking_an_older_certificate_leaves_a_newer_one_alone(client, demo):
    """Priya attested to version 1.0 and, after 2.0 took effect, to 2.0: revoking the old
    certificate opens nothing."""
    priya, module = demo["reattest"], demo["module"]
    client.force_login(priya)
    post_attestation(client, module, "Priya Shah")
    old = Certificate.objects.get(user=priya, policy_version__version_label="1.0")
    cycles = enrolments(priya, module)
    revoke(old, reason=REASON, by=demo["hr"])
    assert enrolments(priya, module) == cycles
    assert module_progress(priya, module).complete


def test_revoking_while_a_reattestation_waits_sends_them_back_to_the_scenarios(client, demo):
    """Priya's cycle asks only for an attestation to version 2.0; revoking her 1.0 certificate
    means her old pass no longer counts."""
    priya, module = demo["reattest"], demo["module"]
    old = Certificate.objects.get(user=priya)
    revoke(old, reason=REASON, by=demo["hr"])
    current = enrolments(priya, module)[-1]
    assert current.status in ("not_started", "in_progress") and current.revoked_certificate == old
    assert not module_progress(priya, module).can_attest


def test_hr_gives_the_retake_date_on_the_revoke_form(client, demo):
    certificate = certified(client, demo["officer"], demo["module"])
    sign_in_with_mfa(client, demo["hr"])
    url = f"/admin/certificates/{certificate.serial}/revoke/"
    form = client.get(url).content.decode()
    assert "Retake due by" in form and (TODAY + RETAKE_WITHIN).isoformat() in form
    past = client.post(url, {"reason": REASON, "retake_due": (TODAY - datetime.timedelta(days=1)).isoformat()})
    assert "The retake date has passed" in past.content.decode()
    assert Certificate.objects.get(pk=certificate.pk).status == "valid"
    assert len(enrolments(demo["officer"], demo["module"])) == 1
    due = TODAY + datetime.timedelta(days=21)
    response = client.post(url, {"reason": REASON, "retake_due": due.isoformat()}, follow=True)
    assert f"must retake {demo['module'].title} by {due:%-d %B %Y}" in response.content.decode()
    assert enrolments(demo["officer"], demo["module"])[-1].due_date == due


def test_your_data_names_the_revocation_each_attestation_followed(client, sam, demo):
    from tests.records.test_privacy import download

    pass_module(client, demo["module"])
    post_attestation(client, demo["module"], "Sam Taylor")
    rows = download(client, demo["officer"])["attestations"]
    assert [row["after_revocation_of"] for row in rows] == [None, sam.display_serial]


def test_the_transcript_shows_the_attestation_made_again_after_the_revocation(client, sam, demo):
    from records.transcript import render_transcript, transcript_for
    from tests.records.test_transcript import pdf_text

    pass_module(client, demo["module"])
    post_attestation(client, demo["module"], "Sam Taylor")
    transcript = transcript_for(demo["officer"])
    assert [row.after_revocation_of for row in transcript.attestations] == ["", sam.display_serial]
    text = pdf_text(render_transcript(transcript)).replace(" ", "")  # a narrow cell: words wrap
    assert f"again,aftercertificate{sam.display_serial}wasrevoked" in text
