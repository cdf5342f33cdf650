"""Rules of the business calendar stated one by one: windows, weekdays, dates, errors.

Each test states one rule of working time (which days and hours are open, which
years have official holiday data, what an error tells the provider) on a small
calendar whose answer can be worked out by hand.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from itsm_core.calendars import BusinessCalendar, OfficialYear, WeeklyHours, Window
from itsm_core.calendars.days import DayInfo, DayKind
from itsm_core.calendars.hours import parse_weekdays
from itsm_core.kernel.errors import CalendarError, ValidationError

SH = ZoneInfo("Asia/Shanghai")
H = timedelta(hours=1)


def sh(*args: int) -> datetime:
    return datetime(*args, tzinfo=SH)  # type: ignore[misc]


# --------------------------------------------------------------------------- weekdays


@pytest.mark.parametrize("spec", ["all", "daily", "mon-sun", " ALL ", ["sun", 0, "mon-sat"]])
def test_every_day_of_the_week_can_be_named_at_once(spec: object) -> None:
    assert parse_weekdays(spec) == (0, 1, 2, 3, 4, 5, 6)  # type: ignore[arg-type]


@pytest.mark.parametrize("spec", [7, -1, True, "7", "xyz", "mon-xyz"])
def test_a_weekday_outside_monday_to_sunday_is_refused(spec: object) -> None:
    with pytest.raises(ValidationError, match="weekday") as caught:
        parse_weekdays(spec)  # type: ignore[arg-type]
    assert caught.value.field == "weekdays"


@pytest.mark.parametrize(
    ("spec", "days"),
    [
        (6, (6,)),
        ("sat-sat", (5,)),
        ("Tues, thursday", (1, 3)),
        ("mon - wed, fri", (0, 1, 2, 4)),
        (" wed ,, fri , ,", (2, 4)),
    ],
)
def test_weekdays_are_named_by_their_english_names_or_numbers(
    spec: object, days: tuple[int, ...]
) -> None:
    assert parse_weekdays(spec) == days  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("fri-mon", "weekday range 'fri-mon' runs backwards; write e.g. 'mon-fri'"),
        ("mon-tue-wed", "unknown weekday 'tue-wed'; use mon, tue, wed, thu, fri, sat, sun or "
         "0 (Monday) to 6"),
        ("monkey", "unknown weekday 'monkey'; use mon, tue, wed, thu, fri, sat, sun or "
         "0 (Monday) to 6"),
        ("mo", "unknown weekday 'mo'; use mon, tue, wed, thu, fri, sat, sun or 0 (Monday) to 6"),
    ],
)
def test_a_bad_weekday_specification_is_refused_saying_what_is_allowed(
    spec: str, message: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_weekdays(spec)
    assert str(caught.value) == message
    assert caught.value.field == "weekdays"


def test_a_working_week_needs_a_window() -> None:
    with pytest.raises(ValidationError) as caught:
        WeeklyHours.workweek()
    assert str(caught.value) == "give at least one working window, e.g. '09:00-18:00'"
    assert caught.value.field == "windows"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (42, "a window must be text like '09:00-12:00', got int"),
        ("9 to 12", "a window must look like '09:00-12:00' (got '9 to 12')"),
    ],
)
def test_a_window_that_is_not_text_like_09_00_12_00_is_refused(text: object, message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        Window.parse(text)  # type: ignore[arg-type]
    assert str(caught.value) == message
    assert caught.value.field == "window"


def test_the_chinese_description_names_each_weekday_and_its_rest_days() -> None:
    week = WeeklyHours.workweek("09:00-12:00", "13:30-18:00", weekdays="mon-sat")
    assert week.describe_zh() == (
        "周一 09:00-12:00, 13:30-18:00；周二 09:00-12:00, 13:30-18:00；"
        "周三 09:00-12:00, 13:30-18:00；周四 09:00-12:00, 13:30-18:00；"
        "周五 09:00-12:00, 13:30-18:00；周六 09:00-12:00, 13:30-18:00；周日 休息"
    )


# --------------------------------------------------------------------------- labels


def _holiday(name: str) -> str:
    return DayInfo(date(2026, 1, 1), DayKind.HOLIDAY, (), name).label("en")


@pytest.mark.parametrize(
    ("name", "label"),
    [
        # Text right after a bracket is set off by a comma, punctuation is kept as is.
        ("A（B）C", "holiday (A，B，C)"),
        ("A (B)C", "holiday (A, B, C)"),
        ("Day (observed), Eve", "holiday (Day, observed, Eve)"),
        ("Day (observed). Eve", "holiday (Day, observed. Eve)"),
        ("Day (observed) Eve", "holiday (Day, observed Eve)"),
        # A name that starts with a bracket gets no comma in front.
        ("（补假）端午节", "holiday (补假，端午节)"),
        ("(a) (b)", "holiday (a, b)"),
        # Brackets within brackets are flattened from the inside out.
        ("A（B（C））", "holiday (A，B，C)"),
    ],
)
def test_a_label_never_nests_brackets(name: str, label: str) -> None:
    assert _holiday(name) == label


# --------------------------------------------------------------------------- published years


def test_a_published_year_may_leave_a_holiday_unnamed() -> None:
    year = OfficialYear(2026, {"2026-01-01": "", "2026-01-02": None, "2026-10-01": "国庆节"})
    assert year.holidays == {date(2026, 1, 1), date(2026, 1, 2), date(2026, 10, 1)}
    assert year.names == ((date(2026, 10, 1), "国庆节"),)
    assert year.name_of(date(2026, 1, 1)) is None


def test_a_published_year_names_the_field_of_a_bad_value() -> None:
    with pytest.raises(ValidationError, match="name of holiday 2026-01-01") as caught:
        OfficialYear(2026, {"2026-01-01": 5})  # type: ignore[dict-item]
    assert caught.value.field == "holidays"
    with pytest.raises(ValidationError, match="name of holiday 2026-01-01") as caught:
        OfficialYear(2026, ["2026-01-01"], names={"2026-01-01": 5})  # type: ignore[dict-item]
    assert caught.value.field == "names"
    with pytest.raises(ValidationError, match="calendar date") as caught:
        OfficialYear(2026, ["2026-13-01"])
    assert caught.value.field == "holidays"


@pytest.mark.parametrize(("year", "valid"), [(0, False), (1, True), (9999, True), (10000, False)])
def test_a_published_year_lies_in_the_years_of_a_date(year: int, valid: bool) -> None:
    if valid:
        assert OfficialYear(year).year == year
    else:
        with pytest.raises(ValidationError, match="year must be an int from 1 to 9999") as caught:
            OfficialYear(year)
        assert caught.value.field == "year"


@pytest.mark.parametrize(
    ("build", "field", "message"),
    [
        (
            lambda: OfficialYear(2027, ["2027-01-01"], ["2027-1-3"]),
            "workdays",
            "workdays must be a calendar date (datetime.date or 'YYYY-MM-DD'), got '2027-1-3'",
        ),
        (
            lambda: OfficialYear(2027, ["2027-01-01"], names={"2027-01-02": "元旦", 5: "x"}),
            "names",
            "names must be a calendar date (datetime.date or 'YYYY-MM-DD'), got 5",
        ),
        (
            lambda: OfficialYear(
                2027,
                ["2027-01-01"],
                names={"2027-01-03": "a", "2027-01-01": "b", "2027-01-02": "c"},
            ),
            "names",
            "names given for dates that are not holidays of the year: 2027-01-02, 2027-01-03",
        ),
        (
            lambda: OfficialYear(2027, ["2028-01-01", "2027-01-01", "2026-12-31"]),
            "holidays",
            "the official arrangement of 2027 holds only dates of 2027; holidays has "
            "2026-12-31, 2028-01-01 — publish each year separately "
            "(with_official_year(year, ...))",
        ),
        (
            lambda: OfficialYear(2027, [], ["2026-12-27"]),
            "workdays",
            "the official arrangement of 2027 holds only dates of 2027; workdays has "
            "2026-12-27 — publish each year separately (with_official_year(year, ...))",
        ),
        (
            lambda: OfficialYear(2027, ["2027-01-02", "2027-01-03"], ["2027-01-03", "2027-01-02"]),
            "workdays",
            "a date cannot be both a holiday and a makeup working day: 2027-01-02, 2027-01-03",
        ),
    ],
)
def test_a_bad_published_year_is_refused_naming_the_field_and_the_dates(
    build: Callable[[], object], field: str, message: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        build()
    assert str(caught.value) == message
    assert caught.value.field == field


# --------------------------------------------------------------------------- working days


def test_working_days_are_counted_from_first_to_last_both_included() -> None:
    cal = BusinessCalendar.china()
    assert cal.working_days_between("2025-09-30", "2025-09-30") == 1
    assert cal.working_days_between("2025-10-01", "2025-10-01") == 0  # 国庆节
    assert cal.working_days_between("2025-09-30", "2025-10-09") == 2  # Tue 30th, Thu 9th
    for first, last, field in (("2025-9-30", "2025-10-01", "first"), ("2025-09-30", "x", "last")):
        with pytest.raises(ValidationError, match=f"^{field} must be a calendar date") as caught:
            cal.working_days_between(first, last)
        assert caught.value.field == field
    with pytest.raises(ValidationError) as caught:
        cal.working_days_between("2025-10-02", "2025-10-01")
    assert str(caught.value) == "last (2025-10-01) must not be before first (2025-10-02)"
    assert caught.value.field == "last"


def test_a_day_after_the_last_working_day_of_its_year_is_not_a_working_day() -> None:
    cal = BusinessCalendar("UTC", WeeklyHours.workweek("09:00-17:00"))
    assert cal.is_working_day("2022-12-30")  # Friday
    assert not cal.is_working_day("2022-12-31")  # Saturday, after the year's last working day
    assert not cal.is_working_day("2022-01-01")  # Saturday, before the first


# --------------------------------------------------------------------------- official data


def test_the_unofficial_years_of_a_span_are_its_local_years_past_the_data() -> None:
    cal = BusinessCalendar.china(official_until=2026, allow_unofficial_years=True)
    # 16:30 UTC on New Year's Eve is already 1 January 2027 in Shanghai.
    eve = datetime(2026, 12, 31, 16, 30, tzinfo=UTC)
    assert cal.unofficial_years_between(eve, eve) == (2027,)
    assert cal.unofficial_years_between(eve - H, eve - H) == ()
    assert cal.unofficial_years_between(eve - H, eve) == (2027,)
    assert cal.unofficial_years_between(eve, eve - H) == (2027,)
    # Only the years the span touches.
    assert cal.unofficial_years_between(sh(2028, 3, 1), sh(2028, 5, 1)) == (2028,)
    assert cal.unofficial_years_between(sh(2029, 5, 1), sh(2027, 3, 1)) == (2027, 2028, 2029)


def test_a_naive_instant_is_refused_naming_the_argument() -> None:
    cal = BusinessCalendar.china()
    naive, aware = datetime(2025, 9, 29, 10), sh(2025, 9, 29, 10)
    calls: dict[str, list[Callable[[], object]]] = {
        "start": [
            lambda: cal.add(naive, H),
            lambda: cal.between(naive, aware),
            lambda: cal.add_working_days(naive, 1),
            lambda: cal.unofficial_years_between(naive, aware),
        ],
        "end": [
            lambda: cal.between(aware, naive),
            lambda: cal.unofficial_years_between(aware, naive),
        ],
        "at": [
            lambda: cal.is_open(naive),
            lambda: cal.next_opening(naive),
            lambda: cal.next_closing(naive),
        ],
    }
    for field, refused in calls.items():
        for call in refused:
            with pytest.raises(ValidationError, match=f"^{field} must be timezone-aware") as caught:
                call()
            assert caught.value.field == field


# --------------------------------------------------------------------------- running out


def _sparse(*days: str, **options: object) -> BusinessCalendar:
    """Open only on ``days``, 09:00-10:00 in Shanghai."""
    return BusinessCalendar(
        SH, {}, date_hours={d: ["09:00-10:00"] for d in days}, **options  # type: ignore[arg-type]
    )


_TAIL = (
    ". A calendar open only on a few dates (date_hours, extra_workdays) has no working "
    "time after its last one; add dates or weekly windows, or check its holidays"
)


def test_a_calendar_that_runs_out_names_its_last_open_date_in_its_zone() -> None:
    cal = _sparse("2025-01-02", "2025-01-03")
    with pytest.raises(CalendarError) as caught:
        cal.next_opening(sh(2025, 6, 1))
    assert str(caught.value) == (
        "the calendar has no opening after 2025-06-01T00:00:00+08:00 within 3 years "
        "(the horizon searched); the last date it is open is 2025-01-03 (its working "
        "time ends 2025-01-03T10:00:00+08:00)" + _TAIL
    )
    assert caught.value.field == "calendar"


@pytest.mark.parametrize(
    ("asked", "found"),
    [
        # The last working time is looked for in the asked year and the 3 before it.
        (sh(2026, 6, 1), True),
        (sh(2027, 6, 1), True),
        (sh(2028, 12, 31, 23), True),
        (sh(2029, 1, 1), False),
    ],
)
def test_the_last_working_time_is_looked_for_over_the_horizon(asked: datetime, found: bool) -> None:
    cal = _sparse("2025-01-02")
    with pytest.raises(CalendarError) as caught:
        cal.next_opening(asked)
    message = str(caught.value)
    assert message.startswith(f"the calendar has no opening after {asked.isoformat()} within 3")
    if found:
        assert "; the last date it is open is 2025-01-02 (its working time ends " in message
    else:
        assert "; the last date it is open" not in message
        assert (
            "(the horizon searched), nor any working time in the 3 years before it; "
            "the last date it opens explicitly is 2025-01-02" + _TAIL
        ) in message


def test_the_last_open_date_is_named_from_years_without_official_data_too() -> None:
    cal = _sparse("2025-01-02", official_until=2024, allow_unofficial_years=True)
    with pytest.raises(CalendarError, match="the last date it is open is 2025-01-02"):
        cal.next_opening(sh(2025, 6, 1))


def test_only_dates_opened_before_the_instant_are_named() -> None:
    # 2040 lies beyond the horizon searched from 2032; a closed date is no opening.
    cal = _sparse("2025-01-02", "2040-01-01").with_date_hours("2031-01-01", [])
    with pytest.raises(CalendarError) as caught:
        cal.next_opening(sh(2032, 1, 1))
    assert str(caught.value).endswith(
        "; the last date it opens explicitly is 2025-01-02" + _TAIL
    )
    workdays = BusinessCalendar(
        SH, {}, makeup_day_windows=["09:00-10:00"], extra_workdays=["2025-01-02", "2040-01-01"]
    )
    with pytest.raises(CalendarError) as caught:
        workdays.next_opening(sh(2032, 1, 1))
    assert "the last date it opens explicitly is 2025-01-02." in str(caught.value)


# --------------------------------------------------------------------------- closings


def test_a_closing_is_given_in_the_calendar_zone_also_across_the_new_year() -> None:
    cal = BusinessCalendar(
        SH,
        WeeklyHours.workweek("09:00-18:00", weekdays="all"),
        date_hours={"2025-12-31": ["09:00-24:00"], "2026-01-01": ["00:00-12:00"]},
    )
    same_day = cal.next_closing(datetime(2025, 6, 2, 2, tzinfo=UTC))
    assert same_day == sh(2025, 6, 2, 18) and same_day.utcoffset() == 8 * H
    # Open from 09:00 on New Year's Eve to noon on New Year's Day: one working period.
    assert cal.next_closing(sh(2025, 12, 31, 20)) == sh(2026, 1, 1, 12)
    assert cal.next_closing(sh(2025, 12, 31, 20)).utcoffset() == 8 * H  # type: ignore[union-attr]
    # Open until midnight, but the new year opens later: the period ends at midnight.
    late = cal.with_date_hours("2026-01-01", ["09:00-12:00"])
    closing = late.next_closing(sh(2025, 12, 31, 20))
    assert closing == sh(2026, 1, 1) and closing.utcoffset() == 8 * H


def test_a_closing_in_a_year_without_official_data_is_found_when_allowed() -> None:
    cal = BusinessCalendar(
        SH,
        {},
        date_hours={"2025-12-31": ["09:00-24:00"], "2026-01-01": ["00:00-12:00"]},
        official_until=2025,
        allow_unofficial_years=True,
    )
    assert cal.next_closing(sh(2025, 12, 31, 10)) == sh(2026, 1, 1, 12)


# --------------------------------------------------------------------------- working days later


def test_a_working_day_later_is_the_same_wall_clock_time_to_the_microsecond() -> None:
    cal = BusinessCalendar.china()
    assert cal.add_working_days(sh(2025, 9, 23, 15, 17, 33, 250), 1) == sh(
        2025, 9, 24, 15, 17, 33, 250
    )
    # Given in UTC, answered in the calendar's zone.
    result = cal.add_working_days(datetime(2025, 9, 23, 7, 17, 33, tzinfo=UTC), 2)
    assert result == sh(2025, 9, 25, 15, 17, 33) and result.utcoffset() == 8 * H


def test_from_a_closed_day_the_count_starts_at_midnight_of_the_next_working_day() -> None:
    cal = BusinessCalendar("UTC", WeeklyHours.workweek("00:00-12:00"))
    saturday = datetime(2025, 9, 27, 10, tzinfo=UTC)
    assert cal.add_working_days(saturday, 1) == datetime(2025, 9, 30, tzinfo=UTC)  # Tuesday


def test_zero_working_days_is_the_next_opening_in_the_calendar_zone() -> None:
    cal = BusinessCalendar.china(official_until=2025, allow_unofficial_years=True)
    result = cal.add_working_days_detailed(datetime(2026, 1, 4, 12, tzinfo=UTC), 0)
    assert result.value == sh(2026, 1, 5, 9) and result.value.utcoffset() == 8 * H
    assert result.unofficial_years == (2026,)


@pytest.mark.parametrize("days", [True, 1.5, -1, "1"])
def test_working_days_are_a_non_negative_int(days: object) -> None:
    with pytest.raises(ValidationError) as caught:
        BusinessCalendar.china().add_working_days(sh(2025, 9, 23, 10), days)  # type: ignore[arg-type]
    assert str(caught.value) == f"days must be a non-negative int, got {days!r}"
    assert caught.value.field == "days"


def test_working_days_may_run_up_to_the_last_supported_year() -> None:
    always = BusinessCalendar.always_open()
    start = datetime(9998, 12, 1, tzinfo=UTC)
    assert always.add_working_days(start, 30) == datetime(9998, 12, 31, tzinfo=UTC)
    with pytest.raises(ValidationError) as caught:
        always.add_working_days(start, 31)
    assert str(caught.value) == (
        "cannot add 31 working days to 9998-12-01T00:00:00+00:00: they would end after "
        "the year 9998, the last a calendar supports"
    )
    assert caught.value.field == "days"


def test_the_next_working_day_is_found_up_to_three_years_on() -> None:
    cal = _sparse("2025-01-02", "2028-01-03", "2028-01-04")
    assert cal.add_working_days(sh(2025, 1, 2, 8), 1) == sh(2028, 1, 3, 9)
    assert cal.add_working_days(sh(2025, 1, 2, 9, 30), 2) == sh(2028, 1, 4, 9, 30)
    # Business time, too, goes on three years later.
    assert cal.add(sh(2025, 1, 2, 9, 30), H) == sh(2028, 1, 3, 9, 30)


def test_counting_working_days_needs_only_the_years_counted() -> None:
    cal = BusinessCalendar.china(official_until=2026)
    assert cal.working_days_between("2026-12-28", "2026-12-31") == 4


# --------------------------------------------------------------------------- adding business time


def test_business_time_may_be_added_up_to_the_last_supported_year() -> None:
    always = BusinessCalendar.always_open()
    start = datetime(9998, 12, 1, tzinfo=UTC)
    assert always.add(start, timedelta(days=30)) == datetime(9998, 12, 31, tzinfo=UTC)
    with pytest.raises(ValidationError) as caught:
        always.add(start, timedelta(days=30, microseconds=1))
    assert str(caught.value) == (
        "cannot add 30 days, 0:00:00.000001 of business time to 9998-12-01T00:00:00+00:00: "
        "even round the clock it would end after the year 9998, the last a calendar "
        "supports; give a business duration of at most a few years"
    )
    assert caught.value.field == "duration"


def test_a_negative_business_duration_is_refused_naming_the_field() -> None:
    with pytest.raises(ValidationError) as caught:
        BusinessCalendar.china().add(sh(2025, 9, 29, 10), -H)
    assert caught.value.field == "duration"


def test_adding_nothing_in_a_year_without_official_data_is_reported() -> None:
    cal = BusinessCalendar.china(official_until=2025, allow_unofficial_years=True)
    result = cal.add_detailed(datetime(2026, 1, 4, 12, tzinfo=UTC), timedelta(0))
    assert result.value == sh(2026, 1, 5, 9) and result.value.utcoffset() == 8 * H
    assert result.unofficial_years == (2026,)


def test_a_calendar_open_through_the_horizon_has_no_closing() -> None:
    always = BusinessCalendar.always_open("UTC")
    start = datetime(2025, 6, 1, tzinfo=UTC)
    # Open round the clock until after the three years searched: no closing.
    assert always.with_extra_holidays("2029-01-01").next_closing(start) is None
    assert always.with_extra_holidays("2026-01-01").next_closing(start) == datetime(
        2026, 1, 1, tzinfo=UTC
    )


def test_a_closing_in_the_last_year_searched_is_found() -> None:
    always = BusinessCalendar.always_open("UTC")
    start = datetime(2025, 6, 1, tzinfo=UTC)
    # The last of the three years searched closes on 31 May: that is the closing,
    # not "open through the horizon".
    assert always.with_extra_holidays("2028-05-31").next_closing(start) == datetime(
        2028, 5, 31, tzinfo=UTC
    )
    # A closing after the horizon is still not searched for.
    assert always.with_extra_holidays("2029-05-31").next_closing(start) is None


# --------------------------------------------------------------------------- what a refusal names


def test_a_date_that_is_not_one_names_its_field() -> None:
    from itsm_core.calendars.days import as_date

    assert as_date(" 2025-10-01 ") == date(2025, 10, 1)
    for bad in ("2025-13-01", datetime(2025, 10, 1, tzinfo=UTC), 20251001):
        with pytest.raises(ValidationError, match=r"^day must be a calendar date") as caught:
            as_date(bad)
        assert caught.value.field == "day"
    with pytest.raises(ValidationError, match=r"^holiday must be a calendar date") as named:
        as_date("soon", "holiday")
    assert named.value.field == "holiday"


def test_a_window_names_the_time_that_is_wrong() -> None:
    for start, end, field in (("25:00", "26:00", "start"), ("09:00", "24:01", "end"),
                              ("09:00", "9h", "end"), ("x", "10:00", "start")):  # fmt: skip
        with pytest.raises(ValidationError, match=f"^{field} ") as caught:
            Window(start, end)
        assert caught.value.field == field


def test_a_window_starts_before_it_ends() -> None:
    assert Window("23:00", "24:00").end == 24 * 3600
    for start, end in (("10:00", "09:00"), ("09:00", "09:00")):
        with pytest.raises(ValidationError, match="must start before it ends") as caught:
            Window(start, end)
        assert caught.value.field == "window"
        assert "split a night shift at 24:00" in str(caught.value)


def test_a_window_is_a_window_text_or_pair() -> None:
    from itsm_core.calendars.hours import parse_windows

    pair = parse_windows([("09:00", "12:00"), ["13:00", "18:00"], "19:00-20:00"])
    assert pair == (Window("09:00", "12:00"), Window("13:00", "18:00"), Window("19:00", "20:00"))
    for bad in (5, ("09:00", "10:00", "11:00"), ["09:00"], None):
        with pytest.raises(ValidationError, match=r"^a working window must be a Window") as caught:
            parse_windows([bad])
        assert caught.value.field == "window"
        assert repr(bad) in str(caught.value)


# ------------------------------------------------------------------- a calendar's own settings


def _refused(error: type[Exception], field: str, message: str, **settings: object) -> None:
    options: dict[str, object] = {"official_until": None, **settings}
    weekly = options.pop("weekly", WeeklyHours.workweek("09:00-18:00"))
    with pytest.raises(error, match=message) as caught:
        BusinessCalendar("UTC", weekly, **options)  # type: ignore[arg-type]
    assert caught.value.field == field  # type: ignore[attr-defined]


def test_official_until_is_a_year_none_or_auto() -> None:
    assert BusinessCalendar("UTC", WeeklyHours.workweek("09:00-18:00"), official_until=2030)
    for bad in (True, "2030", 2030.0):
        _refused(ValidationError, "official_until",
                 r"^official_until must be a year \(int\), None or 'auto', got ",
                 official_until=bad)  # fmt: skip


def test_a_subdivision_needs_a_country() -> None:
    _refused(ValidationError, "subdiv", r"^subdiv needs a country$", subdiv="BJ")


def test_a_date_is_not_both_an_extra_holiday_and_an_extra_working_day() -> None:
    _refused(CalendarError, "extra_workdays",
             r"^a date cannot be both an extra holiday and an extra working day: "
             r"2025-10-04, 2025-10-11$",
             extra_holidays=["2025-10-11", "2025-10-04", "2025-10-05"],
             extra_workdays=["2025-10-04", "2025-10-11"])  # fmt: skip


def test_a_date_with_its_own_hours_is_not_also_an_extra_day() -> None:
    for extra in ("extra_holidays", "extra_workdays"):
        _refused(CalendarError, "date_hours",
                 r"^a date with its own hours \(date_hours\) must not also be an extra holiday "
                 r"or extra working day: 2025-10-11$",
                 date_hours={"2025-10-11": ["09:00-12:00"]}, **{extra: ["2025-10-11"]})  # fmt: skip


def test_an_extra_working_day_has_hours() -> None:
    saturday_off = WeeklyHours.workweek("09:00-18:00")
    _refused(CalendarError, "extra_workdays",
             r"^extra working day 2025-10-11 has no hours: its weekday has no weekly windows "
             r"and makeup_day_windows is empty; give makeup_day_windows or use date_hours",
             weekly=saturday_off, extra_workdays=["2025-10-11"], makeup_day_windows=[])  # fmt: skip
    # With the weekday's own windows, or makeup windows, it is open.
    assert BusinessCalendar("UTC", saturday_off, extra_workdays=["2025-10-11"], official_until=None)


def test_a_calendar_that_never_opens_is_refused() -> None:
    never = WeeklyHours({})
    _refused(CalendarError, "weekly", r"^the calendar is never open: no weekday has working "
             r"windows and no date is opened explicitly; give weekly windows",
             weekly=never)  # fmt: skip
    # One date opened explicitly, or one extra working day, is enough.
    assert BusinessCalendar("UTC", never, date_hours={"2025-10-11": ["09:00-10:00"]},
                            official_until=None)  # fmt: skip
    _refused(CalendarError, "weekly", r"^the calendar is never open",
             weekly=never, date_hours={"2025-10-11": []})  # fmt: skip
