"""Agreements and their targets: what was promised, per service and priority.

An :class:`Agreement` is one of three kinds: a service level
agreement with a customer (SLA), an operational level agreement with another
department of the provider (OLA, 内部支持协议), or an underpinning contract with
a supplier (UC, 外部支持合同). It holds :class:`Target` rows keyed by service,
priority and :class:`TargetKind` (acceptance, response, resolution, callback
after handling, improvement period). Each target is a business duration (or a
number of working days) on a named business calendar, with warning thresholds
(50 %, 75 % and 90 % by default).

An agreement may also hold the contract's :class:`~itsm_core.sla.ServicePeriod`;
:meth:`Agreement.fire_notices` records the start and ending notices when due.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

import attrs

from itsm_core.calendars.registry import DEFAULT_CALENDAR
from itsm_core.kernel.actors import Actor
from itsm_core.kernel.aggregate import Aggregate
from itsm_core.kernel.clock import require_aware
from itsm_core.kernel.errors import ValidationError
from itsm_core.kernel.labels import Labelled
from itsm_core.sla.periods import PeriodNoticeKind, ServicePeriod

__all__ = [
    "DEFAULT_CALENDAR",
    "DEFAULT_THRESHOLDS",
    "Agreement",
    "AgreementKind",
    "Target",
    "TargetKind",
]


#: Warning thresholds, as fractions of the target: 50 %, 75 %, 90 %.
DEFAULT_THRESHOLDS: tuple[float, ...] = (0.5, 0.75, 0.9)


class AgreementKind(Labelled):
    """Who the promise is made to (the customer SLA and the 二个协议, OLA and UC)."""

    #: Service level agreement with a customer.
    SLA = "sla", "服务级别协议", "service level agreement"
    #: Operational level agreement with another department of the provider.
    OLA = "ola", "内部支持协议", "operational level agreement"
    #: Underpinning contract with a supplier outside the provider.
    UNDERPINNING_CONTRACT = "underpinning_contract", "外部支持合同", "underpinning contract"


class TargetKind(Labelled):
    """Which promised time a target is."""

    #: The request is accepted (受理).
    ACCEPTANCE = "acceptance", "受理时限", "acceptance time"
    #: An engineer responds.
    RESPONSE = "response", "响应时限", "response time"
    #: The request is resolved.
    RESOLUTION = "resolution", "解决时限", "resolution time"
    #: The callback after handling (回访, within one working day in the seeds).
    CALLBACK = "callback", "回访时限", "callback after handling"
    #: A complaint's improvement period (改进期限).
    IMPROVEMENT = "improvement", "改进期限", "improvement period"
    #: A service review is held by its due instant (回顾期限).
    REVIEW = "review", "回顾期限", "service review due"
    #: A key customer acknowledges a change notice or outage announcement by phone (通告确认时限).
    NOTICE_CALL = "notice_call", "通告确认时限", "notice acknowledged by phone"
    #: The next progress update to the customer is due (主动反馈时限).
    PROGRESS_UPDATE = "progress_update", "主动反馈时限", "progress update due"


def _text(value: object, field: str, *, required: bool) -> str:
    if not isinstance(value, str):
        raise ValidationError(f"{field} must be a string, got {value!r}", field=field)
    text = value.strip()
    if required and not text:
        raise ValidationError(f"{field} must not be empty", field=field)
    return text


def _service(value: object) -> str:
    return _text(value, "service", required=False)


def _priority(value: object) -> str:
    return _text(value, "priority", required=False)


def _calendar_name(value: object) -> str:
    return _text(value, "calendar", required=True)


def _name(value: object) -> str:
    return _text(value, "name", required=True)


def _counterparty(value: object) -> str:
    return _text(value, "counterparty", required=True)


def _target_kind(value: object) -> TargetKind:
    return TargetKind.parse(value, "kind")


def _agreement_kind(value: object) -> AgreementKind:
    return AgreementKind.parse(value, "kind")


def _duration(value: object) -> timedelta | None:
    if value is None:
        return None
    if not isinstance(value, timedelta):
        raise ValidationError(
            f"duration must be a datetime.timedelta of business time, got {type(value).__name__}",
            field="duration",
        )
    if value <= timedelta(0):
        raise ValidationError(f"duration must be positive, got {value}", field="duration")
    return value


def _working_days(value: object) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValidationError(
            f"working_days must be a positive int, got {value!r}", field="working_days"
        )
    return value


def _thresholds(value: object) -> tuple[float, ...]:
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise ValidationError(
            f"thresholds must be a sequence of fractions such as (0.5, 0.75, 0.9), got {value!r}",
            field="thresholds",
        )
    items: list[float] = []
    for item in value:
        if isinstance(item, bool) or not isinstance(item, int | float):
            raise ValidationError(
                f"a threshold must be a number between 0 and 1, got {item!r}", field="thresholds"
            )
        items.append(float(item))
    for item in items:
        if not 0.0 < item < 1.0:
            raise ValidationError(
                f"a warning threshold is a fraction of the target strictly between 0 and 1 "
                f"(0.75 for 75 %), got {item}; the breach at 100 % is always there",
                field="thresholds",
            )
    if any(b <= a for a, b in itertools.pairwise(items)):
        raise ValidationError(
            f"thresholds must be strictly increasing, got {tuple(items)}", field="thresholds"
        )
    return tuple(items)


@attrs.frozen
class Target:
    """One promised time: a business duration (or working days) on a named calendar.

    Give exactly one of ``duration`` (business time, e.g. ``timedelta(hours=4)``)
    and ``working_days`` ("within one working day": the same point of the working
    day, ``n`` working days later — see
    :meth:`~itsm_core.sla.BusinessCalendar.add_working_days`). A working-day target
    is turned into business time when a clock starts on it.

    :param service: the service the target applies to (e.g. ``"desktop"``).
    :param priority: the priority it applies to (e.g. ``"P1"``).
    :param kind: which promise (:class:`TargetKind` or its code).
    :param duration: the promised business time.
    :param working_days: the promised number of working days.
    :param calendar: the name of the business calendar the time runs on, as
        registered with :meth:`core.calendars.register
        <itsm_core.calendars.CalendarRegistry.register>`.
    :param thresholds: warning thresholds as fractions of the target, strictly
        increasing, each strictly between 0 and 1 (the breach at 1 always follows).
    :raises ValidationError: for a missing or non-positive duration, both or
        neither of ``duration`` and ``working_days``, or bad thresholds.
    """

    service: str = attrs.field(converter=_service)
    priority: str = attrs.field(converter=_priority)
    kind: TargetKind = attrs.field(converter=_target_kind)
    duration: timedelta | None = attrs.field(default=None, converter=_duration)
    working_days: int | None = attrs.field(default=None, converter=_working_days, kw_only=True)
    calendar: str = attrs.field(default=DEFAULT_CALENDAR, converter=_calendar_name, kw_only=True)
    thresholds: tuple[float, ...] = attrs.field(
        default=DEFAULT_THRESHOLDS, converter=_thresholds, kw_only=True
    )

    def __attrs_post_init__(self) -> None:
        if (self.duration is None) == (self.working_days is None):
            raise ValidationError(
                f"target {self.kind.value!r} needs exactly one of duration (business time) "
                "and working_days",
                field="duration",
            )

    @property
    def key(self) -> tuple[str, str, TargetKind]:
        """``(service, priority, kind)``: what identifies the target in an agreement."""
        return (self.service, self.priority, self.kind)

    def describe(self) -> str:
        """A short text such as ``"desktop/P1 resolution: 8:00:00 on 'default'"``."""
        amount = f"{self.working_days} working days" if self.working_days else str(self.duration)
        return f"{self.service}/{self.priority} {self.kind.value}: {amount} on {self.calendar!r}"

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form (the inverse of :meth:`from_dict`); durations in microseconds."""
        return {
            "service": self.service,
            "priority": self.priority,
            "kind": self.kind.value,
            "duration_us": None if self.duration is None else self.duration // _US,
            "working_days": self.working_days,
            "calendar": self.calendar,
            "thresholds": list(self.thresholds),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Target:
        """Rebuild a target from :meth:`to_dict` output.

        :raises ValidationError: for a value that is not such a mapping, or a bad field.
        """
        if not isinstance(data, Mapping):
            raise ValidationError(
                f"a target dict must be a mapping, got {type(data).__name__}", field="data"
            )
        missing = [key for key in ("service", "priority", "kind") if key not in data]
        if missing:
            raise ValidationError(
                f"a target dict needs service, priority and kind; it lacks {', '.join(missing)}",
                field=missing[0],
            )
        micros = data.get("duration_us")
        if micros is not None and (isinstance(micros, bool) or not isinstance(micros, int)):
            raise ValidationError(
                f"duration_us must be a whole number of microseconds, got {micros!r}",
                field="duration",
            )
        return cls(
            data["service"],
            data["priority"],
            data["kind"],
            None if micros is None else timedelta(microseconds=int(micros)),
            working_days=data.get("working_days"),
            calendar=data.get("calendar", DEFAULT_CALENDAR),
            thresholds=data.get("thresholds", DEFAULT_THRESHOLDS),
        )


_US = timedelta(microseconds=1)


def _targets(value: Iterable[Target]) -> tuple[Target, ...]:
    result: dict[tuple[str, str, TargetKind], Target] = {}
    for target in value:
        if not isinstance(target, Target):
            raise ValidationError(
                f"targets must be Target objects, got {target!r}", field="targets"
            )
        if not target.service or not target.priority:
            raise ValidationError(
                f"a target in an agreement names its service and priority; got "
                f"service={target.service!r}, priority={target.priority!r}",
                field="targets",
            )
        if target.key in result:
            raise ValidationError(
                f"two targets for {target.service}/{target.priority} {target.kind.value}",
                field="targets",
            )
        result[target.key] = target
    return tuple(sorted(result.values(), key=lambda t: (t.service, t.priority, t.kind.value)))


@attrs.define(eq=False, kw_only=True)
class Agreement(Aggregate):
    """An SLA, OLA or underpinning contract with its targets and service period.

    Create one with :meth:`define` (or through
    :meth:`~itsm_core.sla.SlaService.define_agreement`).

    :param name: a display name, e.g. ``"2025 年度运维服务协议"``.
    :param kind: SLA, OLA or underpinning contract.
    :param counterparty: the customer (SLA), internal team (OLA) or supplier (UC).
    :param targets: the targets, at most one per (service, priority, kind).
    :param period: the contract's service period, if tracked.
    :param notices_sent: the period notices already recorded for ``period``.
    :param next_notice_at: when the next period notice is due (indexed for tick).
    """

    KIND = "sla_agreement"

    name: str = attrs.field(converter=_name)
    kind: AgreementKind = attrs.field(converter=_agreement_kind)
    counterparty: str = attrs.field(converter=_counterparty)
    targets: tuple[Target, ...] = attrs.field(factory=tuple, converter=_targets)
    period: ServicePeriod | None = None
    notices_sent: tuple[PeriodNoticeKind, ...] = ()
    next_notice_at: datetime | None = None

    # ------------------------------------------------------------------ commands

    @classmethod
    def define(
        cls,
        *,
        agreement_id: str,
        name: str,
        kind: AgreementKind | str,
        counterparty: str,
        targets: Iterable[Target] = (),
        period: ServicePeriod | None = None,
        actor: Actor,
        at: datetime,
    ) -> Agreement:
        """Create an agreement and record ``sla_agreement.defined``.

        :raises ValidationError: for an empty name or counterparty, an unknown kind,
            or two targets with the same (service, priority, kind).
        """
        require_aware(at, "at")
        _period(period)
        agreement = cls(
            id=agreement_id, name=name, kind=kind, counterparty=counterparty, targets=targets
        )
        agreement.period = period
        agreement.next_notice_at = agreement._next_notice()
        agreement._record(
            "defined",
            actor,
            at,
            {
                "name": agreement.name,
                "kind": agreement.kind.value,
                "counterparty": agreement.counterparty,
                "targets": [t.to_dict() for t in agreement.targets],
                "period": None if period is None else period.to_dict(),
            },
        )
        return agreement

    def set_target(self, target: Target, *, actor: Actor, at: datetime) -> None:
        """Add ``target`` or replace the one with the same (service, priority, kind).

        Running clocks keep the target they started with; change a clock's target
        with :meth:`~itsm_core.sla.SlaService.change_target`.
        """
        require_aware(at, "at")
        others = [t for t in self.targets if t.key != getattr(target, "key", None)]
        targets = _targets([*others, target])
        replaced = len(others) == len(self.targets) - 1
        self.targets = targets
        self._record("target_set", actor, at, {"target": target.to_dict(), "replaced": replaced})

    def remove_target(
        self, service: str, priority: str, kind: TargetKind | str, *, actor: Actor, at: datetime
    ) -> None:
        """Remove the target for (service, priority, kind).

        :raises ValidationError: naming what exists, when there is no such target.
        """
        require_aware(at, "at")
        target = self.target_for(service, priority, kind)
        self.targets = tuple(t for t in self.targets if t.key != target.key)
        self._record("target_removed", actor, at, {"target": target.to_dict()})

    def set_period(self, period: ServicePeriod | None, *, actor: Actor, at: datetime) -> None:
        """Set (or clear) the service period; its notices are due afresh.

        A renewal is a new period: both its notices go out again.
        """
        require_aware(at, "at")
        _period(period)
        self.period = period
        self.notices_sent = ()
        self.next_notice_at = self._next_notice()
        self._record(
            "period_set", actor, at, {"period": None if period is None else period.to_dict()}
        )

    def due_notices(self, now: datetime) -> tuple[tuple[PeriodNoticeKind, datetime], ...]:
        """The period notices due at ``now`` and not yet recorded, in order."""
        require_aware(now, "now")
        if self.period is None:
            return ()
        return tuple(
            (kind, when)
            for kind, when in self.period.notices()
            if kind not in self.notices_sent and when <= now
        )

    def fire_notices(self, now: datetime, *, actor: Actor) -> int:
        """Record ``sla_agreement.period_notice`` for every notice due at ``now``.

        Each notice is recorded once per period, in order (start before ending),
        however late this is called. Returns how many were recorded.
        """
        due = self.due_notices(now)
        assert self.period is not None or not due
        for kind, when in due:
            self.notices_sent = (*self.notices_sent, kind)
            self.next_notice_at = self._next_notice()
            period = self.period
            assert period is not None
            self._record(
                "period_notice",
                actor,
                now,
                {
                    "notice": kind.value,
                    "due_at": when,
                    "name": self.name,
                    "kind": self.kind.value,
                    "counterparty": self.counterparty,
                    "period_start": period.start,
                    "period_end": period.end,
                },
            )
        return len(due)

    # ------------------------------------------------------------------ queries

    @property
    def services(self) -> tuple[str, ...]:
        """The services the agreement has targets for, sorted."""
        return tuple(sorted({t.service for t in self.targets}))

    def priorities(self, service: str) -> tuple[str, ...]:
        """The priorities the agreement has targets for in ``service``, sorted."""
        return tuple(sorted({t.priority for t in self.targets if t.service == service}))

    def target_for(self, service: str, priority: str, kind: TargetKind | str) -> Target:
        """The target for (service, priority, kind).

        :raises ValidationError: naming the services, priorities or kinds that
            exist, when there is none such.
        """
        wanted = TargetKind.parse(kind, "target")
        for target in self.targets:
            if target.key == (service, priority, wanted):
                return target
        where = f"agreement {self.name!r} ({self.id})"
        if service not in self.services:
            known = ", ".join(self.services) or "none"
            raise ValidationError(
                f"{where} has no targets for service {service!r}; its services: {known}",
                field="service",
            )
        if priority not in self.priorities(service):
            known = ", ".join(self.priorities(service))
            raise ValidationError(
                f"{where} has no targets for priority {priority!r} of service {service!r}; "
                f"its priorities there: {known}",
                field="priority",
            )
        kinds = ", ".join(
            sorted(t.kind.value for t in self.targets if t.key[:2] == (service, priority))
        )
        raise ValidationError(
            f"{where} has no {wanted.value!r} target for {service}/{priority}; "
            f"its targets there: {kinds}",
            field="target",
        )

    def _next_notice(self) -> datetime | None:
        if self.period is None:
            return None
        pending = [w for k, w in self.period.notices() if k not in self.notices_sent]
        return min(pending) if pending else None


def _period(period: object) -> None:
    if period is not None and not isinstance(period, ServicePeriod):
        raise ValidationError(
            f"period must be a ServicePeriod or None, got {type(period).__name__}", field="period"
        )
