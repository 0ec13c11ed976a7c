"""The attestation ledger: ``verify_ledger`` finds a changed or removed row, and on PostgreSQL
the database itself refuses to update, delete or truncate it. Rows and anchors are sealed with
the ledger key (the test settings set one), rotated without breaking old rows."""

import datetime
import hashlib
import io
import json
import logging

import pgtrigger
import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from certificates.models import Attestation, Certificate, CertificateEvent, CertificatePdf, LedgerAnchor
from certificates.services import GENESIS_HASH, Context, anchor_ledger, attest, certificate_verifies
from tests.config.test_settings_and_seed import load_settings, run_with_settings
from tests.conftest import LEDGER_TRIGGERS
from tests.helpers import certified

TEST_KEY = ("test1", "attest-test-ledger-key-not-secret-0123456789")
SECOND_KEY = ("k2", "attest-second-ledger-key-not-secret-987654")
# The ledger's triggers and those of the certificate events chain, whose rows go with a ledger row's
# certificate when a test deletes it.
CHAIN_TRIGGERS = list(
    dict.fromkeys(
        [
            *LEDGER_TRIGGERS,
            *(
                f"certificates.CertificateEvent:append_only_no_{operation}"
                for operation in ("update", "delete", "truncate")
            ),
        ]
    )
)


def verify_ledger(*args: str) -> str:
    out = io.StringIO()
    call_command("verify_ledger", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def append_row(demo, username: str) -> Attestation:
    """Attest for ``username`` straight through the service: a ledger row with no certificate."""
    user = demo[username]
    version = demo["module"].policy_document.current_version()
    return attest(user, version, user.get_full_name(), Context())


@pytest.fixture
def three_rows(client, demo):
    """The demo's returning officer's row, then the officer's and the manager's."""
    certified(client, demo["officer"], demo["module"])
    certified(client, demo["manager"], demo["module"])
    rows = list(Attestation.objects.order_by("pk"))
    assert len(rows) == 3
    return rows


def behind_the_applications_back(sql: str, params: list) -> None:
    """Change the ledger as someone with database access could, the triggers set aside."""
    with pgtrigger.ignore(*CHAIN_TRIGGERS), connection.cursor() as cursor:
        cursor.execute(sql, params)


def remove_rows(*rows: Attestation) -> None:
    """Delete ledger rows behind the application's back, with their certificates and those
    certificates' events and stored PDFs."""
    for row in rows:
        behind_the_applications_back(
            "DELETE FROM certificates_certificateevent WHERE certificate_id IN "
            "(SELECT id FROM certificates_certificate WHERE attestation_id = %s)",
            [row.pk],
        )
        behind_the_applications_back(
            "DELETE FROM certificates_certificatepdf WHERE certificate_id IN "
            "(SELECT id FROM certificates_certificate WHERE attestation_id = %s)",
            [row.pk],
        )
        behind_the_applications_back("DELETE FROM certificates_certificate WHERE attestation_id = %s", [row.pk])
        behind_the_applications_back("DELETE FROM certificates_attestation WHERE id = %s", [row.pk])


@pytest.fixture
def empty_ledger(db):
    """No ledger rows, as on a new installation: the demo's one row (the returning officer's)
    and its certificate removed inside this test's transaction."""
    with pgtrigger.ignore(*CHAIN_TRIGGERS), connection.cursor() as cursor:
        for model in (CertificateEvent, CertificatePdf, Certificate, Attestation):
            cursor.execute(f"DELETE FROM {model._meta.db_table}")  # noqa: S608 (table names from the models)


def test_an_empty_ledger_verifies_with_the_genesis_hash(empty_ledger):
    assert verify_ledger() == (
        f"The ledger verifies: 0 rows.\nHead hash: {GENESIS_HASH}\nThe certificate events verify: 0 events.\n"
    )


def test_the_ledger_verifies_and_reports_its_head_hash_and_the_key_that_sealed_it(three_rows):
    head = three_rows[-1].row_hash
    assert head.startswith("test1$") and len(head) == len("test1$") + 64
    assert verify_ledger() == (
        f"The ledger verifies: 3 rows.\nHead hash: {head}\nSeals: 3 with key test1.\n"
        f"The certificate events verify: {CertificateEvent.objects.count()} events.\n"
    )


def test_a_changed_row_fails_verification_naming_that_row(three_rows):
    middle = three_rows[1]
    behind_the_applications_back(
        "UPDATE certificates_attestation SET typed_name = %s WHERE id = %s", ["Someone Else", middle.pk]
    )
    with pytest.raises(CommandError) as error:
        verify_ledger()
    assert str(error.value).startswith(f"Ledger row {middle.pk} (Sam Taylor attesting to ")
    assert "does not verify: its contents do not match its seal (it was changed" in str(error.value)


def test_a_removed_row_breaks_the_link_of_the_row_after_it(three_rows):
    middle, last = three_rows[1], three_rows[2]
    remove_rows(middle)
    with pytest.raises(CommandError, match=rf"^Ledger row {last.pk} \(Alex Morgan .* its link to the row before"):
        verify_ledger()


@pytest.mark.postgres
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE certificates_attestation SET typed_name = 'Someone Else'",
        "DELETE FROM certificates_attestation",
        "TRUNCATE certificates_attestation CASCADE",
        "UPDATE certificates_ledgeranchor SET row_count = 0",
        "DELETE FROM certificates_ledgeranchor",
        "TRUNCATE certificates_ledgeranchor",
    ],
)
def test_postgresql_refuses_any_change_to_the_ledger(transactional_db, demo, sql):
    # Committed rows, as in production: PostgreSQL will not even try to TRUNCATE a table with
    # work pending in the same transaction, which would hide whether the trigger fired.
    anchor_ledger()
    before = list(Attestation.objects.values_list("pk", "row_hash"))
    with pytest.raises(DatabaseError, match="pgtrigger: Cannot"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql)
    assert list(Attestation.objects.values_list("pk", "row_hash")) == before
    assert LedgerAnchor.objects.get().row_count == 1
    assert "The ledger verifies: 1 rows." in verify_ledger()


# Keys: rotated without breaking old rows; rows from before keys existed still verify


def test_rows_sealed_with_a_retired_key_still_verify_after_rotation(three_rows, demo, settings):
    settings.LEDGER_KEYS = dict([SECOND_KEY, TEST_KEY])  # k2 seals from now on; test1 only checks
    row = append_row(demo, "hr")
    assert row.row_hash.startswith("k2$")
    out = verify_ledger()
    assert "The ledger verifies: 4 rows." in out
    assert "Seals: 1 with key k2, 3 with key test1." in out
    # A certificate of a row sealed with the retired key still verifies on /verify/.
    assert certificate_verifies(Certificate.objects.get(attestation=three_rows[1]))


def test_a_row_sealed_with_a_withdrawn_key_is_named_as_unverifiable(three_rows, settings):
    settings.LEDGER_KEYS = dict([SECOND_KEY])
    first = three_rows[0]
    with pytest.raises(CommandError) as error:
        verify_ledger()
    assert str(error.value).startswith(f"Ledger row {first.pk} (")
    assert "it was sealed with key 'test1', which this server does not hold" in str(error.value)


def test_rows_sealed_before_keys_existed_verify_as_they_are(empty_ledger, demo, settings):
    settings.LEDGER_KEYS = {}
    unkeyed = [append_row(demo, "officer"), append_row(demo, "manager")]
    assert all(len(row.row_hash) == 64 and "$" not in row.row_hash for row in unkeyed)
    settings.LEDGER_KEYS = dict([TEST_KEY])
    settings.LEDGER_UNKEYED_ROWS = 2  # recorded when the key was set
    keyed = append_row(demo, "hr")
    assert keyed.previous_hash == unkeyed[-1].row_hash and keyed.row_hash.startswith("test1$")
    assert "Seals: 2 unkeyed (from before LEDGER_KEYS was set), 1 with key test1." in verify_ledger()


def test_an_unkeyed_row_past_those_sealed_before_keys_existed_is_named(empty_ledger, demo, settings):
    """Someone without the key rewrites the whole chain with plain SHA-256: no keyed row is left
    to show it, but the rows were due keyed seals."""
    settings.LEDGER_KEYS = {}
    _, second = append_row(demo, "officer"), append_row(demo, "manager")
    settings.LEDGER_KEYS = dict([TEST_KEY])
    settings.LEDGER_UNKEYED_ROWS = 1
    with pytest.raises(CommandError) as error:
        verify_ledger()
    assert str(error.value).startswith(f"Ledger row {second.pk} (Alex Morgan attesting to ")
    assert "its seal is plain SHA-256 where a keyed seal was due" in str(error.value)


def test_without_a_key_verify_ledger_says_the_seals_are_forgeable(empty_ledger, demo, settings):
    settings.LEDGER_KEYS = {}
    append_row(demo, "officer")
    err = io.StringIO()
    call_command("verify_ledger", stdout=io.StringIO(), stderr=err)
    assert "The seals are unkeyed (LEDGER_KEYS is not set): anyone who can write to the database" in err.getvalue()


def test_with_a_key_verify_ledger_does_not_warn(three_rows):
    err = io.StringIO()
    call_command("verify_ledger", stdout=io.StringIO(), stderr=err)
    assert err.getvalue() == ""


# Anchors: the head hash recorded daily, outside the database


def test_anchoring_records_and_emails_the_row_count_and_head_hash(three_rows, settings, mailoutbox):
    settings.LEDGER_ANCHOR_EMAIL = "professional-standards@attest.example"
    out = io.StringIO()
    call_command("anchor_ledger", stdout=out)
    anchor = LedgerAnchor.objects.get()
    assert (anchor.row_count, anchor.head_hash) == (3, three_rows[-1].row_hash)
    assert "Anchored: 3 rows" in out.getvalue()
    (message,) = mailoutbox
    assert message.to == ["professional-standards@attest.example"]
    assert three_rows[-1].row_hash in message.body and "Rows: 3" in message.body


def test_without_a_file_or_an_address_the_anchor_is_recorded_and_the_command_says_so(demo, settings):
    settings.LEDGER_ANCHOR_EMAIL = settings.LEDGER_ANCHOR_FILE = ""
    err = io.StringIO()
    call_command("anchor_ledger", stdout=io.StringIO(), stderr=err)
    assert LedgerAnchor.objects.get().sent_to == ""
    assert "Neither LEDGER_ANCHOR_FILE nor LEDGER_ANCHOR_EMAIL is set" in err.getvalue()


def test_each_anchor_is_sealed_appended_to_the_anchor_file_and_logged(three_rows, demo, settings, tmp_path, caplog):
    settings.LEDGER_ANCHOR_FILE = str(tmp_path / "anchors.jsonl")
    with caplog.at_level(logging.INFO, logger="attest.ledger.anchor"):
        first = anchor_ledger()
        row = append_row(demo, "hr")
        second = anchor_ledger()
    lines = (tmp_path / "anchors.jsonl").read_text().splitlines()
    assert [json.loads(line) for line in lines] == [
        {
            "anchor": anchor.pk,
            "created_at": anchor.created_at.astimezone(datetime.UTC).isoformat(),
            "row_count": count,
            "head_hash": last.row_hash,
            "anchor_hash": anchor.anchor_hash,
            "last_row": last.pk,
            "event_count": anchor.event_count,  # the certificate events chain, counted too
            "event_head": CertificateEvent.objects.get(sequence=anchor.event_count).row_hash,
        }
        for anchor, count, last in [(first, 3, three_rows[-1]), (second, 4, row)]
    ]
    assert first.anchor_hash.startswith("test1$")
    assert [record.getMessage() for record in caplog.records if record.name == "attest.ledger.anchor"] == lines
    out = verify_ledger("--anchors", settings.LEDGER_ANCHOR_FILE)
    assert f"Every anchor in {settings.LEDGER_ANCHOR_FILE} is reached (2)." in out
    # Lines taken from the log, timestamp and all, do as well.
    from_the_log = tmp_path / "from-the-log.txt"
    from_the_log.write_text("".join(f"2026-12-01 02:00:00,000 INFO attest.ledger.anchor {line}\n" for line in lines))
    assert "is reached (2)." in verify_ledger("--anchors", str(from_the_log))


def forged_anchor_seals(anchor: LedgerAnchor) -> list[str]:
    """What someone without the key could put in a forged anchor's seal."""
    return ["", hashlib.sha256(anchor.canonical().encode()).hexdigest(), "test1$" + "0" * 64]


@pytest.mark.parametrize("forgery", range(3), ids=["no seal", "plain SHA-256", "made-up keyed seal"])
def test_an_anchor_forged_in_the_database_without_the_key_is_named(three_rows, forgery):
    anchor_ledger()
    forged = LedgerAnchor(row_count=3, head_hash=three_rows[-1].row_hash)
    forged.anchor_hash = forged_anchor_seals(forged)[forgery]
    forged.save()
    with pytest.raises(CommandError) as error:
        verify_ledger()
    assert str(error.value).startswith(f"The anchor of {forged.created_at:%Y-%m-%d %H:%M} (3 rows, head test1$")


def test_an_anchor_line_forged_in_the_file_without_the_key_is_named(three_rows, settings, tmp_path):
    path = tmp_path / "anchors.jsonl"
    settings.LEDGER_ANCHOR_FILE = str(path)
    anchor_ledger()
    forged = LedgerAnchor(pk=99, row_count=3, head_hash=three_rows[-1].row_hash)
    forged.anchor_hash = hashlib.sha256(forged.canonical().encode()).hexdigest()
    with path.open("a") as file:
        file.write(forged.as_line(last_row=three_rows[-1].pk) + "\n")
    with pytest.raises(CommandError, match=rf"^Anchor line 2 of {path}, the anchor of .* plain SHA-256"):
        verify_ledger("--anchors", str(path))


def test_a_line_of_the_anchor_file_that_is_not_an_anchor_is_named(demo, tmp_path):
    path = tmp_path / "anchors.jsonl"
    path.write_text('{"anchor": 1}\n')
    with pytest.raises(CommandError, match=rf"^Cannot check the anchors in {path}: Line 1 of {path} is not"):
        verify_ledger("--anchors", str(path))


def test_a_chain_rewritten_after_an_anchor_is_caught_by_the_anchor(three_rows):
    """Someone holding the key changes a row and reseals every row after it: each row verifies
    again, but the chain no longer reaches the head hash the anchor recorded."""
    anchor = anchor_ledger()
    middle, last = three_rows[1], three_rows[2]
    middle.typed_name = "Someone Else"
    middle.row_hash = middle.compute_hash()
    last.previous_hash = middle.row_hash
    last.row_hash = last.compute_hash()
    for row in (middle, last):
        behind_the_applications_back(
            "UPDATE certificates_attestation SET typed_name = %s, previous_hash = %s, row_hash = %s WHERE id = %s",
            [row.typed_name, row.previous_hash, row.row_hash, row.pk],
        )
    with pytest.raises(CommandError) as error:
        verify_ledger()
    assert str(error.value).startswith(f"The anchor of {anchor.created_at:%Y-%m-%d %H:%M} (3 rows, head ")
    assert f"row {last.pk}, the last one then, now has another hash: the chain was rewritten" in str(error.value)


def test_rows_removed_after_an_anchor_are_caught(three_rows):
    anchor_ledger()
    remove_rows(three_rows[-1])
    with pytest.raises(CommandError, match="it counted 3 rows; the ledger now has 2"):
        verify_ledger()


def test_later_rows_do_not_disturb_an_earlier_anchor(client, demo):
    anchor_ledger()
    certified(client, demo["officer"], demo["module"])
    anchor_ledger()
    assert "The ledger verifies: 2 rows." in verify_ledger()


def test_anchors_are_never_changed_or_deleted(demo):
    anchor = anchor_ledger()
    anchor.created_at -= datetime.timedelta(days=1)
    with pytest.raises(PermissionError):
        anchor.save()
    with pytest.raises(PermissionError):
        LedgerAnchor.objects.all().delete()
    with pytest.raises(PermissionError):
        LedgerAnchor.objects.update(row_count=0)


# Settings: the keys come from the environment, checked at start-up


@pytest.mark.parametrize(
    "value",
    ["k1", "k1:too-short", f"k1:{'y' * 40},k1:{'z' * 40}", f"not an id:{'y' * 40}"],
    ids=["no secret", "short secret", "id used twice", "bad id"],
)
def test_malformed_ledger_keys_are_refused_at_start_up(value):
    result = load_settings("config.settings.dev", LEDGER_KEYS=value)
    assert result.returncode != 0
    assert "LEDGER_KEYS must be comma-separated id:secret pairs" in result.stderr


def test_the_first_ledger_key_is_the_one_that_seals():
    result = run_with_settings(
        "config.settings.dev",
        "import django; from django.conf import settings; django.setup(); print(list(settings.LEDGER_KEYS))",
        LEDGER_KEYS=f"k2:{'z' * 40}, k1:{'y' * 40}",
    )
    assert result.stdout.strip() == "['k2', 'k1']", result.stderr
