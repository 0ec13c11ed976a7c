"""A read-and-acknowledge policy: a module ticked "attestation only: no scenarios" asks the
officer to read the policy version in force and attest, with nothing to pass first. Only the
tick makes a module attestation only: one whose scenarios are all unpublished still asks for a
pass."""

import pytest
from django.core.exceptions import ValidationError

from certificates.factories import PolicyVersionFactory
from certificates.models import Attestation, Certificate
from learning.factories import EnrolmentFactory, ModulePageFactory
from learning.models import Enrolment, module_progress
from learning.services import NotReadyToAttest, attest_to_module
from scenarios.factories import ScenarioPageFactory
from scenarios.models import Attempt
from tests.helpers import attestation_form


@pytest.fixture
def policy(demo):
    return PolicyVersionFactory(version_label="1.0").document


@pytest.fixture
def module(policy):
    return ModulePageFactory(title="Handling of seized devices", attestation_only=True, policy_document=policy)


@pytest.fixture
def officer(client, demo, module):
    EnrolmentFactory(user=demo["officer"], module=module)
    client.force_login(demo["officer"])
    return demo["officer"]


def attest_path(module) -> str:
    return f"/modules/{module.pk}/attest/"


def test_an_officer_reads_and_attests_and_gets_a_certificate(client, module, officer):
    dashboard = client.get("/").content.decode()
    assert attest_path(module) in dashboard and "Read the policy and attest" in dashboard

    page = client.get(module.url).content.decode()
    assert "There are no scenarios to pass" in page and "Read version 1.0" in page
    assert attest_path(module) in page
    assert "Start now" not in page and "Pass mark" not in page and "Scenarios</h2>" not in page

    form = client.get(attest_path(module))
    assert form.status_code == 200
    assert "This module has no scenarios: your attestation is what completes it" in form.content.decode()

    response = client.post(attest_path(module), attestation_form(module, officer.get_full_name()))
    certificate = Certificate.objects.get(user=officer)
    assert response.status_code == 302 and response.url == f"/certificates/{certificate.display_serial}/"
    assert certificate.module_id == module.pk and certificate.policy_version == module.policy_document.current_version()
    attestation = Attestation.objects.get(user=officer)
    assert attestation.attempt_id is None  # it rests on no attempt: there were no scenarios
    enrolment = Enrolment.objects.get(user=officer, module=module)
    assert (enrolment.status, enrolment.certificate_serial) == ("complete", certificate.serial)
    assert not Attempt.objects.filter(user=officer, module_id=module.pk).exists()

    assert client.get(response.url).status_code == 200
    assert "Module complete" in client.get(module.url).content.decode()


def test_start_sends_the_officer_to_the_policy_and_starts_no_attempt(client, module, officer):
    response = client.post(f"/modules/{module.pk}/start/")
    assert response.status_code == 302 and response.url == attest_path(module)
    assert not Attempt.objects.filter(user=officer, module_id=module.pk).exists()


def test_someone_not_assigned_the_module_cannot_attest(client, demo, module):
    client.force_login(demo["trainer"])
    assert client.get(attest_path(module)).status_code == 403
    client.post(attest_path(module), attestation_form(module, demo["trainer"].get_full_name()))
    assert not Certificate.objects.filter(user=demo["trainer"], module_id=module.pk).exists()


def test_signed_out_is_sent_to_sign_in(client, module):
    response = client.get(attest_path(module))
    assert response.status_code == 302 and "login" in response.url


def test_with_no_policy_in_force_there_is_nothing_to_attest_to(client, demo, module, officer):
    module.policy_document.versions.update(effective_date="2099-01-01")
    response = client.get(attest_path(module))
    assert response.status_code == 302 and response.url == module.url
    assert "not in force yet" in client.get(module.url).content.decode()
    assert not Certificate.objects.filter(user=officer).exists()


def test_a_normal_module_still_asks_for_a_pass(client, demo):
    client.force_login(demo["officer"])  # enrolled on the demo module, not passed
    module = demo["module"]
    response = client.post(attest_path(module), attestation_form(module, demo["officer"].get_full_name()))
    assert response.status_code == 302 and response.url == module.url
    assert not Certificate.objects.filter(user=demo["officer"], module_id=module.pk).exists()


def test_a_module_whose_scenarios_are_all_unpublished_is_not_attestation_only(client, demo, policy):
    module = ModulePageFactory(policy_document=policy)  # not ticked
    ScenarioPageFactory(parent=module).unpublish()
    EnrolmentFactory(user=demo["officer"], module=module)
    assert not module_progress(demo["officer"], module).can_attest
    with pytest.raises(NotReadyToAttest, match="Pass the module's scenarios"):
        attest_to_module(demo["officer"], module, "Sam Taylor", _context(), shown_body_sha256="x")
    client.force_login(demo["officer"])
    client.post(attest_path(module), attestation_form(module, demo["officer"].get_full_name()))
    assert not Certificate.objects.filter(user=demo["officer"], module_id=module.pk).exists()


def _context():
    from certificates.services import Context

    return Context(ip_address="127.0.0.1", user_agent="test")


def test_an_attestation_only_module_with_live_scenarios_is_refused(demo):
    module = demo["module"]  # it has live scenarios
    module.attestation_only = True
    with pytest.raises(ValidationError) as refused:
        module.full_clean()
    assert "This module has live scenarios: unpublish them" in str(refused.value.message_dict["attestation_only"])


def test_an_attestation_only_module_needs_a_policy(demo):
    module = ModulePageFactory(attestation_only=False)
    module.attestation_only = True
    with pytest.raises(ValidationError) as refused:
        module.full_clean()
    assert "needs the policy" in str(refused.value.message_dict["policy_document"])


def test_an_attestation_only_module_with_only_unpublished_scenarios_is_accepted(module):
    ScenarioPageFactory(parent=module).unpublish()
    module.full_clean()  # no error: officers never see a draft


def test_the_policy_owner_ticks_it_in_the_page_editor(client, demo, module):
    """The tick is on the module's edit page, in "Completion", for those who edit modules."""
    from tests.helpers import sign_in_with_mfa

    sign_in_with_mfa(client, demo["policyowner"])
    page = client.get(f"/admin/pages/{module.pk}/edit/").content.decode()
    assert 'name="attestation_only"' in page and "Attestation only: no scenarios" in page
    client.force_login(demo["officer"])
    assert client.get(f"/admin/pages/{module.pk}/edit/").status_code in (302, 403)


def module_form(module, **fields) -> dict:
    from wagtail.test.utils.form_data import nested_form_data, rich_text

    return nested_form_data(
        {
            "title": module.title,
            "slug": module.slug,
            "summary": module.summary,
            "learning_outcomes": rich_text(""),
            "estimated_minutes": 10,
            "pass_mark": 80,
            "max_attempts": "",
            "policy_document": module.policy_document_id or "",
            "certificate_validity_months": 12,
            **fields,
        }
    )


def test_the_editor_refuses_the_tick_on_a_module_with_live_scenarios(client, demo):
    from tests.helpers import sign_in_with_mfa

    sign_in_with_mfa(client, demo["policyowner"])
    module = demo["module"]
    response = client.post(f"/admin/pages/{module.pk}/edit/", module_form(module, attestation_only="on"))
    assert response.status_code == 200
    assert "This module has live scenarios: unpublish them" in response.content.decode()
    module.refresh_from_db()
    assert not module.attestation_only and not module.get_latest_revision_as_object().attestation_only


def test_the_editor_accepts_the_tick_on_a_module_with_no_live_scenarios(client, demo, policy):
    from tests.helpers import sign_in_with_mfa

    module = ModulePageFactory(policy_document=policy)
    sign_in_with_mfa(client, demo["policyowner"])
    response = client.post(f"/admin/pages/{module.pk}/edit/", module_form(module, attestation_only="on"))
    assert response.status_code == 302
    module.refresh_from_db()
    assert module.get_latest_revision_as_object().attestation_only


def test_after_a_revocation_the_officer_reads_and_attests_again(client, demo, module, officer):
    from certificates.services import revoke

    client.post(attest_path(module), attestation_form(module, officer.get_full_name()))
    first = Certificate.objects.get(user=officer)
    revoke(first, reason="Attested for a colleague", by=demo["hr"])
    page = client.get(module.url).content.decode()
    assert "Read the policy and attest" in page and "Attested for a colleague" in page
    assert "Read the policy and attest again" in client.get(attest_path(module)).content.decode()
    response = client.post(attest_path(module), attestation_form(module, officer.get_full_name()))
    second = Certificate.objects.filter(user=officer).exclude(pk=first.pk).get()
    assert response.url == f"/certificates/{second.display_serial}/"
    assert Enrolment.objects.current().get(user=officer, module=module).status == "complete"


def test_no_scenario_can_be_added_to_an_attestation_only_module(client, demo, module):
    from tests.helpers import sign_in_with_mfa

    sign_in_with_mfa(client, demo["trainer"])
    add_to = "/admin/pages/add/scenarios/scenariopage/{}/"
    response = client.get(add_to.format(module.pk), follow=True)
    assert response.redirect_chain[0][0] == f"/admin/pages/{module.pk}/"
    assert "is attestation only: untick" in response.content.decode()
    with_scenarios = ModulePageFactory(title="Contacting the public again")
    assert client.get(add_to.format(with_scenarios.pk)).status_code == 200
