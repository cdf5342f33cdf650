"""Property: whatever the sequence of ticks (repeated, late, across restarts), every
level of every clock fires exactly once, in order, and reaches plug-ins once."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given
from hypothesis import strategies as st

from itsm_core import SYSTEM, FrozenClock
from itsm_core.sla import ClockKeeper, SlaService
from itsm_core.sla.model import level_amount

from .clock_support import CN, DESK, MON, Notifier, make_core, target

MINUTE = timedelta(minutes=1)

ticks = st.lists(
    st.tuples(st.integers(0, 900), st.booleans(), st.booleans()),  # gap, tick twice, restart
    min_size=1,
    max_size=12,
)


@given(
    st.lists(st.integers(1, 24), min_size=1, max_size=3),  # targets in business hours
    st.integers(0, 600),  # start offset in minutes
    ticks,
)
def test_random_tick_sequences_fire_each_level_exactly_once(
    budgets: list[int], offset: int, sequence: list[tuple[int, bool, bool]]
) -> None:
    notifier = Notifier()
    start = MON + offset * MINUTE
    clock = FrozenClock(start)
    core = make_core(clock, notifier)
    service = core.sla
    ids = [
        service.start(
            DESK, subject_kind="ticket", subject_id=f"T-{i}", target=target(hours, calendar="cn")
        ).id
        for i, hours in enumerate(budgets)
    ]
    instants = {
        clock_id: [CN.add(start, level_amount(timedelta(hours=h), lv)) for lv in (0.5, 0.75, 0.9)]
        + [CN.add(start, timedelta(hours=h))]
        for clock_id, h in zip(ids, budgets, strict=True)
    }
    now = start
    for gap, twice, restart in sequence:
        now += gap * MINUTE * 10
        clock.set(now)
        if restart:
            service = SlaService(core.runtime, ClockKeeper(core.calendars))
        service.tick(SYSTEM)
        if twice:
            assert service.tick(SYSTEM).fired == 0
        for clock_id in ids:
            fired = service.get(SYSTEM, clock_id).fired
            levels = zip((0.5, 0.75, 0.9, 1.0), instants[clock_id], strict=True)
            due = [lv for lv, t in levels if t <= now]
            assert list(fired) == due
    # every level fired once, in order, each notification delivered once
    for clock_id in ids:
        names = [e.name for e in service.history(SYSTEM, clock_id)]
        levels = [
            e.payload["level"]
            for e in service.history(SYSTEM, clock_id)
            if e.name in ("sla_clock.warning", "sla_clock.breached")
        ]
        assert levels == sorted(set(levels))
        assert names.count("sla_clock.breached") <= 1
        got = [n.threshold for n in notifier.warnings if n.clock_id == clock_id]
        assert got == [lv for lv in levels if lv < 1.0]
        steps = [n.step.value for n in notifier.breaches if n.clock_id == clock_id]
        assert steps == (["service_desk", "superior", "customer"] if 1.0 in levels else [])
