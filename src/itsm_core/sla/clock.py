"""The SLA clock: business time against one promise, with a replayable log.

An :class:`SlaClock` measures one promise (a :class:`~itsm_core.sla.Target`) for
one subject (a ticket, a complaint, a callback). It counts business time on a
named :class:`~itsm_core.sla.BusinessCalendar`:

* **The log.** Every start, pause, resume, change of target, reset and stop is
  a :class:`~itsm_core.sla.ClockEntry`. The elapsed business time is always recomputable from
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

This module holds the clock's commands. Its fields, queries and the arithmetic
of its levels are :class:`~itsm_core.sla.clock_core.ClockCore`; its log is
:mod:`itsm_core.sla.clock_log`; calendars are found by name through
:mod:`itsm_core.sla.calc`.
"""

from __future__ import annotations

from datetime import datetime

import attrs

from itsm_core.kernel.actors import Actor
from itsm_core.kernel.clock import require_aware
from itsm_core.kernel.errors import ValidationError
from itsm_core.sla.agreements import Target
from itsm_core.sla.calc import CalendarLookup, ClockCalc
from itsm_core.sla.clock_core import ClockCore
from itsm_core.sla.clock_log import (
    BREACH_LEVEL,
    ZERO,
    ClockEntry,
    micros,
)
from itsm_core.sla.lifecycle import CLOCK_LIFECYCLE, ClockAction, ClockState

__all__ = ["SlaClock"]


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
class SlaClock(ClockCore):
    """One promise's SLA clock for one subject.

    Build one with :meth:`start` (or :meth:`~itsm_core.sla.SlaService.start`). The
    commands take a :data:`~itsm_core.sla.calc.CalendarLookup` that finds
    calendars by name (``core.calendars.get``).

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
        calc = ClockCalc(calendars)
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
            calc = ClockCalc(calendars)
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
                {**self._facts(), "reason": reason, "elapsed_us": micros(elapsed)},
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
            calc = ClockCalc(calendars)
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
                    "paused_us": micros(paused),
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
            calc = ClockCalc(calendars)
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
                    "elapsed_us": micros(elapsed),
                    "lateness_us": micros(max(ZERO, elapsed - self.budget)),
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
            calc = ClockCalc(calendars)
            running = self.state is ClockState.RUNNING
            elapsed = self._elapsed_at(at, calc)
            self._fire_due(at, actor, calc)
            budget = calc.budget(target.calendar, self.started_at, target)
            before = {
                "service": self.service,
                "priority": self.priority,
                "calendar": self.calendar,
                "budget_us": micros(self.budget),
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
                    "elapsed_us": micros(elapsed),
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
            calc = ClockCalc(calendars)
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
            self.elapsed_before = ZERO
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
                    "previous_elapsed_us": micros(elapsed),
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
            calc = ClockCalc(calendars)
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
                calc = ClockCalc(calendars)
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
            calc = ClockCalc(calendars)
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
                    "elapsed_us": micros(replay.elapsed),
                    "previous_due_at": old_due,
                    "due_at": self.due_at,
                },
            )
            self._note(calc, actor, at)
