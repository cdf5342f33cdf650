"""How SLA clocks and agreements are stored: record mapping and indexed fields.

Durations are stored as whole microseconds and instants as ISO 8601 strings,
so a record round-trips exactly. The indexed fields are what the service's
queries use; ``next_due_at`` is the one :meth:`~itsm_core.sla.SlaService.tick`
orders and limits by (``WHERE next_due_at <= now ORDER BY next_due_at LIMIT n``),
so a tick's cost follows what is due, not how many clocks are open.

Calendars are not stored: they are configuration, registered by name with the
service when the application starts (a clock stores its calendar's name).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from itsm_core.kernel.codec import iso, optional_instant
from itsm_core.sla.agreements import Agreement, AgreementKind, Target, TargetKind
from itsm_core.sla.clock import SlaClock
from itsm_core.sla.clock_log import ClockEntry
from itsm_core.sla.lifecycle import ClockState
from itsm_core.sla.periods import PeriodNoticeKind, ServicePeriod
from itsm_core.storage.base import AggregateSpec, IndexField

__all__ = ["AGREEMENT_SPEC", "CLOCK_SPEC"]

_US = timedelta(microseconds=1)


def clock_to_record(clock: SlaClock) -> dict[str, Any]:
    """The whole state of ``clock`` as JSON-able data."""
    return {
        "id": clock.id,
        "version": clock.version,
        "subject_kind": clock.subject_kind,
        "subject_id": clock.subject_id,
        "target": clock.target.value,
        "service": clock.service,
        "priority": clock.priority,
        "agreement_id": clock.agreement_id,
        "calendar": clock.calendar,
        "budget_us": clock.budget // _US,
        "working_days": clock.working_days,
        "thresholds": list(clock.thresholds),
        "handler": clock.handler,
        "customer": clock.customer,
        "state": clock.state.value,
        "started_at": clock.started_at.isoformat(),
        "running_since": iso(clock.running_since),
        "elapsed_before_us": clock.elapsed_before // _US,
        "fired": list(clock.fired),
        "breached_at": iso(clock.breached_at),
        "due_at": iso(clock.due_at),
        "next_due_at": iso(clock.next_due_at),
        "stopped_at": iso(clock.stopped_at),
        "resets": clock.resets,
        "unofficial_years": list(clock.unofficial_years),
        "calendar_problem": clock.calendar_problem,
        "log": [entry.to_dict() for entry in clock.log],
    }


def clock_from_record(record: Mapping[str, Any]) -> SlaClock:
    """Rebuild a clock from :func:`clock_to_record` output."""
    started_at = optional_instant(record["started_at"])
    assert started_at is not None
    return SlaClock(
        id=record["id"],
        version=int(record["version"]),
        subject_kind=record["subject_kind"],
        subject_id=record["subject_id"],
        target=TargetKind(record["target"]),
        service=record["service"],
        priority=record["priority"],
        agreement_id=record["agreement_id"],
        calendar=record["calendar"],
        budget=timedelta(microseconds=int(record["budget_us"])),
        working_days=record["working_days"],
        thresholds=tuple(float(x) for x in record["thresholds"]),
        handler=record["handler"],
        customer=record["customer"],
        state=ClockState(record["state"]),
        started_at=started_at,
        running_since=optional_instant(record["running_since"]),
        elapsed_before=timedelta(microseconds=int(record["elapsed_before_us"])),
        fired=tuple(float(x) for x in record["fired"]),
        breached_at=optional_instant(record["breached_at"]),
        due_at=optional_instant(record["due_at"]),
        next_due_at=optional_instant(record["next_due_at"]),
        stopped_at=optional_instant(record["stopped_at"]),
        resets=int(record["resets"]),
        unofficial_years=tuple(int(y) for y in record["unofficial_years"]),
        calendar_problem=record["calendar_problem"],
        log=tuple(ClockEntry.from_dict(e) for e in record["log"]),
    )


CLOCK_SPEC: AggregateSpec[SlaClock] = AggregateSpec(
    kind=SlaClock.KIND,
    entity_type=SlaClock,
    to_record=clock_to_record,
    from_record=clock_from_record,
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
    ),
)
"""The storage spec of :class:`~itsm_core.sla.SlaClock` (kind ``sla_clock``)."""


def agreement_to_record(agreement: Agreement) -> dict[str, Any]:
    """The whole state of ``agreement`` as JSON-able data."""
    return {
        "id": agreement.id,
        "version": agreement.version,
        "name": agreement.name,
        "kind": agreement.kind.value,
        "counterparty": agreement.counterparty,
        "targets": [t.to_dict() for t in agreement.targets],
        "period": None if agreement.period is None else agreement.period.to_dict(),
        "notices_sent": [k.value for k in agreement.notices_sent],
        "next_notice_at": iso(agreement.next_notice_at),
    }


def agreement_from_record(record: Mapping[str, Any]) -> Agreement:
    """Rebuild an agreement from :func:`agreement_to_record` output."""
    period = record.get("period")
    return Agreement(
        id=record["id"],
        version=int(record["version"]),
        name=record["name"],
        kind=AgreementKind(record["kind"]),
        counterparty=record["counterparty"],
        targets=tuple(Target.from_dict(t) for t in record["targets"]),
        period=None if period is None else ServicePeriod.from_dict(period),
        notices_sent=tuple(PeriodNoticeKind(k) for k in record["notices_sent"]),
        next_notice_at=optional_instant(record["next_notice_at"]),
    )


AGREEMENT_SPEC: AggregateSpec[Agreement] = AggregateSpec(
    kind=Agreement.KIND,
    entity_type=Agreement,
    to_record=agreement_to_record,
    from_record=agreement_from_record,
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
