"""A certificate's state is read from sealed events, never from a column: issue and revocation
are rows of an append-only chain beside the ledger, and a record changed behind the
application's back is named by ``first_broken_event`` and shown as not to be trusted."""

import datetime

import pgtrigger
import pytest
from django.db import connection

from certificates import events
from certificates.models import UNTRUSTED, Certificate, CertificateEvent, certificate_facts
from certificates.services import revoke
from tests.conftest import LEDGER_TRIGGERS
from tests.helpers import certified


def behind_the_applications_back(sql: str, params=()) -> None:
    """Change the tables as someone with database access could, the triggers set aside."""
    with pgtrigger.ignore(*LEDGER_TRIGGERS), connection.cursor() as cursor:
        cursor.execute(sql, params)


@pytest.fixture
def sam(client, demo) -> Certificate:
    return certified(client, demo["officer"], demo["module"])


def fresh(certificate: Certificate) -> Certificate:
    return Certificate.objects.get(pk=certificate.pk)


def verify_page(client, certificate: Certificate) -> str:
    client.logout()
    return client.get(f"/verify/{certificate.display_serial}/").content.decode()


def test_issuing_and_revoking_are_sealed_events(sam, demo):
    issued = fresh(sam).event_list()
    assert [event.kind for event in issued] == ["issued"]
    assert issued[0].facts == certificate_facts(sam) and issued[0].sealed
    revoke(sam, reason="Issued in error", by=demo["hr"])
    certificate = fresh(sam)
    assert [event.kind for event in certificate.event_list()] == ["issued", "revoked"]
    assert certificate.status == "revoked" and certificate.revoked_reason == "Issued in error"
    assert certificate.revoked_by == demo["hr"]
    assert events.first_broken_event() is None and events.chain_complete()


def test_certificates_and_their_events_are_never_changed_through_the_application(sam):
    with pytest.raises(PermissionError):
        Certificate.objects.filter(pk=sam.pk).update(expires_on=datetime.date(2099, 12, 31))
    with pytest.raises(PermissionError):
        CertificateEvent.objects.filter(certificate=sam).delete()


@pytest.mark.parametrize(
    ("column", "value"),
    [("expires_on", "2099-12-31"), ("holder_name", "Someone Else"), ("issued_at", "2020-01-01 00:00:00+00")],
)
def test_a_certificate_row_changed_in_the_database_is_named_and_not_trusted(client, sam, column, value):
    """Drill (a): the row's facts changed behind the application (the triggers set aside)."""
    behind_the_applications_back(f"UPDATE certificates_certificate SET {column} = %s WHERE id = %s", [value, sam.pk])  # noqa: S608
    assert fresh(sam).current_state == UNTRUSTED
    where, why = events.first_broken_event()
    assert where.startswith(f"Certificate {sam.display_serial}") and "no longer matches its issue event" in why
    page = verify_page(client, sam)
    assert "This certificate is valid" not in page and "Its record cannot be trusted" in page


def test_a_revocation_taken_out_of_the_chain_is_found(client, sam, demo):
    """A revoked certificate made to look valid by deleting its revocation: the chain has a gap."""
    revoke(sam, reason="Issued in error", by=demo["hr"])
    later = certified(client, demo["manager"], demo["module"])  # the chain goes on after it
    behind_the_applications_back("DELETE FROM certificates_certificateevent WHERE kind = 'revoked'")
    assert fresh(sam).status == "valid"  # as the row alone would read
    _, why = events.first_broken_event()
    assert "events were removed" in why
    assert not events.chain_complete()
    page = verify_page(client, sam)
    assert "This certificate is valid" not in page and "Its record cannot be trusted" in page
    assert later.pk  # its events came after the gap


def test_an_event_inserted_out_of_order_is_named(client, sam, demo):
    """Drill (d): a revocation back-dated to before the issue, sealed as an attacker without a
    key could, appended at the end of the chain."""
    last = CertificateEvent.objects.order_by("-sequence").first()
    forged = CertificateEvent(
        sequence=last.sequence + 1,
        certificate=sam,
        kind=CertificateEvent.Kind.REVOKED,
        at=sam.issued_at - datetime.timedelta(days=30),
        facts={"reason": "back-dated"},
        previous_hash=last.row_hash,
    )
    forged.row_hash = forged.seal()
    behind_the_applications_back(
        "INSERT INTO certificates_certificateevent (sequence, certificate_id, kind, at, facts, previous_hash, row_hash)"
        " VALUES (%s, %s, %s, %s, %s, %s, %s)",
        [
            forged.sequence,
            sam.pk,
            forged.kind,
            forged.at,
            '{"reason": "back-dated"}',
            forged.previous_hash,
            forged.row_hash,
        ],
    )
    where, why = events.first_broken_event()
    assert where.startswith(f"Certificate event {forged.sequence}") and "out of order" in why
    assert fresh(sam).current_state == UNTRUSTED
    assert "Its record cannot be trusted" in verify_page(client, sam)


def test_an_event_changed_in_the_database_is_named(client, sam, demo):
    revoke(sam, reason="Issued in error", by=demo["hr"])
    behind_the_applications_back(
        "UPDATE certificates_certificateevent SET kind = 'superseded' WHERE kind = 'revoked' AND certificate_id = %s",
        [sam.pk],
    )
    where, why = events.first_broken_event()
    assert where.startswith("Certificate event") and "do not match its seal" in why


def test_an_event_resealed_without_the_key_is_named(client, sam, demo, settings):
    """Sealed with plain SHA-256, as someone with the database but not the key would."""
    import hashlib

    assert settings.LEDGER_KEYS  # the test settings hold a key
    event = fresh(sam).event_list()[0]
    plain = hashlib.sha256(event.canonical().encode()).hexdigest()
    behind_the_applications_back(
        "UPDATE certificates_certificateevent SET row_hash = %s WHERE id = %s", [plain, event.pk]
    )
    where, why = events.first_broken_event()
    assert where.startswith("Certificate event") and "resealed by someone without the key" in why
    assert fresh(sam).current_state == UNTRUSTED
    assert fresh(sam).current_state == UNTRUSTED


def test_verify_ledger_names_a_changed_certificate_and_fails(sam):
    from django.core.management import CommandError, call_command

    behind_the_applications_back(
        "UPDATE certificates_certificate SET expires_on = %s WHERE id = %s", ["2099-12-31", sam.pk]
    )
    with pytest.raises(CommandError, match=rf"^Certificate {sam.display_serial} .* does not verify"):
        call_command("verify_ledger", stdout=open("/dev/null", "w"))  # noqa: SIM115


def revoked_then_anchored_then_unrevoked(sam, demo) -> None:
    """Revoke, anchor, then take the revocation (the chain's last event) out again, as someone
    with the database would to make the certificate look valid: no gap is left."""
    from certificates.services import anchor_ledger

    revoke(sam, reason="Issued in error", by=demo["hr"])
    anchor_ledger()
    behind_the_applications_back("DELETE FROM certificates_certificateevent WHERE kind = 'revoked'")
    assert fresh(sam).status == "valid"  # as the rows alone would now read


def test_the_last_events_removed_are_caught_by_the_anchor(client, sam, demo):
    from django.core.management import CommandError, call_command

    revoked_then_anchored_then_unrevoked(sam, demo)
    assert not events.chain_complete()
    assert "Its record cannot be trusted" in verify_page(client, sam)
    with pytest.raises(CommandError, match=r"^The anchor .* counted \d+ certificate events; the chain now has"):
        call_command("verify_ledger", stdout=open("/dev/null", "w"))  # noqa: SIM115


def test_the_last_events_and_the_anchors_removed_are_caught_by_the_anchor_file(client, sam, demo, settings, tmp_path):
    from django.core.management import CommandError, call_command

    settings.LEDGER_ANCHOR_FILE = str(tmp_path / "anchors.jsonl")
    revoked_then_anchored_then_unrevoked(sam, demo)
    behind_the_applications_back("DELETE FROM certificates_ledgeranchor")
    assert not events.chain_complete()  # this server keeps the file: the page still sees it
    assert "Its record cannot be trusted" in verify_page(client, sam)
    with pytest.raises(CommandError, match=r"^Anchor line 1 of .* counted \d+ certificate events"):
        call_command("verify_ledger", anchors=settings.LEDGER_ANCHOR_FILE, stdout=open("/dev/null", "w"))  # noqa: SIM115


def test_a_ledger_row_edited_and_resealed_without_the_key_makes_its_certificate_untrusted(client, sam):
    """Drill (b) seen from the verification page: the attestation behind the certificate edited
    and resealed with plain SHA-256, as someone with the database but not the key could."""
    import hashlib

    from certificates.models import Attestation

    row = Attestation.objects.get(pk=sam.attestation_id)
    row.typed_name = "Someone Else"
    plain = hashlib.sha256(row.canonical().encode()).hexdigest()
    behind_the_applications_back(
        "UPDATE certificates_attestation SET typed_name = %s, row_hash = %s WHERE id = %s",
        ["Someone Else", plain, row.pk],
    )
    page = verify_page(client, sam)
    assert "This certificate is valid" not in page and "Its record cannot be trusted" in page
