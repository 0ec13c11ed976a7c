"""Writing to the audit log: one function, ``record``, called by the receivers in this app and
by any view that exports or refuses something.

Nothing secret reaches the log. ``details`` is copied with every key that names a secret
(password, token, secret, code, session, key...) dropped, and a request's path is kept without
its query string, where OAuth codes and states travel.
"""

from __future__ import annotations

import math
import re
from typing import Any

from django.db import models
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
    try:
        match = request.resolver_match or resolve(request.path_info)
    except Resolver404:
        return text(request.path, 500)
    path = request.path
    for name, value in match.kwargs.items():
        if SECRET_KEY_NAME.search(name) and value:
            path = path.replace(str(value), "[redacted]")
    return text(path, 500)


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
    (its model label, pk and ``str``); they may also be given one by one. Never raises for
    missing context: an event without a request is a background job's.
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
