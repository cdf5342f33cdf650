"""The calendar's answers in full: every field of a day, the supported years, and
daylight-saving changes found to the second.

Other calendar tests check the kind and the windows of a day, or a sum of
business time; these check the whole answer, so that a field set wrongly (the
date, the holiday name, whether the year's data is official) cannot pass.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest

from itsm_core.calendars import BusinessCalendar, OfficialYear, WeeklyHours, Window
from itsm_core.calendars._index import build_year_index, offset_segments, to_us, wall_to_us
from itsm_core.calendars.days import DayInfo, DayKind, _without_brackets, dates_converter
from itsm_core.kernel.errors import CalendarDataMissing, CalendarError, ValidationError

SH = ZoneInfo("Asia/Shanghai")
NINE_TO_FIVE = (Window("09:00", "17:00"),)


def sh(*args: int) -> datetime:
    return datetime(*args, tzinfo=SH)  # type: ignore[misc]


def _cn(**changes: object) -> BusinessCalendar:
    """China's holidays, official up to 2025, with one date of each provider's kind."""
    options: dict[str, object] = {
        "country": "CN",
        "official_until": 2025,
        "allow_unofficial_years": True,
        "extra_holidays": ["2025-03-04", "2026-03-03"],
        "extra_workdays": ["2025-03-08", "2026-03-07", "2026-10-01"],
        "date_hours": [("2025-03-05", ["09:00-10:00"]), ("2026-03-05", ["09:00-10:00"])],
    }
    options.update(changes)
    return BusinessCalendar("Asia/Shanghai", WeeklyHours.workweek("09:00-17:00"), **options)  # type: ignore[arg-type]


SPECIAL = (Window("09:00", "10:00"),)


@pytest.mark.parametrize(
    ("day", "kind", "windows", "name"),
    [
        ("2025-03-05", DayKind.SPECIAL_HOURS, SPECIAL, None),
        ("2026-03-05", DayKind.SPECIAL_HOURS, SPECIAL, None),
        ("2025-03-04", DayKind.HOLIDAY, (), None),
        ("2026-03-03", DayKind.HOLIDAY, (), None),
        ("2025-03-08", DayKind.EXTRA_WORKDAY, NINE_TO_FIVE, None),
        ("2026-03-07", DayKind.EXTRA_WORKDAY, NINE_TO_FIVE, None),
        ("2026-10-01", DayKind.EXTRA_WORKDAY, NINE_TO_FIVE, "National Day"),
        ("2025-10-01", DayKind.HOLIDAY, (), "National Day"),
        ("2026-10-02", DayKind.HOLIDAY, (), "National Day"),
        ("2025-09-28", DayKind.MAKEUP_WORKDAY, NINE_TO_FIVE, None),
        ("2026-02-14", DayKind.MAKEUP_WORKDAY, NINE_TO_FIVE, None),
        ("2025-03-06", DayKind.WORKDAY, NINE_TO_FIVE, None),
        ("2026-03-06", DayKind.WORKDAY, NINE_TO_FIVE, None),
        ("2025-03-09", DayKind.REST_DAY, (), None),
        ("2026-03-08", DayKind.REST_DAY, (), None),
    ],
)
def test_each_kind_of_day_is_described_in_full(
    day: str, kind: DayKind, windows: tuple[Window, ...], name: str | None
) -> None:
    official = day < "2026"
    expected = DayInfo(date.fromisoformat(day), kind, windows, name, official)
    assert _cn().day(day) == expected
    assert _cn().day(date.fromisoformat(day)).official is official


def test_a_calendar_without_a_country_names_no_holiday() -> None:
    cal = BusinessCalendar(
        "Asia/Shanghai",
        WeeklyHours.workweek("09:00-17:00"),
        extra_workdays=["2026-03-07"],
        extra_holidays=["2026-03-03"],
    )
    assert cal.day("2026-03-07") == DayInfo(
        date(2026, 3, 7), DayKind.EXTRA_WORKDAY, NINE_TO_FIVE, None, True
    )
    assert cal.day("2026-03-03") == DayInfo(date(2026, 3, 3), DayKind.HOLIDAY, (), None, True)
    assert cal.day("2026-10-01") == DayInfo(
        date(2026, 10, 1), DayKind.WORKDAY, NINE_TO_FIVE, None, True
    )


def test_a_published_year_gives_its_own_days_and_names() -> None:
    published = OfficialYear(
        2026, {"2026-10-01": "国庆节", "2026-10-02": None}, workdays=["2026-10-10"]
    )
    cal = _cn(official_years=[published], extra_workdays=["2026-03-07"])
    assert cal.day("2026-10-01") == DayInfo(date(2026, 10, 1), DayKind.HOLIDAY, (), "国庆节", True)
    assert cal.day("2026-10-02") == DayInfo(date(2026, 10, 2), DayKind.HOLIDAY, (), None, True)
    assert cal.day("2026-10-10") == DayInfo(
        date(2026, 10, 10), DayKind.MAKEUP_WORKDAY, NINE_TO_FIVE, None, True
    )
    assert cal.day("2026-10-05") == DayInfo(
        date(2026, 10, 5), DayKind.WORKDAY, NINE_TO_FIVE, None, True
    )
    assert cal.day("2026-10-03") == DayInfo(date(2026, 10, 3), DayKind.REST_DAY, (), None, True)


# --------------------------------------------------------------------------- years


@pytest.mark.parametrize(
    "asked", [datetime(1, 1, 1, 12, tzinfo=UTC), datetime(9999, 12, 31, 12, tzinfo=UTC)]
)
def test_a_year_outside_2_to_9998_is_refused_naming_the_range(asked: datetime) -> None:
    cal = BusinessCalendar("UTC", WeeklyHours.always())
    with pytest.raises(CalendarError) as caught:
        cal.next_opening(asked)
    assert str(caught.value) == (f"year {asked.year} is outside the supported range 2..9998")
    assert caught.value.field == "year"


def test_the_first_and_last_supported_years_are_computed() -> None:
    cal = BusinessCalendar("UTC", WeeklyHours.always())
    assert cal.next_opening(datetime(2, 1, 1, 12, tzinfo=UTC)) == datetime(2, 1, 1, 12, tzinfo=UTC)
    assert cal.between(
        datetime(9998, 12, 31, tzinfo=UTC), datetime(9998, 12, 31, 1, tzinfo=UTC)
    ) == (timedelta(hours=1))


@pytest.mark.parametrize(
    ("country", "data"),
    [("CN", "CN data is official up to 2025"), (None, "its data is official up to 2025")],
)
def test_a_year_without_official_data_is_refused_saying_how_to_go_on(
    country: str | None, data: str
) -> None:
    cal = BusinessCalendar(
        "Asia/Shanghai", WeeklyHours.workweek("09:00-17:00"), country=country, official_until=2025
    )
    with pytest.raises(CalendarDataMissing) as caught:
        cal.day("2026-03-02")
    assert str(caught.value) == (
        f"the calendar has no official holiday data for 2026 ({data}); add the published "
        "dates with with_official_year(2026, holidays=..., workdays=...), or build the "
        "calendar with allow_unofficial_years=True to go on with rule-based data and a warning"
    )
    assert caught.value.year == 2026
    assert caught.value.field == "year"


def test_the_index_of_a_year_is_built_once_and_knows_its_year() -> None:
    cal = BusinessCalendar("Asia/Shanghai", WeeklyHours.workweek("09:00-17:00"))
    first = cal._index(2026, [])
    assert cal._index(2026, []) is first
    assert first.year == 2026
    assert build_year_index(2027, SH, lambda d: NINE_TO_FIVE).year == 2027


def test_a_closing_in_the_last_supported_year_is_found_in_the_calendar_zone() -> None:
    # Open round the clock until 23:00 on the last day of 9998, the last year searched.
    cal = BusinessCalendar(
        "Asia/Shanghai", WeeklyHours.always(), date_hours=[("9998-12-31", ["00:00-23:00"])]
    )
    closing = cal.next_closing(sh(9995, 6, 1))
    assert closing is not None
    assert closing.isoformat() == "9998-12-31T23:00:00+08:00"
    assert closing.tzinfo is SH


# --------------------------------------------------------------------------- working days


def test_working_days_are_counted_from_a_year_without_any() -> None:
    cal = BusinessCalendar(
        "Asia/Shanghai", WeeklyHours([[]] * 7), date_hours=[("2026-01-05", ["09:00-10:00"])]
    )
    assert cal.add_working_days(sh(2025, 6, 1, 12), 0) == sh(2026, 1, 5, 9)


def test_working_days_that_never_come_name_the_instant_searched_from() -> None:
    cal = BusinessCalendar(
        "Asia/Shanghai", WeeklyHours([[]] * 7), date_hours=[("2020-01-02", ["09:00-10:00"])]
    )
    with pytest.raises(CalendarError) as caught:
        cal.add_working_days(sh(2025, 6, 1), 1)
    assert str(caught.value).startswith(
        "cannot add 1 working day to 2025-06-01T00:00:00+08:00: the calendar has no opening "
        "after 2025-06-01T00:00:00+08:00 within 3 years (the horizon searched), nor any "
        "working time in the 3 years before it; the last date it opens explicitly is 2020-01-02."
    )


# --------------------------------------------------------------------------- daylight saving

DST_ZONES = ("Europe/London", "America/New_York", "Australia/Lord_Howe", "Asia/Tehran",
             "America/Santiago", "Pacific/Chatham", "Europe/Dublin")  # fmt: skip


def _offset(zone: ZoneInfo, second: int) -> timedelta | None:
    return datetime.fromtimestamp(second, zone).utcoffset()


@pytest.mark.parametrize("zone_name", DST_ZONES)
@pytest.mark.parametrize(("year", "shift"), [(1995, 0), (2008, 1), (2021, 100), (2026, 12_345)])
def test_offset_changes_are_found_to_the_second(zone_name: str, year: int, shift: int) -> None:
    zone = ZoneInfo(zone_name)
    lo = int(datetime(year, 1, 1, tzinfo=UTC).timestamp()) + shift
    hi = int(datetime(year + 1, 1, 1, tzinfo=UTC).timestamp())
    segments = offset_segments(zone, lo, hi)
    assert segments[0][0] == lo * 1_000_000
    assert segments[-1][1] == hi * 1_000_000
    for (_, end, before), (start, _, after) in pairwise(segments):
        assert end == start
        assert isinstance(start, int)
        second = start // 1_000_000
        assert _offset(zone, second - 1) == timedelta(microseconds=before)
        assert (
            _offset(zone, second) == timedelta(microseconds=after) != timedelta(microseconds=before)
        )


@pytest.mark.parametrize("zone_name", DST_ZONES)
@pytest.mark.parametrize("year", [1995, 2008, 2021, 2026])
def test_a_skipped_wall_time_is_the_instant_of_the_jump(zone_name: str, year: int) -> None:
    zone = ZoneInfo(zone_name)
    lo = int(datetime(year, 1, 1, tzinfo=UTC).timestamp())
    hi = int(datetime(year + 1, 1, 1, tzinfo=UTC).timestamp())
    checked = 0
    for _, end, before in offset_segments(zone, lo, hi)[:-1]:
        after = _offset(zone, end // 1_000_000)
        assert after is not None
        if after <= timedelta(microseconds=before):
            continue  # the clock went back: no wall time is skipped
        jump = datetime.fromtimestamp(end // 1_000_000, UTC).astimezone(zone)
        gap = after - timedelta(microseconds=before)
        for into in (timedelta(seconds=1), timedelta(seconds=7), gap / 2, gap - timedelta(1e-6)):
            skipped = jump.replace(tzinfo=None) - gap + into  # a wall time the clock skips
            wall = skipped - datetime(skipped.year, skipped.month, skipped.day)
            found = wall_to_us(zone, skipped.date(), wall // timedelta(microseconds=1))
            assert isinstance(found, int)
            assert found == end
        checked += 1
    assert checked <= 2
    if zone_name == "Europe/London":
        assert checked == 1  # one spring-forward a year


def test_a_window_across_the_clock_going_back_is_one_interval() -> None:
    london = ZoneInfo("Europe/London")
    index = build_year_index(2025, london, lambda d: (Window(0, 86_400),) if d.day == 26 else ())
    october = date(2025, 10, 26).toordinal()
    k = index.day_ordinals.index(october)
    first, stop = index.day_first[k], index.day_first[k + 1]
    assert stop - first == 1
    start = to_us(datetime(2025, 10, 26, tzinfo=london))
    assert (index.starts[first], index.ends[first]) == (start, start + 25 * 3_600_000_000)


# --------------------------------------------------------------------------- dates and names


def test_one_date_is_a_list_of_one() -> None:
    assert dates_converter("2026-03-02") == frozenset({date(2026, 3, 2)})
    assert dates_converter(date(2026, 3, 2)) == frozenset({date(2026, 3, 2)})


def test_a_list_of_dates_names_its_field() -> None:
    with pytest.raises(ValidationError) as caught:
        dates_converter([5])
    assert caught.value.field == "day"
    assert str(caught.value) == "day must be a calendar date (datetime.date or 'YYYY-MM-DD'), got 5"
    with pytest.raises(ValidationError) as caught:
        dates_converter(5)  # type: ignore[arg-type]
    assert caught.value.field == "day"
    assert str(caught.value) == (
        "day must be a list of calendar dates (datetime.date or 'YYYY-MM-DD'), got int"
    )


@pytest.mark.parametrize(
    ("text", "flat"),
    [
        ("A（B）X", "A，B，X"),
        ("A(B)X", "A, B, X"),
        ("A（B）", "A，B"),
        ("A（B）。", "A，B。"),
        ("A（B）；C", "A，B；C"),
        ("（B）X", "B，X"),
    ],
)
def test_brackets_become_commas_before_any_following_text(text: str, flat: str) -> None:
    assert _without_brackets(text) == flat


@pytest.mark.parametrize(
    "zone_name", ["Pacific/Kiritimati", "Pacific/Pago_Pago", "America/New_York", "Asia/Shanghai"]
)
def test_a_year_open_round_the_clock_runs_from_its_first_to_its_last_local_midnight(
    zone_name: str,
) -> None:
    zone = ZoneInfo(zone_name)
    index = build_year_index(2025, zone, lambda d: (Window(0, 86_400),))
    start = to_us(datetime(2025, 1, 1, tzinfo=zone))
    end = to_us(datetime(2026, 1, 1, tzinfo=zone))
    assert (index.starts[0], index.ends[-1]) == (start, end)
    assert index.total == end - start
    assert all(isinstance(t, int) for t in (*index.starts, *index.ends))
    assert len(index.day_ordinals) == 365


def test_an_extra_working_day_keeps_its_own_weekday_hours() -> None:
    week = WeeklyHours({"mon": ["09:00-12:00"], "tue": ["13:00-17:00"]})
    cal = BusinessCalendar(
        "Asia/Shanghai", week, country="CN", official_until=2025, extra_workdays=["2025-09-30"]
    )
    # 2025-09-30 is a Tuesday; a Saturday extra working day takes the makeup windows.
    assert cal.day("2025-09-30").windows == (Window("13:00", "17:00"),)
    assert cal.replace(extra_workdays=["2025-09-27"]).day("2025-09-27").windows == (
        Window("09:00", "12:00"),
    )


def test_dates_set_twice_are_all_named() -> None:
    with pytest.raises(CalendarError) as caught:
        BusinessCalendar(
            "Asia/Shanghai",
            WeeklyHours.workweek("09:00-17:00"),
            extra_holidays=["2026-01-05", "2026-01-06"],
            date_hours=[("2026-01-06", ["09:00-10:00"]), ("2026-01-05", [])],
        )
    assert str(caught.value) == (
        "a date with its own hours (date_hours) must not also be an extra holiday or extra "
        "working day: 2026-01-05, 2026-01-06"
    )
    assert caught.value.field == "date_hours"


def test_a_calendar_never_open_says_how_to_open_it() -> None:
    with pytest.raises(CalendarError) as caught:
        BusinessCalendar("Asia/Shanghai", WeeklyHours([[]] * 7))
    assert str(caught.value) == (
        "the calendar is never open: no weekday has working windows and no date is opened "
        "explicitly; give weekly windows, e.g. WeeklyHours.workweek('09:00-18:00'), or use "
        "BusinessCalendar.always_open()"
    )
    assert caught.value.field == "weekly"


def test_business_time_over_several_years_adds_every_year_between() -> None:
    cal = BusinessCalendar("UTC", WeeklyHours.always())
    start, end = datetime(2025, 6, 1, tzinfo=UTC), datetime(2029, 6, 1, tzinfo=UTC)
    assert cal.between(start, end) == end - start
    assert cal.between(end, start) == start - end


def test_the_next_opening_is_looked_for_in_the_year_asked_and_the_three_after() -> None:
    cal = BusinessCalendar(
        "Asia/Shanghai", WeeklyHours([[]] * 7), date_hours=[("2028-12-31", ["09:00-10:00"])]
    )
    assert cal.next_opening(sh(2025, 1, 1)) == sh(2028, 12, 31, 9)
    with pytest.raises(CalendarError, match="within 3 years"):
        cal.next_opening(sh(2024, 12, 31, 23))
