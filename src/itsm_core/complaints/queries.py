"""The complaint queries, as kernel :class:`~itsm_core.storage.Query` objects over index fields.

Every query the :class:`~itsm_core.complaints.ComplaintService` offers is
built here, so that a SQL backend answers each with indexed columns.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from itsm_core.complaints.enums import (
    ComplaintChannel,
    ComplaintSource,
    ComplaintState,
    Origin,
    Severity,
    Verdict,
)
from itsm_core.kernel.clock import require_aware
from itsm_core.kernel.errors import ValidationError
from itsm_core.storage.base import Query, Where

__all__ = [
    "complaints_query",
    "praise_query",
]



def _name(value: object, field: str) -> str | None:
    """A filter on a name or id: None (no filter) or a non-empty string."""
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(
            f"{field} must be a non-empty string or None (no filter), got {value!r}",
            field=field,
        )
    return value.strip()


def _flag(value: object, field: str) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    raise ValidationError(
        f"{field} must be True, False or None (no filter), got {value!r}", field=field
    )


def _count(value: object, field: str, *, optional: bool) -> int | None:
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        what = "a non-negative int or None" if optional else "a non-negative int"
        raise ValidationError(f"{field} must be {what}, got {value!r}", field=field)
    return value


def _condition(field: str, codes: tuple[str, ...] | None) -> tuple[Where, ...]:
    if codes is None:
        return ()
    if len(codes) == 1:
        return (Where(field, "eq", codes[0]),)
    return (Where(field, "in", codes),)


def complaints_query(
    *,
    state: ComplaintState | str | Iterable[ComplaintState | str] | None = None,
    customer: str | None = None,
    party_complained_about: str | None = None,
    source: ComplaintSource | str | Iterable[ComplaintSource | str] | None = None,
    origin: Origin | str | None = None,
    severity: Severity | str | None = None,
    channel: ComplaintChannel | str | None = None,
    verdict: Verdict | str | None = None,
    relationship_manager: str | None = None,
    improvement_id: str | None = None,
    closed: bool | None = None,
    callback_due_before: datetime | None = None,
    received_from: datetime | None = None,
    received_before: datetime | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> Query:
    """Return the query for complaints matching every criterion given (oldest first).

    ``state`` and ``source`` take one value or several (any of them matches).
    ``improvement_id`` matches the complaint whose improvement item it is;
    ``callback_due_before`` the handled complaints whose callback was due
    before that instant and is not made yet (overdue callbacks).

    :raises ValidationError: for an unknown code, an empty collection of codes,
        a name that is not a non-empty string, a ``closed`` that is not a bool,
        a ``limit`` or ``offset`` that is not a non-negative int, or a naive datetime.
    """
    customer = _name(customer, "customer")
    party_complained_about = _name(party_complained_about, "party_complained_about")
    relationship_manager = _name(relationship_manager, "relationship_manager")
    improvement_id = _name(improvement_id, "improvement_id")
    closed = _flag(closed, "closed")
    limit = _count(limit, "limit", optional=True)
    offset = _count(offset, "offset", optional=False) or 0
    where: list[Where] = []
    where += _condition("state", ComplaintState.codes(state, "state"))
    where += _condition("source", ComplaintSource.codes(source, "source"))
    where += _condition("origin", Origin.codes(origin, "origin"))
    where += _condition("severity", Severity.codes(severity, "severity"))
    where += _condition("channel", ComplaintChannel.codes(channel, "channel"))
    where += _condition("verdict", Verdict.codes(verdict, "verdict"))
    for field, value in (
        ("customer", customer),
        ("party_complained_about", party_complained_about),
        ("relationship_manager", relationship_manager),
        ("improvement_id", improvement_id),
        ("closed", closed),
    ):
        if value is not None:
            where.append(Where(field, "eq", value))
    if received_from is not None:
        where.append(Where("received_at", "ge", require_aware(received_from, "received_from")))
    if received_before is not None:
        where.append(Where("received_at", "lt", require_aware(received_before, "received_before")))
    if callback_due_before is not None:
        due = require_aware(callback_due_before, "callback_due_before")
        where += (Where("callback_pending", "eq", True), Where("callback_due_at", "lt", due))
    return Query(tuple(where), order_by=("received_at",), limit=limit, offset=offset)


def praise_query(*, customer: str | None = None, praised_party: str | None = None) -> Query:
    """Return the query for praise of ``customer`` and/or about ``praised_party``.

    :raises ValidationError: for a filter that is not a non-empty string or None.
    """
    return Query(
        Query.eq(
            customer=_name(customer, "customer"),
            praised_party=_name(praised_party, "praised_party"),
        ).where,
        order_by=("received_at",),
    )
