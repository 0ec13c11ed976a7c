"""A query the officer's pages run on every request, its SQL compiled by Django's ORM once per
process and then run with each request's values.

Django compiles a queryset to SQL afresh every time it runs, and for a small query on an indexed
key that compiling costs the app two or three times what running it does (measured on the
module page: 2.1 ms of app CPU for a person's attempts at a module through the ORM, 0.8 ms with
the same SQL run as a raw query; see docs/benchmarks.md). ``Compiled`` keeps the SQL the ORM
wrote, so the query is still written as a queryset, in the models' own terms, and changes with
them; only the values change from one run to the next.

A value must reach the SQL as a parameter of its own, unchanged: an exact match (``user=``,
``slug=``), not a lookup that rewrites it (``startswith`` adds a ``%``). ``Compiled`` checks this
when it first compiles, and raises ``ValueError`` if a value cannot be found. Only the model's
own columns are read (``select_related`` and ``prefetch_related`` are refused): the rows come
back as a ``RawQuerySet``, which fills one model.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from django.core.exceptions import EmptyResultSet
from django.db.models import Model, QuerySet
from django.db.models.query import RawQuerySet

Row = TypeVar("Row", bound=Model)

# Values no real row or lookup uses, stood in for each named value while the SQL is compiled:
# each is found again, once, among the compiled query's parameters.
_markers = itertools.count(1)


def _marker_for(value: Any) -> Any:
    number = next(_markers)
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise TypeError(f"Compiled queries take whole numbers and strings, not {type(value).__name__}.")
    # Within a 32-bit integer column's range (Django finds nothing for a value out of its range).
    return 2_100_000_000 + number if isinstance(value, int) else f"\x00compiled-{number}\x00"


class Compiled(Generic[Row]):
    """``build(**values)``, a queryset of one model, compiled to SQL the first time it is run
    (for each set of value names and types) and run again with new values.

    >>> attempts = Compiled(lambda user_id, module_id: Attempt.objects.filter(user_id=user_id, module_id=module_id))
    >>> list(attempts(user_id=1, module_id=2))
    """

    def __init__(self, build: Callable[..., QuerySet[Row]]):
        self.build = build
        self._compiled: dict[tuple, tuple[type[Row], str, list[tuple[str | None, Any]]]] = {}
        self._lock = threading.Lock()

    def __call__(self, **values: Any) -> RawQuerySet:
        key = tuple(sorted((name, type(value)) for name, value in values.items()))
        compiled = self._compiled.get(key)
        if compiled is None:
            compiled = self._compile(values)
            with self._lock:
                self._compiled[key] = compiled
        model, sql, parameters = compiled
        return model._default_manager.raw(sql, [values[name] if name else fixed for name, fixed in parameters])

    def _compile(self, values: dict[str, Any]) -> tuple[type[Row], str, list[tuple[str | None, Any]]]:
        markers = {name: _marker_for(value) for name, value in values.items()}
        queryset = self.build(**markers)
        query = queryset.query
        if query.select_related or queryset._prefetch_related_lookups or query.annotations:
            raise ValueError("A compiled query reads one model's columns: no select_related, prefetch or annotation.")
        try:
            sql, parameters = query.sql_with_params()
        except EmptyResultSet as error:
            raise ValueError("A compiled query's values must fit its columns (whole numbers, 32-bit).") from error
        names = {marker: name for name, marker in markers.items()}
        slots = [(names.get(parameter), parameter) for parameter in parameters]
        found = [name for name, _ in slots if name]
        missing = sorted(set(values) - set(found))
        if missing or len(found) != len(set(found)):
            raise ValueError(
                f"Each value must reach the SQL once, unchanged, as an exact match: {', '.join(missing) or found}."
            )
        return queryset.model, sql, slots
