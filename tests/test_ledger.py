"""The attestation ledger: ``verify_ledger`` finds a changed or removed row, and on PostgreSQL
the database itself refuses to update, delete or truncate it."""

import io

import pgtrigger
import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from certificates.models import Attestation
from certificates.services import GENESIS_HASH

from .conftest import LEDGER_TRIGGERS
from .helpers import certified


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


def test_an_empty_ledger_verifies_with_the_genesis_hash(db):
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
    assert str(error.value).startswith(f"Ledger row {middle.pk} does not verify: its contents do not match its hash")
    assert "Sam Taylor" in str(error.value)


def test_a_removed_row_breaks_the_link_of_the_row_after_it(three_rows):
    middle, last = three_rows[1], three_rows[2]
    behind_the_applications_back("DELETE FROM certificates_certificate WHERE attestation_id = %s", [middle.pk])
    behind_the_applications_back("DELETE FROM certificates_attestation WHERE id = %s", [middle.pk])
    with pytest.raises(CommandError, match=f"Ledger row {last.pk} does not verify: its link to the row before"):
        verify_ledger()


@pytest.mark.postgres
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE certificates_attestation SET typed_name = 'Someone Else'",
        "DELETE FROM certificates_attestation",
        "TRUNCATE certificates_attestation CASCADE",
    ],
)
def test_postgresql_refuses_any_change_to_the_ledger(transactional_db, demo, sql):
    # Committed rows, as in production: PostgreSQL will not even try to TRUNCATE a table with
    # work pending in the same transaction, which would hide whether the trigger fired.
    before = list(Attestation.objects.values_list("pk", "row_hash"))
    with pytest.raises(DatabaseError, match="pgtrigger: Cannot"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql)
    assert list(Attestation.objects.values_list("pk", "row_hash")) == before
    assert "The ledger verifies: 1 rows." in verify_ledger()
