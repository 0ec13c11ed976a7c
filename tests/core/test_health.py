"""The health checks a load balancer calls: cheap, unauthenticated, plain."""

import pytest
from django.db import DatabaseError

from core import views


def test_healthz_answers_without_touching_the_database(client, db, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.status_code == 200 and response.content == b"ok\n"
    assert "no-cache" in response["Cache-Control"]


def test_readyz_is_ready_when_the_database_answers_and_is_migrated(client, db):
    response = client.get("/readyz")
    assert response.status_code == 200 and response.content == b"ready\n"


def test_readyz_holds_traffic_back_while_migrations_are_pending(client, db, monkeypatch):
    monkeypatch.setattr(views, "_applied", False)
    monkeypatch.setattr(views.MigrationExecutor, "migration_plan", lambda self, targets: [("a pending", False)])
    response = client.get("/readyz")
    assert response.status_code == 503 and b"migrations are not all applied" in response.content


def test_readyz_says_when_the_database_does_not_answer(client, db, monkeypatch):
    class Down:
        def __enter__(self):
            raise DatabaseError("connection refused")

        def __exit__(self, *exc):
            return False

    class Connection:
        def cursor(self):
            return Down()

    monkeypatch.setattr(views, "connection", Connection())
    response = client.get("/readyz")
    assert response.status_code == 503 and b"the database does not answer" in response.content


@pytest.mark.parametrize("url", ["/healthz", "/readyz"])
def test_health_checks_only_answer_reads(client, db, url):
    assert client.post(url).status_code == 405
