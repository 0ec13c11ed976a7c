"""Policy owners draft, approve and publish policies in the admin. Publishing stores a new
immutable version only when the text changed; a material version opens a re-attestation
cycle with a due date for everyone who had completed a module using the policy, and those
officers see what changed before they attest again."""

import datetime
from collections import Counter

import pytest
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st
from wagtail.models import ModelLogEntry

from certificates.diff import compare, paragraphs, summary
from certificates.factories import PolicyVersionFactory
from certificates.models import Attestation, Certificate, PolicyVersion
from core.kept import Kept
from learning.models import Enrolment, ReattestationCycle
from learning.services import open_due_reattestation_cycles
from tests.helpers import attest, certified, sign_in_with_mfa

EDIT = "/admin/snippets/certificates/policydocument/edit/{}/"


@pytest.fixture
def policy(demo):
    return demo["module"].policy_document


@pytest.fixture
def officer_certificate(client, demo):
    """Sam Taylor completes the module on the version in force (2.0)."""
    certificate = certified(client, demo["officer"], demo["module"])
    client.logout()
    return certificate


def edit_form(policy, **changes) -> dict:
    fields = {
        "title": policy.title,
        "reference": policy.reference,
        "owner": policy.owner,
        "version_label": policy.version_label,
        "effective_date": policy.effective_date.isoformat() if policy.effective_date else "",
        "reattest_within_days": policy.reattest_within_days,
        "body": policy.body,
        "statement": policy.statement,
    }
    if policy.material:
        fields["material"] = "on"
    if "body" in changes and "statement" not in changes:  # new text: its statement names the new version
        fields["statement"] = policy.statement.replace(
            f"version {policy.version_label}", f"version {changes.get('version_label', policy.version_label)}"
        )
    fields.update(changes)
    return {name: value for name, value in fields.items() if value is not None}


def reworded(policy) -> str:
    return policy.body.replace("must have a clear policing purpose", "must have a lawful policing purpose") + (
        "\n\n11. Report the loss of a personal device that held Met data to your line manager at once."
    )


def publish(client, policy, **changes):
    return client.post(EDIT.format(policy.pk), {**edit_form(policy, **changes), "action-publish": "action-publish"})


def test_the_draft_starts_from_the_version_in_force(policy):
    latest = policy.versions.order_by("-pk").first()
    assert (policy.version_label, policy.body, policy.statement) == (
        latest.version_label,
        latest.body,
        latest.statement,
    )
    assert not policy.text_changed()


def test_the_edit_form_lists_the_stored_versions(client, demo, policy):
    sign_in_with_mfa(client, demo["policyowner"])
    page = client.get(EDIT.format(policy.pk)).content.decode()
    assert "Version 1.0, in force from 1 January 2020: the first version" in page
    assert "Version 2.0, in force from" in page and "a material change" in page
    assert client.get("/admin/snippets/certificates/policydocument/add/").status_code == 200


def test_publishing_new_text_stores_a_new_version(client, demo, policy):
    sign_in_with_mfa(client, demo["policyowner"])
    response = publish(client, policy, version_label="2.1", material=None, body=reworded(policy))
    assert response.status_code == 302, response.content.decode()[:2000]
    version = policy.versions.get(version_label="2.1")
    assert not version.material
    assert version.effective_date == timezone.localdate()
    assert "11. Report the loss of a personal device" in version.body
    assert version.revision.user == demo["policyowner"]
    assert policy.current_version() == version


def test_republishing_unchanged_text_stores_nothing_and_touches_no_attestation(client, demo, policy):
    attestations = list(Attestation.objects.values_list("pk", "row_hash"))
    versions = list(PolicyVersion.objects.values_list("pk", "body_sha256"))
    enrolments = Enrolment.objects.count()
    sign_in_with_mfa(client, demo["policyowner"])
    # The same words, re-spaced and sent with Windows line endings: still the same text.
    response = publish(client, policy, body=policy.body.replace("\n\n", "  \r\n\r\n"))
    assert response.status_code == 302
    assert list(PolicyVersion.objects.values_list("pk", "body_sha256")) == versions
    assert list(Attestation.objects.values_list("pk", "row_hash")) == attestations
    assert Enrolment.objects.count() == enrolments
    assert ReattestationCycle.objects.count() == 1  # the demo's own, for version 2.0


def test_a_minor_change_opens_no_cycle(client, demo, policy, officer_certificate):
    enrolments = Enrolment.objects.count()
    sign_in_with_mfa(client, demo["policyowner"])
    publish(client, policy, version_label="2.1", material=None, body=reworded(policy))
    assert Enrolment.objects.count() == enrolments
    assert not ReattestationCycle.objects.filter(policy_version__version_label="2.1").exists()
    assert Certificate.objects.get(pk=officer_certificate.pk).current_state == "valid"
    client.force_login(demo["officer"])
    assert "Policy updated" not in client.get("/").content.decode()


def test_a_material_change_opens_a_cycle_supersedes_certificates_and_shows_the_diff(
    client, demo, policy, officer_certificate
):
    sign_in_with_mfa(client, demo["policyowner"])
    publish(client, policy, version_label="3.0", reattest_within_days=14, body=reworded(policy))
    version = policy.versions.get(version_label="3.0")
    cycle = ReattestationCycle.objects.get(policy_version=version)
    assert cycle.due_date == timezone.localdate() + datetime.timedelta(days=14)

    officer = Enrolment.objects.current().get(user=demo["officer"])
    assert (officer.cycle, officer.status, officer.due_date) == (2, "passed", cycle.due_date)
    # Priya Shah had not yet attested to 2.0: she attests to the version in force, on her open cycle.
    assert Enrolment.objects.filter(user=demo["reattest"]).count() == 2
    # People who never completed the module are not given a cycle: they attest when they finish.
    assert Enrolment.objects.filter(user=demo["manager"]).count() == 1
    assert cycle.enrolled == 1
    assert Certificate.objects.get(pk=officer_certificate.pk).current_state == "superseded"

    client.force_login(demo["officer"])
    dashboard = client.get("/").content.decode()
    assert "Policy updated: attest again" in dashboard and "Read version 3.0 and attest" in dashboard
    assert cycle.due_date.strftime("%-d %B %Y") in dashboard
    page = client.get(f"/modules/{demo['module'].pk}/attest/").content.decode()
    assert "What changed since version 2.0" in page
    assert "1 clause changed and 1 added." in page
    assert '<del><span class="govuk-visually-hidden">removed: </span>clear</del>' in page
    assert '<ins><span class="govuk-visually-hidden">added: </span>lawful</ins>' in page
    assert '<ins class="attest-diff__whole">Report the loss of a personal device' in page

    attest(client, demo["module"], "Sam Taylor")
    assert Enrolment.objects.current().get(user=demo["officer"]).status == "complete"
    assert Certificate.objects.get(user=demo["officer"], policy_version=version).current_state == "valid"


def test_a_version_taking_effect_later_opens_its_cycle_on_that_day(client, demo, policy, officer_certificate):
    sign_in_with_mfa(client, demo["policyowner"])
    later = timezone.localdate() + datetime.timedelta(days=10)
    publish(client, policy, version_label="3.0", effective_date=later.isoformat(), body=reworded(policy))
    version = policy.versions.get(version_label="3.0")
    assert not ReattestationCycle.objects.filter(policy_version=version).exists()
    assert open_due_reattestation_cycles() == []
    assert Certificate.objects.get(pk=officer_certificate.pk).current_state == "valid"

    PolicyVersion.objects.filter(pk=version.pk).update(effective_date=timezone.localdate())  # the day comes:
    Kept.forget_everything()  # what the day's pages read is kept by day, so a new day reads afresh
    (cycle,) = open_due_reattestation_cycles()
    assert cycle.policy_version == version and cycle.enrolled == 1
    assert open_due_reattestation_cycles() == []  # run again: nothing more
    assert Enrolment.objects.filter(user=demo["officer"]).count() == 2


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"version_label": "2.0"}, "version_label", "Version 2.0 is already stored with different text"),
        ({"version_label": ""}, "version_label", "Required: publishing this text stores it as a new version"),
        ({"statement": ""}, "statement", "Required"),
        ({"effective_date": "2020-01-01", "version_label": "3.0"}, "effective_date", "cannot take effect in the past"),
        ({"reattest_within_days": "0", "version_label": "3.0"}, "reattest_within_days", "greater than or equal to 1"),
    ],
)
def test_a_new_version_that_cannot_be_stored_is_explained_and_nothing_changes(
    client, demo, policy, changes, field, message
):
    versions = PolicyVersion.objects.count()
    sign_in_with_mfa(client, demo["policyowner"])
    response = publish(client, policy, **{"body": reworded(policy), **changes})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert field in response.context["form"].errors
    assert PolicyVersion.objects.count() == versions
    policy.refresh_from_db()
    assert not policy.text_changed()


def test_a_submitted_change_is_stored_only_when_a_policy_owner_approves_it(client, demo, policy):
    sign_in_with_mfa(client, demo["policyowner"])
    response = client.post(
        EDIT.format(policy.pk),
        {**edit_form(policy, version_label="3.0", body=reworded(policy)), "action-submit": "action-submit"},
    )
    assert response.status_code == 302
    assert not policy.versions.filter(version_label="3.0").exists()
    policy.refresh_from_db()
    state = policy.current_workflow_state
    assert state is not None and state.status == "in_progress"

    task_state = state.current_task_state
    task_state.task.specific.on_action(task_state, demo["policyowner"], "approve")
    assert policy.versions.filter(version_label="3.0").exists()
    assert ModelLogEntry.objects.filter(object_id=str(policy.pk), action="wagtail.publish").exists()


def test_only_policy_owners_publish_policies(client, demo, policy):
    for person in ("trainer", "hr"):
        sign_in_with_mfa(client, demo[person])
        publish(client, policy, version_label="3.0", body=reworded(policy))
    client.force_login(demo["officer"])
    assert client.get(EDIT.format(policy.pk)).status_code == 403  # refused, not sent to sign in again
    publish(client, policy, version_label="3.0", body=reworded(policy))
    assert not policy.versions.filter(version_label="3.0").exists()


def test_the_diff_marks_words_and_clauses():
    old = "Heading\n\n1. Use a landline or a radio.\n\n2. Never use 141.\n\n3. Keep records."
    new = "Heading\n\n1. Use a landline, a radio or a Met phone.\n\n3. Keep records on CRIS.\n\n4. Report losses."
    changes = compare(old, new)
    assert [change.kind for change in changes if change.kind != "same"] == ["changed", "removed", "changed", "added"]
    counts = summary(changes)
    assert (counts.added, counts.removed, counts.changed, counts.renumbered) == (1, 1, 2, 0)
    records = changes[3]
    assert [(part.kind, part.text) for part in records.words] == [
        ("same", "Keep"),
        ("removed", "records."),
        ("added", "records on CRIS."),
    ]
    assert changes[2].old_text == "2. Never use 141."
    assert changes[1].old_text == "1. Use a landline or a radio."
    assert changes[1].new_text == "1. Use a landline, a radio or a Met phone."


clause = st.text(alphabet="abc .", min_size=1, max_size=30).filter(lambda text: text.strip())


@given(st.lists(clause, max_size=6), st.lists(clause, max_size=6))
def test_the_diff_gives_back_both_wordings(old, new):
    old_body, new_body = "\n\n".join(old), "\n\n".join(new)
    changes = compare(old_body, new_body)
    # Clauses are matched by their words wherever they stand, so the old paragraphs come back
    # complete but, where one moved, not in their old order.
    assert Counter(change.old_text for change in changes if change.kind != "added") == Counter(paragraphs(old_body))
    assert [change.new_text for change in changes if change.kind != "removed"] == paragraphs(new_body)


def test_changing_only_the_label_of_unchanged_text_is_refused(client, demo, policy):
    sign_in_with_mfa(client, demo["policyowner"])
    response = publish(client, policy, version_label="2.1")
    assert response.status_code == 200
    assert "publishing would store no new version" in response.content.decode()
    assert not policy.versions.filter(version_label="2.1").exists()


def test_a_new_version_cannot_take_effect_before_the_one_stored_last(client, demo, policy):
    sign_in_with_mfa(client, demo["policyowner"])
    later = timezone.localdate() + datetime.timedelta(days=30)
    publish(client, policy, version_label="3.0", effective_date=later.isoformat(), body=reworded(policy))
    policy.refresh_from_db()
    response = publish(client, policy, version_label="3.1", effective_date="", body=policy.body + "\n\n12. More.")
    assert response.status_code == 200
    assert "Version 3.0 takes effect on" in response.content.decode()
    assert not policy.versions.filter(version_label="3.1").exists()


def test_a_publish_that_loses_a_race_for_its_label_saves_nothing(client, demo, policy, monkeypatch):
    """Two owners publish at once: the form was checked before the other's version was stored."""
    from wagtail.models import Revision

    from certificates.models import PolicyDocument

    sign_in_with_mfa(client, demo["policyowner"])
    PolicyVersionFactory(document=policy, version_label="3.0", body="Other.", statement="Other.")
    monkeypatch.setattr(PolicyDocument, "clean", lambda self: None)  # as if checked before that version existed
    revisions = Revision.objects.count()
    response = publish(client, policy, version_label="3.0", body=reworded(policy))
    assert response.status_code == 200
    assert "Version 3.0 is already stored with different text" in response.content.decode()
    assert Revision.objects.count() == revisions
    policy.refresh_from_db()
    assert policy.version_label == "2.0" and policy.body == policy.versions.get(version_label="2.0").body
    assert policy.versions.get(version_label="3.0").body == "Other."


def direct_version(policy, label, *, material, body):
    return PolicyVersionFactory(
        document=policy, version_label=label, material=material, body=body, statement="I have read it."
    )


def test_a_cycle_opened_late_leaves_out_people_who_attested_to_a_later_minor_version(client, demo, policy):
    third = direct_version(policy, "3.0", material=True, body="1. Third.")
    direct_version(policy, "3.1", material=False, body="1. Third, reworded.")
    certified(client, demo["officer"], demo["module"])  # attests to 3.1, the version in force
    (cycle,) = open_due_reattestation_cycles()
    assert cycle.policy_version == third and cycle.enrolled == 0
    assert Enrolment.objects.current().get(user=demo["officer"]).status == "complete"


def test_a_material_version_already_replaced_opens_no_cycle(client, demo, policy, officer_certificate):
    direct_version(policy, "3.0", material=True, body="1. Third.")
    fourth = direct_version(policy, "4.0", material=True, body="1. Fourth.")
    (cycle,) = open_due_reattestation_cycles()
    assert cycle.policy_version == fourth and cycle.enrolled == 1
    assert open_due_reattestation_cycles() == []


def test_a_changed_statement_is_shown_with_the_clauses(client, demo, policy, officer_certificate):
    sign_in_with_mfa(client, demo["policyowner"])
    rewritten = policy.statement.replace("version 2.0", "version 3.0")
    publish(client, policy, version_label="3.0", statement=rewritten + " I will record any emergency call.")
    client.force_login(demo["officer"])
    page = client.get(f"/modules/{demo['module'].pk}/attest/").content.decode()
    assert "No clause changed. The attestation statement changed too." in page
    assert "Attestation statement changed" in page
    assert "added: </span>I will record any emergency call." in page


def test_an_exempt_person_is_not_asked_to_attest_again(client, demo, policy, officer_certificate):
    from learning.services import exempt

    exempt(demo["officer"], demo["module"], reason="Seconded to another force", by=demo["hr"])
    sign_in_with_mfa(client, demo["policyowner"])
    publish(client, policy, version_label="3.0", body=reworded(policy))
    assert ReattestationCycle.objects.get(policy_version__version_label="3.0").enrolled == 0
    assert Enrolment.objects.filter(user=demo["officer"]).count() == 1
