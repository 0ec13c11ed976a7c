"""Workers sending at the same moment on PostgreSQL: each statement is claimed by one of them
(``SKIP LOCKED`` and the lease), so none is sent twice and none is left behind."""

import uuid

import pytest
from django.utils import timezone

from tests.certificates.test_postgres_guarantees import run_together
from xapi import statements
from xapi.models import OutboxStatement
from xapi.sending import claim, send_due

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def fill(count: int) -> None:
    actor = statements.agent(1, "MP1")
    bodies = [statements.voiding(uuid.uuid4(), actor, timezone.now()) for _ in range(count)]
    OutboxStatement.objects.bulk_create(
        OutboxStatement(statement_id=body["id"], verb="voided", body=body) for body in bodies
    )


def test_workers_claiming_together_never_claim_one_statement_twice():
    fill(40)
    claimed = run_together(4, lambda i: [row.pk for row in claim(10)])
    every = [pk for batch in claimed for pk in batch]
    assert len(every) == len(set(every)) == 40


def test_workers_sending_together_send_each_statement_once(lrs, settings):
    settings.XAPI_BATCH_SIZE = 5
    fill(60)
    reports = run_together(4, lambda i: send_due())
    assert sum(report.sent for report in reports) == 60
    assert sum(count for method, count in lrs.requests) == 60  # nothing sent twice
    assert len(lrs.stored) == 60
    assert set(OutboxStatement.objects.values_list("status", flat=True)) == {"sent"}
