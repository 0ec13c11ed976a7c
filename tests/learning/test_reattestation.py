"""A material change to a policy asks everyone who attested to an earlier version to attest
again; a minor change does not. The demo tells this story with the officer Priya Shah."""

import datetime

import pytest
from django.utils import timezone

from certificates.factories import PolicyVersionFactory
from certificates.models import Attestation, Certificate, PolicyVersion
from core.kept import Kept
from learning.models import Enrolment
from learning.services import module_progress
from tests.helpers import attest, attestation_form, certified


@pytest.fixture
def returning(client, demo):
    client.force_login(demo["reattest"])
    return client


def test_the_demo_officer_attested_to_the_first_version_before_the_second_took_effect(demo):
    (row,) = Attestation.objects.filter(user=demo["reattest"])
    assert row.policy_version.version_label == "1.0"
    assert row.attempt_id is not None
    certificate = Certificate.objects.get(attestation=row)
    assert certificate.current_state == "superseded"
    first, second = Enrolment.objects.filter(user=demo["reattest"]).order_by("cycle")
    assert (first.cycle, first.status, first.certificate_serial) == (1, "complete", certificate.serial)
    # Version 2.0, a material change, opened a new cycle: only the attestation is left to do.
    assert (second.cycle, second.status, second.certificate_serial) == (2, "passed", "")
    assert second.due_date == timezone.localdate() + datetime.timedelta(days=28)


def test_their_dashboard_asks_them_to_attest_again(returning, demo):
    page = returning.get("/").content.decode()
    assert "Policy updated: attest again" in page
    assert f'href="/modules/{demo["module"].pk}/attest/">Read version 2.0 and attest' in page
    assert "View certificate" not in page


def test_the_module_page_says_what_changed_and_that_no_retake_is_needed(returning, demo):
    page = returning.get(demo["module"].url).content.decode()
    assert "The policy has changed: attest to version 2.0" in page
    assert "You attested to version 1.0 on" in page
    assert "you do not need to retake the scenarios" in page
    form = returning.get(f"/modules/{demo['module'].pk}/attest/").content.decode()
    assert "You attested to version 1.0" in form
    assert "1. privately owned [i.e. non Met-issued] mobile devices must not be used to hold Met data" in form


def test_attesting_again_issues_a_new_certificate_and_supersedes_the_old_one(returning, demo):
    old = Certificate.objects.get(user=demo["reattest"])
    response = attest(returning, demo["module"], "Priya Shah")
    new = Certificate.objects.exclude(pk=old.pk).get(user=demo["reattest"])
    assert response.url == f"/certificates/{new.display_serial}/"
    assert new.policy_version.version_label == "2.0" and new.current_state == "valid"
    assert Enrolment.objects.current().get(user=demo["reattest"]).certificate_serial == new.serial
    page = returning.get("/").content.decode()
    assert "Policy updated" not in page and "Complete" in page
    verify = returning.get(f"/verify/{old.display_serial}/").content.decode()
    assert "replaced by a newer version" in verify


def test_a_replayed_reattestation_makes_no_second_row(returning, demo):
    attest(returning, demo["module"], "Priya Shah")
    again = returning.post(f"/modules/{demo['module'].pk}/attest/", attestation_form(demo["module"], "Priya Shah"))
    assert again.status_code in (200, 302)
    assert Attestation.objects.filter(user=demo["reattest"]).count() == 2
    assert Certificate.objects.filter(user=demo["reattest"]).count() == 2


def test_an_officer_who_never_attested_is_not_told_the_policy_changed(client, demo):
    client.force_login(demo["officer"])
    assert "Policy updated" not in client.get("/").content.decode()
    assert "The policy has changed" not in client.get(demo["module"].url).content.decode()


@pytest.fixture
def attested_to_second_version(client, demo):
    return certified(client, demo["officer"], demo["module"])


def new_version(demo, label, *, material, days_from_now=0):
    return PolicyVersionFactory(
        document=demo["module"].policy_document,
        version_label=label,
        effective_date=timezone.localdate() + datetime.timedelta(days=days_from_now),
        material=material,
        body="1. Reworded for clarity.",
        statement="I have read it.",
    )


def test_a_minor_change_asks_nobody_to_attest_again(client, demo, attested_to_second_version):
    new_version(demo, "2.1", material=False)
    progress = module_progress(demo["officer"], demo["module"])
    assert progress.complete and progress.certificate == attested_to_second_version
    assert attested_to_second_version.current_state == "valid"
    assert "Policy updated" not in client.get("/").content.decode()


def test_a_material_change_asks_again_once_it_takes_effect(client, demo, attested_to_second_version):
    future = new_version(demo, "3.0", material=True, days_from_now=7)
    assert module_progress(demo["officer"], demo["module"]).complete
    assert attested_to_second_version.current_state == "valid"
    PolicyVersion.objects.filter(pk=future.pk).update(effective_date=timezone.localdate())  # the day comes:
    Kept.forget_everything()  # what the day's pages read is kept by day, so a new day reads afresh
    progress = module_progress(demo["officer"], demo["module"])
    assert progress.reattest and progress.policy_version == future
    assert Certificate.objects.get(pk=attested_to_second_version.pk).current_state == "superseded"
    assert "Read version 3.0 and attest" in client.get("/").content.decode()


def test_a_minor_change_after_a_material_one_still_needs_the_material_one_attested(client, demo):
    new_version(demo, "2.1", material=False)
    progress = module_progress(demo["reattest"], demo["module"])
    assert progress.reattest and progress.policy_version.version_label == "2.1"


def test_whether_a_change_is_material_is_fixed_once_someone_attested(demo):
    first = PolicyVersion.objects.get(version_label="1.0")
    first.material = False
    with pytest.raises(PermissionError):
        first.save()
