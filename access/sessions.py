"""Ending a person's sessions everywhere, found through allauth.usersessions' table (one row per
signed-in session, indexed by person) instead of decoding every session in the store."""

from __future__ import annotations

from contextvars import ContextVar
from importlib import import_module

from allauth.usersessions.models import UserSession
from django.conf import settings

# The session of the request being served, if any: a person who changes their own password
# stays signed in where they did it (Django moves that session to a new key straight after).
current_session_key: ContextVar[str | None] = ContextVar("current_session_key", default=None)


def end_sessions(user_ids: list[int]) -> int:
    """End every session these people have open, on every device, except the one serving the
    current request. Returns how many sessions ended."""
    if not user_ids:
        return 0
    store = import_module(settings.SESSION_ENGINE).SessionStore
    keep = current_session_key.get()
    ended = 0
    for user_session in UserSession.objects.filter(user_id__in=user_ids).exclude(session_key=keep or ""):
        store(session_key=user_session.session_key).delete()
        user_session.delete()
        ended += 1
    return ended
