"""Benchmark of SLA due dates on a business calendar.

Run ``python bench/sla.py [--repeats N]``. It prints, for a mainland-China
calendar with a lunch break (Mon–Fri 09:00-12:00, 13:30-18:00, statutory holidays
and 调休 makeup days):

* the cost of a due date 4 h, 40 h and 250 working days ahead — the median of many
  warm calls (year index built) and, separately, the first call on a fresh calendar
  (cold: the index of each year is built);
* the ratio 250-working-days / 4-hours (target: at most 2 — the cost does not grow
  with the length of the target);
* the speed-up against a naive day-by-day loop defined below (target: at least 50×
  at 250 working days).

and, for SLA clocks (section "SLA clock"):

* the time of one tick over many open clocks of which a few are due (each fires its
  three warnings and its breach), of a tick with nothing due, and of a baseline that
  scans every open clock; the ratio scan / tick. The tick finds due clocks by their
  indexed ``next_due_at``; on ``memory://`` that query is still one pass over the
  index values of every clock (the backend keeps no index structure), on SQLite it is
  an index range scan, so both stores are measured (``--clocks``, ``--sql-clocks``).

Each section is a function returning plain numbers plus a function formatting them,
so further sections (e.g. SLA clocks) slot into :func:`main`.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

import holidays

from itsm_core import SYSTEM, FrozenClock, ItsmCore
from itsm_core.calendars import BusinessCalendar
from itsm_core.sla import CLOCK_SPEC, SlaClock, Target
from itsm_core.storage import Query, Where

SHANGHAI = ZoneInfo("Asia/Shanghai")
WINDOWS = ("09:00-12:00", "13:30-18:00")
WORKING_DAY = timedelta(hours=7, minutes=30)
START = datetime(2025, 3, 3, 10, 17, tzinfo=SHANGHAI)
TARGETS: dict[str, timedelta] = {
    "4 h": timedelta(hours=4),
    "40 h": timedelta(hours=40),
    "250 working days": 250 * WORKING_DAY,
}


def cn_calendar() -> BusinessCalendar:
    """The benchmark calendar: China, lunch break, official years only."""
    return BusinessCalendar.china(hours=WINDOWS)


# --------------------------------------------------------------------------- baseline


class DayByDay:
    """The naive way: walk the calendar one day at a time (the baseline).

    Each day asks the holiday data whether it is a holiday or a makeup day and
    consumes its windows until the duration is used up, so the cost grows with
    the number of days the target spans.
    """

    def __init__(self, zone: ZoneInfo = SHANGHAI) -> None:
        self.zone = zone
        self.holidays = holidays.country_holidays("CN")
        self.windows = [
            tuple(tuple(int(x) for x in part.split(":")) for part in w.split("-")) for w in WINDOWS
        ]

    def is_working_day(self, day: date) -> bool:
        if day in self.holidays:
            return False
        return day.weekday() < 5 or day in self.holidays.weekend_workdays

    def add(self, start: datetime, duration: timedelta) -> datetime:
        local = start.astimezone(self.zone)
        remaining = duration
        day = local.date()
        while True:
            if self.is_working_day(day):
                for (h1, m1), (h2, m2) in self.windows:
                    opens = datetime(day.year, day.month, day.day, h1, m1, tzinfo=self.zone)
                    closes = datetime(day.year, day.month, day.day, h2, m2, tzinfo=self.zone)
                    begin = max(opens, local)
                    if begin >= closes:
                        continue
                    if begin + remaining <= closes:
                        return begin + remaining
                    remaining -= closes - begin
            day += timedelta(days=1)


# --------------------------------------------------------------------------- timing


def median_seconds(call: Callable[[], Any], repeats: int, inner: int = 20) -> float:
    """Median over ``repeats`` runs of the mean time of ``inner`` calls, in seconds."""
    samples = []
    for _ in range(repeats):
        begin = time.perf_counter()
        for _ in range(inner):
            call()
        samples.append((time.perf_counter() - begin) / inner)
    return statistics.median(samples)


def first_call_seconds(call: Callable[[], Any]) -> float:
    """Time of one call, in seconds."""
    begin = time.perf_counter()
    call()
    return time.perf_counter() - begin


@dataclass
class CalendarBench:
    """Results of :func:`calendar_bench`, all in seconds."""

    warm: dict[str, float] = field(default_factory=dict)
    cold: dict[str, float] = field(default_factory=dict)
    baseline: dict[str, float] = field(default_factory=dict)
    working_days_warm: float = 0.0
    ratio_250d_4h: float = 0.0
    speedup_250d: float = 0.0


def calendar_bench(repeats: int = 200) -> CalendarBench:
    """Measure due-date costs on the CN calendar and the day-by-day baseline.

    :param repeats: the number of timed samples per figure (each of a few calls).
    """
    result = CalendarBench()
    calendar = cn_calendar()
    naive = DayByDay()
    for label, duration in TARGETS.items():
        result.cold[label] = first_call_seconds(partial(cn_calendar().add, START, duration))
        expected = calendar.add(START, duration)
        got = naive.add(START, duration)
        if got != expected:
            raise AssertionError(f"baseline disagrees for {label}: {got} != {expected}")
        result.warm[label] = median_seconds(partial(calendar.add, START, duration), repeats)
        result.baseline[label] = median_seconds(
            partial(naive.add, START, duration), max(3, repeats // 20), inner=2
        )
    result.working_days_warm = median_seconds(
        lambda: calendar.add_working_days(START, 250), repeats
    )
    result.ratio_250d_4h = result.warm["250 working days"] / result.warm["4 h"]
    result.speedup_250d = result.baseline["250 working days"] / result.warm["250 working days"]
    return result


def report_calendar(result: CalendarBench) -> list[str]:
    """Format :func:`calendar_bench` results as lines of text."""
    lines = [
        "Due dates on a CN calendar (Mon-Fri 09:00-12:00, 13:30-18:00, holidays, 调休)",
        f"  {'target':<18}{'warm median':>14}{'cold first':>14}{'day-by-day':>14}",
    ]
    for label in TARGETS:
        lines.append(
            f"  {label:<18}{_us(result.warm[label]):>14}{_us(result.cold[label]):>14}"
            f"{_us(result.baseline[label]):>14}"
        )
    lines += [
        f"  add_working_days(start, 250): {_us(result.working_days_warm)} (warm median)",
        f"  ratio 250 working days / 4 h: {result.ratio_250d_4h:.2f} (target <= 2)",
        f"  speed-up vs day-by-day at 250 working days: {result.speedup_250d:.0f}x (target >= 50x)",
    ]
    return lines


def _us(seconds: float) -> str:
    return f"{seconds * 1e6:,.1f} us"


# --------------------------------------------------------------------------- SLA clock

FAST = Target("desktop", "P1", "resolution", timedelta(hours=1), calendar="default")
SLOW = Target("desktop", "P4", "resolution", timedelta(hours=400), calendar="default")


class ScanAllTick:
    """The baseline: load every open clock and check each one for due levels.

    Its cost grows with the number of open clocks, whatever is due. It does the same
    work per clock as the real tick (``fire_due``) and stages the fired clocks, but
    rolls back at the end (the commit of the few due clocks is left out, in its favour).
    """

    def run(self, core: ItsmCore, now: datetime) -> int:
        """Return how many levels would fire at ``now``."""
        fired = 0
        query = Query((Where("state", "in", ("running", "paused")),))
        with core.storage.unit_of_work() as uow:
            for clock in uow.find(CLOCK_SPEC, query):
                count = clock.fire_due(now, calendars=core.calendars.get, actor=SYSTEM)
                if count:
                    fired += count
                    uow.save(CLOCK_SPEC, clock)
            uow.rollback()
        return fired


@dataclass
class ClockBench:
    """Results of :func:`clock_bench` (times in seconds)."""

    storage: str
    open_clocks: int
    due: int
    setup: float = 0.0
    tick: float = 0.0
    idle_tick: float = 0.0
    scan: float = 0.0
    fired: int = 0
    scan_fired: int = 0
    ratio_scan_tick: float = 0.0


def seed_clocks(core: ItsmCore, open_clocks: int, due: int, chunk: int = 5_000) -> None:
    """Store ``open_clocks`` running clocks started at :data:`START`; ``due`` of them
    have a 1 h target (due within the morning), the others 400 h."""
    every = max(1, open_clocks // max(due, 1))
    fast_left = due
    for first in range(0, open_clocks, chunk):
        with core.storage.unit_of_work() as uow:
            for i in range(first, min(open_clocks, first + chunk)):
                fast = fast_left > 0 and i % every == 0
                fast_left -= fast
                clock = SlaClock.start(
                    clock_id=f"bench-{i:07d}",
                    subject_kind="ticket",
                    subject_id=f"T-{i}",
                    target=FAST if fast else SLOW,
                    calendars=core.calendars.get,
                    actor=SYSTEM,
                    at=START,
                )
                uow.save(CLOCK_SPEC, clock)
            uow.commit()


def clock_bench(
    open_clocks: int = 100_000,
    due: int = 100,
    storage_url: str = "memory://",
    idle_repeats: int = 5,
) -> ClockBench:
    """Measure one tick over ``open_clocks`` clocks of which ``due`` are due.

    :param open_clocks: running clocks in the store.
    :param due: how many of them are due at the tick (each fires 3 warnings + breach).
    :param storage_url: the store (``memory://`` or ``sqlite:///path``).
    :param idle_repeats: samples of the idle tick.
    """
    due = min(due, open_clocks)
    result = ClockBench(storage_url.split(":", 1)[0], open_clocks, due)
    clock = FrozenClock(START)
    core = ItsmCore(
        storage_url,
        clock=clock,
        load_entrypoints=False,
        auto_relay=False,  # deliveries are a worker's job; not part of the tick
        calendar=cn_calendar(),
    )
    try:
        begin = time.perf_counter()
        seed_clocks(core, open_clocks, due)
        result.setup = time.perf_counter() - begin
        clock.set(START + timedelta(hours=6))  # past the 1 h targets, far from the 400 h
        begin = time.perf_counter()
        result.scan_fired = ScanAllTick().run(core, clock.now())
        result.scan = time.perf_counter() - begin
        begin = time.perf_counter()
        result.fired = core.sla.tick(SYSTEM).fired
        result.tick = time.perf_counter() - begin
        if result.fired != result.scan_fired or result.fired != 4 * due:
            raise AssertionError(
                f"tick fired {result.fired}, the scan {result.scan_fired}, expected {4 * due}"
            )
        result.idle_tick = median_seconds(lambda: core.sla.tick(SYSTEM), idle_repeats, inner=1)
        result.ratio_scan_tick = result.scan / result.tick
    finally:
        core.close()
    return result


def report_clock(result: ClockBench) -> list[str]:
    """Format :func:`clock_bench` results as lines of text."""
    return [
        f"SLA clock tick on {result.storage}: {result.open_clocks:,} open clocks, "
        f"{result.due} due (seeded in {result.setup:.1f} s)",
        f"  tick firing {result.fired} levels: {_ms(result.tick)}",
        f"  tick with nothing due:     {_ms(result.idle_tick)}",
        f"  baseline scanning all open clocks: {_ms(result.scan)}",
        f"  ratio scan / tick: {result.ratio_scan_tick:.1f}x",
    ]


def _ms(seconds: float) -> str:
    return f"{seconds * 1e3:,.1f} ms"


# --------------------------------------------------------------------------- main


def main(argv: Sequence[str] | None = None) -> int:
    """Run every section and print its report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--repeats", type=int, default=200, help="timed samples per figure")
    parser.add_argument(
        "--clocks", type=int, default=100_000, help="open SLA clocks on memory:// (0: skip)"
    )
    parser.add_argument(
        "--sql-clocks", type=int, default=10_000, help="open SLA clocks on SQLite (0: skip)"
    )
    parser.add_argument("--due", type=int, default=100, help="SLA clocks due at the tick")
    args = parser.parse_args(argv)
    for line in report_calendar(calendar_bench(args.repeats)):
        print(line)
    if args.clocks:
        for line in report_clock(clock_bench(args.clocks, args.due)):
            print(line)
    if args.sql_clocks:
        with tempfile.TemporaryDirectory() as folder:
            url = f"sqlite:///{folder}/bench.db"
            for line in report_clock(clock_bench(args.sql_clocks, args.due, url)):
                print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
