"""The SLA use cases: agreements, clocks, the tick.

:class:`SlaService` is what the facade exposes as ``core.sla``. Every command
takes the acting :class:`~itsm_core.Actor` first, checks the role, and runs in
one unit of work: the clock (or agreement) is loaded, changed, saved with its
events and outbox rows, and committed; another area whose promise runs on a
clock (complaints) uses the ``*_in`` methods (:meth:`SlaService.start_in`,
:meth:`~SlaService.stop_in`, :meth:`~SlaService.change_target_in`) to change the
clock in its own unit of work, so that both changes commit together. The relay
then delivers the events (``itsm_on_event``) and the SLA notifications
(``itsm_sla_warning``, ``itsm_sla_breach``, ``itsm_service_period_notice``).

Calendars are registered by name (:meth:`SlaService.register_calendar`); the
calendar named ``"default"`` is the one a target uses when it names none.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime

import attrs

from itsm_core.calendars.calendar import BusinessCalendar
from itsm_core.kernel.actors import SYSTEM, Actor, Role, require_role
from itsm_core.kernel.clock import require_aware
from itsm_core.kernel.errors import ConflictError, ItsmError, ValidationError
from itsm_core.kernel.events import DomainEvent
from itsm_core.kernel.ids import new_id
from itsm_core.runtime import Runtime
from itsm_core.sla.agreements import (
    DEFAULT_CALENDAR,
    Agreement,
    AgreementKind,
    Target,
    TargetKind,
)
from itsm_core.sla.clock import ClockStatus, SlaClock
from itsm_core.sla.clock_lifecycle import ClockState
from itsm_core.sla.notifications import sla_hook_calls
from itsm_core.sla.periods import ServicePeriod
from itsm_core.sla.storage import AGREEMENT_SPEC, CLOCK_SPEC
from itsm_core.storage.base import Query, UnitOfWork, Where

__all__ = [
    "AGREEMENT_ROLES",
    "CLOCK_ROLES",
    "RESET_ROLES",
    "SlaService",
    "TickFailure",
    "TickReport",
]

#: Who may start, pause, resume, stop a clock and change its target.
CLOCK_ROLES: tuple[Role, ...] = (
    Role.SERVICE_DESK,
    Role.COORDINATOR,
    Role.ENGINEER,
    Role.INCIDENT_HANDLER,
    Role.INCIDENT_MANAGER,
    Role.OPERATIONS_MANAGER,
    Role.PROJECT_MANAGER,
    Role.COMPLAINT_SPECIALIST,
    Role.RELATIONSHIP_MANAGER,
    Role.SERVICE_TEAM_LEAD,
    Role.SYSTEM,
)

#: Who may reset a clock or recalculate it (not the handler whose time it measures).
RESET_ROLES: tuple[Role, ...] = (
    Role.SERVICE_DESK,
    Role.INCIDENT_MANAGER,
    Role.OPERATIONS_MANAGER,
    Role.PROJECT_MANAGER,
    Role.SERVICE_TEAM_LEAD,
    Role.OPERATIONS_DIRECTOR,
    Role.SYSTEM,
)

#: Who may define agreements, their targets and service periods.
AGREEMENT_ROLES: tuple[Role, ...] = (
    Role.RELATIONSHIP_MANAGER,
    Role.PROJECT_MANAGER,
    Role.OPERATIONS_MANAGER,
    Role.OPERATIONS_DIRECTOR,
    Role.SERVICE_TEAM_LEAD,
    Role.SYSTEM,
)

_OPEN = (ClockState.RUNNING.value, ClockState.PAUSED.value)


@attrs.frozen
class TickFailure:
    """A clock whose due instant could not be computed during a tick.

    The levels that came due before the problem fire; then the clock records
    ``sla_clock.calendar_problem`` and leaves the tick queue until
    :meth:`SlaService.recalculate` (or a later command that computes its due
    instants, such as a resume or a change of target) puts it back.
    """

    clock_id: str
    error: str


@attrs.frozen
class TickReport:
    """What one :meth:`SlaService.tick` did.

    :param at: the instant the tick ran for.
    :param warnings: warnings fired.
    :param breaches: breaches fired.
    :param period_notices: service-period notices fired.
    :param clocks: due clocks processed.
    :param agreements: agreements with due notices processed.
    :param failures: clocks taken out of the queue for a calendar problem.
    :param conflicts: batches left to the next tick because another process
        changed one of their clocks meanwhile.
    :param events: the events recorded, in order.
    """

    at: datetime
    warnings: int = 0
    breaches: int = 0
    period_notices: int = 0
    clocks: int = 0
    agreements: int = 0
    failures: tuple[TickFailure, ...] = ()
    conflicts: int = 0
    events: tuple[DomainEvent, ...] = ()

    @property
    def fired(self) -> int:
        """Warnings, breaches and period notices together."""
        return self.warnings + self.breaches + self.period_notices


class SlaService:
    """Agreements, SLA clocks and the tick (``core.sla``).

    :param runtime: the facade's runtime.
    :param default_calendar: the calendar registered as ``"default"`` (24×7 in UTC
        when not given).
    :param calendars: more calendars by name.
    :param batch_size: how many due clocks one tick transaction handles.
    """

    def __init__(
        self,
        runtime: Runtime,
        *,
        default_calendar: BusinessCalendar | None = None,
        calendars: Mapping[str, BusinessCalendar] | None = None,
        batch_size: int = 100,
    ) -> None:
        self.runtime = runtime
        self.batch_size = _batch_size(batch_size)
        if calendars is not None and not isinstance(calendars, Mapping):
            raise ValidationError(
                "calendars must map names to BusinessCalendar objects, e.g. "
                f"{{'beijing-desk': BusinessCalendar.china()}}, got {type(calendars).__name__}",
                field="calendars",
            )
        self._calendars: dict[str, BusinessCalendar] = {}
        self.register_calendar(DEFAULT_CALENDAR, default_calendar or BusinessCalendar.always_open())
        for name, calendar in (calendars or {}).items():
            self.register_calendar(name, calendar)
        runtime.relay.add_dispatcher(sla_hook_calls)

    # ------------------------------------------------------------------ calendars

    def register_calendar(self, name: str, calendar: BusinessCalendar) -> None:
        """Make ``calendar`` available to targets under ``name`` (replacing any).

        After replacing a calendar that running clocks use (e.g. with a year's
        official dates added), call :meth:`recalculate_calendar` to move their due
        instants.

        :param name: the name targets use, e.g. ``"beijing-desk"``.
        :param calendar: the business calendar.
        :raises ValidationError: for an empty name or a value that is not a calendar.
        """
        if not isinstance(name, str) or not name.strip():
            raise ValidationError("a calendar name must be a non-empty string", field="name")
        if not isinstance(calendar, BusinessCalendar):
            raise ValidationError(
                f"calendar must be an itsm_core.sla.BusinessCalendar, got "
                f"{type(calendar).__name__}",
                field="calendar",
            )
        self._calendars[name.strip()] = calendar

    def calendar(self, name: str = DEFAULT_CALENDAR) -> BusinessCalendar:
        """The calendar registered as ``name``.

        :raises ValidationError: naming the registered calendars, if there is none such.
        """
        try:
            return self._calendars[name]
        except (KeyError, TypeError):
            known = ", ".join(sorted(self._calendars))
            raise ValidationError(
                f"no business calendar named {name!r} is registered; registered: {known} "
                "(register one with core.sla.register_calendar(name, calendar))",
                field="calendar",
            ) from None

    @property
    def calendars(self) -> Mapping[str, BusinessCalendar]:
        """The registered calendars by name (read-only view)."""
        return dict(self._calendars)

    # ------------------------------------------------------------------ agreements

    def define_agreement(
        self,
        actor: Actor,
        *,
        name: str,
        kind: AgreementKind | str,
        counterparty: str,
        targets: Iterable[Target] = (),
        period: ServicePeriod | None = None,
        agreement_id: str | None = None,
        at: datetime | None = None,
    ) -> Agreement:
        """Define an SLA, OLA or underpinning contract with its targets.

        :param actor: who defines it (see :data:`AGREEMENT_ROLES`).
        :param name: a display name.
        :param kind: ``sla``, ``ola`` or ``underpinning_contract``.
        :param counterparty: the customer, internal team or supplier.
        :param targets: the targets, one per (service, priority, kind).
        :param period: the contract's service period, if its notices are wanted.
        :param agreement_id: an id of your own (default: a new ``agr-…`` id).
        :param at: when (default: now).
        :raises ValidationError: for bad values or a target naming an unknown calendar.
        :raises AccessDenied: without one of :data:`AGREEMENT_ROLES`.
        """
        require_role(actor, *AGREEMENT_ROLES, action="define an agreement")
        targets = _target_list(targets)
        for target in targets:
            self._check_calendar(target)
        when = self._at(at)
        agreement = Agreement.define(
            agreement_id=_own_id(agreement_id, "agreement_id") or new_id("agr-"),
            name=name,
            kind=kind,
            counterparty=counterparty,
            targets=targets,
            period=period,
            actor=actor,
            at=when,
        )
        with self.runtime.transaction() as uow:
            uow.save(AGREEMENT_SPEC, agreement)
        return agreement

    def set_target(
        self, actor: Actor, agreement_id: str, target: Target, *, at: datetime | None = None
    ) -> Agreement:
        """Add a target to an agreement, or replace the one for the same key.

        :raises ValidationError: if the target names an unknown calendar.
        """
        require_role(actor, *AGREEMENT_ROLES, action="set an agreement's target")
        if isinstance(target, Target):
            self._check_calendar(target)
        with self.runtime.transaction() as uow:
            agreement = uow.get(AGREEMENT_SPEC, agreement_id)
            agreement.set_target(target, actor=actor, at=self._at(at))
            uow.save(AGREEMENT_SPEC, agreement)
        return agreement

    def remove_target(
        self,
        actor: Actor,
        agreement_id: str,
        service: str,
        priority: str,
        kind: TargetKind | str,
        *,
        at: datetime | None = None,
    ) -> Agreement:
        """Remove an agreement's target for (service, priority, kind).

        :raises ValidationError: naming what exists, when there is no such target.
        """
        require_role(actor, *AGREEMENT_ROLES, action="remove an agreement's target")
        with self.runtime.transaction() as uow:
            agreement = uow.get(AGREEMENT_SPEC, agreement_id)
            agreement.remove_target(service, priority, kind, actor=actor, at=self._at(at))
            uow.save(AGREEMENT_SPEC, agreement)
        return agreement

    def set_service_period(
        self,
        actor: Actor,
        agreement_id: str,
        period: ServicePeriod | None,
        *,
        at: datetime | None = None,
    ) -> Agreement:
        """Set (or clear) an agreement's service period; its notices are due afresh."""
        require_role(actor, *AGREEMENT_ROLES, action="set a service period")
        with self.runtime.transaction() as uow:
            agreement = uow.get(AGREEMENT_SPEC, agreement_id)
            agreement.set_period(period, actor=actor, at=self._at(at))
            uow.save(AGREEMENT_SPEC, agreement)
        return agreement

    def get_agreement(self, agreement_id: str) -> Agreement:
        """Load one agreement.

        :raises NotFound: if there is none with that id.
        """
        with self.runtime.storage.unit_of_work() as uow:
            return uow.get(AGREEMENT_SPEC, agreement_id)

    def find_agreements(
        self,
        *,
        kind: AgreementKind | str | None = None,
        counterparty: str | None = None,
    ) -> list[Agreement]:
        """Agreements of a kind and/or counterparty, by name."""
        query = Query.eq(
            kind=None if kind is None else AgreementKind.parse(kind, "kind").value,
            counterparty=counterparty,
        )
        with self.runtime.storage.unit_of_work() as uow:
            return uow.find(AGREEMENT_SPEC, attrs.evolve(query, order_by=("name",)))

    def target(
        self, agreement_id: str, service: str, priority: str, kind: TargetKind | str
    ) -> Target:
        """The target an agreement promises for (service, priority, kind).

        :raises ValidationError: naming the services, priorities or kinds that exist.
        :raises NotFound: if there is no such agreement.
        """
        return self.get_agreement(agreement_id).target_for(service, priority, kind)

    # ------------------------------------------------------------------ clocks

    def start(
        self,
        actor: Actor,
        *,
        subject_kind: str,
        subject_id: str,
        target: Target | TargetKind | str,
        agreement_id: str | None = None,
        service: str | None = None,
        priority: str | None = None,
        at: datetime | None = None,
        handler: str | None = None,
        customer: str | None = None,
        clock_id: str | None = None,
    ) -> SlaClock:
        """Start a clock for a subject against a target.

        Either pass a :class:`Target` (an ad-hoc promise, e.g. a complaint's
        improvement period), or the target's kind with the ``agreement_id``,
        ``service`` and ``priority`` to look it up in an agreement.

        :param actor: who starts it (see :data:`CLOCK_ROLES`).
        :param subject_kind: what the clock is for, e.g. ``"ticket"``.
        :param subject_id: the subject's id.
        :param target: a :class:`Target`, or a :class:`TargetKind` to look up.
        :param agreement_id: the agreement to look the target up in.
        :param service: the service to look up.
        :param priority: the priority to look up.
        :param at: when the clock starts (default: now).
        :param handler: who handles the subject (carried into notifications).
        :param customer: whom to inform on a breach (carried into notifications).
        :param clock_id: an id of your own (default: a new ``slc-…`` id).
        :raises ValidationError: for an unknown service, priority, target or calendar
            (naming what exists), or when an open clock already measures this
            promise for this subject.
        :raises CalendarDataMissing: if the deadline falls in a year without official
            holiday data and the calendar does not allow unofficial years.
        """
        require_role(actor, *CLOCK_ROLES, action="start an SLA clock")
        when = self._at(at)
        with self.runtime.transaction() as uow:
            if isinstance(target, Target):
                resolved = target
            else:
                kind = TargetKind.parse(target, "target")
                missing = [
                    n
                    for n, v in (
                        ("agreement_id", agreement_id),
                        ("service", service),
                        ("priority", priority),
                    )
                    if v is None
                ]
                if missing:
                    raise ValidationError(
                        f"to look up the {kind.value!r} target give agreement_id, service and "
                        f"priority (missing: {', '.join(missing)}), or pass a Target",
                        field=missing[0],
                    )
                assert agreement_id is not None and service is not None and priority is not None
                agreement = uow.get(AGREEMENT_SPEC, agreement_id)
                resolved = agreement.target_for(service, priority, kind)
            clock = self.start_in(
                uow,
                actor,
                subject_kind=subject_kind,
                subject_id=subject_id,
                target=resolved,
                at=when,
                agreement_id=agreement_id,
                handler=handler,
                customer=customer,
                clock_id=clock_id,
            )
        return clock

    def pause(
        self, actor: Actor, clock_id: str, reason: str, *, at: datetime | None = None
    ) -> SlaClock:
        """Pause a running clock (e.g. ``"waiting for the customer"``); reason required."""
        require_role(actor, *CLOCK_ROLES, action="pause an SLA clock")
        return self._command(
            clock_id,
            lambda c, when: c.pause(reason, calendars=self.calendar, actor=actor, at=when),
            at,
        )

    def resume(
        self, actor: Actor, clock_id: str, *, reason: str = "", at: datetime | None = None
    ) -> SlaClock:
        """Resume a paused clock; the paused business time is not counted."""
        require_role(actor, *CLOCK_ROLES, action="resume an SLA clock")
        return self._command(
            clock_id,
            lambda c, when: c.resume(reason, calendars=self.calendar, actor=actor, at=when),
            at,
        )

    def stop(
        self, actor: Actor, clock_id: str, *, reason: str = "", at: datetime | None = None
    ) -> SlaClock:
        """Stop a clock: the promise is met, or missed if the clock was breached."""
        require_role(actor, *CLOCK_ROLES, action="stop an SLA clock")
        return self._command(
            clock_id,
            lambda c, when: c.stop(reason, calendars=self.calendar, actor=actor, at=when),
            at,
        )

    def change_target(
        self,
        actor: Actor,
        clock_id: str,
        target: Target,
        *,
        reason: str = "",
        at: datetime | None = None,
    ) -> SlaClock:
        """Measure a clock against another target; the elapsed business time carries over.

        :raises ValidationError: if the target is for another kind of promise or
            names an unknown calendar.
        """
        require_role(actor, *CLOCK_ROLES, action="change an SLA clock's target")
        if isinstance(target, Target):
            self._check_calendar(target)
        return self._command(
            clock_id,
            lambda c, when: c.change_target(
                target, reason, calendars=self.calendar, actor=actor, at=when
            ),
            at,
        )

    def change_priority(
        self,
        actor: Actor,
        clock_id: str,
        priority: str,
        *,
        reason: str = "",
        at: datetime | None = None,
    ) -> SlaClock:
        """Re-prioritise: take the clock's agreement's target for ``priority``.

        The elapsed business time carries over (see :meth:`SlaClock.change_target`).

        :raises ValidationError: if the clock has no agreement, or the agreement has
            no target for that priority (naming the priorities it has).
        """
        require_role(actor, *CLOCK_ROLES, action="change an SLA clock's priority")
        when = self._at(at)
        with self.runtime.transaction() as uow:
            clock = uow.get(CLOCK_SPEC, clock_id)
            if clock.agreement_id is None:
                raise ValidationError(
                    f"clock {clock_id!r} was started on an ad-hoc target, not an agreement's; "
                    "use change_target with the new Target",
                    field="priority",
                )
            agreement = uow.get(AGREEMENT_SPEC, clock.agreement_id)
            target = agreement.target_for(clock.service, priority, clock.target)
            self._check_calendar(target)
            clock.change_target(
                target,
                reason or f"priority {clock.priority} → {priority}",
                calendars=self.calendar,
                actor=actor,
                at=when,
            )
            uow.save(CLOCK_SPEC, clock)
        return clock

    def reset(
        self, actor: Actor, clock_id: str, reason: str, *, at: datetime | None = None
    ) -> SlaClock:
        """Start a clock's counting afresh; the reason is required and recorded.

        :raises AccessDenied: without one of :data:`RESET_ROLES`.
        """
        require_role(actor, *RESET_ROLES, action="reset an SLA clock")
        return self._command(
            clock_id,
            lambda c, when: c.reset(reason, calendars=self.calendar, actor=actor, at=when),
            at,
        )

    def recalculate(self, actor: Actor, clock_id: str, *, at: datetime | None = None) -> SlaClock:
        """Recompute a clock's due instants on the calendars registered now.

        Also puts a clock taken out of the tick queue (``calendar_problem``) back.
        """
        require_role(actor, *RESET_ROLES, action="recalculate an SLA clock")
        return self._command(
            clock_id,
            lambda c, when: c.recalculate(calendars=self.calendar, actor=actor, at=when),
            at,
        )

    def recalculate_calendar(self, actor: Actor, name: str, *, at: datetime | None = None) -> int:
        """Recalculate every open clock on the calendar ``name``; return how many.

        Call it after :meth:`register_calendar` replaced that calendar (e.g. with the
        next year's official holidays).
        """
        require_role(actor, *RESET_ROLES, action="recalculate SLA clocks")
        self.calendar(name)
        when = self._at(at)
        query = Query((Where("calendar", "eq", name), Where("state", "in", _OPEN)))
        with self.runtime.storage.unit_of_work() as uow:
            ids = [c.id for c in uow.find(CLOCK_SPEC, query)]
        for clock_id in ids:
            self.recalculate(actor, clock_id, at=when)
        return len(ids)

    # ------------------------------------------------------------------ in a caller's unit of work

    def start_in(
        self,
        uow: UnitOfWork,
        actor: Actor,
        *,
        subject_kind: str,
        subject_id: str,
        target: Target,
        at: datetime,
        agreement_id: str | None = None,
        handler: str | None = None,
        customer: str | None = None,
        clock_id: str | None = None,
    ) -> SlaClock:
        """Start a clock inside another service's unit of work (no role check).

        For a use case of another area whose promise runs on an SLA clock (a
        complaint's improvement period): the clock is saved in ``uow`` and
        commits — or rolls back — together with that use case's own changes.
        The caller has authorised the command; ``actor`` is recorded on the
        clock's events. :meth:`start` is this plus the role check and a
        transaction of its own.

        :param uow: the caller's open unit of work.
        :param actor: who acts (recorded, not checked).
        :param subject_kind: what the clock is for, e.g. ``"complaint"``.
        :param subject_id: the subject's id.
        :param target: the promise.
        :param at: when the clock starts.
        :param agreement_id: the agreement the target comes from, if any.
        :param handler: who handles the subject (carried into notifications).
        :param customer: whom to inform on a breach (carried into notifications).
        :param clock_id: an id of your own (default: a new ``slc-…`` id).
        :raises ValidationError: for an unknown calendar, or when an open clock
            already measures this promise for this subject.
        :raises CalendarDataMissing: as :meth:`start`.
        """
        when = require_aware(at, "at")
        if not isinstance(target, Target):
            raise ValidationError(f"target must be a Target, got {target!r}", field="target")
        self._check_calendar(target)
        self._refuse_duplicate(uow, subject_kind, subject_id, target.kind)
        clock = SlaClock.start(
            clock_id=_own_id(clock_id, "clock_id") or new_id("slc-"),
            subject_kind=subject_kind,
            subject_id=subject_id,
            target=target,
            calendars=self.calendar,
            actor=actor,
            at=when,
            agreement_id=agreement_id,
            handler=handler,
            customer=customer,
        )
        uow.save(CLOCK_SPEC, clock)
        return clock

    def stop_in(
        self, uow: UnitOfWork, actor: Actor, clock_id: str, *, reason: str = "", at: datetime
    ) -> SlaClock:
        """Stop a clock inside another service's unit of work (no role check).

        See :meth:`start_in` for when to use it and :meth:`stop` for the effect.

        :raises NotFound: if there is no such clock.
        :raises InvalidTransition: if it is already stopped.
        """
        return self._command_in(
            uow,
            clock_id,
            lambda c, when: c.stop(reason, calendars=self.calendar, actor=actor, at=when),
            require_aware(at, "at"),
        )

    def change_target_in(
        self,
        uow: UnitOfWork,
        actor: Actor,
        clock_id: str,
        target: Target,
        *,
        reason: str = "",
        at: datetime,
    ) -> SlaClock:
        """Change a clock's target inside another service's unit of work (no role check).

        See :meth:`start_in` for when to use it and :meth:`change_target` for the
        effect (the elapsed business time carries over).

        :raises NotFound: if there is no such clock.
        :raises ValidationError: as :meth:`change_target`.
        """
        if isinstance(target, Target):
            self._check_calendar(target)
        return self._command_in(
            uow,
            clock_id,
            lambda c, when: c.change_target(
                target, reason, calendars=self.calendar, actor=actor, at=when
            ),
            require_aware(at, "at"),
        )

    def open_clock_in(
        self, uow: UnitOfWork, subject_kind: str, subject_id: str, target: TargetKind | str
    ) -> SlaClock | None:
        """The running or paused clock of a subject's promise in ``uow``, or None.

        :param uow: the caller's open unit of work.
        :param subject_kind: e.g. ``"complaint"``.
        :param subject_id: the subject's id.
        :param target: which promise.
        """
        kind = TargetKind.parse(target, "target")
        for field, value in (("subject_kind", subject_kind), ("subject_id", subject_id)):
            if not isinstance(value, str):
                raise ValidationError(
                    f"{field} must be a string, got {type(value).__name__}", field=field
                )
        query = Query(
            (
                Where("subject_kind", "eq", subject_kind.strip()),
                Where("subject_id", "eq", subject_id.strip()),
                Where("target", "eq", kind.value),
                Where("state", "in", _OPEN),
            ),
            limit=1,
        )
        found = uow.find(CLOCK_SPEC, query)
        return found[0] if found else None

    # ------------------------------------------------------------------ tick

    def tick(self, now: datetime | None = None, *, batch_size: int | None = None) -> TickReport:
        """Fire every warning, breach and service-period notice that has come due.

        Each fires exactly once, in order, with the instant it came due — however
        late the tick, however often it is called, and after a restart (what has
        fired is stored). The cost follows what is due: due clocks are found by
        their indexed ``next_due_at`` (``<= now``, oldest first, ``batch_size`` per
        transaction, claimed with ``Query(lock=True)`` so that concurrent ticks
        share the work), never by scanning open clocks.

        :param now: the instant to tick for (default: the runtime clock's now).
        :param batch_size: due clocks per transaction (default: the service's).
        """
        when = self._at(now)
        size = self.batch_size if batch_size is None else _batch_size(batch_size)
        events: list[DomainEvent] = []
        failures: list[TickFailure] = []
        conflicts = 0
        clocks = agreements = 0
        seen: set[str] = set()
        while True:
            query = Query(
                (Where("next_due_at", "le", when),), ("next_due_at",), limit=size, lock=True
            )
            try:
                with self.runtime.transaction() as uow:
                    batch = uow.find(CLOCK_SPEC, query)
                    fresh = [c for c in batch if c.id not in seen]
                    for clock in fresh:
                        seen.add(clock.id)
                        self._tick_clock(clock, when, failures)
                        uow.save(CLOCK_SPEC, clock)
                    staged = [e for c in fresh for e in c.pending_events]
            except ConflictError:
                conflicts += 1
                break
            events.extend(staged)
            clocks += len(fresh)
            if len(batch) < size or not fresh:
                break
        seen.clear()
        while True:
            query = Query(
                (Where("next_notice_at", "le", when),), ("next_notice_at",), limit=size, lock=True
            )
            try:
                with self.runtime.transaction() as uow:
                    batch_a = uow.find(AGREEMENT_SPEC, query)
                    fresh_a = [a for a in batch_a if a.id not in seen]
                    for agreement in fresh_a:
                        seen.add(agreement.id)
                        agreement.fire_notices(when, actor=SYSTEM)
                        uow.save(AGREEMENT_SPEC, agreement)
                    staged = [e for a in fresh_a for e in a.pending_events]
            except ConflictError:
                conflicts += 1
                break
            events.extend(staged)
            agreements += len(fresh_a)
            if len(batch_a) < size or not fresh_a:
                break
        names = [e.name for e in events]
        return TickReport(
            at=when,
            warnings=names.count("sla_clock.warning"),
            breaches=names.count("sla_clock.breached"),
            period_notices=names.count("sla_agreement.period_notice"),
            clocks=clocks,
            agreements=agreements,
            failures=tuple(failures),
            conflicts=conflicts,
            events=tuple(events),
        )

    def _tick_clock(self, clock: SlaClock, when: datetime, failures: list[TickFailure]) -> None:
        try:
            clock.fire_due(when, calendars=self.calendar, actor=SYSTEM)
        except ItsmError as exc:
            problem = f"{type(exc).__name__}: {exc}"
            clock.suspend_ticks(problem, actor=SYSTEM, at=when, calendars=self.calendar)
            failures.append(TickFailure(clock.id, problem))

    # ------------------------------------------------------------------ queries

    def get(self, clock_id: str) -> SlaClock:
        """Load one clock.

        :raises NotFound: if there is none with that id.
        """
        with self.runtime.storage.unit_of_work() as uow:
            return uow.get(CLOCK_SPEC, clock_id)

    def status(self, clock_id: str, *, at: datetime | None = None) -> ClockStatus:
        """A clock's elapsed and remaining business time at ``at`` (default: now)."""
        return self.get(clock_id).status(self._at(at), self.calendar)

    def find(
        self,
        *,
        subject_kind: str | None = None,
        subject_id: str | None = None,
        target: TargetKind | str | None = None,
        state: ClockState | str | None = None,
        agreement_id: str | None = None,
        handler: str | None = None,
        breached: bool | None = None,
        due_before: datetime | None = None,
        open_only: bool = False,
        limit: int | None = None,
    ) -> list[SlaClock]:
        """Clocks matching every filter given, by start time.

        :param subject_kind: e.g. ``"ticket"``.
        :param subject_id: the subject's id.
        :param target: the kind of promise.
        :param state: running, paused or stopped.
        :param agreement_id: clocks on one agreement.
        :param handler: clocks of one handler.
        :param breached: only breached (True) or not breached (False) clocks.
        :param due_before: running clocks whose deadline is before this instant.
        :param open_only: only running and paused clocks.
        :param limit: at most this many.
        """
        if breached is not None and not isinstance(breached, bool):
            raise ValidationError(
                f"breached must be True, False or None, got {breached!r}", field="breached"
            )
        if limit is not None and (
            isinstance(limit, bool) or not isinstance(limit, int) or limit < 0
        ):
            raise ValidationError(
                f"limit must be a non-negative int or None, got {limit!r}", field="limit"
            )
        where: list[Where] = []
        for name, value in (
            ("subject_kind", subject_kind),
            ("subject_id", subject_id),
            ("agreement_id", agreement_id),
            ("handler", handler),
            ("breached", breached),
        ):
            if value is not None:
                where.append(Where(name, "eq", value))
        if target is not None:
            where.append(Where("target", "eq", TargetKind.parse(target, "target").value))
        if state is not None:
            where.append(Where("state", "eq", ClockState.parse(state, "state").value))
        if open_only:
            where.append(Where("state", "in", _OPEN))
        if due_before is not None:
            where.append(Where("state", "eq", ClockState.RUNNING.value))
            where.append(Where("due_at", "lt", require_aware(due_before, "due_before")))
        query = Query(tuple(where), ("started_at",), limit=limit)
        with self.runtime.storage.unit_of_work() as uow:
            return uow.find(CLOCK_SPEC, query)

    def history(self, clock_id: str) -> list[DomainEvent]:
        """The events of one clock, oldest first."""
        with self.runtime.storage.unit_of_work() as uow:
            return uow.history(SlaClock.KIND, clock_id)

    # ------------------------------------------------------------------ internals

    def _at(self, at: datetime | None) -> datetime:
        if at is None:
            return require_aware(self.runtime.clock.now(), "now")
        return require_aware(at, "at")

    def _check_calendar(self, target: Target) -> None:
        self.calendar(target.calendar)

    def _refuse_duplicate(
        self, uow: UnitOfWork, subject_kind: str, subject_id: str, kind: TargetKind
    ) -> None:
        if not isinstance(subject_kind, str) or not isinstance(subject_id, str):
            return  # the clock's own validation names the problem
        existing = self.open_clock_in(uow, subject_kind, subject_id, kind)
        if existing is not None:
            raise ValidationError(
                f"{subject_kind} {subject_id!r} already has an open {kind.value!r} clock "
                f"({existing.id}); stop it, reset it or change its target instead",
                field="target",
            )

    def _command(
        self, clock_id: str, action: Callable[[SlaClock, datetime], None], at: datetime | None
    ) -> SlaClock:
        when = self._at(at)
        with self.runtime.transaction() as uow:
            return self._command_in(uow, clock_id, action, when)

    def _command_in(
        self,
        uow: UnitOfWork,
        clock_id: str,
        action: Callable[[SlaClock, datetime], None],
        when: datetime,
    ) -> SlaClock:
        clock = uow.get(CLOCK_SPEC, clock_id)
        action(clock, when)
        uow.save(CLOCK_SPEC, clock)
        return clock


def _batch_size(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValidationError(
            f"batch_size must be a positive int (due clocks per transaction), got {value!r}",
            field="batch_size",
        )
    return value


def _own_id(value: object, field: str) -> str | None:
    """An id the caller chose: None (a new id is made) or a non-empty string."""
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(
            f"{field} must be a non-empty string, or None for a new id; got {value!r}",
            field=field,
        )
    return value


def _target_list(value: object) -> tuple[Target, ...]:
    if isinstance(value, str | Target) or not isinstance(value, Iterable):
        raise ValidationError(
            f"targets must be a list of Target objects, got {type(value).__name__}",
            field="targets",
        )
    targets = tuple(value)
    for target in targets:
        if not isinstance(target, Target):
            raise ValidationError(
                f"targets must be Target objects, got {target!r}", field="targets"
            )
    return targets
