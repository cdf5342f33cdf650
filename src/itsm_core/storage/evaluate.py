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

__all__ = ["aggregate_rows", "matches", "select"]

_CMP: dict[str, Callable[[Any, Any], bool]] = {
    "eq": operator.eq,
    "ne": operator.ne,
    "lt": operator.lt,
    "le": operator.le,
    "gt": operator.gt,
    "ge": operator.ge,
}


def _norm(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.timestamp()
    return value


def _holds(cond: Where, values: Mapping[str, Any]) -> bool:
    value = values.get(cond.field)
    if cond.op == "is_null":
        return value is None
    if cond.op == "not_null":
        return value is not None
    if cond.op == "in":
        wanted = {_norm(v) for v in cond.value}
        return _norm(value) in wanted
    if value is None or cond.value is None:
        return cond.op == "ne" and (value is None) != (cond.value is None)
    return _CMP[cond.op](_norm(value), _norm(cond.value))


def matches(query: Query, values: Mapping[str, Any]) -> bool:
    """Return True if the indexed ``values`` of one row satisfy every condition."""
    return all(_holds(cond, values) for cond in query.where)


def select(query: Query, rows: Iterable[tuple[str, Mapping[str, Any]]]) -> list[str]:
    """Return the ids of ``rows`` (``(id, values)``) matching ``query``, ordered and sliced."""
    hits = [(rid, values) for rid, values in rows if matches(query, values)]
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
