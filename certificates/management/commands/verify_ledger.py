"""Walk the attestation ledger and check every row's seal and its link to the row before.

``manage.py verify_ledger`` prints the number of rows and the head hash (the last row's
hash, which anchors the whole chain), or exits non-zero naming the first row (or anchor, see
``anchor_ledger``) that does not verify. ``--anchors FILE`` also checks the chain against every
anchor in a copy kept outside the database (``LEDGER_ANCHOR_FILE``). Run it before producing
evidence.
"""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from certificates.events import first_broken_event
from certificates.models import CertificateEvent, LedgerAnchor
from certificates.services import (
    AnchorFileError,
    anchor_name,
    first_broken_row,
    ledger_head,
    ledger_seals,
    read_anchor_file,
)


class Command(BaseCommand):
    help = (
        "Verify the attestation ledger's hash chain and the chain of certificate events; print the row count "
        "and head hash."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--anchors",
            metavar="FILE",
            help="also check the chain against every anchor in this file (a copy of LEDGER_ANCHOR_FILE)",
        )

    def handle(self, *args, anchors: str | None = None, **options):
        outside = []
        if anchors:
            try:
                outside = read_anchor_file(anchors)
            except (OSError, AnchorFileError) as error:
                raise CommandError(f"Cannot check the anchors in {anchors}: {error}") from error
        broken = first_broken_row(outside)
        if broken is not None:
            where, reason = broken
            raise CommandError(
                f"{where} does not verify: {reason}. Everything after it is unproven: restore from a "
                "backup taken before the change, and investigate."
            )
        anchored = [(anchor_name(anchor), anchor) for anchor in LedgerAnchor.objects.order_by("pk")]
        broken = first_broken_event([*anchored, *((copy.where, copy.anchor) for copy in outside)])
        if broken is not None:
            where, reason = broken
            raise CommandError(
                f"{where} does not verify: {reason}. No certificate's state after it can be relied on: restore "
                "from a backup taken before the change, and investigate."
            )
        count, head = ledger_head()
        self.stdout.write(self.style.SUCCESS(f"The ledger verifies: {count} rows."))
        self.stdout.write(f"Head hash: {head}")
        seals = ledger_seals()
        if seals:
            self.stdout.write(
                "Seals: "
                + ", ".join(
                    f"{rows} with key {key_id}" if key_id else f"{rows} unkeyed (from before LEDGER_KEYS was set)"
                    for key_id, rows in seals.items()
                )
                + "."
            )
        if anchors:
            self.stdout.write(f"Every anchor in {anchors} is reached ({len(outside)}).")
        self.stdout.write(f"The certificate events verify: {CertificateEvent.objects.count()} events.")
        if not settings.LEDGER_KEYS:
            self.stderr.write(
                self.style.WARNING(
                    "The seals are unkeyed (LEDGER_KEYS is not set): anyone who can write to the database can "
                    "change a row and recompute every hash after it, and this check would still pass. Only an "
                    "anchor kept outside the database (--anchors) would show it."
                )
            )
