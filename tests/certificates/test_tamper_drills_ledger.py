"""Tamper drills on the attestation ledger, as a PostgreSQL superuser would try them: the
append-only triggers set aside, rows edited and resealed with plain SHA-256 (the attacker has the
database, not the ledger key), the last rows and the anchors deleted. Each time ``verify_ledger``
exits non-zero naming the row, or the anchor kept outside the database and the missing row.
(Issue 16, drills b and c; docs/threat-model.md.)"""

import hashlib
import io

import pytest
from django.core.management import CommandError, call_command

from certificates.models import Attestation, LedgerAnchor
from certificates.services import anchor_ledger
from tests.certificates.test_ledger import append_row, behind_the_applications_back, verify_ledger

pytestmark = pytest.mark.postgres


@pytest.fixture
def five_rows(demo):
    """The demo's row (the returning officer's), then four more, all sealed with the test key."""
    for username in ("officer", "manager", "trainer", "hr"):
        append_row(demo, username)
    rows = list(Attestation.objects.order_by("pk"))
    assert len(rows) == 5 and all(row.row_hash.startswith("test1$") for row in rows)
    return rows


def reseal_without_the_key(rows: list[Attestation], *, from_index: int, through: int) -> None:
    """Change the typed name of ``rows[from_index]`` and recompute, with plain SHA-256 as anyone
    without the key would, its hash and each later one's up to ``rows[through]``, linking each to
    the one before; written straight to the table with the triggers disabled."""
    rows[from_index].typed_name = "Someone Else"
    for index in range(from_index, through + 1):
        row = rows[index]
        if index > from_index:
            row.previous_hash = rows[index - 1].row_hash
        row.row_hash = hashlib.sha256(row.canonical().encode()).hexdigest()
        behind_the_applications_back(
            "UPDATE certificates_attestation SET typed_name = %s, previous_hash = %s, row_hash = %s WHERE id = %s",
            [row.typed_name, row.previous_hash, row.row_hash, row.pk],
        )


def refusal(*args: str) -> str:
    with pytest.raises(CommandError) as error:
        call_command("verify_ledger", *args, stdout=io.StringIO(), stderr=io.StringIO())
    return str(error.value)


def test_drill_b_a_row_edited_and_resealed_without_the_key_is_named(five_rows):
    edited = five_rows[2]
    reseal_without_the_key(five_rows, from_index=2, through=2)
    message = refusal()
    assert message.startswith(f"Ledger row {edited.pk} (")
    assert "its seal is plain SHA-256 where a keyed seal was due" in message


def test_drill_b_resealed_through_to_the_head_the_edited_row_is_still_named(five_rows):
    edited = five_rows[2]
    reseal_without_the_key(five_rows, from_index=2, through=4)
    message = refusal()
    assert message.startswith(f"Ledger row {edited.pk} (")
    assert "its seal is plain SHA-256 where a keyed seal was due" in message


def test_drill_b_the_whole_chain_resealed_from_the_first_row_is_named_at_the_first_row(five_rows):
    """No keyed row is left to compare with: the first row was due a keyed seal all the same
    (LEDGER_UNKEYED_ROWS is 0: the ledger had its key from the start)."""
    reseal_without_the_key(five_rows, from_index=0, through=4)
    message = refusal()
    assert message.startswith(f"Ledger row {five_rows[0].pk} (")
    assert "its seal is plain SHA-256 where a keyed seal was due" in message


def test_drill_c_the_last_rows_and_the_anchors_deleted_are_caught_by_the_anchor_file(five_rows, settings, tmp_path):
    anchor_file = tmp_path / "anchors.jsonl"
    settings.LEDGER_ANCHOR_FILE = str(anchor_file)
    anchor_ledger()  # line 1: 5 rows
    last = five_rows[-1]
    behind_the_applications_back("DELETE FROM certificates_attestation WHERE id >= %s", [five_rows[3].pk])
    behind_the_applications_back("DELETE FROM certificates_ledgeranchor", [])
    assert not LedgerAnchor.objects.exists()

    # Inside the database nothing is left to show it: the shorter chain is whole.
    assert "The ledger verifies: 3 rows." in verify_ledger()
    message = refusal("--anchors", str(anchor_file))
    assert message.startswith(f"Anchor line 1 of {anchor_file}, the anchor of ")
    assert f"(5 rows, head {last.row_hash[:18]}…) does not verify" in message
    assert f"it counted 5 rows; the ledger now has 3: row {last.pk}, the last one then, is missing" in message


def test_drill_c_a_replaced_head_is_caught_by_the_anchor_file(five_rows, demo, settings, tmp_path):
    """The anchors deleted, the last row removed and another appended in its place through the
    application: the chain is whole and keyed again, but not the one the file recorded."""
    anchor_file = tmp_path / "anchors.jsonl"
    settings.LEDGER_ANCHOR_FILE = str(anchor_file)
    anchor_ledger()
    behind_the_applications_back("DELETE FROM certificates_attestation WHERE id = %s", [five_rows[-1].pk])
    behind_the_applications_back("DELETE FROM certificates_ledgeranchor", [])
    replacement = append_row(demo, "hr")  # the deleted row was hr's
    message = refusal("--anchors", str(anchor_file))
    assert message.startswith(f"Anchor line 1 of {anchor_file}")
    assert f"row {replacement.pk}, the last one then, now has another hash: the chain was rewritten" in message
