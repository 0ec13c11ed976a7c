"""The outbox in the Wagtail admin: administrators see what has not reached the LRS and retry it;
nobody else sees it, and each refusal is in the audit log."""

from __future__ import annotations

import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from access.models import AuditEvent
from tests.helpers import sign_in_with_mfa
from xapi import statements
from xapi.models import OutboxStatement

LIST = "/admin/xapi-statements/"


def waiting(n: int = 1, **fields) -> list[OutboxStatement]:
    rows = []
    for _ in range(n):
        body = statements.voiding(uuid.uuid4(), statements.agent(1, "MP1"), timezone.now())
        defaults = {"status": "rejected", "tries": 1, "last_error": "HTTP 400 from the LRS: invalid"}
        rows.append(
            OutboxStatement.objects.create(statement_id=body["id"], verb="voided", body=body, **{**defaults, **fields})
        )
    return rows


def statement_url(row) -> str:
    return f"{LIST}{row.pk}/"


def test_an_administrator_sees_the_statements_not_sent_with_the_lrs_answer(client, demo):
    (refused,) = waiting()
    (sent,) = waiting(status="sent", last_error="")
    sign_in_with_mfa(client, demo["admin"])
    page = client.get(LIST).content.decode()
    assert str(refused.statement_id) in page and "HTTP 400 from the LRS: invalid" in page
    assert str(sent.statement_id) not in page  # only what has not reached the LRS, unless asked
    assert str(sent.statement_id) in client.get(LIST, {"status": "sent"}).content.decode()
    detail = client.get(statement_url(refused)).content.decode()
    assert "Send it again now" in detail and str(refused.statement_id) in detail


def test_the_listing_costs_the_same_queries_however_many_statements(client, demo):
    sign_in_with_mfa(client, demo["admin"])
    waiting(2)
    client.get(LIST)
    with CaptureQueriesContext(connection) as few:
        client.get(LIST)
    waiting(30)
    with CaptureQueriesContext(connection) as many:
        client.get(LIST)
    assert len(many) == len(few)


def test_an_administrator_retries_a_refused_statement(client, demo, lrs, django_capture_on_commit_callbacks):
    (refused,) = waiting()
    sign_in_with_mfa(client, demo["admin"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(statement_url(refused))
    assert response.status_code == 302 and response["Location"] == LIST
    refused.refresh_from_db()
    assert refused.status == "sent"  # sent at once by the immediate task backend
    assert str(refused.statement_id) in lrs.stored
    event = AuditEvent.objects.get(verb="retried a statement to the learning record store")
    assert event.details["xapi_id"] == str(refused.statement_id)


def test_a_sent_statement_is_not_retried(client, demo):
    (sent,) = waiting(status="sent", last_error="")
    sign_in_with_mfa(client, demo["admin"])
    response = client.post(statement_url(sent), follow=True)
    assert "already in the learning record store" in response.content.decode()
    assert not AuditEvent.objects.filter(verb="retried a statement to the learning record store").exists()


@pytest.mark.parametrize("role", ["hr", "reporting", "trainer"])
def test_nobody_else_sees_or_retries_them_and_each_refusal_is_audited(client, demo, role):
    (refused,) = waiting()
    sign_in_with_mfa(client, demo[role])
    before = AuditEvent.objects.count()
    for response in (client.get(LIST), client.get(statement_url(refused)), client.post(statement_url(refused))):
        assert response.status_code in (302, 403)
        assert response.status_code == 403 or response["Location"].startswith("/admin/")
    assert AuditEvent.objects.count() == before + 3
    refused.refresh_from_db()
    assert (refused.status, refused.tries) == ("rejected", 1)


def test_an_officer_is_kept_out_of_the_admin(client, demo):
    (refused,) = waiting()
    sign_in_with_mfa(client, demo["officer"])
    assert client.post(statement_url(refused)).status_code in (302, 403)
    refused.refresh_from_db()
    assert refused.status == "rejected"
