"""Certificates as records: who may see them, the public verification page and its rate limit,
revocation, HR's report and ZIP download, and the transcript download."""

import csv
import datetime
import html as html_lib
import io
import re
import zipfile

import pytest
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader
from wagtail.models import ModelLogEntry

from certificates.models import Certificate
from certificates.serials import ALPHABET, grouped, new_serial
from certificates.services import AlreadyRevoked, revoke
from learning.factories import EnrolmentFactory
from people.factories import UserFactory
from people.models import OrgUnit
from tests.helpers import certified, issued_long_ago, sign_in_with_mfa

LOGIN = reverse("account_login")
REPORT = "/admin/certificates/"
ZIP = "/admin/certificates/zip/"
HOLDER_ROW = re.compile(r"<dt[^>]*>Holder</dt>\s*<dd[^>]*>(.*?)</dd>", re.S)


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """The verify page's rate limit counts in the cache; start each test with none used."""
    cache.clear()
    yield
    cache.clear()


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def page_text(response) -> str:
    return html_lib.unescape(response.content.decode())


def person_in(unit_code: str, **fields):
    return UserFactory(org_unit=OrgUnit.objects.get(code=unit_code), **fields)


def outsider_certificate(client, demo) -> Certificate:
    """A certificate for someone in Professional Standards, outside the line manager's units."""
    person = person_in("dps")
    EnrolmentFactory(user=person, module=demo["module"])
    certificate = certified(client, person, demo["module"])
    client.logout()
    return certificate


def sam_certificate(client, demo) -> Certificate:
    certificate = certified(client, demo["officer"], demo["module"])
    client.logout()
    return certificate


def priya_certificate(demo) -> Certificate:
    return Certificate.objects.get(user=demo["reattest"])


def record_urls(certificate: Certificate) -> dict[str, str]:
    return {
        "detail": f"/certificates/{certificate.display_serial}/",
        "pdf": f"/certificates/{certificate.display_serial}/pdf/",
        "transcript": f"/people/{certificate.user_id}/transcript/",
    }


def holder_row(response) -> str:
    match = HOLDER_ROW.search(response.content.decode())
    assert match, "the page has no Holder row"
    return html_lib.unescape(match[1]).strip()


def read_zip(response) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


def manifest_rows(archive: zipfile.ZipFile) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(archive.read("manifest.csv").decode())))


def assert_refused(response) -> None:
    """The admin refuses a page: someone without admin access gets 403 ("You cannot open this
    page"); someone with it but without the permission is sent back to the dashboard (or 403)."""
    assert response.status_code in (302, 403)
    if response.status_code == 302:
        location = response["Location"]
        assert location == "/admin/" or location.startswith("/accounts/login/"), location


# 1. Who may see a certificate and a transcript ---------------------------------------------------

ACCESS = [
    # (viewer, holder, status): "outsider" is a person in Professional Standards (dps).
    ("officer", "officer", 200),
    ("hr", "officer", 200),
    ("hr", "outsider", 200),
    ("manager", "officer", 200),
    ("manager", "outsider", 404),
    ("outsider", "outsider", 200),
    ("reattest", "officer", 404),
    ("trainer", "officer", 404),
    ("policyowner", "officer", 404),
]


@pytest.mark.parametrize(("viewer", "holder", "status"), ACCESS)
def test_who_may_see_a_certificate_and_transcript(client, demo, viewer, holder, status):
    if holder == "outsider":
        certificate = outsider_certificate(client, demo)
        people = {**demo, "outsider": certificate.user}
    else:
        certificate = sam_certificate(client, demo)
        people = demo
    sign_in_with_mfa(client, people[viewer])
    urls = record_urls(certificate)
    for name, url in urls.items():
        assert client.get(url).status_code == status, (name, url)
    if status == 200:
        assert certificate.display_serial in client.get(urls["detail"]).content.decode()
        assert client.get(urls["pdf"])["Content-Type"] == "application/pdf"
        assert client.get(urls["transcript"])["Content-Type"] == "application/pdf"


@pytest.mark.parametrize(("unit", "status"), [("cw-bcu", 200), ("frontline", 200), ("dps", 404), ("people", 404)])
def test_a_line_manager_sees_the_units_below_theirs_and_no_others(client, demo, unit, status):
    certificate = sam_certificate(client, demo)
    manager = person_in(unit)
    manager.groups.add(Group.objects.get(name="Line managers"))
    sign_in_with_mfa(client, manager)
    for url in record_urls(certificate).values():
        assert client.get(url).status_code == status, url


def test_a_line_manager_does_not_see_a_unit_above_theirs(client, demo):
    # The holder is in Central West BCU; the manager is in its Response Team A, a unit below it.
    person = person_in("cw-bcu")
    EnrolmentFactory(user=person, module=demo["module"])
    certificate = certified(client, person, demo["module"])
    sign_in_with_mfa(client, demo["manager"])
    for url in record_urls(certificate).values():
        assert client.get(url).status_code == 404, url


def test_anonymous_visitors_are_sent_to_sign_in(client, demo):
    certificate = sam_certificate(client, demo)
    for url in record_urls(certificate).values():
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(f"{LOGIN}?next="), url


def test_a_mistyped_serial_is_not_found(client, demo):
    certificate = certified(client, demo["officer"], demo["module"])
    last = certificate.serial[-1]
    wrong_check = grouped(certificate.serial[:-1] + next(symbol for symbol in ALPHABET if symbol != last))
    for serial in [wrong_check, "NOT-A-SERIAL", grouped(new_serial())]:
        assert client.get(f"/certificates/{serial}/").status_code == 404, serial
        assert client.get(f"/certificates/{serial}/pdf/").status_code == 404, serial
    assert client.get(f"/certificates/{certificate.display_serial}/").status_code == 200


# 2. My certificates -------------------------------------------------------------------------------


def test_my_certificates_lists_only_mine_with_their_states(client, demo):
    sam = sam_certificate(client, demo)
    priya = priya_certificate(demo)
    assert priya.current_state == "superseded"
    client.force_login(demo["reattest"])
    response = client.get("/certificates/")
    assert response.status_code == 200
    html = page_text(response)
    assert priya.display_serial in html
    assert sam.display_serial not in html
    assert f"v{priya.policy_version.version_label}" in html
    assert "Superseded" in html
    assert f'href="/certificates/{priya.display_serial}/pdf/"' in html
    assert f'href="/certificates/{sam.display_serial}/pdf/"' not in html

    client.force_login(demo["officer"])
    html = page_text(client.get("/certificates/"))
    assert sam.display_serial in html and priya.display_serial not in html
    assert ">Valid<" in html and "Superseded" not in html
    assert f'href="/certificates/{sam.display_serial}/pdf/"' in html


def test_my_certificates_says_when_there_are_none(client, demo):
    sign_in_with_mfa(client, demo["trainer"])
    response = client.get("/certificates/")
    assert response.status_code == 200
    assert "You have no certificates yet" in page_text(response)
    assert "govuk-table__body" not in page_text(response)


def test_my_certificates_needs_signing_in(client, db):
    response = client.get("/certificates/")
    assert response.status_code == 302
    assert response["Location"].startswith(f"{LOGIN}?next=")


# 3. Public verification ---------------------------------------------------------------------------


def expired(certificate: Certificate, demo) -> Certificate:
    return issued_long_ago(certificate.policy_version, first_name="Sam", last_name="Taylor")


def revoked(certificate: Certificate, demo) -> Certificate:
    return revoke(certificate, reason="Issued in error", by=demo["hr"])


@pytest.mark.parametrize(
    ("whose", "make", "state", "message"),
    [
        ("sam", None, "valid", "This certificate is valid"),
        ("sam", expired, "expired", "It expired on"),
        ("priya", None, "superseded", "replaced by a newer version"),
        ("sam", revoked, "revoked", "It has been withdrawn by"),
    ],
)
def test_the_public_verify_page_states_the_certificate_as_it_is(client, demo, whose, make, state, message):
    certificate = sam_certificate(client, demo) if whose == "sam" else priya_certificate(demo)
    if make:
        certificate = make(certificate, demo)
    certificate = Certificate.objects.select_related("user", "policy_version__document").get(pk=certificate.pk)
    client.logout()
    response = client.get(f"/verify/{certificate.display_serial}/")
    assert response.status_code == 200
    html = page_text(response)
    assert message in html
    assert ("This certificate is not valid" in html) == (state != "valid")
    assert re.search(rf"Status</dt>\s*<dd[^>]*>{state.capitalize()}</dd>", html)
    assert certificate.module_title in html
    version = certificate.policy_version
    assert f"{version.document.title} v{version.version_label}" in html
    assert timezone.localtime(certificate.issued_at).strftime("%-d %B %Y") in html
    user = certificate.user
    assert holder_row(response) == f"{user.first_name[0]}. {user.last_name}"
    assert user.first_name not in holder_row(response)
    assert user.get_full_name() not in html
    assert user.warrant_number not in html
    assert certificate.warrant_number not in html


def test_an_unknown_serial_is_not_found(client, demo):
    response = client.get(f"/verify/{grouped(new_serial())}/")
    assert response.status_code == 404
    assert "No certificate has this serial" in page_text(response)


def test_a_serial_with_a_wrong_check_character_is_explained(client, demo):
    certificate = sam_certificate(client, demo)
    last = certificate.serial[-1]
    wrong = grouped(certificate.serial[:-1] + next(symbol for symbol in ALPHABET if symbol != last))
    response = client.get(f"/verify/{wrong}/")
    assert response.status_code == 404
    html = page_text(response)
    assert "One or more characters are wrong" in html
    assert "Sam" not in html and "Taylor" not in html


# 4. Rate limiting ---------------------------------------------------------------------------------


def test_checks_are_limited_per_address(client, demo, settings):
    cache.clear()
    settings.VERIFY_RATE_LIMIT = 3
    certificate = sam_certificate(client, demo)
    url = f"/verify/{certificate.display_serial}/"
    for _ in range(3):
        assert client.get(url).status_code == 200
    response = client.get(url)
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "Too many checks" in page_text(response)
    assert "Taylor" not in page_text(response)
    assert client.get(url, REMOTE_ADDR="10.0.0.2").status_code == 200
    assert client.get(f"/verify/{grouped(new_serial())}/").status_code == 429  # any serial, same address


# 5. Revocation in the admin -----------------------------------------------------------------------


def revoke_url(certificate: Certificate) -> str:
    return f"/admin/certificates/{certificate.serial}/revoke/"


def revoke_form(reason: str, retake_due: datetime.date | None = None) -> dict:
    """What HR's revoke form posts: the reason, and the day the holder must have trained again by."""
    return {
        "reason": reason,
        "retake_due": (retake_due or timezone.localdate() + datetime.timedelta(days=14)).isoformat(),
    }


def revocation_entries(certificate: Certificate):
    return ModelLogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Certificate),
        object_id=str(certificate.pk),
        action="attest.certificate.revoke",
    )


def snapshot(certificate: Certificate) -> tuple:
    row = Certificate.objects.get(pk=certificate.pk)
    return row.status, row.revoked_reason, row.revoked_at, row.revoked_by_id, revocation_entries(row).count()


def test_hr_revokes_a_certificate_with_a_reason(client, demo):
    certificate = sam_certificate(client, demo)
    sign_in_with_mfa(client, demo["hr"])
    assert client.get(revoke_url(certificate)).status_code == 200
    before = timezone.now()
    response = client.post(revoke_url(certificate), revoke_form("  Attested   for someone else  "))
    assert response.status_code == 302
    assert response["Location"] == REPORT
    row = Certificate.objects.get(pk=certificate.pk)  # kept, not deleted
    assert row.status == Certificate.Status.REVOKED
    assert row.revoked_reason == "Attested for someone else"
    assert row.revoked_by == demo["hr"]
    assert before <= row.revoked_at <= timezone.now()
    entry = revocation_entries(row).get()
    assert entry.user_id == demo["hr"].pk
    assert entry.data["reason"] == "Attested for someone else"
    assert entry.data["serial"] == row.serial

    client.logout()
    html = page_text(client.get(f"/verify/{row.display_serial}/"))
    assert "This certificate is not valid" in html and "It has been withdrawn by" in html
    assert "Attested for someone else" not in html  # the reason is for the holder, not the public

    client.force_login(demo["officer"])
    html = page_text(client.get(f"/certificates/{row.display_serial}/"))
    assert "Revoked" in html
    assert "Attested for someone else" in html


@pytest.mark.parametrize("reason", ["", "   \n\t  "])
def test_a_revocation_needs_a_reason(client, demo, reason):
    certificate = sam_certificate(client, demo)
    before = snapshot(certificate)
    sign_in_with_mfa(client, demo["hr"])
    response = client.post(revoke_url(certificate), revoke_form(reason))
    assert response.status_code == 200
    assert response.context["form"].errors["reason"] == ["Enter the reason the certificate is revoked."]
    assert "Enter the reason the certificate is revoked." in page_text(response)
    assert snapshot(certificate) == before
    assert before[0] == Certificate.Status.VALID


def test_revoking_twice_changes_nothing(client, demo):
    certificate = sam_certificate(client, demo)
    revoke(certificate, reason="Issued in error", by=demo["hr"])
    before = snapshot(certificate)
    sign_in_with_mfa(client, demo["hr"])
    response = client.post(revoke_url(certificate), revoke_form("Another reason"))
    assert response.status_code in (200, 302)
    assert snapshot(certificate) == before
    assert before[1] == "Issued in error" and before[4] == 1
    with pytest.raises(AlreadyRevoked):
        revoke(certificate, reason="Yet another", by=demo["hr"])


@pytest.mark.parametrize("who", ["manager", "officer", "trainer", "reattest"])
def test_only_hr_may_revoke(client, demo, who):
    certificate = sam_certificate(client, demo)
    before = snapshot(certificate)
    sign_in_with_mfa(client, demo[who])
    for response in [
        client.get(revoke_url(certificate)),
        client.post(revoke_url(certificate), revoke_form("Because I can")),
    ]:
        assert_refused(response)
    assert snapshot(certificate) == before


# 6. HR's certificate report -----------------------------------------------------------------------


def test_hr_sees_every_certificate_and_filters_by_org_unit(client, demo):
    sam = sam_certificate(client, demo)
    outsider = outsider_certificate(client, demo)
    priya = priya_certificate(demo)
    sign_in_with_mfa(client, demo["hr"])
    response = client.get(REPORT)
    assert response.status_code == 200
    html = page_text(response)
    for certificate in (sam, outsider, priya):
        assert certificate.holder_name in html
        assert certificate.display_serial in html

    def names(unit_code):
        unit = OrgUnit.objects.get(code=unit_code)
        response = client.get(REPORT, {"org_unit": unit.pk})
        assert response.status_code == 200
        html = page_text(response)
        return {c.holder_name for c in (sam, outsider, priya) if c.display_serial in html}

    assert names("cw-response-a") == {sam.holder_name, priya.holder_name}
    assert names("cw-bcu") == {sam.holder_name, priya.holder_name}
    assert names("dps") == {outsider.holder_name}
    assert names("people") == set()
    assert names("met") == {sam.holder_name, priya.holder_name, outsider.holder_name}


@pytest.mark.parametrize("who", ["officer", "manager", "trainer", "policyowner"])
def test_the_report_is_for_hr_only(client, demo, who):
    certificate = sam_certificate(client, demo)
    sign_in_with_mfa(client, demo[who])
    for url in (REPORT, "/admin/certificates/results/"):
        response = client.get(url)
        assert_refused(response)
        # Not the name: the officer is Sam Taylor, and the refusal page says who is signed in.
        assert certificate.display_serial not in page_text(response)


# 7. The ZIP download ------------------------------------------------------------------------------


def test_hr_downloads_the_certificates_as_a_streamed_zip(client, demo):
    sam = sam_certificate(client, demo)
    revoke(outsider_certificate(client, demo), reason="Issued in error", by=demo["hr"])
    sign_in_with_mfa(client, demo["hr"])
    response = client.get(ZIP)
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith("attachment;")
    archive = read_zip(response)
    rows = manifest_rows(archive)
    certificates = list(Certificate.objects.select_related("policy_version__document", "user"))
    assert len(certificates) == 3
    assert sorted(archive.namelist()) == sorted(["manifest.csv", *(row["File"] for row in rows)])
    expected = {
        c.display_serial: (
            c.holder_name,
            c.user.warrant_number,
            c.module_title,
            c.policy_version.version_label,
            c.current_state,
        )
        for c in certificates
    }
    assert {
        row["Serial"]: (
            row["Holder"],
            row["Warrant or staff number"],
            row["Module"],
            row["Policy version"],
            row["State"],
        )
        for row in rows
    } == expected
    assert len(rows) == len(certificates)
    assert sorted(row["State"] for row in rows) == ["revoked", "superseded", "valid"]
    assert sam.display_serial in expected
    for row in rows:
        data = archive.read(row["File"])
        assert data.startswith(b"%PDF")
        assert row["Serial"] in pdf_text(data)


def yesterday() -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=1)


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (lambda demo: {"org_unit": OrgUnit.objects.get(code="dps").pk}, set()),
        (lambda demo: {"org_unit": OrgUnit.objects.get(code="cw-response-a").pk}, {"officer", "reattest"}),
        (lambda demo: {"module": demo["module"].pk}, {"officer", "reattest"}),
        (lambda demo: {"issued_from": (timezone.localdate() + datetime.timedelta(days=1)).isoformat()}, set()),
        (lambda demo: {"issued_from": timezone.localdate().isoformat()}, {"officer", "reattest"}),
        (lambda demo: {"issued_to": yesterday().isoformat()}, {"earlier"}),
        (
            lambda demo: {"issued_from": (yesterday() - datetime.timedelta(days=60)).isoformat(), "issued_to": ""},
            {"officer", "reattest", "earlier"},
        ),
    ],
)
def test_the_zip_holds_what_the_filters_select(client, demo, filters, expected):
    sam_certificate(client, demo)
    priya_certificate(demo)
    # Someone certified a month ago (on another module, in no org unit of the demo's).
    issued_long_ago(priya_certificate(demo).policy_version, months_ago=1, username="earlier")
    sign_in_with_mfa(client, demo["hr"])
    response = client.get(ZIP, filters(demo))
    assert response.status_code == 200
    archive = read_zip(response)
    rows = manifest_rows(archive)
    wanted = Certificate.objects.filter(user__username__in=expected)
    assert {row["Serial"] for row in rows} == {c.display_serial for c in wanted}
    assert len(archive.namelist()) == len(expected) + 1
    header = archive.read("manifest.csv").decode().splitlines()[0]
    assert header.startswith("Serial,Holder,")


@pytest.mark.parametrize(
    "filters",
    [{"issued_from": "notadate"}, {"org_unit": "999999"}, {"issued_to": "2026-13-45"}, {"module": "abc"}],
)
def test_invalid_zip_filters_go_back_to_the_report_with_a_message(client, demo, filters):
    sign_in_with_mfa(client, demo["hr"])
    response = client.get(ZIP, filters)
    assert response.status_code == 302
    assert response["Location"] == REPORT
    messages = [str(message) for message in get_messages(response.wsgi_request)]
    assert any("not valid" in message and next(iter(filters)) in message for message in messages)


@pytest.mark.parametrize("who", ["officer", "manager", "trainer", "policyowner"])
def test_the_zip_is_for_hr_only(client, demo, who):
    sam_certificate(client, demo)
    sign_in_with_mfa(client, demo[who])
    response = client.get(ZIP)
    assert_refused(response)
    assert not response.streaming


# 8. The transcript download -----------------------------------------------------------------------


@pytest.mark.parametrize("viewer", ["officer", "hr", "manager"])
def test_the_transcript_is_a_pdf_attachment_naming_the_person(client, demo, viewer):
    certificate = sam_certificate(client, demo)
    sign_in_with_mfa(client, demo[viewer])
    response = client.get(f"/people/{demo['officer'].pk}/transcript/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert re.search(r'filename="[^"/]+\.pdf"$', disposition)
    text = pdf_text(response.content)
    assert demo["officer"].get_full_name() in text
    assert certificate.display_serial in text
    assert "Priya Shah" not in text


def test_a_transcript_of_nobody_is_not_found(client, demo):
    sign_in_with_mfa(client, demo["hr"])
    missing = max(demo[name].pk for name in ("officer", "hr", "admin", "reattest")) + 1000
    assert client.get(f"/people/{missing}/transcript/").status_code == 404


def test_a_check_without_a_client_address_is_answered(client, demo):
    certificate = sam_certificate(client, demo)
    client.logout()
    assert client.get(f"/verify/{certificate.display_serial}/", REMOTE_ADDR="").status_code == 200
