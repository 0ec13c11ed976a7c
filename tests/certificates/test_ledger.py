"""The attestation ledger: ``verify_ledger`` finds a changed or removed row, and on PostgreSQL
the database itself refuses to update, delete or truncate it."""

import datetime
import io

import pgtrigger
import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from certificates.models import Attestation, Certificate, LedgerAnchor
from certificates.services import GENESIS_HASH, anchor_ledger
from tests.conftest import LEDGER_TRIGGERS
from tests.helpers import certified


def verify_ledger() -> str:
    out = io.StringIO()
    call_command("verify_ledger", stdout=out)
    return out.getvalue()


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
    with pgtrigger.ignore(*LEDGER_TRIGGERS), connection.cursor() as cursor:
        cursor.execute(sql, params)


@pytest.fixture
def empty_ledger(db):
    """No ledger rows, as on a new installation: the demo's one row (the returning officer's)
    and its certificate removed inside this test's transaction."""
    with pgtrigger.ignore(*LEDGER_TRIGGERS), connection.cursor() as cursor:
        for table in (Certificate._meta.db_table, Attestation._meta.db_table):
            cursor.execute(f"DELETE FROM {table}")  # noqa: S608 (table names from the models)


def test_an_empty_ledger_verifies_with_the_genesis_hash(empty_ledger):
    assert verify_ledger() == f"The ledger verifies: 0 rows.\nHead hash: {GENESIS_HASH}\n"


def test_the_ledger_verifies_and_reports_its_head_hash(three_rows):
    assert verify_ledger() == f"The ledger verifies: 3 rows.\nHead hash: {three_rows[-1].row_hash}\n"


def test_a_changed_row_fails_verification_naming_that_row(three_rows):
    middle = three_rows[1]
    behind_the_applications_back(
        "UPDATE certificates_attestation SET typed_name = %s WHERE id = %s", ["Someone Else", middle.pk]
    )
    with pytest.raises(CommandError) as error:
        verify_ledger()
    assert str(error.value).startswith(f"Ledger row {middle.pk} (Sam Taylor attesting to ")
    assert "does not verify: its contents do not match its hash (the row was changed)" in str(error.value)


def test_a_removed_row_breaks_the_link_of_the_row_after_it(three_rows):
    middle, last = three_rows[1], three_rows[2]
    behind_the_applications_back("DELETE FROM certificates_certificate WHERE attestation_id = %s", [middle.pk])
    behind_the_applications_back("DELETE FROM certificates_attestation WHERE id = %s", [middle.pk])
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


def test_without_an_address_the_anchor_is_recorded_and_the_command_says_so(demo, settings, capsys):
    settings.LEDGER_ANCHOR_EMAIL = ""
    err = io.StringIO()
    call_command("anchor_ledger", stdout=io.StringIO(), stderr=err)
    assert LedgerAnchor.objects.get().sent_to == ""
    assert "LEDGER_ANCHOR_EMAIL is not set" in err.getvalue()


def test_a_chain_rewritten_after_an_anchor_is_caught_by_the_anchor(three_rows):
    """Someone changes a row and recomputes every hash after it: each row verifies again,
    but the chain no longer reaches the head hash the anchor recorded."""
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
    last = three_rows[-1]
    behind_the_applications_back("DELETE FROM certificates_certificate WHERE attestation_id = %s", [last.pk])
    behind_the_applications_back("DELETE FROM certificates_attestation WHERE id = %s", [last.pk])
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
