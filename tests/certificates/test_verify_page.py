"""The public verification page reads right in every state: each lists the serial, holder,
module, policy version and issue date, then the one date that matters for its state. A
superseded certificate says when it stopped counting and which version replaced it; a revoked
one says when it was revoked but not why; neither shows an expiry date that no longer matters."""

import datetime
import re

import pytest
from django.utils import timezone

from certificates.factories import PolicyDocumentFactory, PolicyVersionFactory
from certificates.models import Certificate
from certificates.services import Context, attest, issue_certificate, revoke
from people.factories import UserFactory
from tests.helpers import issued_long_ago, mark_superseded

DAY = datetime.timedelta(days=1)


def long_date(day: datetime.date) -> str:
    return day.strftime("%-d %B %Y")


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def document(db):
    return PolicyDocumentFactory(title="Calling the public")


@pytest.fixture
def first_version(document, today):
    return PolicyVersionFactory(document=document, version_label="1.0", effective_date=today - 60 * DAY)


def certificate_for(version) -> Certificate:
    person = UserFactory(first_name="Robin", last_name="Khan")
    attestation = attest(person, version, person.get_full_name(), Context())
    return issue_certificate(attestation, module_id=1, module_title="Calls module", valid_months=12)


@pytest.fixture
def certificate(first_version):
    return certificate_for(first_version)


def verify(client, certificate: Certificate) -> str:
    response = client.get(f"/verify/{certificate.display_serial}/")
    assert response.status_code == 200
    return re.sub(r"\s+", " ", response.content.decode())


def row(page: str, key: str) -> str | None:
    """The value of the summary list row ``key``, tags stripped, or None if there is none."""
    match = re.search(rf'<dt class="govuk-summary-list__key">{key}</dt>\s*<dd[^>]*>(.*?)</dd>', page)
    return re.sub(r"<[^>]+>", "", match[1]).strip() if match else None


def assert_the_facts_every_state_shows(page: str, certificate: Certificate, state: str) -> None:
    assert row(page, "Status") == state
    assert row(page, "Serial") == certificate.display_serial
    assert re.fullmatch(r"[0-9A-Z]{4}(-[0-9A-Z]{4})+", certificate.display_serial)  # grouped, as printed
    assert row(page, "Holder") == "R. Khan"
    assert row(page, "Module") == "Calls module"
    assert row(page, "Policy version") == "Calling the public v1.0"
    assert row(page, "Issued") == long_date(timezone.localdate(certificate.issued_at))


def test_a_valid_certificate_shows_when_it_expires(client, certificate):
    page = verify(client, certificate)
    assert "This certificate is valid" in page and "not valid" not in page
    assert_the_facts_every_state_shows(page, certificate, "Valid")
    assert row(page, "Expires") == long_date(certificate.expires_on)


def test_an_expired_certificate_says_when_it_expired(client, first_version, today):
    certificate = issued_long_ago(first_version, module_title="Calls module", first_name="Robin", last_name="Khan")
    page = verify(client, certificate)
    assert "This certificate is not valid" in page
    assert f"It expired on {long_date(certificate.expires_on)}." in page
    assert_the_facts_every_state_shows(page, certificate, "Expired")
    assert row(page, "Expired") == long_date(certificate.expires_on)
    assert row(page, "Expires") is None


def test_a_superseded_certificate_says_when_and_by_which_version(client, document, certificate, today):
    PolicyVersionFactory(document=document, version_label="1.1", effective_date=today - 20 * DAY, material=False)
    PolicyVersionFactory(document=document, version_label="2.0", effective_date=today - 10 * DAY)
    page = verify(client, certificate)
    assert "This certificate is not valid" in page
    assert (
        f"The policy version it attests to was replaced by a newer version, 2.0, on {long_date(today - 10 * DAY)}."
    ) in page
    assert_the_facts_every_state_shows(page, certificate, "Superseded")
    assert row(page, "Superseded") == long_date(today - 10 * DAY)  # not the minor 1.1's date
    assert row(page, "Replaced by") == "Calling the public v2.0"
    assert row(page, "Expires") is None
    assert long_date(certificate.expires_on) not in page  # the expiry no longer matters


def test_a_superseded_certificate_names_the_version_in_force_now_if_another(client, document, certificate, today):
    PolicyVersionFactory(document=document, version_label="2.0", effective_date=today - 10 * DAY)
    PolicyVersionFactory(document=document, version_label="3.0", effective_date=today - 2 * DAY)
    PolicyVersionFactory(document=document, version_label="4.0", effective_date=today + 5 * DAY)  # not yet
    page = verify(client, certificate)
    assert row(page, "Superseded") == long_date(today - 10 * DAY)
    assert row(page, "Replaced by") == "Calling the public v2.0 (version 3.0 is in force now)"


def test_a_certificate_marked_superseded_with_no_newer_version_says_so_without_a_date(client, certificate):
    mark_superseded(certificate)
    page = verify(client, certificate)
    assert "The policy it attests to has been replaced by a newer version." in page
    assert_the_facts_every_state_shows(page, certificate, "Superseded")
    assert row(page, "Superseded") is None and row(page, "Expires") is None


def test_a_revoked_certificate_says_when_but_not_why(client, certificate, today):
    revoke(certificate, reason="Attested for someone else", by=UserFactory())
    page = verify(client, certificate)
    assert "This certificate is not valid" in page
    assert f"It has been withdrawn by Metropolitan Police Service: it was revoked on {long_date(today)}." in page
    assert_the_facts_every_state_shows(page, certificate, "Revoked")
    assert row(page, "Revoked") == long_date(today)
    assert row(page, "Expires") is None
    assert long_date(certificate.expires_on) not in page
    assert "Attested for someone else" not in page


def test_the_verify_page_is_public_and_an_unknown_serial_is_not_found(client, certificate):
    assert not client.session.keys()  # nobody signed in
    assert "This certificate is valid" in verify(client, certificate)
    other = certificate.display_serial[:-1] + ("A" if certificate.display_serial[-1] != "A" else "B")
    assert client.get(f"/verify/{other}/").status_code == 404
