"""The SLA use cases: agreements, clocks, the tick (``core.sla``).

:class:`SlaService` follows the API convention (:mod:`itsm_core.kernel.api`).
Every call takes the acting :class:`~itsm_core.Actor` first and checks the
role (:mod:`itsm_core.sla.roles`). Commands take the id of the clock or
agreement they act on, everything else keyword-only with ``at=None`` (now),
run in one unit of work (load, change, save with events and outbox rows,
commit) and return the updated clock or agreement; the relay then delivers
the events (``itsm_on_event``) and the SLA notifications (``itsm_sla_warning``,
``itsm_sla_breach``, ``itsm_service_period_notice``). Reads are ``get`` /
``find`` / ``history`` (and ``get_agreement``, ``find_agreements``,
``get_target``), in :class:`~itsm_core.sla._reads.SlaReads`; events are
returned redacted for the reader's role.

Calendars are configuration, held by name in ``core.calendars``
(:class:`~itsm_core.calendars.CalendarRegistry`); a target names the one it
runs on. Another area whose promise runs on a clock changes it in its own unit
of work through a :class:`~itsm_core.sla.keeper.ClockKeeper`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime

import attrs

from itsm_core.kernel.actors import Actor, require_role
from itsm_core.kernel.api import command
from itsm_core.kernel.clock import require_aware
from itsm_core.kernel.errors import ValidationError
from itsm_core.kernel.ids import new_id
from itsm_core.runtime import Runtime
from itsm_core.sla._reads import SlaReads
from itsm_core.sla.agreements import Agreement, AgreementKind, Target, TargetKind
from itsm_core.sla.clock import SlaClock
from itsm_core.sla.keeper import OPEN_STATES, ClockKeeper, command_instant, own_id
from itsm_core.sla.notifications import sla_hook_calls
from itsm_core.sla.periods import ServicePeriod
from itsm_core.sla.roles import (
    AGREEMENT_ROLES,
    CLOCK_ROLES,
    RESET_ROLES,
    TICK_ROLES,
    may_see_confidential,
)
from itsm_core.sla.storage import AGREEMENT_SPEC, CLOCK_SPEC
from itsm_core.sla.tick import Ticker, TickReport
from itsm_core.sla.tick import batch_size as _size
from itsm_core.storage.base import Query, Where

__all__ = ["SlaService"]


class SlaService(SlaReads):
    """Agreements, SLA clocks and the tick (``core.sla``).

    :param runtime: the facade's runtime.
    :param clocks: the clock keeper, on the facade's calendars.
    :param batch_size: how many due clocks one tick transaction handles
        (default 500: on PostgreSQL a commit costs about as much as writing ten
        due clocks, so fewer, larger transactions make a tick cheaper; a
        smaller size holds the claimed clocks' row locks for less time).
    """

    def __init__(self, runtime: Runtime, clocks: ClockKeeper, *, batch_size: int = 500) -> None:
        if not isinstance(clocks, ClockKeeper):
            raise ValidationError(
                f"clocks must be an itsm_core.sla.keeper.ClockKeeper, got {type(clocks).__name__}",
                field="clocks",
            )
        self.runtime = runtime
        self.batch_size = _size(batch_size)
        self._clocks = clocks
        self._ticker = Ticker(runtime, clocks)
        runtime.relay.add_dispatcher(sla_hook_calls)

    # ------------------------------------------------------------------ agreements

    @command
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
        idempotency_key: str | None = None,
    ) -> Agreement:
        """Define an SLA, OLA or underpinning contract with its targets.

        :param actor: who defines it (see :data:`~itsm_core.sla.roles.AGREEMENT_ROLES`).
        :param name: a display name.
        :param kind: ``sla``, ``ola`` or ``underpinning_contract``.
        :param counterparty: the customer, internal team or supplier.
        :param targets: the targets, one per (service, priority, kind).
        :param period: the contract's service period, if its notices are wanted.
        :param agreement_id: an id of your own (default: a new ``agr-…`` id).
        :param at: when (default: now).
        :raises ValidationError: for bad values or a target naming an unknown calendar.
        :raises AccessDenied: without one of the agreement roles.
        """
        require_role(actor, *AGREEMENT_ROLES, action="define an agreement")
        targets = _target_list(targets)
        for target in targets:
            self._clocks.check_calendar(target)
        when = self._at(at)
        agreement = Agreement.define(
            agreement_id=own_id(agreement_id, "agreement_id") or new_id("agr-"),
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

    @command
    def set_target(
        self,
        actor: Actor,
        agreement_id: str,
        *,
        target: Target,
        at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> Agreement:
        """Add a target to an agreement, or replace the one for the same key.

        :raises ValidationError: if the target names an unknown calendar.
        :raises AccessDenied: without one of the agreement roles.
        """
        require_role(actor, *AGREEMENT_ROLES, action="set an agreement's target")
        if isinstance(target, Target):
            self._clocks.check_calendar(target)
        with self.runtime.transaction() as uow:
            agreement = uow.get(AGREEMENT_SPEC, agreement_id)
            agreement.set_target(target, actor=actor, at=self._at(at))
            uow.save(AGREEMENT_SPEC, agreement)
        return agreement

    @command
    def remove_target(
        self,
        actor: Actor,
        agreement_id: str,
        *,
        service: str,
        priority: str,
        kind: TargetKind | str,
        at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> Agreement:
        """Remove an agreement's target for (service, priority, kind).

        :raises ValidationError: naming what exists, when there is no such target.
        :raises AccessDenied: without one of the agreement roles.
        """
        require_role(actor, *AGREEMENT_ROLES, action="remove an agreement's target")
        with self.runtime.transaction() as uow:
            agreement = uow.get(AGREEMENT_SPEC, agreement_id)
            agreement.remove_target(service, priority, kind, actor=actor, at=self._at(at))
            uow.save(AGREEMENT_SPEC, agreement)
        return agreement

    @command
    def set_service_period(
        self,
        actor: Actor,
        agreement_id: str,
        *,
        period: ServicePeriod | None,
        at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> Agreement:
        """Set (or clear, with None) an agreement's service period; its notices are due afresh.

        :raises AccessDenied: without one of the agreement roles.
        """
        require_role(actor, *AGREEMENT_ROLES, action="set a service period")
        with self.runtime.transaction() as uow:
            agreement = uow.get(AGREEMENT_SPEC, agreement_id)
            agreement.set_period(period, actor=actor, at=self._at(at))
            uow.save(AGREEMENT_SPEC, agreement)
        return agreement

    # ------------------------------------------------------------------ clocks

    @command
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
        idempotency_key: str | None = None,
        handler: str | None = None,
        customer: str | None = None,
        clock_id: str | None = None,
    ) -> SlaClock:
        """Start a clock for a subject against a target.

        Either pass a :class:`~itsm_core.sla.Target` (an ad-hoc promise, e.g. a
        complaint's improvement period), or the target's kind with the
        ``agreement_id``, ``service`` and ``priority`` to look it up in an agreement.

        :param actor: who starts it (see :data:`~itsm_core.sla.roles.CLOCK_ROLES`).
        :param subject_kind: what the clock is for, e.g. ``"ticket"``.
        :param subject_id: the subject's id.
        :param target: a :class:`~itsm_core.sla.Target`, or a
            :class:`~itsm_core.sla.TargetKind` to look up.
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
                given = {"agreement_id": agreement_id, "service": service, "priority": priority}
                missing = [n for n, v in given.items() if v is None]
                if missing:
                    raise ValidationError(
                        f"to look up the {kind.value!r} target give agreement_id, service and "
                        f"priority (missing: {', '.join(missing)}), or pass a Target",
                        field=missing[0],
                    )
                assert agreement_id is not None and service is not None and priority is not None
                agreement = uow.get(AGREEMENT_SPEC, agreement_id)
                resolved = agreement.target_for(service, priority, kind)
            clock = self._clocks.start_in(
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

    @command
    def pause(
        self,
        actor: Actor,
        clock_id: str,
        *,
        reason: str,
        at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> SlaClock:
        """Pause a running clock (e.g. ``reason="waiting for the customer"``; required)."""
        require_role(actor, *CLOCK_ROLES, action="pause an SLA clock")
        return self._command(
            clock_id,
            lambda c, when: c.pause(reason, calendars=self._lookup, actor=actor, at=when),
            at,
        )

    @command
    def resume(
        self,
        actor: Actor,
        clock_id: str,
        *,
        reason: str = "",
        at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> SlaClock:
        """Resume a paused clock; the paused business time is not counted."""
        require_role(actor, *CLOCK_ROLES, action="resume an SLA clock")
        return self._command(
            clock_id,
            lambda c, when: c.resume(reason, calendars=self._lookup, actor=actor, at=when),
            at,
        )

    @command
    def stop(
        self,
        actor: Actor,
        clock_id: str,
        *,
        reason: str = "",
        at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> SlaClock:
        """Stop a clock: the promise is met, or missed if the clock was breached."""
        require_role(actor, *CLOCK_ROLES, action="stop an SLA clock")
        return self._command(
            clock_id,
            lambda c, when: c.stop(reason, calendars=self._lookup, actor=actor, at=when),
            at,
        )

    @command
    def change_target(
        self,
        actor: Actor,
        clock_id: str,
        *,
        target: Target,
        reason: str = "",
        at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> SlaClock:
        """Measure a clock against another target; the elapsed business time carries over.

        :raises ValidationError: if the target is for another kind of promise or
            names an unknown calendar.
        """
        require_role(actor, *CLOCK_ROLES, action="change an SLA clock's target")
        given = None if at is None else require_aware(at, "at")
        with self.runtime.transaction() as uow:
            when = command_instant(uow.get(CLOCK_SPEC, clock_id), given, self.runtime.clock)
            return self._clocks.change_target_in(
                uow, actor, clock_id, target, reason=reason, at=when
            )

    @command
    def change_priority(
        self,
        actor: Actor,
        clock_id: str,
        *,
        priority: str,
        reason: str = "",
        at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> SlaClock:
        """Re-prioritise: take the clock's agreement's target for ``priority``.

        The elapsed business time carries over (see
        :meth:`SlaClock.change_target <itsm_core.sla.SlaClock.change_target>`).

        :raises ValidationError: if the clock has no agreement, or the agreement has
            no target for that priority (naming the priorities it has).
        """
        require_role(actor, *CLOCK_ROLES, action="change an SLA clock's priority")
        given = None if at is None else require_aware(at, "at")
        with self.runtime.transaction() as uow:
            clock = uow.get(CLOCK_SPEC, clock_id)
            when = command_instant(clock, given, self.runtime.clock)
            if clock.agreement_id is None:
                raise ValidationError(
                    f"clock {clock_id!r} was started on an ad-hoc target, not an agreement's; "
                    "use change_target with the new Target",
                    field="priority",
                )
            agreement = uow.get(AGREEMENT_SPEC, clock.agreement_id)
            target = agreement.target_for(clock.service, priority, clock.target)
            self._clocks.check_calendar(target)
            clock.change_target(
                target,
                reason or f"priority {clock.priority} → {priority}",
                calendars=self._lookup,
                actor=actor,
                at=when,
            )
            uow.save(CLOCK_SPEC, clock)
        return clock

    @command
    def reset(
        self,
        actor: Actor,
        clock_id: str,
        *,
        reason: str,
        at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> SlaClock:
        """Start a clock's counting afresh; the reason is required and recorded.

        :raises AccessDenied: without one of :data:`~itsm_core.sla.roles.RESET_ROLES`.
        """
        require_role(actor, *RESET_ROLES, action="reset an SLA clock")
        return self._command(
            clock_id,
            lambda c, when: c.reset(reason, calendars=self._lookup, actor=actor, at=when),
            at,
        )

    @command
    def recalculate(
        self,
        actor: Actor,
        clock_id: str,
        *,
        at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> SlaClock:
        """Recompute a clock's due instants on the calendars registered now.

        Also puts a clock taken out of the tick queue (``calendar_problem``) back.
        """
        require_role(actor, *RESET_ROLES, action="recalculate an SLA clock")
        return self._command(
            clock_id,
            lambda c, when: c.recalculate(calendars=self._lookup, actor=actor, at=when),
            at,
        )

    @command
    def recalculate_calendar(
        self,
        actor: Actor,
        name: str,
        *,
        at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> int:
        """Recalculate every open clock on the calendar ``name``; return how many.

        Call it after ``core.calendars.register(name, ...)`` replaced that
        calendar (e.g. with the next year's official holidays).
        """
        require_role(actor, *RESET_ROLES, action="recalculate SLA clocks")
        self._clocks.calendar(name)
        when = self._at(at)
        query = Query((Where("calendar", "eq", name), Where("state", "in", OPEN_STATES)))
        with self.runtime.storage.unit_of_work() as uow:
            ids = [c.id for c in uow.find(CLOCK_SPEC, query)]
        for clock_id in ids:
            self.recalculate(actor, clock_id, at=when)
        return len(ids)

    @command
    def tick(
        self,
        actor: Actor,
        *,
        at: datetime | None = None,
        idempotency_key: str | None = None,
        batch_size: int | None = None,
    ) -> TickReport:
        """Fire every warning, breach and service-period notice that has come due.

        Each fires exactly once, in order, with the instant it came due — however
        late the tick, however often it is called, and after a restart (what has
        fired is stored). The cost follows what is due (see
        :mod:`itsm_core.sla.tick`). The levels and notices are recorded as the
        system's (:data:`~itsm_core.kernel.actors.SYSTEM`), whoever runs the tick;
        the report's events are redacted for ``actor``.

        :param actor: who runs it (see :data:`~itsm_core.sla.roles.TICK_ROLES`).
        :param at: the instant to tick for (default: now).
        :param batch_size: due clocks per transaction (default: the service's).
        :raises AccessDenied: without one of the tick roles.
        """
        require_role(actor, *TICK_ROLES, action="run the SLA tick")
        when = self._at(at)
        size = self.batch_size if batch_size is None else _size(batch_size)
        done = self._ticker.run(when, size)
        if may_see_confidential(actor):
            return done
        return attrs.evolve(done, events=tuple(e.redacted() for e in done.events))

    # ------------------------------------------------------------------ internals

    def _command(
        self, clock_id: str, action: Callable[[SlaClock, datetime], None], at: datetime | None
    ) -> SlaClock:
        given = None if at is None else require_aware(at, "at")
        with self.runtime.transaction() as uow:
            return self._clocks.command_in(uow, clock_id, action, given, self.runtime.clock)


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
