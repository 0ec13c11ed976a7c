"""Sending the outbox to the learning record store (LRS), in batches, with retries and backoff.

- **Claim**: a batch of due statements, oldest first, is claimed by pushing its next try past a
  lease, in a short transaction (``SKIP LOCKED`` on PostgreSQL), so two workers do not send the
  same batch at once and no lock is held while the LRS answers. A worker that dies mid-send
  leaves its batch due again when the lease ends.
- **Send**: ``POST statements`` with the batch (``X-Experience-API-Version: 1.0.3``, basic auth).
  The ids are fixed (``statements.statement_id``), so sending again after a lost reply stores
  nothing twice: the LRS accepts a statement it already holds, unchanged.
- **The LRS's answer**: 200 stores the batch. 400, 409 or 413 for a batch of several: each is
  sent alone (``PUT statements?statementId=``) to find the one at fault; alone, 204 is stored,
  400 (invalid) or 409 (the LRS holds a *different* statement under that id) marks it refused,
  for an administrator to look at and retry. Anything else (401/403, 429, 5xx, a timeout, no
  connection) leaves the batch waiting: tried again after 30 seconds, then 1, 2, 4 minutes...
  doubling up to 6 hours, for as long as it takes. Nothing is dropped.
- **Resting**: while statements wait out a backoff, new ones wait with them (only a retry whose
  time has come is sent, to find out whether the LRS is back), so with the ``immediate`` task
  backend an LRS that is down costs one request one timeout, not every answer. A batch stored
  makes everything waiting due at once.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass, field

import requests
from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from .models import OutboxStatement
from .statements import VERSION

logger = logging.getLogger("attest.xapi")

FIRST_RETRY = datetime.timedelta(seconds=30)
LONGEST_WAIT = datetime.timedelta(hours=6)
# How far a claimed batch's next try is pushed while it is being sent.
LEASE_MARGIN = datetime.timedelta(seconds=60)
ERROR_LENGTH = 1000


@dataclass
class SendReport:
    sent: int = 0
    refused: int = 0
    waiting: int = 0  # failed this time; tried again after the backoff
    batches: int = 0
    now: datetime.datetime | None = None  # the moment backoffs count from (default: when each fails)
    errors: list[str] = field(default_factory=list)


def backoff(tries: int) -> datetime.timedelta:
    """How long to wait after the ``tries``-th failed try: 30 s, doubling, at most 6 hours."""
    return min(FIRST_RETRY * 2 ** min(max(tries - 1, 0), 20), LONGEST_WAIT)


def statements_url() -> str:
    return f"{settings.XAPI_LRS_ENDPOINT}statements"


def _session() -> requests.Session:
    session = requests.Session()
    session.auth = (settings.XAPI_LRS_USERNAME, settings.XAPI_LRS_PASSWORD)
    session.headers.update({"X-Experience-API-Version": VERSION, "Content-Type": "application/json"})
    return session


def claim(size: int, now: datetime.datetime | None = None) -> list[OutboxStatement]:
    """Up to ``size`` due statements, oldest first, claimed for one lease."""
    now = now or timezone.now()
    lease = datetime.timedelta(seconds=settings.XAPI_TIMEOUT_SECONDS * 2) + LEASE_MARGIN
    with transaction.atomic():
        due = OutboxStatement.objects.due(now).order_by("created_at", "pk")
        if OutboxStatement.objects.resting(now).exists():
            # The LRS failed lately: until a retry whose time has come finds it back, new
            # statements wait with the others, so no request pays a timeout per answer.
            due = due.filter(tries__gt=0)
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True)
        rows = list(due.only("pk", "statement_id", "body", "tries")[:size])
        if rows:
            OutboxStatement.objects.filter(pk__in=[row.pk for row in rows]).update(next_try_at=now + lease)
    return rows


def send_due(*, max_batches: int | None = None, now: datetime.datetime | None = None) -> SendReport:
    """Send the due statements, ``XAPI_BATCH_SIZE`` at a time, until none is due, a batch has to
    wait (the LRS is failing: no point hammering it), or ``max_batches`` are sent. Does nothing
    when no LRS is configured. Never raises for an LRS failure; it is written to the rows."""
    report = SendReport(now=now)
    if not settings.XAPI_LRS_ENDPOINT:
        return report
    with _session() as session:
        while max_batches is None or report.batches < max_batches:
            rows = claim(settings.XAPI_BATCH_SIZE, now)
            if not rows:
                break
            report.batches += 1
            waiting_before = report.waiting
            _send_batch(session, rows, report)
            if report.waiting > waiting_before:
                break
    return report


def _send_batch(session: requests.Session, rows: list[OutboxStatement], report: SendReport) -> None:
    try:
        reply = session.post(statements_url(), json=[row.body for row in rows], timeout=settings.XAPI_TIMEOUT_SECONDS)
    except requests.RequestException as error:
        _wait(rows, f"No answer from the LRS: {type(error).__name__}: {error}", report)
        return
    if reply.status_code == 200:
        _sent(rows, report)
    elif reply.status_code in (400, 409, 413) and len(rows) > 1:
        for row in rows:  # find the one at fault
            if not _send_one(session, row, report):
                break
    elif reply.status_code in (400, 409):
        _refused(rows[0], _explain(reply), report)
    else:
        _wait(rows, _explain(reply), report)


def _send_one(session: requests.Session, row: OutboxStatement, report: SendReport) -> bool:
    """PUT one statement; False when the LRS is failing (the rest of the batch waits too)."""
    try:
        reply = session.put(
            statements_url(),
            params={"statementId": str(row.statement_id)},
            json=row.body,
            timeout=settings.XAPI_TIMEOUT_SECONDS,
        )
    except requests.RequestException as error:
        _wait([row], f"No answer from the LRS: {type(error).__name__}: {error}", report)
        return False
    if reply.status_code in (200, 204):
        _sent([row], report)
    elif reply.status_code == 409:
        _refused(row, "The LRS holds a different statement under this id. " + _explain(reply), report)
    elif reply.status_code in (400, 413):
        _refused(row, _explain(reply), report)
    else:
        _wait([row], _explain(reply), report)
        return False
    return True


def _explain(reply: requests.Response) -> str:
    words = {401: "the LRS refused the credentials: check XAPI_LRS_USERNAME and XAPI_LRS_PASSWORD"}
    text = words.get(reply.status_code) or reply.text.strip()
    return f"HTTP {reply.status_code} from the LRS: {text}"[:ERROR_LENGTH]


def _sent(rows: list[OutboxStatement], report: SendReport) -> None:
    now = timezone.now()
    OutboxStatement.objects.filter(pk__in=[row.pk for row in rows]).update(
        status=OutboxStatement.Status.SENT, sent_at=now, tries=F("tries") + 1, last_error=""
    )
    # The LRS is back: whatever was waiting out a backoff is due now.
    OutboxStatement.objects.resting(report.now or now).update(next_try_at=report.now or now)
    report.sent += len(rows)


def _refused(row: OutboxStatement, error: str, report: SendReport) -> None:
    OutboxStatement.objects.filter(pk=row.pk).update(
        status=OutboxStatement.Status.REJECTED, tries=F("tries") + 1, last_error=error[:ERROR_LENGTH]
    )
    logger.error("xAPI statement %s refused by the LRS: %s", row.statement_id, error)
    report.refused += 1
    report.errors.append(error)


def _wait(rows: list[OutboxStatement], error: str, report: SendReport) -> None:
    now = report.now or timezone.now()
    by_tries: dict[int, list[int]] = {}
    for row in rows:
        by_tries.setdefault(row.tries, []).append(row.pk)
    with transaction.atomic():
        for tries, pks in by_tries.items():
            OutboxStatement.objects.filter(pk__in=pks).update(
                tries=tries + 1, next_try_at=now + backoff(tries + 1), last_error=error[:ERROR_LENGTH]
            )
    logger.warning("%d xAPI statements wait for the LRS: %s", len(rows), error)
    report.waiting += len(rows)
    report.errors.append(error)


def retry(rows) -> int:
    """Send these statements (refused, or waiting out a backoff) at the next send: an
    administrator's retry, after the LRS or its settings were put right. Returns how many."""
    count = rows.exclude(status=OutboxStatement.Status.SENT).update(
        status=OutboxStatement.Status.PENDING, next_try_at=timezone.now()
    )
    return count
