"""Sorted indexes for the in-memory backend.

A row's index values are an :class:`IndexValues`. A :class:`SortedIndex`
keeps ``(value, id)`` pairs of one indexed field in order, so a range or
equality condition (``next_due_at <= now``, ``state == "running"``) finds
its rows by bisection instead of a scan: the SLA tick asks only for what is
due, however many clocks are open. Indexes are built on first use and kept up
to date by each commit.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right, insort
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from itsm_core.storage.base import Query, Where
from itsm_core.storage.evaluate import normalise

__all__ = ["INDEXABLE_OPS", "IndexValues", "SortedIndex", "choose_range"]

INDEXABLE_OPS = frozenset({"eq", "lt", "le", "gt", "ge"})


class _Top:
    """Sorts after every id string (the upper bound of a key's run)."""

    def __lt__(self, other: object) -> bool:
        return False

    def __gt__(self, other: object) -> bool:
        return True


_TOP: Any = _Top()


class SortedIndex:
    """The non-null values of one field, sorted, with the ids that hold them.

    :param pairs: ``(id, value)`` of every row (None values are left out).
    """

    def __init__(self, pairs: Iterable[tuple[str, Any]]) -> None:
        self._value_of: dict[str, Any] = {}
        for rid, value in pairs:
            if value is not None:
                self._value_of[rid] = normalise(value)
        self._keys: list[tuple[Any, str]] = sorted((v, rid) for rid, v in self._value_of.items())

    def __len__(self) -> int:
        return len(self._keys)

    def update(self, rid: str, value: Any) -> None:
        """Record that row ``rid`` now holds ``value`` (None removes it)."""
        norm = None if value is None else normalise(value)
        old = self._value_of.get(rid)
        if old is not None and norm is not None and old.__class__ is norm.__class__ and old == norm:
            return  # unchanged: its place in the order too
        old = self._value_of.pop(rid, None)
        if old is not None:
            pos = bisect_left(self._keys, (old, rid))
            if pos < len(self._keys) and self._keys[pos] == (old, rid):
                del self._keys[pos]
        if norm is not None:
            self._value_of[rid] = norm
            insort(self._keys, (norm, rid))

    def bounds(self, cond: Where) -> tuple[int, int]:
        """Return the slice ``[lo, hi)`` of keys that satisfy ``cond``."""
        target = normalise(cond.value)
        keys = self._keys
        below = bisect_left(keys, (target, ""))
        above = bisect_right(keys, (target, _TOP))
        if cond.op == "eq":
            return below, above
        if cond.op == "lt":
            return 0, below
        if cond.op == "le":
            return 0, above
        if cond.op == "gt":
            return above, len(keys)
        return below, len(keys)  # ge

    def ids(self, lo: int, hi: int) -> list[str]:
        """Return the ids in the slice ``[lo, hi)``, in value order."""
        return [rid for _, rid in self._keys[lo:hi]]


def choose_range(query: Query, indexable: Iterable[str]) -> list[Where]:
    """Return the conditions of ``query`` a sorted index can answer."""
    fields = indexable if isinstance(indexable, frozenset | set) else set(indexable)
    return [
        w
        for w in query.where
        if w.op in INDEXABLE_OPS and w.value is not None and w.field in fields
    ]


class IndexValues(Mapping[str, Any]):
    """A row's checked index values: one tuple, read through the field positions of its kind.

    Rows of one kind share the positions (a field's place in the spec's
    index), so a row keeps only its values: a fraction of a dict's memory.
    """

    __slots__ = ("_items", "_positions")

    def __init__(self, positions: Mapping[str, int], items: tuple[Any, ...]) -> None:
        self._positions = positions
        self._items = items

    def get(self, key: str, default: Any = None) -> Any:
        i = self._positions.get(key)
        return default if i is None else self._items[i]

    def __getitem__(self, key: str) -> Any:
        return self._items[self._positions[key]]

    def __iter__(self) -> Iterator[str]:
        return iter(self._positions)

    def __len__(self) -> int:
        return len(self._positions)
