"""Daylight-saving changes: windows are wall-clock times with their real length.

2025 transitions: America/New_York springs forward on Sun 9 March (02:00 → 03:00)
and falls back on Sun 2 November (02:00 → 01:00); Europe/Berlin springs forward
on Sun 30 March (02:00 → 03:00) and falls back on Sun 26 October (03:00 → 02:00).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from itsm_core.calendars import BusinessCalendar, WeeklyHours

NY = ZoneInfo("America/New_York")
BERLIN = ZoneInfo("Europe/Berlin")
H = timedelta(hours=1)
M = timedelta(minutes=1)


def at(zone: ZoneInfo, *args: int, fold: int = 0) -> datetime:
    return datetime(*args, tzinfo=zone, fold=fold)  # type: ignore[misc]


def daily(zone: ZoneInfo, *windows: str) -> BusinessCalendar:
    return BusinessCalendar(zone, WeeklyHours.workweek(*windows, weekdays="all"))


def window_length(cal: BusinessCalendar, zone: ZoneInfo, y: int, m: int, d: int) -> timedelta:
    return cal.between(at(zone, y, m, d), at(zone, y, m, d, 23, 59))


@pytest.mark.parametrize(
    ("zone", "spring", "autumn", "window"),
    [
        (NY, (2025, 3, 9), (2025, 11, 2), "01:00-04:00"),
        (BERLIN, (2025, 3, 30), (2025, 10, 26), "01:00-04:00"),
    ],
)
def test_a_window_containing_the_change_has_its_real_length(
    zone: ZoneInfo, spring: tuple[int, int, int], autumn: tuple[int, int, int], window: str
) -> None:
    cal = daily(zone, window)
    assert window_length(cal, zone, *spring) == 2 * H
    assert window_length(cal, zone, *autumn) == 4 * H
    assert window_length(cal, zone, 2025, 6, 1) == 3 * H
    # A full week around each change: 6 ordinary days plus the changed day.
    for day, change in ((spring, -H), (autumn, H)):
        monday = at(zone, *day) - timedelta(days=3)
        assert cal.between(monday, monday + timedelta(days=7)) == 7 * 3 * H + change


def test_new_york_spring_forward_add_and_between() -> None:
    cal = daily(NY, "01:00-04:00")
    # 01:30 EST + 1 h of work: 30 min to 02:00 EST, then 03:00 EDT + 30 min.
    result = cal.add(at(NY, 2025, 3, 9, 1, 30), H)
    assert result == at(NY, 2025, 3, 9, 3, 30)
    assert result.utcoffset() == -4 * H
    assert cal.between(at(NY, 2025, 3, 9, 1, 30), at(NY, 2025, 3, 9, 3, 30)) == H
    assert cal.add(at(NY, 2025, 3, 9, 1), 2 * H) == at(NY, 2025, 3, 9, 4)
    assert cal.add(at(NY, 2025, 3, 9, 1), 2 * H + M) == at(NY, 2025, 3, 10, 1, 1)


def test_new_york_fall_back_add_counts_the_repeated_hour_twice() -> None:
    cal = daily(NY, "01:00-04:00")
    first = at(NY, 2025, 11, 2, 1, 30)  # EDT
    second = at(NY, 2025, 11, 2, 1, 30, fold=1)  # EST, one hour later
    assert second - first == timedelta(0)  # same wall time: Python compares wall times
    assert second.astimezone(UTC) - first.astimezone(UTC) == H
    assert cal.is_open(first)
    assert cal.is_open(second)
    result = cal.add(first, H)
    assert result.astimezone(UTC) == second.astimezone(UTC)
    assert result.fold == 1
    assert cal.between(first, second) == H
    assert cal.add(at(NY, 2025, 11, 2, 1), 4 * H) == at(NY, 2025, 11, 2, 4)


def test_a_window_inside_the_skipped_hour_is_empty() -> None:
    cal = daily(NY, "02:00-02:30", "09:00-10:00")
    assert window_length(cal, NY, 2025, 3, 9) == H
    assert window_length(cal, NY, 2025, 3, 10) == 1.5 * H
    assert cal.next_opening(at(NY, 2025, 3, 9, 1)) == at(NY, 2025, 3, 9, 9)
    only_gap = daily(NY, "02:00-02:30")
    assert not only_gap.is_working_day("2025-03-09")
    assert only_gap.is_working_day("2025-03-10")


def test_a_window_inside_the_repeated_hour_is_open_twice() -> None:
    cal = daily(BERLIN, "02:15-02:45")
    assert window_length(cal, BERLIN, 2025, 10, 26) == H
    first = at(BERLIN, 2025, 10, 26, 2, 15)
    assert cal.add(first, 30 * M) == at(BERLIN, 2025, 10, 26, 2, 45)
    later = cal.add(first, 31 * M)
    assert later == at(BERLIN, 2025, 10, 26, 2, 16, fold=1)
    assert later.fold == 1
    assert later.utcoffset() == H  # CET
    assert not cal.is_open(at(BERLIN, 2025, 10, 26, 2, 50))
    assert cal.next_opening(at(BERLIN, 2025, 10, 26, 2, 50)).utcoffset() == H


def test_berlin_office_hours_and_a_night_shift_over_the_change() -> None:
    office = BusinessCalendar.from_country(
        "DE", subdiv="BE", timezone=BERLIN, hours=["09:00-17:00"]
    )
    # Friday 16:00 + 2 h: the Sunday change does not matter for office hours.
    assert office.add(at(BERLIN, 2025, 3, 28, 16), 2 * H) == at(BERLIN, 2025, 3, 31, 10)
    assert office.between(at(BERLIN, 2025, 3, 28, 9), at(BERLIN, 2025, 3, 31, 17)) == 16 * H
    night = BusinessCalendar(BERLIN, {"sat": ["22:00-24:00"], "sun": ["00:00-06:00"]})
    assert night.between(at(BERLIN, 2025, 3, 29, 12), at(BERLIN, 2025, 3, 30, 12)) == 7 * H
    assert night.between(at(BERLIN, 2025, 10, 25, 12), at(BERLIN, 2025, 10, 26, 12)) == 9 * H
    assert night.next_closing(at(BERLIN, 2025, 3, 29, 23)) == at(BERLIN, 2025, 3, 30, 6)


def test_twenty_four_seven_counts_real_hours() -> None:
    cal = BusinessCalendar.always_open(NY)
    assert cal.between(at(NY, 2025, 3, 9), at(NY, 2025, 3, 10)) == 23 * H
    assert cal.between(at(NY, 2025, 11, 2), at(NY, 2025, 11, 3)) == 25 * H
    start = at(NY, 2025, 3, 8, 12)
    assert cal.add(start, 24 * H) == at(NY, 2025, 3, 9, 13)
    assert cal.add_working_days(start, 1) == at(NY, 2025, 3, 9, 12)  # same wall time, 23 h later
    assert cal.add_working_days(at(NY, 2025, 3, 8, 2, 30), 1) == at(NY, 2025, 3, 9, 3)
    assert cal.add_working_days(at(NY, 2025, 11, 1, 1, 30), 1) == at(NY, 2025, 11, 2, 1, 30)
    assert cal.add_working_days(at(NY, 2025, 11, 1, 1, 30), 1).fold == 0
