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

Each section is a function returning plain numbers plus a function formatting them,
so further sections (e.g. SLA clocks) slot into :func:`main`.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

import holidays

from itsm_core.sla import BusinessCalendar

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


# --------------------------------------------------------------------------- main


def main(argv: Sequence[str] | None = None) -> int:
    """Run every section and print its report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--repeats", type=int, default=200, help="timed samples per figure")
    args = parser.parse_args(argv)
    for line in report_calendar(calendar_bench(args.repeats)):
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
