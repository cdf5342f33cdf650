"""Query and aggregate evaluation in Python, over indexed values.

The in-memory backend uses these; a third-party backend without a query
language of its own may use them too.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from itsm_core.storage.base import Measure, Query, Where

__all__ = ["aggregate_rows", "compile_query", "matches", "normalise", "select"]

_CMP: dict[str, Callable[[Any, Any], bool]] = {
    "eq": operator.eq,
    "ne": operator.ne,
    "lt": operator.lt,
    "le": operator.le,
    "gt": operator.gt,
    "ge": operator.ge,
}


def normalise(value: Any) -> Any:
    """Return a value comparable with others of its field (datetimes as POSIX seconds)."""
    if isinstance(value, datetime):
        return value.timestamp()
    return value


_norm = normalise


def _predicate(cond: Where) -> Callable[[Any], bool]:
    """Compile one condition into a test of a single value (None is SQL NULL)."""
    op = cond.op
    if op == "is_null":
        return lambda v: v is None
    if op == "not_null":
        return lambda v: v is not None
    if op == "in":
        wanted = frozenset(_norm(v) for v in cond.value)
        return lambda v: _norm(v) in wanted
    if cond.value is None:
        # comparing with NULL: only "ne" holds, for non-null values
        return (lambda v: v is not None) if op == "ne" else (lambda v: False)
    target = _norm(cond.value)
    cmp = _CMP[op]
    if op == "ne":
        return lambda v: v is None or cmp(_norm(v), target)
    return lambda v: v is not None and cmp(_norm(v), target)


def compile_query(query: Query) -> Callable[[str, Mapping[str, Any]], bool]:
    """Compile ``query``'s conditions into one test of ``(id, indexed values)``.

    Sets and normalised values are computed once, not per row.
    """
    tests = [(w.field, _predicate(w)) for w in query.where]
    if not tests:
        return lambda _rid, _values: True

    def test(rid: str, values: Mapping[str, Any]) -> bool:
        for field, check in tests:  # noqa: SIM110 (a loop is faster than all())
            if not check(rid if field == "id" else values.get(field)):
                return False
        return True

    return test


def matches(query: Query, values: Mapping[str, Any]) -> bool:
    """Return True if the indexed ``values`` of one row satisfy every condition."""
    return compile_query(query)(str(values.get("id", "")), values)


def select(query: Query, rows: Iterable[tuple[str, Mapping[str, Any]]]) -> list[str]:
    """Return the ids of ``rows`` (``(id, values)``) matching ``query``, ordered and sliced."""
    test = compile_query(query)
    hits = [(rid, values) for rid, values in rows if test(rid, values)]
    hits.sort(key=lambda r: r[0])
    for name in reversed(query.order_by):
        field = name.lstrip("-")
        desc = name.startswith("-")

        def key(r: tuple[str, Mapping[str, Any]], f: str = field) -> tuple[bool, Any]:
            v = r[0] if f == "id" else r[1].get(f)
            # None sorts last ascending, first descending (as PostgreSQL does)
            return (v is None, _norm(v) if v is not None else 0)

        hits.sort(key=key, reverse=desc)
    ids = [rid for rid, _ in hits]
    end = None if query.limit is None else query.offset + query.limit
    return ids[query.offset : end]


def aggregate_rows(
    rows: Iterable[Mapping[str, Any]],
    group_by: Sequence[str],
    measures: Sequence[Measure],
) -> list[dict[str, Any]]:
    """Group ``rows`` (indexed values) in one pass and compute ``measures`` per group."""
    groups: dict[tuple[Any, ...], list[Any]] = {}
    for row in rows:
        key = tuple(row.get(g) for g in group_by)
        acc = groups.get(key)
        if acc is None:
            acc = [0 if m.fn in ("count", "sum") else None for m in measures]
            groups[key] = acc
        for i, m in enumerate(measures):
            if m.fn == "count":
                acc[i] += 1
                continue
            v = row.get(m.field or "")
            if v is None:
                continue
            if m.fn == "sum":
                acc[i] += v
            elif m.fn == "min":
                acc[i] = v if acc[i] is None or v < acc[i] else acc[i]
            else:
                acc[i] = v if acc[i] is None or v > acc[i] else acc[i]
    out: list[dict[str, Any]] = []
    for key in sorted(groups, key=lambda k: tuple((v is None, str(v)) for v in k)):
        row_out = dict(zip(group_by, key, strict=True))
        row_out.update({m.name: val for m, val in zip(measures, groups[key], strict=True)})
        out.append(row_out)
    return out
