"""Working windows and weekly hours."""

from __future__ import annotations

from datetime import time

import pytest

from itsm_core.calendars import WeeklyHours, Window
from itsm_core.calendars.hours import parse_time_of_day, parse_weekdays, parse_windows
from itsm_core.kernel.errors import ValidationError


def test_window_from_texts_times_and_seconds() -> None:
    assert Window("09:00", "12:00") == Window(time(9), time(12)) == Window(32_400, 43_200)
    assert Window.parse("13:30-18:00") == Window("13:30", "18:00")
    assert Window.parse("13:30 – 18:00") == Window("13:30", "18:00")
    assert str(Window("09:00:30", "24:00")) == "09:00:30-24:00"
    assert Window("00:00", "24:00").seconds == 86_400


@pytest.mark.parametrize(
    ("start", "end"),
    [("12:00", "09:00"), ("09:00", "09:00"), ("24:00", "24:00"), ("25:00", "26:00")],
)
def test_window_must_start_before_it_ends_within_the_day(start: str, end: str) -> None:
    with pytest.raises(ValidationError):
        Window(start, end)


@pytest.mark.parametrize("text", ["9", "09:60", "24:01", "ab:cd", "-1:00"])
def test_bad_times_are_refused(text: str) -> None:
    with pytest.raises(ValidationError, match="time"):
        parse_time_of_day(text)


def test_bad_time_types_are_refused() -> None:
    with pytest.raises(ValidationError):
        parse_time_of_day(True)
    with pytest.raises(ValidationError):
        parse_time_of_day(1.5)
    with pytest.raises(ValidationError):
        parse_time_of_day(90_000)
    with pytest.raises(ValidationError):
        parse_time_of_day(time(9, 0, 0, 5))
    with pytest.raises(ValidationError, match="09:00-12:00"):
        Window.parse("9 to 12")


def test_windows_are_sorted_merged_when_touching_and_refused_when_overlapping() -> None:
    assert parse_windows(["13:30-18:00", "09:00-12:00"]) == (
        Window("09:00", "12:00"),
        Window("13:30", "18:00"),
    )
    assert parse_windows(["00:00-12:00", ("12:00", "24:00")]) == (Window("00:00", "24:00"),)
    with pytest.raises(ValidationError, match="overlap"):
        parse_windows(["09:00-12:00", "11:00-13:00"], "mon")
    with pytest.raises(ValidationError, match="Window"):
        parse_windows([42])


def test_weekdays() -> None:
    assert parse_weekdays("mon-fri") == (0, 1, 2, 3, 4)
    assert parse_weekdays("sat,sun") == (5, 6)
    assert parse_weekdays(["Monday", 3]) == (0, 3)
    assert parse_weekdays("all") == tuple(range(7))
    with pytest.raises(ValidationError, match="weekday"):
        parse_weekdays("fri-mon")
    with pytest.raises(ValidationError, match="weekday"):
        parse_weekdays("funday")


def test_weekly_hours() -> None:
    week = WeeklyHours.workweek("09:00-12:00", "13:30-18:00")
    assert week.on(0) == (Window("09:00", "12:00"), Window("13:30", "18:00"))
    assert week.on(5) == ()
    assert not week.is_empty
    assert WeeklyHours.from_dict(week.to_dict()) == week
    mixed = WeeklyHours({"mon-fri": ["09:00-18:00"], "sat": "09:00-12:00"})
    assert mixed.on(5) == (Window("09:00", "12:00"),)
    assert mixed.on(6) == ()
    assert WeeklyHours.always().on(6) == (Window("00:00", "24:00"),)
    assert WeeklyHours([()] * 7).is_empty
    assert "周一 09:00-12:00, 13:30-18:00" in week.describe_zh()
    with pytest.raises(ValidationError):
        WeeklyHours.workweek()
    with pytest.raises(ValidationError, match="weekly"):
        WeeklyHours("09:00-18:00")
