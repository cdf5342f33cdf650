"""The SLA clock's lifecycle as data: states, events and the one shared machine.

::

    running ⇄ paused → stopped

``running`` and ``paused`` also allow events that keep the state (a warning, the
breach, a change of target, a note on the calendar, a recalculation; a reset
always leads to ``running``); they are rows of the table like any other, so the
table says everything a clock in a state may do. A paused clock gets a warning
or the breach only when a change of target makes the time already counted reach
it. ``stopped`` is terminal. Whether the target was missed is the clock's
``breached_at`` mark, not a state: a breached clock keeps running until it is
stopped, so its lateness is measured.
"""

from __future__ import annotations

from itsm_core.kernel.labels import Labelled
from itsm_core.kernel.lifecycle import Lifecycle

__all__ = ["CLOCK_LIFECYCLE", "CLOCK_STEPS", "ClockAction", "ClockState"]


class ClockState(Labelled):
    """Where an SLA clock is."""

    #: Business time is being counted.
    RUNNING = "running", "计时中", "running"
    #: Counting is suspended (e.g. waiting for the customer).
    PAUSED = "paused", "已暂停", "paused"
    #: The promise is settled: met, or missed if the clock was breached.
    STOPPED = "stopped", "已停止", "stopped"


class ClockAction(Labelled):
    """One kind of line in a clock's log (what the replay of the log understands)."""

    START = "start", "开始计时", "started"
    PAUSE = "pause", "暂停计时", "paused"
    RESUME = "resume", "恢复计时", "resumed"
    CHANGE_TARGET = "change_target", "变更目标", "target changed"
    RESET = "reset", "重置计时", "reset"
    STOP = "stop", "停止计时", "stopped"


_R, _P, _S = ClockState.RUNNING, ClockState.PAUSED, ClockState.STOPPED

#: The transition table: ``(event, source(s), destination)``.
CLOCK_STEPS: tuple[tuple[str, ClockState | tuple[ClockState, ...], ClockState], ...] = (
    ("pause", _R, _P),
    ("resume", _P, _R),
    ("stop", (_R, _P), _S),
    ("warn", _R, _R),
    ("warn", _P, _P),
    ("breach", _R, _R),
    ("breach", _P, _P),
    ("change_target", _R, _R),
    ("change_target", _P, _P),
    ("reset", (_R, _P), _R),
    ("note_calendar", _R, _R),
    ("note_calendar", _P, _P),
    ("recalculate", _R, _R),
    ("recalculate", _P, _P),
)

#: The SLA clock's lifecycle, built once.
CLOCK_LIFECYCLE: Lifecycle[ClockState] = Lifecycle("sla clock", ClockState, _R, CLOCK_STEPS)
