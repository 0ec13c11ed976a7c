"""HR's everyday changes to people and org units, made in the admin rather than through a CSV.

Each function checks what it is given, makes the change in one transaction and writes one
audit event saying what changed from what to what. Each raises ``Refused`` (its message is for
the person who asked) and changes nothing when the change cannot be made.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from access import audit
from access.sessions import end_sessions

from .models import OrgUnit, User


class Refused(ValueError):
    """The change cannot be made; ``str()`` says why, in words for HR."""


def _unit_name(unit: OrgUnit | None) -> str:
    return f"{unit.name} ({unit.code})" if unit else "none"


def _person_name(person: User | None) -> str:
    if person is None:
        return "none"
    return f"{person.get_full_name() or person.username} ({person.warrant_number or 'no number'})"


def management_loop(person: User, manager: User | None) -> list[User] | None:
    """The chain of line managers from ``manager`` up to ``person`` if making ``manager`` their
    line manager would close a loop (``person`` manages, at some remove, ``manager``), else None.
    One query per step up the chain; chains are a handful of people long."""
    chain: list[User] = []
    seen: set[int] = set()
    current = manager
    while current is not None and current.pk not in seen:
        if current.pk == person.pk:
            return chain
        chain.append(current)
        seen.add(current.pk)
        current = User.objects.filter(pk=current.line_manager_id).first() if current.line_manager_id else None
    return None


@transaction.atomic
def change_person(
    person: User,
    *,
    org_unit: OrgUnit | None,
    line_manager: User | None,
    is_active: bool,
    request=None,
) -> dict[str, tuple[str, str]]:
    """Set ``person``'s org unit, line manager and active flag; return what changed, as
    ``{field: (from, to)}`` in words (empty when nothing did).

    Deactivating someone ends every session they have open (as the HR import does). Raises
    ``Refused`` for a line manager who is the person themself or who would make a loop of line
    managers, and for a closed org unit other than the one they are in already.
    """
    person = User.objects.select_for_update(of=("self",)).select_related("org_unit", "line_manager").get(pk=person.pk)
    if line_manager is not None and line_manager.pk == person.pk:
        raise Refused("A person cannot be their own line manager.")
    loop = management_loop(person, line_manager)
    if loop is not None:
        names = " → ".join(_person_name(someone) for someone in [person, *reversed(loop), person])
        raise Refused(f"That would make a loop of line managers: {names}.")
    if org_unit is not None and org_unit.is_closed and org_unit.pk != person.org_unit_id:
        raise Refused(f"{org_unit.name} was closed on {org_unit.closed_on:%d %B %Y}: choose an open unit.")

    changes: dict[str, tuple[str, str]] = {}
    if person.org_unit_id != (org_unit.pk if org_unit else None):
        changes["org unit"] = (_unit_name(person.org_unit), _unit_name(org_unit))
    if person.line_manager_id != (line_manager.pk if line_manager else None):
        changes["line manager"] = (_person_name(person.line_manager), _person_name(line_manager))
    if person.is_active != is_active:
        changes["active"] = ("yes" if person.is_active else "no", "yes" if is_active else "no")
    if not changes:
        return changes
    person.org_unit, person.line_manager, person.is_active = org_unit, line_manager, is_active
    person.save(update_fields=["org_unit", "line_manager", "is_active"])
    details: dict[str, Any] = {"changes": {name: {"from": old, "to": new} for name, (old, new) in changes.items()}}
    if "active" in changes and not is_active:
        details["sessions_ended"] = end_sessions([person.pk])
    audit.record(audit.Action.CHANGE, request=request, verb="person changed", object=person, details=details)
    return changes


# Org units ---------------------------------------------------------------------------------------


def _check_code(code: str, unit: OrgUnit | None = None) -> None:
    taken = OrgUnit.objects.filter(code=code).exclude(pk=unit.pk if unit else None).first()
    if taken is not None:
        raise Refused(f"The code {code} is already used by {taken.name}.")


@transaction.atomic
def add_unit(*, name: str, code: str, parent: OrgUnit | None, request=None) -> OrgUnit:
    """A new org unit below ``parent`` (at the top of the tree without one). Raises ``Refused``
    for a code in use or a closed parent."""
    _check_code(code)
    if parent is not None:
        parent = OrgUnit.objects.select_for_update().get(pk=parent.pk)
        if parent.is_closed:
            raise Refused(f"{parent.name} is closed: a new unit cannot go below it.")
        unit = parent.add_child(name=name, code=code)
    else:
        unit = OrgUnit.add_root(name=name, code=code)
    audit.record(
        audit.Action.CHANGE,
        request=request,
        verb="org unit added",
        object=unit,
        details={"code": code, "parent": _unit_name(parent)},
    )
    return unit


@transaction.atomic
def rename_unit(unit: OrgUnit, *, name: str, code: str, request=None) -> dict[str, tuple[str, str]]:
    """Give ``unit`` a new name or code; return what changed (``{field: (from, to)}``). The HR
    import names units by their codes, so a new code must be used in its files from then on."""
    unit = OrgUnit.objects.select_for_update().get(pk=unit.pk)
    _check_code(code, unit)
    changes = {
        field: (getattr(unit, field), value)
        for field, value in (("name", name), ("code", code))
        if getattr(unit, field) != value
    }
    if changes:
        unit.name, unit.code = name, code
        unit.save(update_fields=["name", "code"])
        audit.record(
            audit.Action.CHANGE,
            request=request,
            verb="org unit renamed",
            object=unit,
            details={"changes": {field: {"from": old, "to": new} for field, (old, new) in changes.items()}},
        )
    return changes


@transaction.atomic
def move_unit(unit: OrgUnit, *, parent: OrgUnit, request=None) -> OrgUnit:
    """Move ``unit``, with every unit below it and everyone in them, to below ``parent``.
    Its people stay in it (their unit is the same unit, now somewhere else), so assignments to
    the new parent reach them from the next enrolment run. Raises ``Refused`` for a move below
    itself or a unit below it, or below a closed unit."""
    unit = OrgUnit.objects.select_for_update().get(pk=unit.pk)
    parent = OrgUnit.objects.get(pk=parent.pk)
    if unit.contains(parent):
        raise Refused(f"{unit.name} cannot move below itself or a unit below it.")
    if parent.is_closed:
        raise Refused(f"{parent.name} is closed: choose an open unit to move {unit.name} below.")
    before = unit.get_parent()
    if before is not None and before.pk == parent.pk:
        return unit
    unit.move(parent, "last-child")
    audit.record(
        audit.Action.CHANGE,
        request=request,
        verb="org unit moved",
        object=unit,
        details={"from": _unit_name(before), "to": _unit_name(parent)},
    )
    return OrgUnit.objects.get(pk=unit.pk)


@transaction.atomic
def close_unit(unit: OrgUnit, *, on: datetime.date | None = None, request=None) -> OrgUnit:
    """Close ``unit`` (from ``on``, default today): it keeps its history, but choosers and the
    HR import no longer offer it. Raises ``Refused`` while active people are in it or a unit
    below it is still open: move them first. Leavers stay in it, as their record was."""
    unit = OrgUnit.objects.select_for_update().get(pk=unit.pk)
    if unit.is_closed:
        raise Refused(f"{unit.name} was already closed on {unit.closed_on:%d %B %Y}.")
    people = unit.members.filter(is_active=True).count()
    open_below = OrgUnit.objects.open().filter(path__startswith=unit.path).exclude(pk=unit.pk).count()
    reasons = []
    if people:
        reasons.append(f"{people:,} active {'person is' if people == 1 else 'people are'} still in it")
    if open_below:
        units = "unit below it is" if open_below == 1 else "units below it are"
        reasons.append(f"{open_below:,} {units} still open")
    if reasons:
        raise Refused(f"{unit.name} cannot be closed: {' and '.join(reasons)}. Move or close them first.")
    unit.closed_on = on or timezone.localdate()
    unit.save(update_fields=["closed_on"])
    audit.record(
        audit.Action.CHANGE,
        request=request,
        verb="org unit closed",
        object=unit,
        details={"closed_on": unit.closed_on.isoformat()},
    )
    return unit
