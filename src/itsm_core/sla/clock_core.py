"""The state of an SLA clock: what it measures and how its levels fall due.

:class:`ClockCore` is the first layer of :class:`~itsm_core.sla.SlaClock`:
the fields, the queries (elapsed and remaining business time, the status, the
replay of the log) and the arithmetic of the levels — when each comes due,
firing those due, arming the next. The commands are the clock itself
(:mod:`itsm_core.sla.clock`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

import attrs

from itsm_core.kernel.actors import Actor
from itsm_core.kernel.aggregate import Aggregate
from itsm_core.kernel.clock import require_aware
from itsm_core.kernel.errors import ItsmError, ValidationError
from itsm_core.sla.agreements import DEFAULT_THRESHOLDS, TargetKind
from itsm_core.sla.calc import CalendarLookup, ClockCalc, find_calendar
from itsm_core.sla.clock_log import (
    BREACH_LEVEL,
    ZERO,
    ClockEntry,
    ClockReplay,
    ClockStatus,
    level_amount,
    micros,
)
from itsm_core.sla.lifecycle import CLOCK_LIFECYCLE, ClockAction, ClockState

__all__ = ["ClockCore"]


@attrs.define(eq=False, kw_only=True)
class ClockCore(Aggregate):
    """The fields and the measuring of an SLA clock.

    Not built directly: an :class:`~itsm_core.sla.SlaClock` is started with
    :meth:`~itsm_core.sla.SlaClock.start`; its description lists the fields.
    """

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
    elapsed_before: timedelta = ZERO
    fired: tuple[float, ...] = ()
    breached_at: datetime | None = None
    due_at: datetime | None = None
    next_due_at: datetime | None = None
    stopped_at: datetime | None = None
    resets: int = 0
    unofficial_years: tuple[int, ...] = ()
    calendar_problem: str | None = None
    log: tuple[ClockEntry, ...] = ()

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
        return self._replay(now, ClockCalc(calendars))

    # ------------------------------------------------------------------ internals

    def _replay(self, now: datetime, calc: ClockCalc) -> ClockReplay:
        elapsed = paused = ZERO
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
                elapsed = paused = ZERO
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

    def _paused_since_last_pause(self, at: datetime, calc: ClockCalc) -> timedelta:
        """Business time from the last pause to ``at`` (across changes of calendar)."""
        calendar = self.log[0].calendar or self.calendar
        last = 0
        for i, entry in enumerate(self.log):
            if entry.action is ClockAction.PAUSE:
                last = i
        for entry in self.log[:last]:
            calendar = entry.calendar or calendar
        total = ZERO
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

    def _elapsed_at(self, at: datetime, calc: ClockCalc) -> timedelta:
        if self.state is not ClockState.RUNNING or self.running_since is None:
            return self.elapsed_before
        return self.elapsed_before + calc.between(self.calendar, self.running_since, at)

    def _instant(self, level: float, calc: ClockCalc) -> datetime:
        """When ``level`` is reached while running (the stretch's start if already reached)."""
        assert self.running_since is not None
        return self._instant_of(self._amount(level), calc)

    def _instant_of(self, amount: timedelta, calc: ClockCalc) -> datetime:
        """When ``amount`` of business time is counted while running."""
        assert self.running_since is not None
        if amount <= self.elapsed_before:
            return self.running_since
        return calc.add(self.calendar, self.running_since, amount - self.elapsed_before)

    def _fire_due(
        self, now: datetime, actor: Actor, calc: ClockCalc, *, partial: bool = False
    ) -> int:
        """Fire the levels due by ``now``, in order; return how many fired.

        With ``partial``, a level whose instant cannot be computed (a calendar
        problem) ends the firing instead of raising: the levels before it fired.
        """
        count = 0
        facts: dict[str, Any] | None = None  # what firing a level changes is not among them
        for level in self._levels():
            if level in self.fired:
                continue
            amount = self._amount(level)
            if amount <= self.elapsed_before:
                due = self.running_since or now
            elif self.state is ClockState.RUNNING:
                try:
                    due = self._instant_of(amount, calc)
                except ItsmError:
                    if not partial:
                        raise
                    break
                if due > now:
                    break
            else:
                break
            if facts is None:
                facts = self._facts()
            self._fire(level, due, now, actor, facts)
            count += 1
        return count

    def _fire(
        self, level: float, due: datetime, now: datetime, actor: Actor, facts: dict[str, Any]
    ) -> None:
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
                **facts,
                "level": level,
                "percent": round(level * 100),
                "due_at": due,
                "deadline": self.due_at,
            },
        )

    def _arm(self, calc: ClockCalc) -> None:
        if self.state is not ClockState.RUNNING or self.running_since is None:
            self.due_at = None if self.state is ClockState.PAUSED else self.due_at
            self.next_due_at = None
            return
        self.due_at = self.breached_at or self._instant(BREACH_LEVEL, calc)
        pending = [lv for lv in self._levels() if lv not in self.fired]
        self.next_due_at = self._instant(pending[0], calc) if pending else None
        # The due instants could be computed: the clock is back in the tick queue.
        self.calendar_problem = None

    def _note(self, calc: ClockCalc, actor: Actor, at: datetime) -> None:
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
            "budget_us": micros(self.budget),
            "handler": self.handler,
            "customer": self.customer,
        }
