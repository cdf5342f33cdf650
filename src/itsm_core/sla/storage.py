"""How SLA clocks and agreements are stored: record versions and indexed fields.

The records are derived from the entities' attrs fields (see
:meth:`~itsm_core.storage.AggregateSpec.of`): durations are whole
microseconds and instants ISO 8601 strings, so a record round-trips exactly.
Record version 2 names durations after their fields (``budget``,
``elapsed_before``, a target's ``duration``); version 1, the shape of 0.1.0,
named them ``budget_us``, ``elapsed_before_us`` and ``duration_us``.

The indexed fields are what the service's queries use; ``next_due_at`` is
the one :meth:`~itsm_core.sla.SlaService.tick` orders and limits by
(``WHERE next_due_at <= now ORDER BY next_due_at LIMIT n``), so a tick's
cost follows what is due, not how many clocks are open. ``lateness_hours``
(revision 0006) is the business time a stopped clock ran past its budget,
so SLA fulfilment reports sum and compare lateness in the database.

Calendars are not stored: they are configuration, registered by name with the
service when the application starts (a clock stores its calendar's name).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from itsm_core.storage.base import AggregateSpec, IndexField

if TYPE_CHECKING:
    from itsm_core.sla.agreements import Agreement
    from itsm_core.sla.clock import SlaClock

__all__ = ["AGREEMENT_SPEC", "CLOCK_SPEC", "lateness_hours"]


def lateness_hours(clock: SlaClock) -> float | None:
    """The business time a stopped clock ran past its budget, in hours (0.0 when met).

    None while the clock runs or is paused: lateness is settled when the
    promise is (``sla_clock.stopped`` records the same amount as ``lateness_us``).
    """
    if clock.stopped_at is None:
        return None
    over = clock.elapsed_before - clock.budget
    return max(over.total_seconds(), 0.0) / 3600


def _clock_v1_to_v2(record: dict[str, Any]) -> dict[str, Any]:
    """Version 1 (0.1.0) held durations under ``budget_us`` and ``elapsed_before_us``."""
    record["budget"] = record.pop("budget_us")
    record["elapsed_before"] = record.pop("elapsed_before_us")
    for entry in record["log"]:
        entry["budget"] = entry.pop("budget_us", None)
    return record


CLOCK_SPEC: AggregateSpec[SlaClock] = AggregateSpec.of(
    "itsm_core.sla.clock:SlaClock",
    kind="sla_clock",
    record_version=2,
    upcasters={1: _clock_v1_to_v2},
    index=(
        IndexField("subject_kind", "str", lambda c: c.subject_kind),
        IndexField("subject_id", "str", lambda c: c.subject_id),
        IndexField("target", "str", lambda c: c.target.value),
        IndexField("service", "str", lambda c: c.service),
        IndexField("priority", "str", lambda c: c.priority),
        IndexField("agreement_id", "str", lambda c: c.agreement_id),
        IndexField("calendar", "str", lambda c: c.calendar),
        IndexField("state", "str", lambda c: c.state.value),
        IndexField("handler", "str", lambda c: c.handler),
        IndexField("customer", "str", lambda c: c.customer),
        IndexField("breached", "bool", lambda c: c.breached_at is not None),
        IndexField("breached_at", "datetime", lambda c: c.breached_at),
        IndexField("started_at", "datetime", lambda c: c.started_at),
        IndexField("due_at", "datetime", lambda c: c.due_at),
        IndexField("next_due_at", "datetime", lambda c: c.next_due_at),
        IndexField("stopped_at", "datetime", lambda c: c.stopped_at),
        IndexField("lateness_hours", "float", lateness_hours),
    ),
)
"""The storage spec of :class:`~itsm_core.sla.SlaClock` (kind ``sla_clock``)."""


def _agreement_v1_to_v2(record: dict[str, Any]) -> dict[str, Any]:
    """Version 1 (0.1.0) held each target's duration under ``duration_us``."""
    for target in record["targets"]:
        target["duration"] = target.pop("duration_us", None)
    return record


AGREEMENT_SPEC: AggregateSpec[Agreement] = AggregateSpec.of(
    "itsm_core.sla.agreements:Agreement",
    kind="sla_agreement",
    record_version=2,
    upcasters={1: _agreement_v1_to_v2},
    index=(
        IndexField("name", "str", lambda a: a.name),
        IndexField("kind", "str", lambda a: a.kind.value),
        IndexField("counterparty", "str", lambda a: a.counterparty),
        IndexField("period_start", "datetime", lambda a: a.period.start if a.period else None),
        IndexField("period_end", "datetime", lambda a: a.period.end if a.period else None),
        IndexField("next_notice_at", "datetime", lambda a: a.next_notice_at),
    ),
)
"""The storage spec of :class:`~itsm_core.sla.Agreement` (kind ``sla_agreement``)."""
