"""The certificate rules, each written once: the policy versions in force on a day, those still
binding, and a certificate's state on a day (valid, expired, superseded or revoked)."""

import datetime

import pytest
from django.utils import timezone

from certificates.archive import StateCache
from certificates.models import Certificate, PolicyDocument, PolicyVersion
from certificates.services import Context, attest, issue_certificate, revoke
from people.factories import UserFactory
from tests.helpers import issued_long_ago, mark_superseded

DAY = datetime.timedelta(days=1)


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def policy(db):
    return PolicyDocument.objects.create(title="Rules policy", reference="RULES-1")


@pytest.fixture
def version(policy):
    def version(label: str, effective_date: datetime.date, *, material: bool = True) -> PolicyVersion:
        return PolicyVersion.objects.create(
            document=policy,
            version_label=label,
            effective_date=effective_date,
            body=f"1. The words of version {label}.",
            statement="I have read it.",
            material=material,
        )

    return version


def certificate_for(version: PolicyVersion) -> Certificate:
    person = UserFactory()
    attestation = attest(person, version, person.get_full_name(), Context())
    return issue_certificate(attestation, module_id=1, module_title="Rules module", valid_months=12)


def test_a_version_effective_tomorrow_is_not_in_force_today(policy, version, today):
    first, second = version("1.0", today - 10 * DAY), version("2.0", today + DAY)
    assert list(policy.versions.in_force()) == [first]
    assert list(policy.versions.in_force(on=today + DAY)) == [second, first]
    assert policy.current_version() == first and policy.current_version(on=today + DAY) == second


def test_a_version_effective_today_is_in_force_today(policy, version, today):
    version("1.0", today - 10 * DAY)
    second = version("2.0", today)
    assert policy.current_version() == second
    assert list(PolicyVersion.objects.filter(document=policy).in_force(on=today - DAY)) == [policy.versions.first()]


def test_nothing_is_in_force_before_the_first_version_takes_effect(policy, version, today):
    version("1.0", today + DAY)
    assert policy.current_version() is None and policy.binding_versions() == []


def test_versions_bind_back_to_the_last_material_change(policy, version, today):
    first = version("1.0", today - 30 * DAY)
    minor = version("1.1", today - 20 * DAY, material=False)
    assert policy.binding_versions() == [minor, first]
    material = version("2.0", today - 10 * DAY)
    assert policy.binding_versions() == [material]
    assert policy.binding_versions(on=today - 15 * DAY) == [minor, first]


def test_the_binding_versions_of_many_policies_at_once_are_each_policys_own(policy, version, today):
    version("1.0", today - 30 * DAY)
    version("1.1", today - 20 * DAY, material=False)
    other = PolicyDocument.objects.create(title="Other policy", reference="RULES-2")
    PolicyVersion.objects.create(
        document=other, version_label="1", effective_date=today, body="1. Other.", statement="Read."
    )
    for day in (today - 25 * DAY, today):
        batch = PolicyVersion.objects.filter(document__in=[policy, other]).binding_by_policy(on=day)
        assert batch.get(policy.pk, []) == policy.binding_versions(on=day)
        assert batch.get(other.pk, []) == other.binding_versions(on=day)


def test_a_certificate_is_superseded_from_the_day_a_material_change_takes_effect(version, today):
    certificate = certificate_for(version("1.0", today - 10 * DAY))
    version("2.0", today + 5 * DAY)
    assert certificate.state_on(today) == "valid" == certificate.current_state
    assert certificate.state_on(today + 4 * DAY) == "valid"
    assert certificate.state_on(today + 5 * DAY) == "superseded"


def test_a_minor_change_does_not_supersede_a_certificate(version, today):
    certificate = certificate_for(version("1.0", today - 10 * DAY))
    version("1.1", today, material=False)
    assert certificate.state_on(today) == "valid"


def test_a_certificate_expires_the_day_after_its_expiry_date(version, today):
    certificate = certificate_for(version("1.0", today - 10 * DAY))
    assert certificate.state_on(certificate.expires_on) == "valid"
    assert certificate.state_on(certificate.expires_on + DAY) == "expired"


def test_a_certificate_is_revoked_from_the_day_it_was_revoked(version, today, demo):
    certificate = certificate_for(version("1.0", today - 10 * DAY))
    certificate = revoke(certificate, reason="Issued in error.", by=demo["hr"])
    assert certificate.state_on(today - DAY) == "valid"
    assert certificate.state_on(today) == "revoked" == certificate.current_state
    assert certificate.state_on(certificate.expires_on + DAY) == "revoked"  # revoked outranks expired


def test_a_list_of_certificates_states_them_as_each_states_itself(version, today):
    first = version("1.0", today - 10 * DAY)
    old = issued_long_ago(first)
    certificates = [Certificate.objects.get(pk=old.pk), certificate_for(first)]
    version("2.0", today, material=False)
    states = StateCache()
    assert [states.state(c) for c in certificates] == [c.state_on(today) for c in certificates] == ["expired", "valid"]


def test_a_certificate_marked_superseded_is_so_on_every_day(version, today):
    superseded = mark_superseded(certificate_for(version("1.1", today - 10 * DAY)))
    for day in (today - 5 * DAY, today, today + 5 * DAY):
        assert Certificate.objects.get(pk=superseded.pk).state_on(day) == "superseded"
