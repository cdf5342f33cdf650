"""What the pack and the trend analysis ask the store (internal).

Every count here is an :meth:`~itsm_core.storage.UnitOfWork.aggregate` over
index fields, so the SQL backend answers with ``GROUP BY`` in the database:

- complaints: ``customer``, ``received_at``, ``closed_at``, ``verdict``,
  ``source``, ``party_complained_about``, ``closed``, ``escalations`` and
  ``hours_to_close`` (the last two since revision 0006);
- SLA clocks: ``customer``, ``service``, ``target``, ``state``,
  ``stopped_at``, ``breached``, ``breached_at`` and ``lateness_hours``
  (since revision 0006);
- improvement items: ``customer``, ``source_kind``, ``state``, ``due_at``.

A month is one aggregate over the instant range of the month; a trend over
``n`` months is ``n`` such queries, each answered from the indexes.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from itsm_core.complaints.storage import COMPLAINT_SPEC
from itsm_core.improvements.enums import ImprovementSource, ImprovementState
from itsm_core.improvements.storage import IMPROVEMENT_SPEC
from itsm_core.reviews.analysis.pack import (
    ComplaintFigures,
    Count,
    ImprovementLine,
    ImprovementSummary,
    SlaFulfilment,
)
from itsm_core.sla.agreements import TargetKind
from itsm_core.sla.storage import CLOCK_SPEC
from itsm_core.storage.base import Measure, Query, UnitOfWork, Where

__all__ = [
    "LIVE_STATES",
    "complaint_figures",
    "complaint_month",
    "complaints_by_party",
    "improvement_summary",
    "sla_fulfilment",
]

_STOPPED = "stopped"
_CONCLUDED = frozenset(
    {ImprovementState.DONE, ImprovementState.DECIDED, ImprovementState.CANCELLED}
)
LIVE_STATES: tuple[str, ...] = tuple(s.value for s in ImprovementState if s not in _CONCLUDED)
"""The states of an item not concluded yet: proposed, approved, in progress,
verifying, extended, escalated (the pack's "open" items)."""


def _where(*conditions: Where | None) -> Query:
    return Query(tuple(c for c in conditions if c is not None))


def _in(field: str, values: Sequence[str]) -> Where | None:
    if not values:
        return None
    if len(values) == 1:
        return Where(field, "eq", values[0])
    return Where(field, "in", tuple(values))


def _eq(field: str, value: str | None) -> Where | None:
    return None if value is None else Where(field, "eq", value)


def _int(value: Any) -> int:
    return 0 if value is None else int(value)


def _float(value: Any) -> float:
    return 0.0 if value is None else float(value)


def _counts(counter: Counter[str | None], *, by_count: bool = False) -> tuple[Count, ...]:
    if by_count:
        keys = sorted(counter, key=lambda k: (-counter[k], k is None, k or ""))
    else:
        keys = sorted(counter, key=lambda k: (k is None, k or ""))
    return tuple(Count(k, counter[k]) for k in keys if counter[k])


# ---------------------------------------------------------------- SLA


def sla_fulfilment(
    uow: UnitOfWork,
    start: datetime,
    end: datetime,
    *,
    customer: str | None,
    services: Sequence[str] = (),
) -> tuple[SlaFulfilment, ...]:
    """SLA clocks stopped in ``[start, end)`` per target kind, and those breached and open.

    Two aggregates: the stopped clocks grouped by target kind and breach, the
    running or paused clocks breached in the range grouped by target kind.
    """
    scope = (_eq("customer", customer), _in("service", services))
    stopped = uow.aggregate(
        CLOCK_SPEC,
        _where(
            *scope,
            Where("state", "eq", _STOPPED),
            Where("stopped_at", "ge", start),
            Where("stopped_at", "lt", end),
        ),
        ["target", "breached"],
        [
            Measure("clocks", "count"),
            Measure("lateness", "sum", "lateness_hours"),
            Measure("max_lateness", "max", "lateness_hours"),
        ],
    )
    still_open = uow.aggregate(
        CLOCK_SPEC,
        _where(
            *scope,
            Where("state", "ne", _STOPPED),
            Where("breached_at", "ge", start),
            Where("breached_at", "lt", end),
        ),
        ["target"],
        [Measure("clocks", "count")],
    )
    figures: dict[str, dict[str, Any]] = {}

    def entry(target: str) -> dict[str, Any]:
        return figures.setdefault(
            target, {"met": 0, "breached": 0, "open": 0, "late": 0.0, "max": None}
        )

    for row in stopped:
        e = entry(str(row["target"]))
        if row["breached"]:
            e["breached"] += _int(row["clocks"])
            e["late"] += _float(row["lateness"])
            if row["max_lateness"] is not None:
                e["max"] = max(float(row["max_lateness"]), e["max"] or 0.0)
        else:
            e["met"] += _int(row["clocks"])
    for row in still_open:
        entry(str(row["target"]))["open"] += _int(row["clocks"])
    order = [k.value for k in TargetKind]
    return tuple(
        SlaFulfilment(
            target=TargetKind(code),
            measured=e["met"] + e["breached"],
            met=e["met"],
            breached=e["breached"],
            breached_open=e["open"],
            lateness_hours=e["late"],
            max_lateness_hours=e["max"],
        )
        for code, e in sorted(
            figures.items(), key=lambda kv: order.index(kv[0]) if kv[0] in order else 99
        )
    )


# ---------------------------------------------------------------- complaints


def _received(customer: str | None, start: datetime, end: datetime) -> tuple[Where | None, ...]:
    return (
        _eq("customer", customer),
        Where("received_at", "ge", start),
        Where("received_at", "lt", end),
    )


def complaint_figures(
    uow: UnitOfWork, start: datetime, end: datetime, *, customer: str, now: datetime
) -> ComplaintFigures:
    """The complaints received in ``[start, end)``: one aggregate, folded by dimension.

    Plus one aggregate over the customer's complaint improvement items open now.
    """
    rows = uow.aggregate(
        COMPLAINT_SPEC,
        _where(*_received(customer, start, end)),
        ["verdict", "source", "party_complained_about", "escalations"],
        [Measure("complaints", "count"), Measure("closed", "sum", "closed")],
    )
    verdicts: Counter[str | None] = Counter()
    sources: Counter[str | None] = Counter()
    parties: Counter[str | None] = Counter()
    received = closed = escalated = escalations = 0
    for row in rows:
        count = _int(row["complaints"])
        received += count
        closed += _int(row["closed"])
        times = _int(row["escalations"])
        if times:
            escalated += count
            escalations += times * count
        verdicts[row["verdict"]] += count
        sources[row["source"]] += count
        parties[row["party_complained_about"]] += count
    items = uow.aggregate(
        IMPROVEMENT_SPEC,
        _where(
            Where("customer", "eq", customer),
            Where("source_kind", "eq", ImprovementSource.COMPLAINT.value),
            Where("state", "in", LIVE_STATES),
        ),
        [],
        [Measure("items", "count"), Measure("first_due", "min", "due_at")],
    )
    overdue = uow.aggregate(
        IMPROVEMENT_SPEC,
        _where(
            Where("customer", "eq", customer),
            Where("source_kind", "eq", ImprovementSource.COMPLAINT.value),
            Where("state", "in", LIVE_STATES),
            Where("due_at", "lt", now),
        ),
        [],
        [Measure("items", "count")],
    )
    return ComplaintFigures(
        received=received,
        closed=closed,
        escalated=escalated,
        escalations=escalations,
        by_verdict=_counts(verdicts),
        by_source=_counts(sources),
        by_party=_counts(parties, by_count=True),
        improvements_open=sum(_int(r["items"]) for r in items),
        improvements_overdue=sum(_int(r["items"]) for r in overdue),
    )


def complaints_by_party(
    uow: UnitOfWork, start: datetime, end: datetime, *, customer: str | None
) -> list[dict[str, Any]]:
    """Complaints received in ``[start, end)`` per party, source and verdict (aggregate rows)."""
    return uow.aggregate(
        COMPLAINT_SPEC,
        _where(*_received(customer, start, end)),
        ["party_complained_about", "source", "verdict"],
        [Measure("complaints", "count")],
    )


def complaint_month(
    uow: UnitOfWork, start: datetime, end: datetime, *, customer: str | None
) -> tuple[int, int, float, float | None]:
    """Received in ``[start, end)``; closed in it, with their hours to close (sum, max)."""
    received = uow.aggregate(
        COMPLAINT_SPEC, _where(*_received(customer, start, end)), [], [Measure("n", "count")]
    )
    closed = uow.aggregate(
        COMPLAINT_SPEC,
        _where(
            _eq("customer", customer),
            Where("closed_at", "ge", start),
            Where("closed_at", "lt", end),
        ),
        [],
        [
            Measure("n", "count"),
            Measure("hours", "sum", "hours_to_close"),
            Measure("max_hours", "max", "hours_to_close"),
        ],
    )
    n_received = sum(_int(r["n"]) for r in received)
    n_closed = sum(_int(r["n"]) for r in closed)
    hours = sum(_float(r["hours"]) for r in closed)
    peaks = [float(r["max_hours"]) for r in closed if r["max_hours"] is not None]
    return n_received, n_closed, hours, (max(peaks) if peaks else None)


# ---------------------------------------------------------------- improvements


def improvement_summary(uow: UnitOfWork, *, customer: str, now: datetime) -> ImprovementSummary:
    """The customer's open items: counts by state and overdue (aggregates), and the items.

    The items themselves are loaded to be listed; a customer has a handful open.
    """
    by_state = uow.aggregate(
        IMPROVEMENT_SPEC,
        _where(Where("customer", "eq", customer), Where("state", "in", LIVE_STATES)),
        ["state"],
        [Measure("items", "count")],
    )
    overdue = uow.aggregate(
        IMPROVEMENT_SPEC,
        _where(
            Where("customer", "eq", customer),
            Where("state", "in", LIVE_STATES),
            Where("due_at", "lt", now),
        ),
        [],
        [Measure("items", "count")],
    )
    states: Counter[str | None] = Counter()
    for row in by_state:
        states[row["state"]] += _int(row["items"])
    items = uow.find(
        IMPROVEMENT_SPEC,
        Query(
            (Where("customer", "eq", customer), Where("state", "in", LIVE_STATES)),
            order_by=("issued_at",),
        ),
    )
    return ImprovementSummary(
        by_state=_counts(states),
        overdue=sum(_int(r["items"]) for r in overdue),
        items=tuple(
            ImprovementLine(
                id=i.id,
                source_kind=i.source_kind,
                state=i.state,
                description=i.description,
                owner=i.owner,
                due_at=i.due_at,
                overdue=i.due_at < now,
                service=i.service,
            )
            for i in items
        ),
    )
