"""A small in-process cache whose entries expire: answers we may reuse for a few minutes."""

from __future__ import annotations

from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class TTLCache(Generic[K, V]):
    """Remembers each value for `seconds` after it was put. `now` is a monotonic clock reading
    passed in by the caller. Full at `max_entries`: the oldest entry makes room."""

    def __init__(self, seconds: float, max_entries: int = 10_000) -> None:
        self.seconds = seconds
        self.max_entries = max_entries
        self._entries: dict[K, tuple[float, V]] = {}

    def get(self, key: K, now: float) -> V | None:
        entry = self._entries.get(key)
        if entry is None or now - entry[0] >= self.seconds:
            return None
        return entry[1]

    def put(self, key: K, value: V, now: float) -> None:
        self._entries.pop(key, None)
        if len(self._entries) >= self.max_entries:
            # Dicts keep insertion order, so the first key is the oldest put.
            self._entries.pop(next(iter(self._entries)), None)
        self._entries[key] = (now, value)

    def clear(self) -> None:
        self._entries.clear()
