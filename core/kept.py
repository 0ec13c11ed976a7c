"""What a process keeps between requests: values that never change once made (a pinned
scenario revision, parsed) or that may be a little out of date (a policy's address), least
recently used dropped first. Each process keeps its own; nothing here is shared or persisted."""

from __future__ import annotations

import threading
import time
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

Value = TypeVar("Value")
_every: weakref.WeakSet[Kept] = weakref.WeakSet()


class Kept(Generic[Value]):
    """Up to ``size`` values by key, each for at most ``seconds`` (None: until it is dropped for
    room), safe to share between a process's threads. ``get`` makes a missing value with the
    function it is given, outside the lock: two threads may both make it, and the value kept is
    the last made, so ``make`` must give the same value for the same key (or one as good). A
    value of None is never kept."""

    def __init__(self, size: int, seconds: float | None = None):
        self.size, self.seconds = size, seconds
        self._values: OrderedDict[Hashable, tuple[float, Value]] = OrderedDict()
        self._lock = threading.Lock()
        _every.add(self)

    @staticmethod
    def forget_everything() -> None:
        """Empty every ``Kept`` in the process: between tests, whose rolled-back rows send no signal."""
        for kept in list(_every):
            kept.clear()

    def get(self, key: Hashable, make: Callable[[], Value]) -> Value:
        """The value kept for ``key``, or, if none is (or it is too old), ``make()``, kept."""
        kept = self.peek(key)
        if kept is not None:
            return kept
        value = make()
        if value is not None:
            self.put(key, value)
        return value

    def peek(self, key: Hashable) -> Value | None:
        """The value kept for ``key``, or None if none is (or it is too old)."""
        with self._lock:
            kept = self._values.get(key)
            if kept is None or (self.seconds is not None and time.monotonic() - kept[0] >= self.seconds):
                return None
            self._values.move_to_end(key)
            return kept[1]

    def put(self, key: Hashable, value: Value) -> None:
        with self._lock:
            self._values[key] = (time.monotonic(), value)
            self._values.move_to_end(key)
            while len(self._values) > self.size:
                self._values.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._values.clear()

    def __len__(self) -> int:
        return len(self._values)
