"""The query behind ``core.reviews.find``: criteria over the review's index fields."""

from __future__ import annotations

from datetime import datetime

from itsm_core.kernel.clock import require_aware
from itsm_core.kernel.errors import ValidationError
from itsm_core.reviews.enums import ReviewForm, ReviewState
from itsm_core.reviews.values import text
from itsm_core.storage.base import Op, Query, Where

__all__ = ["review_query"]




def _count(value: object, field: str, *, optional: bool) -> int | None:
    if value is None and optional:
        return None
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    raise ValidationError(f"{field} must be a non-negative int, got {value!r}", field=field)


def review_query(
    *,
    customer: str | None = None,
    state: object = None,
    plan_id: str | None = None,
    project_manager: str | None = None,
    form: object = None,
    is_open: bool | None = None,
    scheduled_from: datetime | None = None,
    scheduled_before: datetime | None = None,
    due_before: datetime | None = None,
    held_from: datetime | None = None,
    held_before: datetime | None = None,
    reported_from: datetime | None = None,
    reported_before: datetime | None = None,
    period_from: datetime | None = None,
    period_before: datetime | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> Query:
    """Return the query of ``core.reviews.find`` for the criteria given.

    :raises ValidationError: for an unknown code, a blank name, a naive
        datetime, a non-bool ``is_open``, a bad ``limit`` / ``offset``.
    """
    where: list[Where] = []
    for field, codes in (
        ("state", ReviewState.codes(state, "state")),
        ("form", ReviewForm.codes(form, "form")),
    ):
        if codes is not None:
            where.append(Where(field, "in", codes))
    for field, name in (
        ("customer", customer),
        ("plan_id", plan_id),
        ("project_manager", project_manager),
    ):
        if name is not None:
            where.append(Where(field, "eq", text(name, field)))
    if is_open is not None:
        if not isinstance(is_open, bool):
            raise ValidationError(
                f"is_open must be True, False or None, got {is_open!r}", field="is_open"
            )
        where.append(Where("open", "eq", is_open))
    bounds: tuple[tuple[str, str, Op, datetime | None], ...] = (
        ("scheduled_from", "scheduled_at", "ge", scheduled_from),
        ("scheduled_before", "scheduled_at", "lt", scheduled_before),
        ("due_before", "due_at", "lt", due_before),
        ("held_from", "held_at", "ge", held_from),
        ("held_before", "held_at", "lt", held_before),
        ("reported_from", "reported_at", "ge", reported_from),
        ("reported_before", "reported_at", "lt", reported_before),
        ("period_from", "period_end", "gt", period_from),
        ("period_before", "period_start", "lt", period_before),
    )
    for name, field, op, value in bounds:
        if value is not None:
            where.append(Where(field, op, require_aware(value, name)))
    return Query(
        tuple(where),
        order_by=("scheduled_at",),
        limit=_count(limit, "limit", optional=True),
        offset=_count(offset, "offset", optional=False) or 0,
    )
