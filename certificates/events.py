"""The chain of certificate events beside the attestation ledger: each certificate's issue,
revocation and supersession, sealed in order (``chain.seal``), so that a certificate's state is
read from evidence, never from a column anyone with the database could change."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from .models import Certificate, CertificateEvent, certificate_facts
from .models.events import GENESIS

# Any fixed number (not the ledger's): the PostgreSQL advisory lock that serialises appends.
EVENTS_LOCK = 4_082_021


@transaction.atomic
def append(
    certificate: Certificate,
    kind: str,
    *,
    by=None,
    facts: dict[str, Any] | None = None,
    at: datetime.datetime | None = None,
) -> CertificateEvent:
    """Seal ``kind`` as the next event of the chain, for ``certificate``. An issue event
    records the certificate's facts; others record what they are given (a reason)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [EVENTS_LOCK])
    last = CertificateEvent.objects.order_by("-sequence").only("sequence", "row_hash").first()
    event = CertificateEvent(
        sequence=last.sequence + 1 if last else 1,
        certificate=certificate,
        kind=kind,
        at=at or timezone.now(),
        by=by,
        facts=certificate_facts(certificate) if kind == CertificateEvent.Kind.ISSUED else (facts or {}),
        previous_hash=last.row_hash if last else GENESIS,
    )
    event.row_hash = event.seal()
    event.save()
    certificate.forget_events()
    return event


def first_broken_event() -> tuple[str, str] | None:
    """The first certificate event (or certificate) that does not verify, as (what, why); None
    when every one does.

    Each event must be as it was sealed, number on from the one before with no gap and link to
    its seal; each certificate must have one issue event, its first, carrying the row's facts;
    and no event may come before the one it follows in time.
    """
    previous, expected = GENESIS, 1
    last_at: datetime.datetime | None = None
    for event in CertificateEvent.objects.order_by("sequence").iterator(2000):
        if event.sequence != expected:
            return _name(event), f"the chain jumps from event {expected - 1} to {event.sequence}: events were removed"
        if event.previous_hash != previous:
            return _name(event), "its link to the event before is broken (an event was removed, inserted or changed)"
        if problem := event.seal_problem():
            return _name(event), problem
        if last_at is not None and event.at < last_at:
            return _name(event), "it is dated before the event it follows: it was inserted out of order"
        previous, expected, last_at = event.row_hash, expected + 1, event.at
    for certificate in Certificate.objects.order_by("pk").iterator(2000):
        if not certificate.trusted:
            return (
                f"Certificate {certificate.display_serial} ({certificate.holder_name})",
                "the certificate record no longer matches its issue event (it was changed), or its events are not "
                "as they were sealed",
            )
    return None


def chain_complete() -> bool:
    """Whether the events chain has no gap: as many rows as its last sequence number. One query,
    for the public verification page, so that a certificate whose revocation was taken out of
    the middle of the chain is not shown as valid. (Rows taken off the end, with no gap, are
    found against the anchors kept outside the database: ``verify_ledger --anchors``.)"""
    from django.db.models import Count, Max

    numbers = CertificateEvent.objects.aggregate(count=Count("pk"), last=Max("sequence"))
    return numbers["count"] == (numbers["last"] or 0)


def _name(event: CertificateEvent) -> str:
    return f"Certificate event {event.sequence} ({event.get_kind_display().lower()}, at {event.at:%Y-%m-%d %H:%M})"
