"""The certificate page a holder sees: the facts the PDF certificate carries, times that say their
time zone, serials that never break inside a group, and nobody else's certificate."""

from __future__ import annotations

import datetime
from unittest import mock

import pytest
from bs4 import BeautifulSoup
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from certificates.factories import PolicyVersionFactory
from certificates.models import Certificate
from certificates.pdf import verification_url
from certificates.serials import GROUP
from certificates.services import Context, attest, issue_certificate
from core.kept import Kept
from people.factories import UserFactory

UTC = datetime.UTC


def certificate_attested_at(moment: datetime.datetime | None = None, officer=None, **version_fields) -> Certificate:
    """A certificate for the officer (default a new one) to a new policy's version, attested and
    issued at ``moment`` (default now)."""
    version = PolicyVersionFactory(**version_fields)
    officer = officer or UserFactory()
    with mock.patch("django.utils.timezone.now", return_value=moment or timezone.now()):
        attestation = attest(officer, version, officer.get_full_name(), Context())
        return issue_certificate(attestation, module_id=1, module_title="Stop and search", valid_months=12)


def page_of(client, certificate: Certificate) -> BeautifulSoup:
    client.force_login(certificate.user)
    response = client.get(f"/certificates/{certificate.display_serial}/")
    assert response.status_code == 200
    return BeautifulSoup(response.content, "html.parser")


def summary(page: BeautifulSoup) -> dict[str, BeautifulSoup]:
    """The certificate's summary list, each value by its key."""
    return {row.dt.get_text(strip=True): row.dd for row in page.select(".govuk-summary-list__row")}


@pytest.mark.parametrize(
    ("moment", "shown"),
    [
        (datetime.datetime(2026, 1, 15, 14, 5, tzinfo=UTC), "15 January 2026, 14:05 GMT"),
        (datetime.datetime(2026, 7, 15, 13, 5, tzinfo=UTC), "15 July 2026, 14:05 BST"),  # summer time
    ],
)
def test_the_attestation_time_says_its_time_zone(client, db, moment, shown):
    attested = summary(page_of(client, certificate_attested_at(moment)))["Attested"]
    assert attested.time.get_text() == shown
    assert datetime.datetime.fromisoformat(attested.time["datetime"]) == moment


def test_a_serial_breaks_only_between_its_groups(client, db):
    certificate = certificate_attested_at()
    serial = summary(page_of(client, certificate))["Serial"]
    groups = serial.select(".attest-serial__group")
    assert [group.get_text() for group in groups] == certificate.display_serial.split("-")
    assert all(len(group.get_text()) == GROUP for group in groups)
    assert len(serial.select("wbr")) == len(groups) - 1  # a break after each hyphen, before a digit too
    assert serial.get_text() == certificate.display_serial  # read and copied as printed


def test_my_certificates_shows_serials_in_whole_groups(client, db):
    certificate = certificate_attested_at()
    client.force_login(certificate.user)
    page = BeautifulSoup(client.get("/certificates/").content, "html.parser")
    shown = page.select_one(".attest-serial")
    assert [group.get_text() for group in shown.select(".attest-serial__group")] == certificate.display_serial.split(
        "-"
    )
    assert shown.get_text() == certificate.display_serial


def test_my_certificates_costs_the_same_queries_for_one_certificate_of_a_policy_or_many(client, db):
    # Each policy's binding versions are looked up once (StateCache): a query per policy, none per row.
    first = certificate_attested_at()
    officer, policy = first.user, first.policy_version.document
    client.force_login(officer)
    client.get("/certificates/")  # a session's first page also looks up what the header shows, once
    Kept.forget_everything()  # each measured page reads the policy's versions afresh
    with CaptureQueriesContext(connection) as one:
        client.get("/certificates/")
    certificate_attested_at(officer=officer, document=policy)
    certificate_attested_at(officer=officer, document=policy)
    Kept.forget_everything()
    with CaptureQueriesContext(connection) as three:
        page = BeautifulSoup(client.get("/certificates/").content, "html.parser")
    assert len(page.select("tbody tr")) == 3
    assert len(three) == len(one)


def test_the_certificate_page_carries_what_the_pdf_certificate_carries(client, db, settings):
    certificate = certificate_attested_at(effective_date=datetime.date(2026, 3, 1))
    version = certificate.policy_version
    page = page_of(client, certificate)
    facts = {key: " ".join(value.get_text().split()) for key, value in summary(page).items()}

    assert settings.FORCE_NAME in page.select_one(".govuk-caption-l").get_text()
    assert facts["Holder"] == certificate.user.get_full_name()
    assert facts["Warrant or staff number"] == certificate.user.warrant_number
    assert facts["Module"] == "Stop and search"
    assert facts["Policy version"] == (
        f"{version.document.title} v{version.version_label}, in force from 1 March 2026 "
        f"(text fingerprint {version.body_sha256[:12]})"
    )
    assert facts["Issued"] == timezone.localtime(certificate.issued_at).strftime("%-d %B %Y")
    assert facts["Expires"] == certificate.expires_on.strftime("%-d %B %Y")
    assert facts["Serial"] == certificate.display_serial
    assert facts["Status"] == "Valid"
    link = page.find("a", href=verification_url(certificate))
    assert link.get_text() == verification_url(certificate)
    assert "attest-long-link" in link["class"]  # may wrap anywhere on a narrow screen


def test_the_holder_may_open_their_certificate_page(client, db):
    certificate = certificate_attested_at()
    client.force_login(certificate.user)
    assert client.get(f"/certificates/{certificate.display_serial}/").status_code == 200


def test_another_officer_gets_no_sign_of_the_certificate(client, db):
    certificate = certificate_attested_at()
    client.force_login(UserFactory())
    response = client.get(f"/certificates/{certificate.display_serial}/")
    assert response.status_code == 404  # as if no certificate had this serial
    assert certificate.holder_name not in response.content.decode()


def test_someone_signed_out_is_sent_to_sign_in(client, db):
    certificate = certificate_attested_at()
    response = client.get(f"/certificates/{certificate.display_serial}/")
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")
