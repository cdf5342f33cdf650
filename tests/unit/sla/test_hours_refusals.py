"""What working windows and weekly hours refuse: the exact message and field of each.

A refusal tells the caller what was wrong and what is allowed, and names the
field; these tests pin both, and the boundaries on each side of every limit.
"""

from __future__ import annotations

from datetime import time, timedelta, timezone

import pytest

from itsm_core.calendars import WeeklyHours, Window
from itsm_core.calendars.hours import (
    DAY_SECONDS,
    format_time_of_day,
    parse_time_of_day,
    parse_weekdays,
    parse_windows,
)
from itsm_core.kernel.errors import ValidationError


def refusal(call: object, *args: object, **kwargs: object) -> ValidationError:
    """The ValidationError raised by ``call(*args, **kwargs)``."""
    assert callable(call)
    with pytest.raises(ValidationError) as caught:
        call(*args, **kwargs)
    return caught.value


# -- one time of day ------------------------------------------------------------


def test_a_bool_is_not_a_time_of_day() -> None:
    error = refusal(parse_time_of_day, True, "opens")
    assert str(error) == "opens must be a time of day, got bool"
    assert error.field == "opens"
    assert str(refusal(parse_time_of_day, False)) == "time must be a time of day, got bool"
    assert refusal(parse_time_of_day, False).field == "time"


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (time(9, 0, tzinfo=timezone(timedelta(hours=8))), "09:00:00+08:00"),
        (time(9, 0, 0, 1), "09:00:00.000001"),
    ],
)
def test_a_time_with_zone_or_microseconds_is_refused(value: time, shown: str) -> None:
    error = refusal(parse_time_of_day, value, "start")
    assert str(error) == (
        f"start must be a plain wall-clock time without zone or microseconds (got {shown})"
    )
    assert error.field == "start"


def test_a_plain_time_counts_hours_minutes_and_seconds() -> None:
    assert parse_time_of_day(time(0)) == 0
    assert parse_time_of_day(time(1, 2, 3)) == 3_723
    assert parse_time_of_day(time(23, 59, 59)) == DAY_SECONDS - 1


@pytest.mark.parametrize("text", ["9", "9:0", "09:00:0", "ab:cd", "-1:00", "09.00", "123:00"])
def test_text_that_is_not_hh_mm_is_refused(text: str) -> None:
    error = refusal(parse_time_of_day, text, "end")
    assert str(error) == f"end must look like 'HH:MM' or 'HH:MM:SS' (got {text!r})"
    assert error.field == "end"


@pytest.mark.parametrize("text", ["09:60", "09:00:60", "25:00", "24:01", "24:00:01", "99:00"])
def test_text_out_of_the_clock_is_refused(text: str) -> None:
    error = refusal(parse_time_of_day, text, "start")
    assert str(error) == (
        f"start {text!r} is not a time of day; allowed 00:00 to 23:59:59, "
        "and 24:00 as the end of a window"
    )
    assert error.field == "start"


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("00:00", 0),
        ("0:00", 0),
        (" 09:05 ", 32_700),
        ("09:59:59", 35_999),
        ("23:59", 86_340),
        ("23:59:59", 86_399),
        ("24:00", DAY_SECONDS),
        ("24:00:00", DAY_SECONDS),
    ],
)
def test_text_at_the_edges_of_the_clock_is_read(text: str, seconds: int) -> None:
    assert parse_time_of_day(text) == seconds


@pytest.mark.parametrize("value", [1.5, None, b"09:00", [9, 0]])
def test_other_types_are_refused(value: object) -> None:
    error = refusal(parse_time_of_day, value, "opens")
    assert str(error) == (
        "opens must be 'HH:MM', a datetime.time or seconds after midnight, "
        f"got {type(value).__name__}"
    )
    assert error.field == "opens"


@pytest.mark.parametrize("seconds", [-1, DAY_SECONDS + 1, 10**9])
def test_seconds_outside_the_day_are_refused(seconds: int) -> None:
    error = refusal(parse_time_of_day, seconds, "start")
    assert str(error) == (
        f"start must lie within one day, 0 to 86400 seconds (24:00); got {seconds}"
    )
    assert error.field == "start"


@pytest.mark.parametrize("seconds", [0, 1, DAY_SECONDS - 1, DAY_SECONDS])
def test_seconds_within_the_day_are_kept(seconds: int) -> None:
    assert parse_time_of_day(seconds) == seconds


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0, "00:00"), (59, "00:00:59"), (60, "00:01"), (3_600, "01:00"), (45_030, "12:30:30"),
     (DAY_SECONDS, "24:00")],
)  # fmt: skip
def test_times_are_formatted_with_seconds_only_when_needed(seconds: int, text: str) -> None:
    assert format_time_of_day(seconds) == text


# -- one window -----------------------------------------------------------------


def test_a_window_names_which_end_is_wrong() -> None:
    start = refusal(Window, "9", "12:00")
    assert start.field == "start"
    assert str(start) == "start must look like 'HH:MM' or 'HH:MM:SS' (got '9')"
    end = refusal(Window, "09:00", "25:00")
    assert end.field == "end"
    assert str(end).startswith("end '25:00' is not a time of day")


@pytest.mark.parametrize(("start", "end"), [("12:00", "09:00"), ("09:00", "09:00")])
def test_a_window_must_start_before_it_ends(start: str, end: str) -> None:
    error = refusal(Window, start, end)
    assert error.field == "window"
    assert str(error) == (
        f"a working window must start before it ends (got {start}-{end}); "
        "a window lies within one day — split a night shift at 24:00"
    )


def test_a_one_second_window_is_a_window() -> None:
    assert Window(0, 1).seconds == 1
    assert Window("23:59:59", "24:00").seconds == 1


@pytest.mark.parametrize("value", [None, 9, ("09:00", "12:00")])
def test_a_window_is_parsed_from_text_only(value: object) -> None:
    error = refusal(Window.parse, value)
    assert error.field == "window"
    assert str(error) == (f"a window must be text like '09:00-12:00', got {type(value).__name__}")


@pytest.mark.parametrize("text", ["9 to 12", "09:00", "09:00-", "-12:00", "09:00/12:00"])
def test_window_text_must_be_a_range(text: str) -> None:
    error = refusal(Window.parse, text)
    assert error.field == "window"
    assert str(error) == f"a window must look like '09:00-12:00' (got {text!r})"


@pytest.mark.parametrize("text", ["09:00-12:00", "09:00–12:00", "09:00~12:00", " 09:00 - 12:00 "])
def test_window_text_may_use_a_hyphen_an_en_dash_or_a_tilde(text: str) -> None:
    assert Window.parse(text) == Window(32_400, 43_200)


# -- the windows of a day -------------------------------------------------------


@pytest.mark.parametrize("value", [42, ("09:00",), ["09:00", "12:00", "18:00"], None])
def test_an_item_that_is_not_a_window_is_refused(value: object) -> None:
    error = refusal(parse_windows, [value])
    assert error.field == "window"
    assert str(error) == (
        "a working window must be a Window, text like '09:00-12:00' or a "
        f"(start, end) pair; got {value!r}"
    )


def test_windows_of_a_day_may_be_pairs_lists_texts_or_windows() -> None:
    assert parse_windows([["13:00", "14:00"], ("09:00", "10:00")]) == (
        Window("09:00", "10:00"),
        Window("13:00", "14:00"),
    )
    assert parse_windows("09:00-10:00") == (Window("09:00", "10:00"),)
    assert parse_windows(Window(0, 60)) == (Window(0, 60),)
    assert parse_windows([]) == ()


@pytest.mark.parametrize(("what", "where"), [("mon-fri", " of mon-fri"), (None, ""), ("", "")])
def test_windows_that_are_not_a_list_are_refused(what: str | None, where: str) -> None:
    error = refusal(parse_windows, 42, what)
    assert error.field == "windows"
    assert str(error) == (
        f"the working windows{where} must be a list of windows such as "
        "['09:00-12:00', '13:30-18:00'], got int"
    )


@pytest.mark.parametrize(("what", "where"), [("sat", " on sat"), (None, ""), ("", "")])
def test_overlapping_windows_are_refused_and_named(what: str | None, where: str) -> None:
    error = refusal(parse_windows, ["11:00-13:00", "09:00-12:00"], what)
    assert error.field == "windows"
    assert str(error) == (
        f"working windows overlap{where}: 09:00-12:00 and 11:00-13:00; "
        "windows of one day must not overlap (touching is allowed)"
    )


def test_windows_overlapping_by_one_second_are_refused_and_touching_ones_merged() -> None:
    with pytest.raises(ValidationError, match="overlap"):
        parse_windows([Window(0, 61), Window(60, 120)])
    assert parse_windows([Window(60, 120), Window(0, 60), Window(200, 300)]) == (
        Window(0, 120),
        Window(200, 300),
    )
    assert parse_windows([Window(0, 60), Window(61, 120)]) == (Window(0, 60), Window(61, 120))
    assert parse_windows(["08:00-09:00", "09:00-10:00", "10:00-11:00"]) == (
        Window("08:00", "11:00"),
    )


# -- weekdays -------------------------------------------------------------------


@pytest.mark.parametrize("spec", ["xyz", "mo", "mondays", 7, -1, "8"])
def test_an_unknown_weekday_is_refused_with_the_names_allowed(spec: object) -> None:
    error = refusal(parse_weekdays, spec)
    assert error.field == "weekdays"
    assert str(error) == (
        f"unknown weekday {spec!r}; use mon, tue, wed, thu, fri, sat, sun or 0 (Monday) to 6"
    )


def test_a_bool_is_not_a_weekday() -> None:
    error = refusal(parse_weekdays, True)
    assert (str(error), error.field) == ("unknown weekday True", "weekdays")
    error = refusal(parse_weekdays, [False])
    assert error.field == "weekdays"
    assert str(error).startswith("unknown weekday False; use mon")


def test_a_backward_range_is_refused() -> None:
    error = refusal(parse_weekdays, "fri-mon")
    assert error.field == "weekdays"
    assert str(error) == "weekday range 'fri-mon' runs backwards; write e.g. 'mon-fri'"


@pytest.mark.parametrize(
    ("spec", "days"),
    [
        ("all", (0, 1, 2, 3, 4, 5, 6)),
        (" Daily ", (0, 1, 2, 3, 4, 5, 6)),
        ("sun", (6,)),
        ("sat-sun", (5, 6)),
        ("mon-mon", (0,)),
        ("Tuesday, thurs", (1, 3)),
        ("fri,,mon", (0, 4)),
        (0, (0,)),
        (6, (6,)),
        ([6, "mon", "wed-thu"], (0, 2, 3, 6)),
        ("", ()),
    ],
)
def test_weekday_specifications(spec: object, days: tuple[int, ...]) -> None:
    assert parse_weekdays(spec) == days  # type: ignore[arg-type]


# -- a week ---------------------------------------------------------------------


@pytest.mark.parametrize("value", ["mon-fri", 42, [["09:00-12:00"]] * 6, None])
def test_weekly_hours_of_another_shape_are_refused(value: object) -> None:
    error = refusal(WeeklyHours, value)
    assert error.field == "weekly"
    assert str(error) == (
        "weekly hours must be a mapping of weekday to windows (e.g. "
        "{'mon-fri': ['09:00-12:00', '13:30-18:00']}) or a sequence of 7 window lists"
    )


def test_overlapping_windows_of_a_weekday_range_are_named_by_the_range() -> None:
    error = refusal(WeeklyHours, {"mon-wed": ["09:00-12:00", "11:00-13:00"]})
    assert error.field == "windows"
    assert " on mon-wed: " in str(error)
    error = refusal(WeeklyHours, {"sat,sun": ["09:00-12:00", "11:00-13:00"]})
    assert " on sat, sun: " in str(error)
    error = refusal(WeeklyHours, [[], [], [], [], [], ["09:00-12:00", "11:00-13:00"], []])
    assert " on sat: " in str(error)
    error = refusal(WeeklyHours.workweek, "09:00-12:00", "11:00-13:00", weekdays="mon,wed,fri")
    assert " on mon, wed, fri: " in str(error)


def test_the_windows_of_a_mapping_land_on_their_days() -> None:
    week = WeeklyHours({"mon-fri": ["09:00-12:00"], "sat": "10:00-11:00", 6: []})
    assert week.days[:5] == ((Window("09:00", "12:00"),),) * 5
    assert week.on(5) == (Window("10:00", "11:00"),)
    assert week.on(6) == ()
    assert WeeklyHours({"tue": ["09:00-10:00"]}).days == (
        (), (Window("09:00", "10:00"),), (), (), (), (), (),
    )  # fmt: skip
    assert WeeklyHours([[], [], [], [], [], [], ["00:00-24:00"]]).on(6) == (Window(0, DAY_SECONDS),)


def test_a_workweek_needs_a_window() -> None:
    error = refusal(WeeklyHours.workweek)
    assert error.field == "windows"
    assert str(error) == "give at least one working window, e.g. '09:00-18:00'"
    assert WeeklyHours.workweek("09:00-10:00", weekdays="sat").days == (
        (), (), (), (), (), (Window("09:00", "10:00"),), (),
    )  # fmt: skip


def test_a_week_without_windows_and_its_first_working_day() -> None:
    empty = WeeklyHours([[]] * 7)
    assert empty.is_empty
    assert empty.first_working_day_windows == ()
    week = WeeklyHours({"wed": ["09:00-10:00"], "fri": ["11:00-12:00"]})
    assert not week.is_empty
    assert week.first_working_day_windows == (Window("09:00", "10:00"),)
    assert WeeklyHours.always().days == ((Window(0, DAY_SECONDS),),) * 7


def test_a_week_as_a_dict_and_in_chinese() -> None:
    week = WeeklyHours({"mon": ["09:00-12:00", "13:30-18:00"], "sun": ["10:00-11:00:30"]})
    assert week.to_dict() == {
        "mon": ["09:00-12:00", "13:30-18:00"], "tue": [], "wed": [], "thu": [], "fri": [],
        "sat": [], "sun": ["10:00-11:00:30"],
    }  # fmt: skip
    assert WeeklyHours.from_dict(week.to_dict()) == week
    assert week.describe_zh() == (
        "周一 09:00-12:00, 13:30-18:00；周二 休息；周三 休息；周四 休息；周五 休息；"
        "周六 休息；周日 10:00-11:00:30"
    )
