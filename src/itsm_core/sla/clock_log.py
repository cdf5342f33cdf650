"""What an SLA clock's log is made of, and what it gives at an instant.

Every start, pause, resume, change of target, reset and stop of an
:class:`~itsm_core.sla.SlaClock` is a :class:`ClockEntry`; the replay of the
log gives a :class:`ClockReplay`, and a clock seen at an instant is a
:class:`ClockStatus`. Durations are kept in whole microseconds when stored
(:func:`micros`), and each level (a warning threshold, the breach at
:data:`BREACH_LEVEL`) is reached at :func:`level_amount` of the budget.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import attrs

from itsm_core.sla.lifecycle import ClockAction, ClockState

__all__ = [
    "BREACH_LEVEL",
    "ZERO",
    "ClockEntry",
    "ClockReplay",
    "ClockStatus",
    "from_micros",
    "level_amount",
    "micros",
]

#: The level of the breach: 100 % of the target.
BREACH_LEVEL = 1.0

US = timedelta(microseconds=1)
ZERO = timedelta(0)


def micros(value: timedelta) -> int:
    """``value`` in whole microseconds."""
    return value // US


def from_micros(value: int) -> timedelta:
    """A duration of ``value`` microseconds."""
    return timedelta(microseconds=int(value))


def level_amount(budget: timedelta, level: float) -> timedelta:
    """The business time at which ``level`` (a fraction of ``budget``) is reached.

    At least one microsecond; exactly ``budget`` for the breach level.
    """
    if level >= BREACH_LEVEL:
        return budget
    return max(US, from_micros(round(micros(budget) * level)))


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
        return max(ZERO, self.elapsed - self.budget)

    @property
    def fraction(self) -> float:
        """Elapsed business time as a fraction of the target (1.0 = due)."""
        return self.elapsed / self.budget

    @property
    def breached(self) -> bool:
        """True once the target was missed."""
        return self.breached_at is not None
