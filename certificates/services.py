"""Attesting to a policy version and issuing the certificate that proves it."""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from wagtail.log_actions import log

from access.network import normalised_ip
from core.dates import add_months

from . import events
from .chain import seal_problem, sealed_with
from .models import (
    Attestation,
    Certificate,
    CertificateEvent,
    LedgerAnchor,
    PolicyDocument,
    PolicyVersion,
    attested,
    certificate_revoked,
    policy_version_published,
)
from .serials import new_serial
from .stored_pdfs import store_certificate_pdf

GENESIS_HASH = "0" * 64
# Any fixed number: the PostgreSQL advisory lock that serialises appends to the ledger.
LEDGER_LOCK = 4_082_020
# Each anchor is logged here as one JSON line, for operators to route to syslog or their SIEM.
anchor_log = logging.getLogger("attest.ledger.anchor")


class AlreadyAttested(Exception):
    """The person has already attested to this policy version."""

    def __init__(self, attestation: Attestation):
        super().__init__("You have already attested to this version of the policy.")
        self.attestation = attestation


class NameMismatch(ValueError):
    pass


@dataclass(frozen=True)
class Context:
    """Where an attestation was made, for the ledger."""

    ip_address: str | None = None
    user_agent: str = ""
    module_id: int | None = None
    attempt_id: uuid.UUID | None = None


def names_match(typed: str, full_name: str) -> bool:
    """Whether the typed name is the person's full name, ignoring case and spacing."""
    return " ".join(typed.split()).casefold() == " ".join(full_name.split()).casefold()


@transaction.atomic
def attest(
    user, version: PolicyVersion, typed_name: str, context: Context, *, after_revocation: Certificate | None = None
) -> Attestation:
    """Append the person's attestation to ``version`` to the ledger.

    The statement and body hash are taken from the version as it stands. Raises
    ``NameMismatch`` if ``typed_name`` is not the person's full name, and
    ``AlreadyAttested`` (carrying the earlier row) if they attested to it before: unless
    ``after_revocation``, their revoked certificate, is the certificate of that earlier row, in
    which case the new row is appended pointing at it (once per revoked certificate).
    """
    if not names_match(typed_name, user.get_full_name()):
        raise NameMismatch("Type your full name exactly as it appears on your record.")
    if after_revocation is not None and (
        after_revocation.user_id != user.pk or after_revocation.status != Certificate.Status.REVOKED
    ):
        raise ValueError("Only the person's own revoked certificate can be attested after.")
    existing = _latest_attestation(user, version)
    if existing and (after_revocation is None or existing.pk != after_revocation.attestation_id):
        raise AlreadyAttested(existing)
    _lock_ledger()
    last = Attestation.objects.order_by("-pk").only("row_hash").first()
    row = Attestation(
        user=user,
        policy_version=version,
        statement=version.statement,
        typed_name=" ".join(typed_name.split()),
        body_sha256=version.body_sha256,
        module_id=context.module_id,
        attempt_id=context.attempt_id,
        created_at=timezone.now(),
        ip_address=normalised_ip(context.ip_address),
        user_agent=context.user_agent[:500],
        previous_hash=last.row_hash if last else GENESIS_HASH,
        after_revocation=after_revocation,
    )
    row.row_hash = row.compute_hash()
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError as error:  # another tab got there first
        existing = _latest_attestation(user, version)
        if existing:
            raise AlreadyAttested(existing) from error
        raise
    attested.send(sender=Attestation, attestation=row)
    return row


def _latest_attestation(user, version: PolicyVersion) -> Attestation | None:
    return Attestation.objects.filter(user=user, policy_version=version).order_by("-pk").first()


def _lock_ledger() -> None:
    """Hold the ledger's append lock until the transaction ends, so two appends never
    chain to the same previous row. On SQLite, transactions take the database's write lock
    when they begin (see settings), which serialises them already."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LEDGER_LOCK])


@transaction.atomic
def issue_certificate(
    attestation: Attestation, *, module_id: int, module_title: str, valid_months: int, issued_at=None
) -> Certificate:
    """Issue the certificate for ``attestation``, or return the one already issued. It is
    issued now, unless ``issued_at`` says when (a certificate brought over from the records
    of an earlier system); it expires ``valid_months`` after. Its PDF is drawn and stored by a
    background task queued once the transaction commits, never in the caller's request
    (unless ``TASKS_BACKEND`` is ``immediate``)."""
    existing = Certificate.objects.filter(attestation=attestation).first()
    if existing:
        return existing
    user = attestation.user
    issued_at = issued_at or timezone.now()
    certificate = Certificate.objects.create(
        serial=new_serial(),
        user=user,
        attestation=attestation,
        policy_version=attestation.policy_version,
        module_id=module_id,
        module_title=module_title,
        holder_name=user.get_full_name() or user.username,
        warrant_number=user.warrant_number or "",
        issued_at=issued_at,
        expires_on=add_months(timezone.localdate(issued_at), valid_months),
    )
    events.append(certificate, CertificateEvent.Kind.ISSUED, at=issued_at)
    # Robust: a queue that fails is logged, and the first download draws the PDF instead.
    transaction.on_commit(lambda: store_certificate_pdf.enqueue(certificate.pk), robust=True)
    return certificate


def certificate_verifies(certificate: Certificate) -> bool:
    """Whether the certificate's attestation still matches the policy version and its seal, a
    keyed one wherever a keyed one was due (a row resealed by someone without the key does not)."""
    attestation = certificate.attestation
    if attestation.policy_version_id != certificate.policy_version_id:
        return False
    if attestation.body_sha256 != certificate.policy_version.body_sha256:
        return False
    if settings.LEDGER_KEYS and settings.LEDGER_UNKEYED_ROWS:  # keyed from some row on: is this one past it?
        keyed_due = _keyed_due(Attestation.objects.filter(pk__lte=attestation.pk).count())
    else:  # every row keyed, or none: no need to count the rows before this one (a query per check)
        keyed_due = bool(settings.LEDGER_KEYS)
    return seal_problem(attestation.canonical(), attestation.row_hash, keyed_due=keyed_due) is None


@dataclass(frozen=True)
class OutsideAnchor:
    """One anchor as recorded outside the database (a line of the anchor file)."""

    anchor: LedgerAnchor
    where: str  # names it for an investigator: the file and line
    last_row: int | None  # the id of the ledger's last row when it was taken


class AnchorFileError(ValueError):
    """A line of an anchor file is not a ledger anchor."""


def read_anchor_file(path: str) -> list[OutsideAnchor]:
    """Every anchor in the file at ``path`` (as ``anchor_ledger`` appends them to
    ``LEDGER_ANCHOR_FILE``), in order; lines copied from the log do as well
    (``LedgerAnchor.from_line``). Raises ``AnchorFileError`` naming the first
    line that is not an anchor, and ``OSError`` if the file cannot be read."""
    outside = []
    with open(path, encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                anchor, last_row = LedgerAnchor.from_line(line)
            except (ValueError, KeyError, TypeError) as error:
                raise AnchorFileError(f"Line {number} of {path} is not a ledger anchor ({error}).") from error
            where = f"Anchor line {number} of {path}, the anchor {_anchor_facts(anchor)}"
            outside.append(OutsideAnchor(anchor, where, last_row))
    return outside


def first_broken_row(outside: Sequence[OutsideAnchor] = ()) -> tuple[str, str] | None:
    """The first thing in the ledger that does not verify, as (what, why); None when all does.

    Each row's seal must match its contents and link to the row before (so an edit anywhere
    shows at the edited row), be made with a key this server holds, and not be an unkeyed seal
    after a keyed one (a row resealed without the key). Each anchor, in the database or in
    ``outside`` (read from an anchor file), must be sealed with the key and its head hash must be
    the hash of the row that was last when it was taken: so a chain rewritten since, or cut short
    with its anchors deleted from the database, shows too.
    """
    anchors: dict[int, list[OutsideAnchor]] = {}
    recorded = [OutsideAnchor(anchor, anchor_name(anchor), None) for anchor in LedgerAnchor.objects.order_by("pk")]
    for copy in (recorded, outside):
        keyed = False
        for item in copy:
            problem = _anchor_seal_problem(item.anchor, keyed_due=keyed)
            if problem:
                return item.where, problem
            keyed = keyed or sealed_with(item.anchor.anchor_hash) is not None
            anchors.setdefault(item.anchor.row_count, []).append(item)
    previous, position, keyed = GENESIS_HASH, 0, False
    for item in anchors.get(0, []):
        if item.anchor.head_hash != GENESIS_HASH:
            return item.where, "the ledger was empty then, but the anchor records a head hash"
    for row in Attestation.objects.order_by("pk").iterator(2000):
        position += 1
        if row.previous_hash != previous:
            return _row_name(row), "its link to the row before is broken (a row was removed, inserted or changed)"
        problem = seal_problem(row.canonical(), row.row_hash, keyed_due=keyed or _keyed_due(position))
        if problem:
            if not keyed and sealed_with(row.row_hash) is None:
                problem += " (or, if it was sealed before LEDGER_KEYS was set, LEDGER_UNKEYED_ROWS does not count it)"
            return _row_name(row), problem
        keyed = keyed or sealed_with(row.row_hash) is not None
        for item in anchors.get(position, []):
            if item.anchor.head_hash != row.row_hash:
                return item.where, f"row {row.pk}, the last one then, now has another hash: the chain was rewritten"
        previous = row.row_hash
    for count in sorted(anchors):
        if count > position:
            item = anchors[count][0]
            last = f"row {item.last_row}" if item.last_row else f"the row numbered {count}"
            return item.where, (
                f"it counted {count} rows; the ledger now has {position}: {last}, the last one then, is missing "
                "(rows were deleted from the end)"
            )
    return None


def _keyed_due(position: int) -> bool:
    """Whether the ledger's row at ``position`` (counting from 1) must carry a keyed seal."""
    return bool(settings.LEDGER_KEYS) and position > settings.LEDGER_UNKEYED_ROWS


def _anchor_seal_problem(anchor: LedgerAnchor, *, keyed_due: bool) -> str | None:
    # An anchor of a keyed head, or of rows that had to be keyed, was taken when keys existed.
    keyed_due = keyed_due or sealed_with(anchor.head_hash) is not None or _keyed_due(anchor.row_count)
    if not anchor.anchor_hash:
        if keyed_due:
            return "it has no seal, yet anchors were sealed when it was taken: it was not made by anchor_ledger"
        return None  # taken before anchors were sealed
    return seal_problem(anchor.canonical(), anchor.anchor_hash, keyed_due=keyed_due)


def _row_name(row: Attestation) -> str:
    return f"Ledger row {row.pk} ({row.user} attesting to {row.policy_version} at {row.created_at:%Y-%m-%d %H:%M})"


def anchor_name(anchor: LedgerAnchor) -> str:
    return f"The anchor {_anchor_facts(anchor)}"


def _anchor_facts(anchor: LedgerAnchor) -> str:
    return f"of {anchor.created_at:%Y-%m-%d %H:%M} ({anchor.row_count} rows, head {_short(anchor.head_hash)}…)"


def _short(sealed: str) -> str:
    """The start of a seal, enough to tell it apart: its key id (if any) and 12 hex digits."""
    key_id = sealed_with(sealed)
    return sealed[: len(key_id) + 13] if key_id is not None else sealed[:12]


def ledger_head() -> tuple[int, str]:
    """The number of ledger rows and the last row's hash (the genesis hash when empty), read
    together so a row appended meanwhile cannot split them."""
    last = Attestation.objects.order_by("-pk").values_list("pk", "row_hash").first()
    if last is None:
        return 0, GENESIS_HASH
    return Attestation.objects.filter(pk__lte=last[0]).count(), last[1]


def ledger_seals() -> dict[str | None, int]:
    """How many ledger rows each key sealed (None: unkeyed, sealed before keys were set)."""
    rows = Attestation.objects.all()
    counts: dict[str | None, int] = {None: rows.exclude(row_hash__contains="$").count()}
    for key_id in settings.LEDGER_KEYS:
        counts[key_id] = rows.filter(row_hash__startswith=f"{key_id}$").count()
    return {key_id: count for key_id, count in counts.items() if count}


def anchor_ledger(recipient: str = "") -> LedgerAnchor:
    """Record the ledger's row count and head hash as an anchor sealed with the ledger key, and
    copy it outside the database: one JSON line appended to ``LEDGER_ANCHOR_FILE`` (if set) and
    synced to disk, the same line logged on the ``attest.ledger.anchor`` logger, and an email to
    ``recipient`` (if given). Raises ``OSError`` if the file cannot be written: the anchor is
    then in the database only, and the caller should fail loudly."""
    count, head = ledger_head()
    event_count, event_head = events.head()
    anchor = LedgerAnchor(
        row_count=count, head_hash=head, event_count=event_count, event_head=event_head, sent_to=recipient
    )
    anchor.anchor_hash = anchor.compute_hash()
    anchor.save()
    last_row = Attestation.objects.filter(row_hash=head).values_list("pk", flat=True).first()
    line = anchor.as_line(last_row=last_row)
    anchor_log.info("%s", line)
    if settings.LEDGER_ANCHOR_FILE:
        _append_line(settings.LEDGER_ANCHOR_FILE, line)
    if recipient:
        send_mail(
            subject=f"Attest ledger anchor {anchor.created_at:%Y-%m-%d}: {count} rows",
            message=(
                f"The attestation ledger at {anchor.created_at:%Y-%m-%d %H:%M:%S %Z}:\n\n"
                f"Rows: {count}\nHead hash: {head}\nCertificate events: {event_count}, head {event_head}\n"
                f"Anchor seal: {anchor.anchor_hash}\n\n"
                "Keep this message. `manage.py verify_ledger` checks that the ledger still reaches this "
                "head hash; if it does not, the ledger has been rewritten since. The line below is the "
                "anchor as `verify_ledger --anchors FILE` reads it:\n\n"
                f"{line}\n"
            ),
            from_email=None,
            recipient_list=[recipient],
        )
    return anchor


def _append_line(path: str, line: str) -> None:
    """Append ``line`` to the file at ``path`` (never rewriting what is there) and wait until it
    is on disk."""
    descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        os.write(descriptor, f"{line}\n".encode())
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


class VersionConflict(ValidationError):
    """The published text cannot be stored as a new version (another publish got there first)."""


@transaction.atomic
def store_published_version(document: PolicyDocument, revision=None) -> PolicyVersion | None:
    """Store the document's published text as its next version, and announce it with
    ``policy_version_published``. Text and statement unchanged from the version stored last
    store nothing and touch nothing: republishing (or a double-click on Publish) is harmless.

    The document's row is locked while this decides, so two publishes at once store one
    version. Raises ``VersionConflict`` if the label was taken or a later-dated version was
    stored since the draft was checked; the caller's transaction then undoes the publish.
    """
    PolicyDocument.objects.select_for_update().filter(pk=document.pk).first()
    if not document.text_changed():
        return None
    errors = document.new_version_errors()
    if errors:
        raise VersionConflict(errors)
    version = document.next_version(revision)
    version.save()
    policy_version_published.send(sender=PolicyVersion, version=version)
    return version


class AlreadyRevoked(Exception):
    pass


@transaction.atomic
def revoke(certificate: Certificate, *, reason: str, by, retake_due=None) -> Certificate:
    """Withdraw a certificate, keeping it: its verification page says it is revoked. The
    reason and who revoked it go to the audit trail, and ``certificate_revoked`` sends the
    holder back to training (due by ``retake_due``, or the default), in the same transaction."""
    reason = " ".join(reason.split())
    if not reason:
        raise ValueError("Give the reason the certificate is revoked.")
    certificate = Certificate.objects.select_for_update().get(pk=certificate.pk)
    if certificate.revocation:
        raise AlreadyRevoked(f"Certificate {certificate.display_serial} was already revoked.")
    events.append(certificate, CertificateEvent.Kind.REVOKED, by=by, facts={"reason": reason})
    log(certificate, "attest.certificate.revoke", user=by, data={"serial": certificate.serial, "reason": reason})
    certificate_revoked.send(sender=Certificate, certificate=certificate, retake_due=retake_due)
    return certificate
