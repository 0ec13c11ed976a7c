"""Writing statements to the outbox, in the transaction that records the fact (so a statement
exists exactly when its fact does: a rolled-back answer leaves no statement, and a committed one
always has its statement, whatever happens to the LRS), and asking the task worker to send them
once that transaction commits.

Nothing is written, and nothing queued, unless ``XAPI_LRS_ENDPOINT`` is set.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from wagtail.models import Page

from core.kept import Kept

from . import statements
from .models import OutboxStatement
from .tasks import send_statements

logger = logging.getLogger("attest.xapi")

# Each person's xAPI account and each module's title, by id, for a minute: recording an answer
# then writes its statement with one INSERT and reads nothing (a warrant number or a title
# changed this minute reaches the LRS in the next minute's statements).
_actors: Kept[dict] = Kept(size=4096, seconds=60)
_module_titles: Kept[str] = Kept(size=256, seconds=60)


def enabled() -> bool:
    """Whether statements are being sent to a learning record store at all."""
    return bool(settings.XAPI_LRS_ENDPOINT)


def actor_of(user) -> dict[str, Any]:
    """The xAPI agent for ``user`` (a User in hand, kept for the next statements)."""
    actor = statements.agent(user.pk, user.warrant_number or "")
    _actors.put(user.pk, actor)
    return actor


def actor_by_id(user_id: int) -> dict[str, Any]:
    def read() -> dict[str, Any]:
        warrant = get_user_model().objects.filter(pk=user_id).values_list("warrant_number", flat=True).first()
        return statements.agent(user_id, warrant or "")

    return _actors.get(user_id, read)


def module_title(module_id: int, module: Page | None = None) -> str:
    if module is not None:
        _module_titles.put(module_id, module.title)
        return module.title
    return _module_titles.get(
        module_id, lambda: Page.objects.filter(pk=module_id).values_list("title", flat=True).first() or ""
    )


def write(body: dict[str, Any]) -> None:
    """Add ``body`` to the outbox (one INSERT; a statement already there, the same fact built
    again, is left as it was) and send it once the caller's transaction commits."""
    verb = body["verb"]["id"].rstrip("/").rsplit("/", 1)[-1]
    OutboxStatement.objects.bulk_create(
        [OutboxStatement(statement_id=body["id"], verb=verb, body=body)], ignore_conflicts=True
    )
    send_after_commit()


def send_after_commit() -> None:
    """Queue one send of what is due when the current transaction commits (once, however many
    statements it wrote). Robust: a queue that fails is logged, never the officer's problem; the
    statements wait in the outbox for the next send or ``manage.py send_statements``."""
    if any(entry[1] is _enqueue_send for entry in connection.run_on_commit):
        return
    transaction.on_commit(_enqueue_send, robust=True)


def _enqueue_send() -> None:
    send_statements.enqueue()
