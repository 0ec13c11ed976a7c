"""The chain of certificate events beside the attestation ledger: each certificate's issue,
revocation and supersession, sealed in order (``chain.seal``), so that a certificate's state is
read from evidence, never from a column anyone with the database could change."""

from __future__ import annotations

import datetime
import os
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Max
from django.utils import timezone

from .models import Certificate, CertificateEvent, LedgerAnchor, certificate_event_appended, certificate_facts
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
    certificate_event_appended.send(sender=CertificateEvent, certificate=certificate, event=event)
    return event


def head() -> tuple[int, str]:
    """The number of certificate events and the last one's seal (the genesis seal when none)."""
    last = CertificateEvent.objects.order_by("-sequence").values_list("sequence", "row_hash").first()
    return last if last else (0, GENESIS)


def first_broken_event(anchors: Iterable[tuple[str, LedgerAnchor]] = ()) -> tuple[str, str] | None:
    """The first certificate event (or certificate, or anchor) that does not verify, as (what,
    why); None when every one does.

    Each event must be as it was sealed, number on from the one before with no gap and link to
    its seal; each certificate must have one issue event, its first, carrying the row's facts;
    and no event may come before the one it follows in time. Each of ``anchors`` (named, from
    the database or a copy outside it) that counted the events must still find the event it
    counted last, with the seal it recorded: so events taken off the end of the chain show.
    """
    by_count: dict[int, list[tuple[str, str]]] = {}
    for where, anchor in anchors:
        if anchor.event_count is None:
            continue  # made before the events chain was anchored
        if anchor.event_count == 0:
            if anchor.event_head != GENESIS:
                return where, "it counted no certificate events, but records a head seal"
            continue
        by_count.setdefault(anchor.event_count, []).append((where, anchor.event_head))
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
        for where, event_head in by_count.pop(event.sequence, []):
            if event_head != event.row_hash:
                return where, f"certificate event {event.sequence}, the last one then, now has another seal"
        previous, expected, last_at = event.row_hash, expected + 1, event.at
    if by_count:  # anchors that counted more events than there are now
        count = min(by_count)
        where, _ = by_count[count][0]
        return where, f"it counted {count} certificate events; the chain now has {expected - 1}: events were removed"
    for certificate in Certificate.objects.order_by("pk").iterator(2000):
        if not certificate.trusted:
            return (
                f"Certificate {certificate.display_serial} ({certificate.holder_name})",
                "the certificate record no longer matches its issue event (it was changed), or its events are not "
                "as they were sealed",
            )
    return None


def chain_complete() -> bool:
    """Whether the events chain is whole, as far as a page can tell in a few queries: no gap in
    its numbers (a revocation taken out of the middle), and it still reaches the events head
    recorded by the latest anchor, in the database and in ``LEDGER_ANCHOR_FILE`` when this server
    keeps one (events taken off the end). For the public verification page, so that a revoked
    certificate whose revocation was removed is not shown as valid."""
    numbers = CertificateEvent.objects.aggregate(count=Count("pk"), last=Max("sequence"))
    if numbers["count"] != (numbers["last"] or 0):
        return False
    latest = [LedgerAnchor.objects.exclude(event_count=None).order_by("-pk").first(), _latest_outside_anchor()]
    return all(anchor is None or _reaches(anchor) for anchor in latest)


def _reaches(anchor: LedgerAnchor) -> bool:
    if not anchor.event_count:
        return True
    return CertificateEvent.objects.filter(sequence=anchor.event_count, row_hash=anchor.event_head).exists()


def _latest_outside_anchor() -> LedgerAnchor | None:
    """The last anchor in ``LEDGER_ANCHOR_FILE`` that counted the events, if this server keeps
    the file; None otherwise (or if its last line cannot be read as an anchor)."""
    path = settings.LEDGER_ANCHOR_FILE
    if not path or not os.path.exists(path):
        return None
    with open(path, "rb") as file:
        file.seek(max(0, os.path.getsize(path) - 4096))
        lines = [line for line in file.read().decode("utf-8", "replace").splitlines() if line.strip()]
    for line in reversed(lines):
        try:
            anchor, _ = LedgerAnchor.from_line(line)
        except (ValueError, KeyError, TypeError):
            continue
        if anchor.event_count is not None:
            return anchor
    return None


def _name(event: CertificateEvent) -> str:
    return f"Certificate event {event.sequence} ({event.get_kind_display().lower()}, at {event.at:%Y-%m-%d %H:%M})"
