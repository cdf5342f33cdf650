"""Properties of the SLA clock: paused time never counts, the log replays, changes carry over."""

from __future__ import annotations

from datetime import datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from itsm_core import SYSTEM
from itsm_core.sla import CLOCK_SPEC, ClockState, SlaClock
from itsm_core.sla.model import level_amount

from .clock_support import CALENDARS, DESK, MON, H, lookup, target

MINUTE = timedelta(minutes=1)

calendar_names = st.sampled_from(sorted(CALENDARS))
starts = st.integers(0, 3 * 24 * 60).map(lambda m: MON + m * MINUTE)
gaps = st.lists(st.integers(0, 2 * 24 * 60), min_size=0, max_size=8)
hours = st.integers(1, 60)


def _start(at: datetime, calendar: str, budget_hours: int) -> SlaClock:
    return SlaClock.start(
        clock_id="p",
        subject_kind="ticket",
        subject_id="T",
        target=target(budget_hours, calendar=calendar),
        calendars=lookup,
        actor=DESK,
        at=at,
    )


@given(calendar_names, starts, gaps, st.integers(0, 3000), hours)
def test_paused_time_is_never_counted(
    calendar: str, start: datetime, toggles: list[int], tail: int, budget: int
) -> None:
    cal = CALENDARS[calendar]
    clock = _start(start, calendar, budget)
    at = start
    pauses: list[tuple[datetime, datetime | None]] = []
    for gap in toggles:
        at += gap * MINUTE
        if clock.state is ClockState.RUNNING:
            clock.pause("waiting", calendars=lookup, actor=DESK, at=at)
            pauses.append((at, None))
        else:
            clock.resume(calendars=lookup, actor=DESK, at=at)
            pauses[-1] = (pauses[-1][0], at)
    now = at + tail * MINUTE
    paused = sum((cal.between(a, b if b is not None else now) for a, b in pauses), timedelta(0))
    elapsed = clock.elapsed(now, lookup)
    assert elapsed == cal.between(start, now) - paused
    replay = clock.replay(now, lookup)
    assert replay.elapsed == elapsed and replay.paused == paused
    assert replay.remaining == clock.remaining(now, lookup) == clock.budget - elapsed
    # the stored record replays to the same answer
    again = CLOCK_SPEC.from_record(CLOCK_SPEC.to_record(clock))
    assert again.elapsed(now, lookup) == elapsed


@given(calendar_names, calendar_names, starts, gaps, st.integers(0, 3000), hours, hours)
def test_a_change_of_target_carries_elapsed_time_over(
    first: str,
    second: str,
    start: datetime,
    toggles: list[int],
    tail: int,
    budget: int,
    new_budget: int,
) -> None:
    clock = _start(start, first, budget)
    at = start
    for gap in toggles:
        at += gap * MINUTE
        if clock.state is ClockState.RUNNING:
            clock.pause("waiting", calendars=lookup, actor=DESK, at=at)
        else:
            clock.resume(calendars=lookup, actor=DESK, at=at)
    at += tail * MINUTE
    before = clock.elapsed(at, lookup)
    clock.change_target(
        target(new_budget, priority="P1", calendar=second), calendars=lookup, actor=DESK, at=at
    )
    assert clock.elapsed(at, lookup) == before
    assert clock.replay(at, lookup).elapsed == before
    later = at + timedelta(hours=30)
    running = clock.state is ClockState.RUNNING
    expected = before + (CALENDARS[second].between(at, later) if running else timedelta(0))
    assert clock.elapsed(later, lookup) == clock.replay(later, lookup).elapsed == expected
    # every level the elapsed time reaches under the new target has fired, no other
    reached = {lv for lv in clock.levels if level_amount(clock.budget, lv) <= before}
    assert set(clock.fired) == reached
    assert clock.breached == (clock.budget <= before)


@given(calendar_names, starts, st.lists(st.integers(0, 3000), min_size=1, max_size=6), hours)
def test_levels_fire_once_in_order_at_their_instants(
    calendar: str, start: datetime, steps: list[int], budget: int
) -> None:
    clock = _start(start, calendar, budget)
    cal = CALENDARS[calendar]
    instants = {lv: cal.add(start, level_amount(budget * H, lv)) for lv in clock.levels}
    now = start
    for step in steps:
        now += step * MINUTE
        clock.fire_due(now, calendars=lookup, actor=SYSTEM)
        assert set(clock.fired) == {lv for lv, t in instants.items() if t <= now}
    names = ("sla_clock.warning", "sla_clock.breached")
    fired = [e for e in clock.pending_events if e.name in names]
    levels = [e.payload["level"] for e in fired]
    assert levels == sorted(levels) == sorted(set(levels))
    for event in fired:
        assert datetime.fromisoformat(event.payload["due_at"]) == instants[event.payload["level"]]
