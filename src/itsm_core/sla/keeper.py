"""SLA clocks changed inside a caller's unit of work.

:class:`ClockKeeper` is what another area's service holds to run its promises
on SLA clocks (a complaint's improvement period and callback, a satisfaction
callback): it starts, stops, re-targets and finds clocks in the unit of work of
that service's own command, so the clocks commit — or roll back — together
with the change they belong to. It checks no role: the calling service has
authorised its command, and the actor is recorded on the clocks' events. It is
not part of the public API of ``core.sla``; :class:`~itsm_core.sla.SlaService`
uses it for its own commands, each in a transaction of its own.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from itsm_core.calendars.calendar import BusinessCalendar
from itsm_core.calendars.registry import DEFAULT_CALENDAR, CalendarRegistry
from itsm_core.kernel.actors import Actor
from itsm_core.kernel.clock import Clock, require_aware
from itsm_core.kernel.errors import ValidationError
from itsm_core.kernel.ids import new_id
from itsm_core.kernel.own_ids import own_id as kernel_own_id
from itsm_core.sla.agreements import Target, TargetKind
from itsm_core.sla.clock import SlaClock
from itsm_core.sla.lifecycle import ClockState
from itsm_core.sla.storage import CLOCK_SPEC
from itsm_core.storage.base import Query, UnitOfWork, Where

__all__ = ["OPEN_STATES", "ClockKeeper", "command_instant", "own_id"]

#: The states of an open clock (running or paused), as stored codes.
OPEN_STATES = (ClockState.RUNNING.value, ClockState.PAUSED.value)
_OPEN = Where("state", "in", OPEN_STATES)
_BY_START = ("started_at",)


class ClockKeeper:
    """Clocks in the caller's unit of work, on the calendars of a registry.

    :param calendars: the calendars by name (the facade's ``core.calendars``).
    :raises ValidationError: for something that is not a
        :class:`~itsm_core.calendars.CalendarRegistry`.
    """

    def __init__(self, calendars: CalendarRegistry) -> None:
        if not isinstance(calendars, CalendarRegistry):
            raise ValidationError(
                "calendars must be an itsm_core.calendars.CalendarRegistry, got "
                f"{type(calendars).__name__}",
                field="calendars",
            )
        self.calendars = calendars

    def calendar(self, name: str = DEFAULT_CALENDAR) -> BusinessCalendar:
        """Return the calendar registered as ``name`` (the clocks' calendar lookup).

        :raises ValidationError: naming the registered calendars, if there is none such.
        """
        return self.calendars.get(name)

    def check_calendar(self, target: Target) -> None:
        """Refuse a target whose calendar is not registered (a ValidationError)."""
        self.calendars.get(target.calendar)

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
        """Start a clock in ``uow``.

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
        :raises CalendarDataMissing: if the deadline falls in a year without
            official holiday data and the calendar does not allow unofficial years.
        """
        when = require_aware(at, "at")
        if not isinstance(target, Target):
            raise ValidationError(f"target must be a Target, got {target!r}", field="target")
        self.check_calendar(target)
        self._refuse_duplicate(uow, subject_kind, subject_id, target.kind)
        clock = SlaClock.start(
            clock_id=own_id(clock_id, "clock_id") or new_id("slc-"),
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
        """Stop a clock in ``uow``: the promise is met, or missed if it breached.

        :raises NotFound: if there is no such clock.
        :raises InvalidTransition: if it is already stopped.
        """
        when = require_aware(at, "at")
        return self.stop_loaded_in(
            uow, actor, uow.get(CLOCK_SPEC, clock_id), reason=reason, at=when
        )

    def stop_loaded_in(
        self, uow: UnitOfWork, actor: Actor, clock: SlaClock, *, reason: str = "", at: datetime
    ) -> SlaClock:
        """:meth:`stop_in` for a clock loaded in ``uow`` just now (and not changed since).

        Saves the second read of a clock found by :meth:`open_clock_in`.

        :raises InvalidTransition: if it is already stopped.
        """
        clock.stop(reason, calendars=self.calendar, actor=actor, at=require_aware(at, "at"))
        uow.save(CLOCK_SPEC, clock)
        return clock

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
        """Change a clock's target in ``uow``; the elapsed business time carries over.

        :raises NotFound: if there is no such clock.
        :raises ValidationError: if the target is for another kind of promise or
            names an unknown calendar.
        """
        if isinstance(target, Target):
            self.check_calendar(target)
        return self.command_in(
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
        """Return the running or paused clock of a subject's promise in ``uow``, or None.

        :param uow: the caller's open unit of work.
        :param subject_kind: e.g. ``"complaint"``.
        :param subject_id: the subject's id.
        :param target: which promise.
        """
        for field, value in (("subject_kind", subject_kind), ("subject_id", subject_id)):
            if not isinstance(value, str):
                raise ValidationError(
                    f"{field} must be a string, got {type(value).__name__}", field=field
                )
        found = self.find_in(
            uow,
            subject_kind=subject_kind.strip(),
            subject_id=subject_id.strip(),
            target=target,
            open_only=True,
            limit=1,
        )
        return found[0] if found else None

    def find_in(
        self,
        uow: UnitOfWork,
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
        """Return the clocks in ``uow`` matching every filter given, by start time.

        The filters are those of :meth:`SlaService.find <itsm_core.sla._reads.SlaReads.find>`.
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
            where.append(_OPEN)
        if due_before is not None:
            where.append(Where("state", "eq", ClockState.RUNNING.value))
            where.append(Where("due_at", "lt", require_aware(due_before, "due_before")))
        return uow.find(CLOCK_SPEC, Query(tuple(where), _BY_START, limit=limit))

    def command_in(
        self,
        uow: UnitOfWork,
        clock_id: str,
        action: Callable[[SlaClock, datetime], None],
        when: datetime | None,
        source: Clock | None = None,
    ) -> SlaClock:
        """Load a clock in ``uow``, apply ``action(clock, when)`` and save it.

        :param when: the instant; None for now by ``source``, read after loading
            (see :func:`command_instant`).
        :raises NotFound: if there is no such clock.
        """
        clock = uow.get(CLOCK_SPEC, clock_id)
        if when is None:
            if source is None:
                raise ValidationError("an instant or a clock to read it from is needed")
            when = command_instant(clock, None, source)
        action(clock, when)
        uow.save(CLOCK_SPEC, clock)
        return clock

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


def command_instant(clock: SlaClock, given: datetime | None, source: Clock) -> datetime:
    """The instant of a command on a loaded clock: ``given`` if not None, else now.

    "Now" is read after loading, and never before the clock's last entry:
    another process may have committed a moment ago by a clock a little ahead
    of ours (the save then tells whether it raced this command:
    :class:`~itsm_core.kernel.errors.ConflictError`). A given instant is
    checked by the clock.
    """
    if given is not None:
        return given
    now = require_aware(source.now(), "now")
    return max(now, clock.log[-1].at) if clock.log else now


def own_id(value: object, field: str) -> str | None:
    """Return an id the caller chose: None (a new id is made) or an id of the one
    character set of ids (:func:`itsm_core.kernel.own_ids.own_id`).

    :raises ValidationError: for anything else.
    """
    return None if value is None else kernel_own_id(value, field)
