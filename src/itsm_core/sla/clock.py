"""The SLA clock: business time against one promise, with a replayable log.

An :class:`SlaClock` measures one promise (a :class:`~itsm_core.sla.Target`) for
one subject (a ticket, a complaint, a callback). It counts business time on a
named :class:`~itsm_core.sla.BusinessCalendar`:

* **The log.** Every start, pause, resume, change of target, reset and stop is
  a :class:`ClockEntry`. The elapsed business time is always recomputable from
  the log (:meth:`SlaClock.replay`): the business time of the running stretches,
  i.e. the business time since the start minus the business time inside pauses.
  The clock also keeps the elapsed time at its last entry, so asking for the
  elapsed time now costs one calendar lookup.
* **Levels.** The target's warning thresholds (50 %, 75 %, 90 % by default) and
  the breach at 100 %. Each level fires once: a warning records
  ``sla_clock.warning``, the breach records ``sla_clock.breached`` and sets the
  :attr:`~SlaClock.breached_at` mark (the instant the target was missed). A
  breached clock keeps running until stopped, so lateness is measured.
* **Due instants.** While running, :attr:`~SlaClock.next_due_at` is the instant
  the next level comes due (indexed, so a tick finds due clocks without scanning
  the others) and :attr:`~SlaClock.due_at` the deadline. A paused clock has no
  due instant.
* **Catching up.** Every command (pause, stop, change of target, reset) first
  fires the levels that came due before it, with the instant each came due, so
  the outcome never depends on when the last tick ran.
* **Official calendar data.** A computation that reaches a year without official
  holiday data raises :class:`~itsm_core.kernel.errors.CalendarDataMissing`, unless the
  calendar allows unofficial years: then the clock goes on, adds the year to
  :attr:`~SlaClock.unofficial_years` and records ``sla_clock.calendar_warning``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

import attrs

from itsm_core.calendars.calendar import BusinessCalendar
from itsm_core.calendars.days import UnofficialYear
from itsm_core.kernel.actors import Actor
from itsm_core.kernel.aggregate import Aggregate
from itsm_core.kernel.clock import require_aware
from itsm_core.kernel.errors import CalendarError, ItsmError, ValidationError
from itsm_core.sla.agreements import DEFAULT_THRESHOLDS, Target, TargetKind
from itsm_core.sla.clock_lifecycle import CLOCK_LIFECYCLE, ClockAction, ClockState

__all__ = [
    "BREACH_LEVEL",
    "CalendarLookup",
    "ClockEntry",
    "ClockReplay",
    "ClockStatus",
    "SlaClock",
]

#: The level of the breach: 100 % of the target.
BREACH_LEVEL = 1.0

#: Finds a business calendar by name (raises ValidationError for an unknown name).
CalendarLookup = Callable[[str], BusinessCalendar]

_US = timedelta(microseconds=1)
_ZERO = timedelta(0)


def _us(value: timedelta) -> int:
    return value // _US


def _from_us(value: int) -> timedelta:
    return timedelta(microseconds=int(value))


def level_amount(budget: timedelta, level: float) -> timedelta:
    """The business time at which ``level`` (a fraction of ``budget``) is reached.

    At least one microsecond; exactly ``budget`` for the breach level.
    """
    if level >= BREACH_LEVEL:
        return budget
    return max(_US, _from_us(round(_us(budget) * level)))


@attrs.frozen
class ClockEntry:
    """One line of a clock's log.

    :param action: what happened.
    :param at: when (timezone-aware).
    :param reason: why (required for a pause and a reset).
    :param calendar: the calendar in force from here (start, change of target, reset).
    :param budget: the target's business time from here (start, change of target, reset).
    """

    action: ClockAction
    at: datetime
    reason: str = ""
    calendar: str | None = None
    budget: timedelta | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form; the budget in microseconds."""
        return {
            "action": self.action.value,
            "at": self.at.isoformat(),
            "reason": self.reason,
            "calendar": self.calendar,
            "budget_us": None if self.budget is None else _us(self.budget),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ClockEntry:
        """Rebuild an entry from :meth:`to_dict` output."""
        budget = data.get("budget_us")
        return cls(
            ClockAction(data["action"]),
            datetime.fromisoformat(data["at"]),
            data.get("reason", ""),
            data.get("calendar"),
            None if budget is None else _from_us(budget),
        )


@attrs.frozen
class ClockReplay:
    """What the replay of a clock's log gives at an instant.

    :param elapsed: business time counted (running stretches of the current epoch).
    :param paused: business time inside pauses (not counted) in the current epoch.
    :param budget: the target's business time in force.
    :param calendar: the calendar in force.
    """

    elapsed: timedelta
    paused: timedelta
    budget: timedelta
    calendar: str

    @property
    def remaining(self) -> timedelta:
        """``budget - elapsed``; negative once the target is missed."""
        return self.budget - self.elapsed


@attrs.frozen
class ClockStatus:
    """A clock seen at one instant (for a service desk's screen or a report).

    :param clock_id: the clock.
    :param state: running, paused or stopped.
    :param at: the instant the status is for.
    :param elapsed: business time counted.
    :param budget: the target's business time.
    :param due_at: the deadline while running (the breach instant once breached).
    :param next_due_at: when the next warning or the breach comes due.
    :param breached_at: when the target was missed, or None.
    """

    clock_id: str
    state: ClockState
    at: datetime
    elapsed: timedelta
    budget: timedelta
    due_at: datetime | None
    next_due_at: datetime | None
    breached_at: datetime | None

    @property
    def remaining(self) -> timedelta:
        """Business time left; negative when late."""
        return self.budget - self.elapsed

    @property
    def lateness(self) -> timedelta:
        """Business time past the target (zero while not late)."""
        return max(_ZERO, self.elapsed - self.budget)

    @property
    def fraction(self) -> float:
        """Elapsed business time as a fraction of the target (1.0 = due)."""
        return self.elapsed / self.budget

    @property
    def breached(self) -> bool:
        """True once the target was missed."""
        return self.breached_at is not None


def find_calendar(lookup: CalendarLookup, name: str) -> BusinessCalendar:
    """The calendar ``lookup`` finds for ``name``, or a ValidationError naming the problem.

    A lookup may be :meth:`~itsm_core.sla.SlaService.calendar` (which raises a
    ValidationError for an unknown name) or any callable such as
    ``{"cn": calendar}.__getitem__`` (whose KeyError is turned into one).
    """
    if not callable(lookup):
        raise ValidationError(
            "calendars must be a function that finds a BusinessCalendar by name, such as "
            f"core.sla.calendar; got {type(lookup).__name__}",
            field="calendars",
        )
    try:
        calendar = lookup(name)
    except ItsmError:
        raise
    except LookupError:
        raise ValidationError(
            f"no business calendar named {name!r} is known to the calendar lookup; register "
            "it (core.sla.register_calendar) or give a target on a known calendar",
            field="calendar",
        ) from None
    if not isinstance(calendar, BusinessCalendar):
        raise ValidationError(
            f"the calendar lookup gave {type(calendar).__name__} for {name!r}, not a "
            "BusinessCalendar",
            field="calendar",
        )
    return calendar


class _Calc:
    """Calendar arithmetic that collects the unofficial years it used."""

    def __init__(self, lookup: CalendarLookup) -> None:
        self.lookup: CalendarLookup = lambda name: find_calendar(lookup, name)
        self.warnings: dict[int, UnofficialYear] = {}

    def _keep(self, warnings: tuple[UnofficialYear, ...]) -> None:
        for w in warnings:
            self.warnings.setdefault(w.year, w)

    def add(self, calendar: str, start: datetime, duration: timedelta) -> datetime:
        result = self.lookup(calendar).add_detailed(start, duration)
        self._keep(result.warnings)
        return result.value

    def between(self, calendar: str, start: datetime, end: datetime) -> timedelta:
        result = self.lookup(calendar).between_detailed(start, end)
        self._keep(result.warnings)
        return result.value

    def add_working_days(self, calendar: str, start: datetime, days: int) -> datetime:
        result = self.lookup(calendar).add_working_days_detailed(start, days)
        self._keep(result.warnings)
        return result.value

    def budget(self, target_calendar: str, start: datetime, target: Target) -> timedelta:
        if target.duration is not None:
            return target.duration
        assert target.working_days is not None
        end = self.add_working_days(target_calendar, start, target.working_days)
        budget = self.between(target_calendar, start, end)
        if budget <= _ZERO:  # pragma: no cover - a calendar that opens always yields time
            raise CalendarError(
                f"{target.working_days} working days from {start.isoformat()} give no "
                f"business time on calendar {target_calendar!r}",
                field="working_days",
            )
        return budget


def _text(value: object, field: str, *, required: bool) -> str:
    if not isinstance(value, str):
        raise ValidationError(f"{field} must be a string, got {value!r}", field=field)
    if required and not value.strip():
        raise ValidationError(f"{field} must be given (a short sentence on why)", field=field)
    return value.strip()


def _optional_text(value: object, field: str) -> str | None:
    if value is None:
        return None
    return _text(value, field, required=True)


@attrs.define(eq=False, kw_only=True)
class SlaClock(Aggregate):
    """One promise's SLA clock for one subject.

    Build one with :meth:`start` (or :meth:`~itsm_core.sla.SlaService.start`). The
    commands take a :data:`CalendarLookup` that finds calendars by name.

    :param subject_kind: what the clock is for, e.g. ``"ticket"``, ``"complaint"``.
    :param subject_id: the id of that subject.
    :param target: which promise (acceptance, response, ...).
    :param service: the service of the target ("" for an ad-hoc target).
    :param priority: the priority of the target ("" for an ad-hoc target).
    :param agreement_id: the agreement the target comes from, if any.
    :param calendar: the name of the calendar in force.
    :param budget: the target's business time in force.
    :param working_days: the target's working days, when it was given so (the
        budget is then the business time of those days from the start).
    :param thresholds: the warning thresholds (fractions of the target).
    :param handler: who handles the subject (for the escalation chain), if known.
    :param customer: the customer to inform (for the escalation chain), if known.
    :param state: running, paused or stopped.
    :param started_at: the start of the current epoch (the start or the last reset).
    :param running_since: start of the current running stretch (None unless running).
    :param elapsed_before: business time counted before ``running_since`` (all of
        it when paused or stopped).
    :param fired: the levels already fired in this epoch (``1.0`` = the breach).
    :param breached_at: the instant the target was missed, or None.
    :param due_at: the deadline while running (the breach instant once breached).
    :param next_due_at: when the next level comes due; None when paused, stopped or
        when every level has fired.
    :param stopped_at: when the clock was stopped.
    :param resets: how many times the clock was reset.
    :param unofficial_years: years without official calendar data that the clock's
        computations used (each one also recorded as ``sla_clock.calendar_warning``).
    :param calendar_problem: why the last tick could not compute this clock's due
        instant (the clock is out of the tick queue until recalculated, or until a
        later command computes its due instants), or None.
    :param log: the clock's log, oldest first.
    """

    KIND = "sla_clock"

    subject_kind: str
    subject_id: str
    target: TargetKind
    service: str = ""
    priority: str = ""
    agreement_id: str | None = None
    calendar: str
    budget: timedelta
    working_days: int | None = None
    thresholds: tuple[float, ...] = DEFAULT_THRESHOLDS
    handler: str | None = None
    customer: str | None = None
    state: ClockState = ClockState.RUNNING
    started_at: datetime
    running_since: datetime | None = None
    elapsed_before: timedelta = _ZERO
    fired: tuple[float, ...] = ()
    breached_at: datetime | None = None
    due_at: datetime | None = None
    next_due_at: datetime | None = None
    stopped_at: datetime | None = None
    resets: int = 0
    unofficial_years: tuple[int, ...] = ()
    calendar_problem: str | None = None
    log: tuple[ClockEntry, ...] = ()

    # ------------------------------------------------------------------ creation

    @classmethod
    def start(
        cls,
        *,
        clock_id: str,
        subject_kind: str,
        subject_id: str,
        target: Target,
        calendars: CalendarLookup,
        actor: Actor,
        at: datetime,
        agreement_id: str | None = None,
        handler: str | None = None,
        customer: str | None = None,
    ) -> SlaClock:
        """Start a clock at ``at`` and record ``sla_clock.started``.

        :raises ValidationError: for an empty subject, a naive ``at``, an unknown calendar.
        :raises CalendarDataMissing: if the deadline falls in a year without official
            holiday data and the calendar does not allow unofficial years.
        """
        require_aware(at, "at")
        if not isinstance(clock_id, str) or not clock_id.strip():
            raise ValidationError(
                f"clock_id must be a non-empty string, got {clock_id!r}", field="clock_id"
            )
        if not isinstance(target, Target):
            raise ValidationError(f"target must be a Target, got {target!r}", field="target")
        subject_kind = _text(subject_kind, "subject_kind", required=True)
        subject_id = _text(subject_id, "subject_id", required=True)
        handler = _optional_text(handler, "handler")
        customer = _optional_text(customer, "customer")
        calc = _Calc(calendars)
        budget = calc.budget(target.calendar, at, target)
        clock = cls(
            id=clock_id,
            subject_kind=subject_kind,
            subject_id=subject_id,
            target=target.kind,
            service=target.service,
            priority=target.priority,
            agreement_id=agreement_id,
            calendar=target.calendar,
            budget=budget,
            working_days=target.working_days,
            thresholds=target.thresholds,
            handler=handler,
            customer=customer,
            started_at=at,
            running_since=at,
            log=(ClockEntry(ClockAction.START, at, "", target.calendar, budget),),
        )
        clock._arm(calc)
        clock._record(
            "started",
            actor,
            at,
            {
                **clock._facts(),
                "working_days": target.working_days,
                "started_at": at,
                "due_at": clock.due_at,
            },
        )
        clock._note(calc, actor, at)
        return clock

    # ------------------------------------------------------------------ commands

    def pause(self, reason: str, *, calendars: CalendarLookup, actor: Actor, at: datetime) -> None:
        """Stop counting from ``at`` (e.g. waiting for the customer); records ``paused``.

        Levels that came due before ``at`` fire first.

        :param reason: why the clock is paused (required).
        :raises InvalidTransition: unless running.
        """
        CLOCK_LIFECYCLE.check(self, "pause")
        at = self._when(at)
        reason = _text(reason, "reason", required=True)
        with self._atomic():
            calc = _Calc(calendars)
            elapsed = self._elapsed_at(at, calc)
            self._fire_due(at, actor, calc)
            self._note(calc, actor, at)
            CLOCK_LIFECYCLE.fire(self, "pause")
            self.elapsed_before = elapsed
            self.running_since = None
            self.due_at = None
            self.next_due_at = None
            self.log = (*self.log, ClockEntry(ClockAction.PAUSE, at, reason))
            self._record(
                "paused",
                actor,
                at,
                {**self._facts(), "reason": reason, "elapsed_us": _us(elapsed)},
            )

    def resume(
        self, reason: str = "", *, calendars: CalendarLookup, actor: Actor, at: datetime
    ) -> None:
        """Count again from ``at``; records ``resumed`` with the business time paused.

        :raises InvalidTransition: unless paused.
        """
        CLOCK_LIFECYCLE.check(self, "resume")
        at = self._when(at)
        reason = _text(reason, "reason", required=False)
        with self._atomic():
            calc = _Calc(calendars)
            paused = self._paused_since_last_pause(at, calc)
            CLOCK_LIFECYCLE.fire(self, "resume")
            self.running_since = at
            self.log = (*self.log, ClockEntry(ClockAction.RESUME, at, reason))
            self._arm(calc)
            self._record(
                "resumed",
                actor,
                at,
                {
                    **self._facts(),
                    "reason": reason,
                    "paused_us": _us(paused),
                    "due_at": self.due_at,
                },
            )
            self._note(calc, actor, at)

    def stop(
        self, reason: str = "", *, calendars: CalendarLookup, actor: Actor, at: datetime
    ) -> None:
        """Settle the promise at ``at``: met, or missed if breached; records ``stopped``.

        Levels that came due before ``at`` fire first (so a promise missed between
        two ticks is still recorded as missed).

        :raises InvalidTransition: if already stopped.
        """
        CLOCK_LIFECYCLE.check(self, "stop")
        at = self._when(at)
        reason = _text(reason, "reason", required=False)
        with self._atomic():
            calc = _Calc(calendars)
            elapsed = self._elapsed_at(at, calc)
            self._fire_due(at, actor, calc)
            self._note(calc, actor, at)
            CLOCK_LIFECYCLE.fire(self, "stop")
            self.elapsed_before = elapsed
            self.running_since = None
            self.next_due_at = None
            self.stopped_at = at
            self.log = (*self.log, ClockEntry(ClockAction.STOP, at, reason))
            self._record(
                "stopped",
                actor,
                at,
                {
                    **self._facts(),
                    "reason": reason,
                    "met": self.breached_at is None,
                    "elapsed_us": _us(elapsed),
                    "lateness_us": _us(max(_ZERO, elapsed - self.budget)),
                    "breached_at": self.breached_at,
                },
            )

    def change_target(
        self,
        target: Target,
        reason: str = "",
        *,
        calendars: CalendarLookup,
        actor: Actor,
        at: datetime,
    ) -> None:
        """Measure against ``target`` from ``at``, carrying the elapsed business time over.

        A priority change is the usual case. The elapsed business time up to ``at``
        (on the old calendar) counts against the new target; from ``at`` on, time
        runs on the new target's calendar. Levels that came due under the old target
        before ``at`` fire first. Then the levels are judged against the new target:
        a level already fired stays fired if the elapsed time still reaches it under
        the new target (else it is armed again, and a breach mark is cleared); a
        level the elapsed time already reaches under the new target and that has not
        fired fires now. A working-day target counts its days from the epoch's start.

        :param target: the new target (same kind of promise).
        :param reason: why (e.g. ``"priority P3 → P1"``).
        :raises InvalidTransition: if stopped.
        :raises ValidationError: if ``target`` is for another kind of promise.
        """
        CLOCK_LIFECYCLE.check(self, "change_target")
        at = self._when(at)
        reason = _text(reason, "reason", required=False)
        if not isinstance(target, Target):
            raise ValidationError(f"target must be a Target, got {target!r}", field="target")
        if target.kind is not self.target:
            raise ValidationError(
                f"this clock measures the {self.target.value!r} promise; a "
                f"{target.kind.value!r} target needs its own clock",
                field="target",
            )
        with self._atomic():
            calc = _Calc(calendars)
            running = self.state is ClockState.RUNNING
            elapsed = self._elapsed_at(at, calc)
            self._fire_due(at, actor, calc)
            budget = calc.budget(target.calendar, self.started_at, target)
            before = {
                "service": self.service,
                "priority": self.priority,
                "calendar": self.calendar,
                "budget_us": _us(self.budget),
            }
            was_breached = self.breached_at is not None
            CLOCK_LIFECYCLE.fire(self, "change_target")
            self.service, self.priority = target.service, target.priority
            self.calendar, self.budget = target.calendar, budget
            self.working_days, self.thresholds = target.working_days, target.thresholds
            self.elapsed_before = elapsed
            self.running_since = at if running else None
            self.fired = tuple(
                lv for lv in self.fired if lv in self._levels() and self._amount(lv) <= elapsed
            )
            if BREACH_LEVEL not in self.fired:
                self.breached_at = None
            self.log = (
                *self.log,
                ClockEntry(ClockAction.CHANGE_TARGET, at, reason, target.calendar, budget),
            )
            self._record(
                "target_changed",
                actor,
                at,
                {
                    **self._facts(),
                    "reason": reason,
                    "from": before,
                    "elapsed_us": _us(elapsed),
                    "breach_cleared": was_breached and self.breached_at is None,
                },
            )
            self._arm(calc)  # the new deadline, carried by the levels that fire now
            self._fire_due(at, actor, calc)
            self._arm(calc)
            self._note(calc, actor, at)

    def reset(self, reason: str, *, calendars: CalendarLookup, actor: Actor, at: datetime) -> None:
        """Start counting afresh at ``at``; records ``reset`` with the reason.

        Levels that came due before ``at`` fire first; then the elapsed time, the
        fired levels and the breach mark go back to zero (the events stay in the
        history). A paused clock runs again. A working-day target counts its days
        from ``at``.

        :param reason: why (required; e.g. ``"wrongly classified, re-logged"``).
        :raises InvalidTransition: if stopped.
        """
        CLOCK_LIFECYCLE.check(self, "reset")
        at = self._when(at)
        reason = _text(reason, "reason", required=True)
        with self._atomic():
            calc = _Calc(calendars)
            elapsed = self._elapsed_at(at, calc)
            self._fire_due(at, actor, calc)
            budget = self.budget
            if self.working_days is not None:
                days = Target("", "", self.target, working_days=self.working_days)
                budget = calc.budget(self.calendar, at, days)
            previous_breach = self.breached_at
            CLOCK_LIFECYCLE.fire(self, "reset")
            self.budget = budget
            self.started_at = at
            self.running_since = at
            self.elapsed_before = _ZERO
            self.fired = ()
            self.breached_at = None
            self.resets += 1
            self.log = (*self.log, ClockEntry(ClockAction.RESET, at, reason, self.calendar, budget))
            self._arm(calc)
            self._record(
                "reset",
                actor,
                at,
                {
                    **self._facts(),
                    "reason": reason,
                    "previous_elapsed_us": _us(elapsed),
                    "previous_breached_at": previous_breach,
                    "due_at": self.due_at,
                },
            )
            self._note(calc, actor, at)

    def fire_due(self, now: datetime, *, calendars: CalendarLookup, actor: Actor) -> int:
        """Fire every level due at ``now`` that has not fired; return how many fired.

        Each level fires once, in order, with the instant it came due; calling this
        again (or with an earlier ``now``) fires nothing more. This is what
        :meth:`~itsm_core.sla.SlaService.tick` calls for each due clock.
        """
        require_aware(now, "now")
        if self.state is ClockState.STOPPED:
            return 0
        with self._atomic():
            calc = _Calc(calendars)
            fired = self._fire_due(now, actor, calc)
            self._arm(calc)
            self._note(calc, actor, now)
        return fired

    def suspend_ticks(
        self,
        problem: str,
        *,
        actor: Actor,
        at: datetime,
        calendars: CalendarLookup | None = None,
    ) -> None:
        """Take the clock out of the tick queue because its due instant cannot be computed.

        With ``calendars``, the levels that came due by ``at`` and whose instants can
        still be computed fire first (a warning due before the year whose data is
        missing is not lost with the later levels). Records
        ``sla_clock.calendar_problem``; :meth:`recalculate` puts the clock back, and
        so does any later command that computes its due instants (a resume, a change
        of target, a reset).
        """
        CLOCK_LIFECYCLE.check(self, "note_calendar")
        require_aware(at, "at")
        problem = _text(problem, "problem", required=True)
        with self._atomic():
            if calendars is not None and self.state is ClockState.RUNNING:
                calc = _Calc(calendars)
                self._fire_due(at, actor, calc, partial=True)
                self._note(calc, actor, at)
            CLOCK_LIFECYCLE.fire(self, "note_calendar")
            self.calendar_problem = problem
            self.next_due_at = None
            self._record("calendar_problem", actor, at, {**self._facts(), "problem": problem})

    def recalculate(self, *, calendars: CalendarLookup, actor: Actor, at: datetime) -> None:
        """Recompute the due instants with the calendars as they are now.

        Use it when a calendar changed (e.g. a year's official holidays were added):
        the elapsed time so far is recomputed from the log, levels now due fire, and
        the due instants move. Records ``sla_clock.recalculated``.

        :raises InvalidTransition: if stopped.
        """
        CLOCK_LIFECYCLE.check(self, "recalculate")
        at = self._when(at)
        with self._atomic():
            calc = _Calc(calendars)
            replay = self._replay(at, calc)
            if self.state is ClockState.RUNNING and self.running_since is not None:
                self.elapsed_before = self._replay(self.running_since, calc).elapsed
            else:
                self.elapsed_before = replay.elapsed
            CLOCK_LIFECYCLE.fire(self, "recalculate")
            self.calendar_problem = None
            old_due = self.due_at
            self._fire_due(at, actor, calc)
            self._arm(calc)
            self._record(
                "recalculated",
                actor,
                at,
                {
                    **self._facts(),
                    "elapsed_us": _us(replay.elapsed),
                    "previous_due_at": old_due,
                    "due_at": self.due_at,
                },
            )
            self._note(calc, actor, at)

    # ------------------------------------------------------------------ queries

    @property
    def breached(self) -> bool:
        """True once the target was missed (in the current epoch)."""
        return self.breached_at is not None

    @property
    def met(self) -> bool | None:
        """For a stopped clock: True if the promise was kept; None while open."""
        if self.state is not ClockState.STOPPED:
            return None
        return self.breached_at is None

    @property
    def levels(self) -> tuple[float, ...]:
        """The warning thresholds followed by the breach level ``1.0``."""
        return self._levels()

    def elapsed(self, now: datetime, calendars: CalendarLookup) -> timedelta:
        """Business time counted up to ``now`` (from the stored state; O(1) lookups).

        An instant before the last entry counts as that entry.
        """
        require_aware(now, "now")
        if self.state is not ClockState.RUNNING or self.running_since is None:
            return self.elapsed_before
        if now <= self.running_since:
            return self.elapsed_before
        calendar = find_calendar(calendars, self.calendar)
        return self.elapsed_before + calendar.between(self.running_since, now)

    def remaining(self, now: datetime, calendars: CalendarLookup) -> timedelta:
        """``budget - elapsed(now)``; negative when late."""
        return self.budget - self.elapsed(now, calendars)

    def status(self, now: datetime, calendars: CalendarLookup) -> ClockStatus:
        """The clock at ``now``: elapsed, remaining, due instants, breach."""
        return ClockStatus(
            clock_id=self.id,
            state=self.state,
            at=now,
            elapsed=self.elapsed(now, calendars),
            budget=self.budget,
            due_at=self.due_at,
            next_due_at=self.next_due_at,
            breached_at=self.breached_at,
        )

    def replay(self, now: datetime, calendars: CalendarLookup) -> ClockReplay:
        """Recompute elapsed and paused business time from the log alone.

        Gives the same elapsed time as :meth:`elapsed` (the stored state is only a
        shortcut). Pauses are counted in business time on the calendar in force.
        """
        require_aware(now, "now")
        return self._replay(now, _Calc(calendars))

    # ------------------------------------------------------------------ internals

    def _replay(self, now: datetime, calc: _Calc) -> ClockReplay:
        elapsed = paused = _ZERO
        mode: ClockState | None = None
        since: datetime | None = None
        calendar = self.calendar
        budget = self.budget
        for entry in self.log:
            if since is not None and mode is ClockState.RUNNING:
                elapsed += calc.between(calendar, since, entry.at)
            elif since is not None and mode is ClockState.PAUSED:
                paused += calc.between(calendar, since, entry.at)
            action = entry.action
            if action in (ClockAction.START, ClockAction.RESET):
                elapsed = paused = _ZERO
                mode = ClockState.RUNNING
            elif action is ClockAction.PAUSE:
                mode = ClockState.PAUSED
            elif action is ClockAction.RESUME:
                mode = ClockState.RUNNING
            elif action is ClockAction.STOP:
                mode = ClockState.STOPPED
            since = entry.at
            calendar = entry.calendar or calendar
            budget = entry.budget if entry.budget is not None else budget
        if since is not None and now > since:
            if mode is ClockState.RUNNING:
                elapsed += calc.between(calendar, since, now)
            elif mode is ClockState.PAUSED:
                paused += calc.between(calendar, since, now)
        return ClockReplay(elapsed, paused, budget, calendar)

    def _paused_since_last_pause(self, at: datetime, calc: _Calc) -> timedelta:
        """Business time from the last pause to ``at`` (across changes of calendar)."""
        calendar = self.log[0].calendar or self.calendar
        last = 0
        for i, entry in enumerate(self.log):
            if entry.action is ClockAction.PAUSE:
                last = i
        for entry in self.log[:last]:
            calendar = entry.calendar or calendar
        total = _ZERO
        since = self.log[last].at
        for entry in self.log[last + 1 :]:
            total += calc.between(calendar, since, entry.at)
            since = entry.at
            calendar = entry.calendar or calendar
        return total + calc.between(calendar, since, at)

    @contextmanager
    def _atomic(self) -> Iterator[None]:
        """Undo every change if the block raises: a refused command changes nothing."""
        saved = {
            f.name: getattr(self, f.name) for f in attrs.fields(type(self)) if f.name != "_pending"
        }
        pending = len(self._pending)
        try:
            yield
        except BaseException:
            for name, value in saved.items():
                setattr(self, name, value)
            del self._pending[pending:]
            raise

    def _when(self, at: datetime) -> datetime:
        require_aware(at, "at")
        last = self.log[-1].at if self.log else None
        if last is not None and at < last:
            raise ValidationError(
                f"at ({at.isoformat()}) is before the clock's last entry ({last.isoformat()}, "
                f"{self.log[-1].action.value}); a clock's log only runs forwards",
                field="at",
            )
        return at

    def _levels(self) -> tuple[float, ...]:
        return (*self.thresholds, BREACH_LEVEL)

    def _amount(self, level: float) -> timedelta:
        return level_amount(self.budget, level)

    def _elapsed_at(self, at: datetime, calc: _Calc) -> timedelta:
        if self.state is not ClockState.RUNNING or self.running_since is None:
            return self.elapsed_before
        return self.elapsed_before + calc.between(self.calendar, self.running_since, at)

    def _instant(self, level: float, calc: _Calc) -> datetime:
        """When ``level`` is reached while running (the stretch's start if already reached)."""
        assert self.running_since is not None
        amount = self._amount(level)
        if amount <= self.elapsed_before:
            return self.running_since
        return calc.add(self.calendar, self.running_since, amount - self.elapsed_before)

    def _fire_due(self, now: datetime, actor: Actor, calc: _Calc, *, partial: bool = False) -> int:
        """Fire the levels due by ``now``, in order; return how many fired.

        With ``partial``, a level whose instant cannot be computed (a calendar
        problem) ends the firing instead of raising: the levels before it fired.
        """
        count = 0
        for level in self._levels():
            if level in self.fired:
                continue
            if self._amount(level) <= self.elapsed_before:
                due = self.running_since or now
            elif self.state is ClockState.RUNNING:
                try:
                    due = self._instant(level, calc)
                except ItsmError:
                    if not partial:
                        raise
                    break
                if due > now:
                    break
            else:
                break
            self._fire(level, due, now, actor)
            count += 1
        return count

    def _fire(self, level: float, due: datetime, now: datetime, actor: Actor) -> None:
        breach = level >= BREACH_LEVEL
        CLOCK_LIFECYCLE.fire(self, "breach" if breach else "warn")
        self.fired = (*self.fired, level)
        if breach:
            self.breached_at = due
            self.due_at = due
        self._record(
            "breached" if breach else "warning",
            actor,
            now,
            {
                **self._facts(),
                "level": level,
                "percent": round(level * 100),
                "due_at": due,
                "deadline": self.due_at,
            },
        )

    def _arm(self, calc: _Calc) -> None:
        if self.state is not ClockState.RUNNING or self.running_since is None:
            self.due_at = None if self.state is ClockState.PAUSED else self.due_at
            self.next_due_at = None
            return
        self.due_at = self.breached_at or self._instant(BREACH_LEVEL, calc)
        pending = [lv for lv in self._levels() if lv not in self.fired]
        self.next_due_at = self._instant(pending[0], calc) if pending else None
        # The due instants could be computed: the clock is back in the tick queue.
        self.calendar_problem = None

    def _note(self, calc: _Calc, actor: Actor, at: datetime) -> None:
        new = sorted(set(calc.warnings) - set(self.unofficial_years))
        if not new or self.state is ClockState.STOPPED:
            return
        CLOCK_LIFECYCLE.fire(self, "note_calendar")
        self.unofficial_years = tuple(sorted({*self.unofficial_years, *new}))
        warnings = [calc.warnings[y] for y in new]
        self._record(
            "calendar_warning",
            actor,
            at,
            {
                **self._facts(),
                "years": new,
                "message": " ".join(w.message for w in warnings),
                "message_zh": "".join(w.message_zh for w in warnings),
            },
        )

    def _facts(self) -> dict[str, Any]:
        """What every event of the clock carries (and the notifications are built from)."""
        return {
            "subject_kind": self.subject_kind,
            "subject_id": self.subject_id,
            "target": self.target.value,
            "service": self.service,
            "priority": self.priority,
            "agreement_id": self.agreement_id,
            "calendar": self.calendar,
            "budget_us": _us(self.budget),
            "handler": self.handler,
            "customer": self.customer,
        }
