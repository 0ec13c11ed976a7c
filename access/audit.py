"""Writing to the audit log: one function, ``record``, called by the receivers in this app and
by any view that exports or refuses something.

Nothing secret reaches the log. ``details`` is copied with every key that names a secret
(password, token, secret, code, session, key...) dropped, and a request's path is kept without
its query string, where OAuth codes and states travel.

**Where an event came from.** An event recorded with a request takes the client's address,
user agent and path from it. Some are recorded with no request in hand, although one is being
served: every change made in the Wagtail admin reaches the log from Wagtail's own log entries
(``receivers.copy_wagtail_log_entry``), and a deactivation's ended sessions from a model signal.
So the request being served is noted, as it starts, in a context variable (its own for each
thread or task, so requests served side by side never see each other's), and such an event
takes its address, user agent and path from there. A background job serves no request: its
events have none. The address is ``REMOTE_ADDR`` as the WSGI server gives it, the client's own
once the proxy in front is configured (``gunicorn.conf.py``), as for every other event.
"""

from __future__ import annotations

import contextvars
import json
import math
import re
from dataclasses import dataclass
from typing import Any

from django.core.signals import request_finished, request_started
from django.db import models
from django.dispatch import receiver
from django.urls import Resolver404, resolve

from .models import AuditEvent
from .network import normalised_ip

Action = AuditEvent.Action

SECRET_KEY_NAME = re.compile(r"pass|token|secret|code|session|key|otp|credential|csrf|nonce|state|cookie", re.I)


def scrub(details: dict[str, Any] | None) -> dict[str, Any]:
    """``details`` without anything that could be a secret, to any depth."""
    if not details:
        return {}
    clean: dict[str, Any] = {}
    for name, value in details.items():
        if SECRET_KEY_NAME.search(str(name)):
            continue
        if isinstance(value, dict):
            value = scrub(value)
        elif isinstance(value, (list, tuple)):
            value = [scrub(item) if isinstance(item, dict) else _plain(item) for item in value]
        else:
            value = _plain(value)
        clean[text(name, 100)] = value
    return clean


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int)):
        return value
    if isinstance(value, float) and math.isfinite(value):
        return value
    return text(value, 1000)


def text(value: Any, limit: int) -> str:
    """``value`` as text the database can store (PostgreSQL refuses NUL), cut to ``limit``."""
    return str(value).replace("\x00", "")[:limit]


def safe_path(request) -> str:
    """The request's path, with any secret it carries (a password reset or email confirmation
    key) replaced by "[redacted]": a key in a log would let its readers use it."""
    return _redacted(request.path, request.path_info, getattr(request, "resolver_match", None))


def _redacted(path: str, path_info: str, match=None) -> str:
    try:
        match = match or resolve(path_info)
    except Resolver404:
        return text(path, 500)
    for name, value in match.kwargs.items():
        if SECRET_KEY_NAME.search(name) and value:
            path = path.replace(str(value), "[redacted]")
    return text(path, 500)


# The request being served ------------------------------------------------------------------


@dataclass(frozen=True)
class Client:
    """Where the request being served came from, as it arrived. Noted for every request, so
    nothing is worked out (the address normalised, the path's secrets redacted) until an event
    needs it."""

    address: str | None
    user_agent: str
    path: str
    path_info: str


_serving: contextvars.ContextVar[Client | None] = contextvars.ContextVar("attest_audit_serving", default=None)


@receiver(request_started, dispatch_uid="access.audit.note_client")
def note_client(sender, environ=None, scope=None, **kwargs) -> None:
    """Note where the request now starting came from (WSGI gives its environ, ASGI its scope)."""
    if environ is not None:
        address, agent = environ.get("REMOTE_ADDR"), environ.get("HTTP_USER_AGENT", "")
        path_info = environ.get("PATH_INFO", "") or "/"
        path = environ.get("SCRIPT_NAME", "") + path_info
    elif scope is not None:
        address = (scope.get("client") or [None])[0]
        headers = dict(scope.get("headers") or [])
        agent = headers.get(b"user-agent", b"").decode("latin-1")
        path_info = scope.get("path", "") or "/"
        path = scope.get("root_path", "") + path_info
    else:
        _serving.set(None)
        return
    _serving.set(Client(address=address, user_agent=agent, path=path, path_info=path_info))


@receiver(request_finished, dispatch_uid="access.audit.forget_client")
def forget_client(sender, **kwargs) -> None:
    _serving.set(None)


def serving() -> Client | None:
    """Where the request being served came from, or None outside a request (a background job)."""
    return _serving.get()


# Showing and writing details ---------------------------------------------------------------


def details_as_json(details: dict[str, Any] | None) -> str:
    """An event's details as JSON (what an export writes): keys sorted, text as it is."""
    return json.dumps(scrub(details), ensure_ascii=False, sort_keys=True, default=str)


def _readable(value: Any) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{name.replace('_', ' ')}: {_readable(item)}" for name, item in value.items()) or "none"
    if isinstance(value, (list, tuple)):
        return ", ".join(_readable(item) for item in value) or "none"
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def readable_details(details: dict[str, Any] | None) -> list[tuple[str, str]]:
    """An event's details as (name, value) lines for a person to read ("reason: Issued in
    error"; "filters: status: overdue"), scrubbed as the exports are."""
    return [(str(name).replace("_", " "), _readable(value)) for name, value in scrub(details).items()]


def record(
    action: str,
    *,
    request=None,
    actor=None,
    actor_label: str = "",
    verb: str = "",
    object: models.Model | None = None,
    object_type: str = "",
    object_id: str | int = "",
    object_label: str = "",
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event to the audit log and return it.

    ``actor`` defaults to the request's signed-in person. ``object`` fills the object fields
    (its model label, pk and ``str``); they may also be given one by one. Without ``request``,
    the request being served, if any, gives the address, user agent and path (see the module
    docstring). Never raises for missing context: an event outside any request is a
    background job's.
    """
    if actor is None and request is not None:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            actor = user
    if actor is not None and not actor_label:
        actor_label = actor.get_username()
    if object is not None:
        object_type = object_type or object._meta.label_lower
        object_id = object_id or object.pk
        object_label = object_label or str(object)
    path = ip_address = user_agent = ""
    if request is not None:
        path = safe_path(request)
        ip_address = normalised_ip(request.META.get("REMOTE_ADDR")) or ""
        user_agent = text(request.META.get("HTTP_USER_AGENT", ""), 500)
    elif (client := serving()) is not None:
        # Recorded without the request (an admin change, from Wagtail's log entry), but while
        # serving one: it came from that request's client.
        path = _redacted(client.path, client.path_info)
        ip_address = normalised_ip(client.address) or ""
        user_agent = text(client.user_agent, 500)
    return AuditEvent.objects.create(
        action=action,
        actor=actor,
        actor_label=text(actor_label, 254),
        verb=text(verb, 100),
        object_type=text(object_type, 100),
        object_id=text(object_id, 64),
        object_label=text(object_label, 255),
        path=path,
        ip_address=ip_address or None,
        user_agent=user_agent,
        details=scrub(details),
    )


def export(request, what: str, *, rows: int | None = None, **details: Any) -> AuditEvent:
    """Record that the signed-in person downloaded ``what`` (a report, an archive, a PDF),
    with the filters they used and, where known, how many rows it held."""
    filters = {name: value for name, value in request.GET.items() if value and not SECRET_KEY_NAME.search(name)}
    return record(
        Action.EXPORT,
        request=request,
        verb=what,
        details={"filters": filters, **({"rows": rows} if rows is not None else {}), **details},
    )


def denied(request, what: str, **details: Any) -> AuditEvent:
    """Record that the signed-in (or anonymous) person was refused ``what``."""
    return record(Action.ACCESS_DENIED, request=request, verb=what, details=details)
