"""Business calendar rules: China's makeup days, breaks, provider dates, errors, data years."""

from __future__ import annotations

import json
import time
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from itsm_core.calendars import (
    BusinessCalendar,
    DayKind,
    OfficialYear,
    WeeklyHours,
    Window,
    default_official_until,
)
from itsm_core.kernel.errors import CalendarDataMissing, CalendarError, ValidationError

SH = ZoneInfo("Asia/Shanghai")
H = timedelta(hours=1)


def sh(*args: int) -> datetime:
    return datetime(*args, tzinfo=SH)  # type: ignore[misc]


@pytest.fixture(scope="module")
def cn() -> BusinessCalendar:
    return BusinessCalendar.china()


# --------------------------------------------------------------------------- China


def test_cn_makeup_day_and_national_day(cn: BusinessCalendar) -> None:
    assert cn.is_working_day(date(2025, 9, 28))  # Sunday, 调休 makeup working day
    assert cn.day("2025-09-28").kind is DayKind.MAKEUP_WORKDAY
    assert cn.is_open(sh(2025, 9, 28, 10))
    assert not cn.is_working_day(date(2025, 10, 1))
    info = cn.day(date(2025, 10, 1))
    assert info.kind is DayKind.HOLIDAY
    assert info.name == "国庆节"
    assert info.label() == "节假日（国庆节）"
    assert info.label("en") == "holiday (国庆节)"
    assert not cn.is_open(sh(2025, 10, 1, 10))
    assert cn.is_working_day("2025-10-11")  # Saturday makeup day
    assert not cn.is_working_day("2025-10-08")  # day off moved from 10-11
    assert not cn.is_working_day("2025-09-27")  # ordinary Saturday
    assert cn.day("2025-09-27").kind is DayKind.REST_DAY
    assert cn.day("2025-09-29").kind is DayKind.WORKDAY


def test_labels_never_nest_brackets(cn: BusinessCalendar) -> None:
    # The package names a moved day off "休息日（由 2025-10-11 调休）".
    assert cn.day("2025-10-08").name == "休息日（由 2025-10-11 调休）"
    assert cn.day("2025-10-08").label() == "节假日（休息日，由 2025-10-11 调休）"
    assert cn.day("2025-10-08").label("en") == "holiday (休息日，由 2025-10-11 调休)"
    assert cn.day("2025-06-02").label() == "节假日（端午节，补假）"
    assert cn.day("2025-09-29").label() == "工作日"
    us = BusinessCalendar.from_country("US", timezone="America/New_York")
    assert us.day("2027-12-24").name == "Christmas Day (observed)"
    assert us.day("2027-12-24").label("en") == "holiday (Christmas Day, observed)"
    for day in ("2025-02-03", "2025-10-07", "2026-05-04"):
        label = cn.day(day).label()
        assert label.count("（") == label.count("）") == 1, label


def test_cn_golden_week_is_skipped(cn: BusinessCalendar) -> None:
    # Tue 2025-09-30 17:00 + 2h: 1h on Sep 30, then Oct 1-8 are off, Oct 9 09:00-10:00.
    assert cn.add(sh(2025, 9, 30, 17), 2 * H) == sh(2025, 10, 9, 10)
    # Friday 17:00 + 4h reaches into the Sunday makeup day.
    assert cn.add(sh(2025, 9, 26, 17), 4 * H) == sh(2025, 9, 28, 12)
    # Fri 26th, Sun 28th, Mon 29th, Tue 30th, Thu 9th, Fri 10th, Sat 11th: 7 × 7.5 h.
    assert cn.between(sh(2025, 9, 26, 9), sh(2025, 10, 13, 9)) == 7 * timedelta(hours=7.5)
    assert cn.working_days_between("2025-09-26", "2025-10-12") == 7


def test_lunch_break(cn: BusinessCalendar) -> None:
    assert cn.add(sh(2025, 9, 29, 11), 2 * H) == sh(2025, 9, 29, 14, 30)
    assert not cn.is_open(sh(2025, 9, 29, 12, 30))
    assert cn.is_open(sh(2025, 9, 29, 13, 30))
    assert not cn.is_open(sh(2025, 9, 29, 12))  # windows are half-open
    assert cn.next_opening(sh(2025, 9, 29, 12, 30)) == sh(2025, 9, 29, 13, 30)
    assert cn.next_closing(sh(2025, 9, 29, 10)) == sh(2025, 9, 29, 12)
    assert cn.next_closing(sh(2025, 9, 29, 12, 10)) == sh(2025, 9, 29, 18)
    assert cn.between(sh(2025, 9, 29, 11), sh(2025, 9, 29, 14)) == 1.5 * H


def test_target_ending_at_a_closing_is_due_at_the_closing(cn: BusinessCalendar) -> None:
    assert cn.add(sh(2025, 9, 29, 9), 3 * H) == sh(2025, 9, 29, 12)
    assert cn.add(sh(2025, 9, 29, 9), timedelta(hours=7.5)) == sh(2025, 9, 29, 18)


def test_zero_duration_and_start_outside_hours(cn: BusinessCalendar) -> None:
    assert cn.add(sh(2025, 9, 29, 10), timedelta(0)) == sh(2025, 9, 29, 10)
    assert cn.add(sh(2025, 9, 29, 12, 30), timedelta(0)) == sh(2025, 9, 29, 13, 30)
    assert cn.add(sh(2025, 9, 27, 10), timedelta(0)) == sh(2025, 9, 28, 9)
    # Counting starts at the next opening.
    assert cn.add(sh(2025, 9, 29, 20), H) == sh(2025, 9, 30, 10)
    assert cn.add(sh(2025, 9, 29, 7), H) == sh(2025, 9, 29, 10)


def test_results_are_in_the_calendar_zone(cn: BusinessCalendar) -> None:
    result = cn.add(datetime(2025, 9, 29, 1, tzinfo=UTC), H)  # 09:00 in Shanghai
    assert result.tzinfo is SH
    assert result == sh(2025, 9, 29, 10)
    assert cn.next_opening(datetime(2025, 9, 29, 1, tzinfo=UTC)).tzinfo is SH


def test_between_is_antisymmetric(cn: BusinessCalendar) -> None:
    a, b = sh(2025, 9, 29, 10), sh(2025, 9, 30, 10)
    assert cn.between(a, b) == timedelta(hours=7.5)
    assert cn.between(b, a) == -timedelta(hours=7.5)
    assert cn.between(a, a) == timedelta(0)


def test_add_working_days(cn: BusinessCalendar) -> None:
    assert cn.add_working_days(sh(2025, 9, 23, 15), 1) == sh(2025, 9, 24, 15)
    assert cn.add_working_days(sh(2025, 9, 23, 12, 30), 1) == sh(2025, 9, 24, 13, 30)
    assert cn.add_working_days(sh(2025, 9, 23, 19), 1) == sh(2025, 9, 25, 9)
    assert cn.add_working_days(sh(2025, 9, 23, 18), 1) == sh(2025, 9, 25, 9)
    assert cn.add_working_days(sh(2025, 9, 23, 17, 59), 1) == sh(2025, 9, 24, 17, 59)
    assert cn.add_working_days(sh(2025, 9, 20, 10), 1) == sh(2025, 9, 23, 9)  # Saturday
    assert cn.add_working_days(sh(2025, 9, 23, 7), 1) == sh(2025, 9, 24, 9)
    # Across the makeup day and the golden week.
    assert cn.add_working_days(sh(2025, 9, 26, 15), 1) == sh(2025, 9, 28, 15)
    assert cn.add_working_days(sh(2025, 9, 30, 15), 1) == sh(2025, 10, 9, 15)
    assert cn.add_working_days(sh(2025, 9, 23, 12, 30), 0) == sh(2025, 9, 23, 13, 30)
    # Across a year end (2025-12-31 Wed; 2026-01-01/02 off, 01-04 Sunday makeup day).
    assert cn.add_working_days(sh(2025, 12, 31, 10), 1) == sh(2026, 1, 4, 10)
    with pytest.raises(ValidationError, match="non-negative"):
        cn.add_working_days(sh(2025, 9, 23, 15), -1)


def test_add_working_days_clamps_to_a_shorter_day() -> None:
    cal = BusinessCalendar.china(date_hours={"2025-09-24": ["09:00-12:00"]})
    assert cal.add_working_days(sh(2025, 9, 23, 16), 1) == sh(2025, 9, 24, 12)
    assert cal.day("2025-09-24").kind is DayKind.SPECIAL_HOURS
    late = BusinessCalendar.china(date_hours={"2025-09-24": ["14:00-18:00"]})
    assert late.add_working_days(sh(2025, 9, 23, 10), 1) == sh(2025, 9, 24, 14)
    assert late.add_working_days(sh(2025, 9, 23, 15), 1) == sh(2025, 9, 24, 15)


# --------------------------------------------------------------------------- provider dates


def test_date_specific_hours_replace_the_day() -> None:
    cal = BusinessCalendar.china(date_hours={date(2025, 12, 31): ["09:00-12:00"]})
    assert cal.working_hours("2025-12-31") == (Window("09:00", "12:00"),)
    assert not cal.is_open(sh(2025, 12, 31, 14))
    # 1h on the half day; Jan 1-2 off, Jan 3 Saturday, Jan 4 Sunday is a makeup day.
    assert cal.add(sh(2025, 12, 31, 11), 2 * H) == sh(2026, 1, 4, 10)
    closed = cal.with_date_hours("2025-09-29", [])
    assert not closed.is_working_day("2025-09-29")
    evening = cal.with_date_hours("2025-09-27", ["19:00-21:00"])  # a Saturday
    assert evening.is_open(sh(2025, 9, 27, 20))


def test_extra_holidays_and_workdays() -> None:
    cal = BusinessCalendar.china(
        extra_holidays=["2025-09-29"], extra_workdays=[date(2025, 9, 27), "2025-10-02"]
    )
    assert not cal.is_working_day("2025-09-29")
    assert cal.day("2025-09-29").kind is DayKind.HOLIDAY
    assert cal.is_working_day("2025-09-27")  # Saturday opened by the provider
    assert cal.working_hours("2025-09-27") == cal.working_hours("2025-09-26")
    assert cal.day("2025-09-27").kind is DayKind.EXTRA_WORKDAY
    assert cal.day("2025-09-27").label() == "额外工作日"
    assert cal.day("2025-09-28").kind is DayKind.MAKEUP_WORKDAY  # the official 调休 day
    assert cal.is_working_day("2025-10-02")  # public holiday worked by the provider
    assert cal.day("2025-10-02").kind is DayKind.EXTRA_WORKDAY
    assert cal.day("2025-10-02").name == "国庆节"
    assert cal.day("2025-10-02").label("en") == "extra working day (国庆节)"
    # Listing a date that is worked anyway keeps its kind.
    redundant = cal.with_extra_workdays("2025-09-26", "2025-09-28")
    assert redundant.day("2025-09-26").kind is DayKind.WORKDAY
    assert redundant.day("2025-09-28").kind is DayKind.MAKEUP_WORKDAY
    again = cal.with_extra_holidays("2025-09-27").with_extra_workdays("2025-09-29")
    assert not again.is_working_day("2025-09-27")
    assert again.is_working_day("2025-09-29")


def test_makeup_day_windows() -> None:
    cal = BusinessCalendar.china(makeup_day_windows=["10:00-16:00"])
    assert cal.working_hours("2025-09-28") == (Window("10:00", "16:00"),)
    assert cal.working_hours("2025-09-29") == (Window("09:00", "12:00"), Window("13:30", "18:00"))


def test_us_state_holidays() -> None:
    ca = BusinessCalendar.from_country(
        "US", subdiv="CA", timezone="America/Los_Angeles", hours=["09:00-17:00"]
    )
    la = ZoneInfo("America/Los_Angeles")
    assert ca.official_until is None
    assert not ca.is_working_day("2025-07-04")
    assert not ca.is_working_day("2025-03-31")  # César Chávez Day (California only)
    assert ca.add(datetime(2025, 7, 3, 16, tzinfo=la), 2 * H) == datetime(2025, 7, 7, 10, tzinfo=la)
    ny = BusinessCalendar.from_country("US", subdiv="NY", timezone="America/New_York")
    assert ny.is_working_day("2025-03-31")


def test_always_open() -> None:
    cal = BusinessCalendar.always_open("Asia/Shanghai")
    start = sh(2025, 9, 30, 23, 30)
    assert cal.add(start, timedelta(days=400)) == start + timedelta(days=400)
    assert cal.between(start, start + timedelta(days=3, minutes=7)) == timedelta(days=3, minutes=7)
    assert cal.is_open(sh(2025, 10, 1, 3))
    assert cal.next_closing(start) is None
    assert cal.add_working_days(start, 2) == sh(2025, 10, 2, 23, 30)


def test_always_open_depends_on_the_zone_only_through_local_dates() -> None:
    berlin = BusinessCalendar.always_open("Europe/Berlin")
    utc = BusinessCalendar.always_open("UTC")
    start = datetime(2025, 3, 29, 11, tzinfo=UTC)  # 12:00 in Berlin, before spring forward
    # Business time is elapsed time in every zone.
    assert berlin.add(start, 30 * H) == utc.add(start, 30 * H) == start + 30 * H
    assert berlin.between(start, start + 30 * H) == utc.between(start, start + 30 * H)
    # Working days are local dates: the Berlin day of 30 March has 23 hours.
    assert utc.add_working_days(start, 1) - start == 24 * H
    assert berlin.add_working_days(start, 1) - start == 23 * H
    assert berlin.add_working_days(start, 1).tzinfo == ZoneInfo("Europe/Berlin")
    assert BusinessCalendar.always_open.__doc__ is not None
    assert "does not affect" not in BusinessCalendar.always_open.__doc__


def test_next_closing_joins_windows_across_midnight() -> None:
    cal = BusinessCalendar("UTC", {"mon": ["20:00-24:00"], "tue": ["00:00-06:00"]})
    start = datetime(2025, 9, 29, 21, tzinfo=UTC)
    assert cal.next_closing(start) == datetime(2025, 9, 30, 6, tzinfo=UTC)
    assert cal.add(start, 5 * H) == datetime(2025, 9, 30, 2, tzinfo=UTC)


# --------------------------------------------------------------------------- errors


def test_naive_datetimes_are_refused(cn: BusinessCalendar) -> None:
    naive = datetime(2025, 9, 29, 10)
    for call in (
        lambda: cn.add(naive, H),
        lambda: cn.between(naive, sh(2025, 9, 29, 10)),
        lambda: cn.between(sh(2025, 9, 29, 10), naive),
        lambda: cn.is_open(naive),
        lambda: cn.next_opening(naive),
        lambda: cn.next_closing(naive),
        lambda: cn.add_working_days(naive, 1),
    ):
        with pytest.raises(ValidationError, match="timezone-aware"):
            call()


def test_negative_duration_is_refused(cn: BusinessCalendar) -> None:
    with pytest.raises(ValidationError, match="negative"):
        cn.add(sh(2025, 9, 29, 10), -H)
    with pytest.raises(ValidationError, match="timedelta"):
        cn.add(sh(2025, 9, 29, 10), 3600)  # type: ignore[arg-type]


def test_a_duration_beyond_the_supported_years_is_refused_at_once() -> None:
    always = BusinessCalendar.always_open()
    start = datetime(2025, 1, 1, tzinfo=UTC)
    began = time.perf_counter()
    with pytest.raises(ValidationError, match=r"after the year 9998") as caught:
        always.add(start, timedelta.max)
    assert caught.value.field == "duration" and "999999999 days" in str(caught.value)
    with pytest.raises(ValidationError, match=r"1000000000000 working days") as caught:
        always.add_working_days(start, 10**12)
    assert caught.value.field == "days"
    assert time.perf_counter() - began < 1  # no year-by-year walk to the end of time
    # a long but possible target still works
    assert always.add(start, timedelta(days=3650)) == datetime(2034, 12, 30, tzinfo=UTC)


def test_an_empty_calendar_is_refused_at_construction() -> None:
    with pytest.raises(CalendarError, match="never open"):
        BusinessCalendar("UTC", WeeklyHours([()] * 7))
    with pytest.raises(CalendarError, match="never open"):
        BusinessCalendar("UTC", {}, date_hours={"2025-01-02": []})


def test_a_calendar_open_on_a_few_dates_is_valid_and_says_when_it_runs_out() -> None:
    cal = BusinessCalendar("UTC", {}, date_hours={"2025-01-02": ["09:00-10:00"]})
    assert cal.add(datetime(2025, 1, 1, tzinfo=UTC), H) == datetime(2025, 1, 2, 10, tzinfo=UTC)
    later = datetime(2025, 6, 1, tzinfo=UTC)
    last = "the last date it is open is 2025-01-02"
    with pytest.raises(CalendarError, match="no opening after 2025-06-01T00:00:00") as caught:
        cal.next_opening(later)
    assert last in str(caught.value)
    assert "within 3 years" in str(caught.value)
    assert caught.value.field == "calendar"
    with pytest.raises(CalendarError, match=last):
        cal.next_closing(later)
    with pytest.raises(CalendarError, match="cannot add 1:00:00 of business time") as caught:
        cal.add(later, H)
    assert last in str(caught.value)
    # Part of the duration fits: the message starts after the working time counted.
    with pytest.raises(CalendarError, match="no opening after 2025-01-02T10:00:00") as caught:
        cal.add(datetime(2025, 1, 1, tzinfo=UTC), 2 * H)
    assert last in str(caught.value)
    with pytest.raises(CalendarError, match="cannot add 1 working day to") as caught:
        cal.add_working_days(later, 1)
    assert last in str(caught.value)
    with pytest.raises(CalendarError, match="cannot add 2 working days to") as caught:
        cal.add_working_days(datetime(2025, 1, 1, tzinfo=UTC), 2)
    assert last in str(caught.value)
    # Long after the last date: still named.
    with pytest.raises(CalendarError, match="last date it opens explicitly is 2025-01-02"):
        cal.next_opening(datetime(2032, 1, 1, tzinfo=UTC))
    # Between two dates the calendar answers.
    two = cal.replace(makeup_day_windows=["09:00-12:00"]).with_extra_workdays("2026-03-02")
    assert two.next_opening(later) == datetime(2026, 3, 2, 9, tzinfo=UTC)


def test_error_messages_name_the_field_and_the_days() -> None:
    with pytest.raises(ValidationError, match="overlap on mon-fri: 09:00-12:00 and 11:00-18:00"):
        WeeklyHours.workweek("09:00-12:00", "11:00-18:00")
    with pytest.raises(ValidationError, match="overlap on sat, sun:"):
        WeeklyHours.workweek("09:00-12:00", "11:00-18:00", weekdays="sat-sun")
    with pytest.raises(ValidationError, match="overlap on mon-wed, fri:"):
        WeeklyHours({"mon-wed,fri": ["09:00-12:00", "11:00-18:00"]})
    with pytest.raises(ValidationError, match="overlap on 2025-12-31:"):
        BusinessCalendar.china(date_hours={"2025-12-31": ["09:00-12:00", "11:00-13:00"]})
    with pytest.raises(ValidationError, match="overlap on mon-fri:"):
        BusinessCalendar.china(hours=["09:00-12:00", "11:30-18:00"])
    for field in ("extra_holidays", "extra_workdays"):
        with pytest.raises(ValidationError, match=f"^{field} must be a calendar date") as caught:
            BusinessCalendar.china(**{field: ["2025-09-29", "2025-9-30"]})
        assert caught.value.field == field
    with pytest.raises(ValidationError) as caught:
        BusinessCalendar.china().with_extra_holidays("someday")
    assert caught.value.field == "extra_holidays"
    with pytest.raises(ValidationError) as caught:
        BusinessCalendar.china().with_extra_workdays("someday")
    assert caught.value.field == "extra_workdays"


def test_configuration_errors() -> None:
    with pytest.raises(ValidationError, match="IANA"):
        BusinessCalendar("Mars/Olympus", WeeklyHours.always())
    with pytest.raises(CalendarError, match="no country 'XX'"):
        BusinessCalendar.from_country("XX", timezone="UTC")
    with pytest.raises(CalendarError, match=r"subdivisions: .*CA"):
        BusinessCalendar.from_country("US", subdiv="ZZ", timezone="UTC")
    with pytest.raises(CalendarError, match="both"):
        BusinessCalendar.china(extra_holidays=["2025-09-29"], extra_workdays=["2025-09-29"])
    with pytest.raises(CalendarError, match="date_hours"):
        BusinessCalendar.china(extra_holidays=["2025-09-29"], date_hours={"2025-09-29": []})
    with pytest.raises(CalendarError, match="no hours"):
        BusinessCalendar("UTC", {}, makeup_day_windows=[], extra_workdays=["2025-09-27"])
    with pytest.raises(ValidationError, match="calendar date"):
        BusinessCalendar.china(extra_holidays=[datetime(2025, 9, 29, tzinfo=SH)])
    with pytest.raises(ValidationError, match="official_until"):
        BusinessCalendar.china(official_until="2026")  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="subdiv needs a country"):
        BusinessCalendar("UTC", WeeklyHours.always(), subdiv="CA")
    with pytest.raises(ValidationError, match="overlap"):
        BusinessCalendar.china(hours=["09:00-12:00", "11:30-18:00"])
    with pytest.raises(ValidationError, match="must not be before"):
        BusinessCalendar.china().working_days_between("2025-10-02", "2025-10-01")


@pytest.mark.parametrize(
    ("build", "message", "field"),
    [
        (
            lambda: BusinessCalendar("UTC", {}, extra_holidays=5),
            "list of calendar dates",
            "extra_holidays",
        ),
        (lambda: BusinessCalendar("UTC", {"mon": 5}), "windows of mon must be a list", "windows"),
        (lambda: BusinessCalendar("UTC", [1, 2, 3, 4, 5, 6, 7]), "windows of mon", "windows"),
        (
            lambda: BusinessCalendar("UTC", {"mon": ["09:00-17:00"]}, makeup_day_windows=5),
            "windows of makeup working days",
            "windows",
        ),
        (
            lambda: BusinessCalendar("UTC", {"mon": ["09:00-17:00"]}, date_hours=["2025-01-01"]),
            "date_hours must map dates to windows",
            "date_hours",
        ),
        (
            lambda: BusinessCalendar("UTC", {}, date_hours={"2025-01-01": 5}),
            "windows of 2025-01-01",
            "windows",
        ),
        (
            lambda: BusinessCalendar("UTC", {"mon": ["09:00-17:00"]}, official_years={"x": {}}),
            "'x' is not a year",
            "official_years",
        ),
        (
            lambda: BusinessCalendar(
                "UTC", {"mon": ["09:00-17:00"]}, official_years={2026: {"foo": 1}}
            ),
            "official arrangement of 2026 must be a mapping",
            "official_years",
        ),
        (
            lambda: BusinessCalendar.always_open().with_date_hours("2025-01-01", 5),
            "windows of 2025-01-01",
            "windows",
        ),
        (lambda: BusinessCalendar.always_open().replace(colour="red"), "no field colour", "colour"),
        (
            lambda: BusinessCalendar.from_country("US", timezone="UTC", hours=5),
            "hours must be the windows",
            "hours",
        ),
    ],
)
def test_malformed_configuration_gets_a_typed_error(
    build: object, message: str, field: str
) -> None:
    with pytest.raises(ValidationError, match=message) as caught:
        build()  # type: ignore[operator]
    assert caught.value.field == field


def test_from_dict_refuses_malformed_official_years() -> None:
    data = BusinessCalendar.china().to_dict()
    for years, message in (
        ({"x": {}}, "'x' is not a year"),
        ({"2027": 5}, "official arrangement of 2027"),
        ([1], "OfficialYear"),
    ):
        with pytest.raises(ValidationError, match=message):
            BusinessCalendar.from_dict({**data, "official_years": years})
    published = BusinessCalendar.china().with_official_year(2027, holidays=["2027-01-01"])
    assert BusinessCalendar.from_dict(published.to_dict()) == published


def test_flags_and_names_must_have_their_types() -> None:
    # A text such as "false" is truthy: taken as a flag it would allow unofficial years.
    with pytest.raises(ValidationError, match="allow_unofficial_years must be True or False") as e:
        BusinessCalendar.china(allow_unofficial_years="false")  # type: ignore[arg-type]
    assert e.value.field == "allow_unofficial_years"
    stored = {**BusinessCalendar.china().to_dict(), "allow_unofficial_years": "false"}
    with pytest.raises(ValidationError, match="True or False, got 'false'"):
        BusinessCalendar.from_dict(stored)
    for field in ("name", "language", "subdiv"):
        with pytest.raises(ValidationError, match=f"{field} must be a string or None") as e:
            BusinessCalendar("UTC", WeeklyHours.always(), country="US", **{field: 5})
        assert e.value.field == field


# --------------------------------------------------------------------------- official data


def test_cn_official_data_ends_with_the_last_year_with_makeup_days(cn: BusinessCalendar) -> None:
    assert cn.official_until == default_official_until("CN")
    assert cn.official_until is not None
    assert cn.official_until >= 2026
    assert cn.is_official(cn.official_until)
    assert not cn.is_official(cn.official_until + 1)
    assert default_official_until("US") is None
    assert BusinessCalendar.china(official_until=2025).official_until == 2025
    assert BusinessCalendar.china(official_until=None).is_official(2040)


def test_past_the_official_data_a_computation_raises_naming_the_year() -> None:
    cal = BusinessCalendar.china(official_until=2026)
    near_end = sh(2026, 12, 30, 10)
    assert cal.add(near_end, H) == sh(2026, 12, 30, 11)  # stays within 2026
    with pytest.raises(CalendarDataMissing, match="2027") as caught:
        cal.add(near_end, 3 * timedelta(hours=7.5))
    assert caught.value.year == 2027
    assert isinstance(caught.value, CalendarError)
    with pytest.raises(CalendarDataMissing):
        cal.between(near_end, sh(2027, 1, 5, 10))
    with pytest.raises(CalendarDataMissing):
        cal.is_open(sh(2027, 3, 1, 10))
    with pytest.raises(CalendarDataMissing):
        cal.add_working_days(near_end, 5)
    with pytest.raises(CalendarDataMissing):
        cal.is_working_day("2027-03-01")


def test_a_span_ending_at_the_midnight_of_an_unofficial_year_needs_none_of_it() -> None:
    cal = BusinessCalendar.china(official_until=2026)
    new_year = sh(2027, 1, 1)
    last_day = sh(2026, 12, 31, 9)
    assert cal.between(last_day, new_year) == 7.5 * H  # [a, b) ends before 2027
    assert cal.between(new_year, last_day) == -7.5 * H
    assert cal.between_detailed(last_day, new_year).is_official
    assert cal.between(new_year, new_year) == timedelta(0)
    with pytest.raises(CalendarDataMissing, match="2027"):
        cal.between(last_day, new_year + timedelta(microseconds=1))
    lenient = cal.replace(allow_unofficial_years=True)
    assert lenient.between_detailed(last_day, new_year).unofficial_years == ()
    assert lenient.between_detailed(last_day, sh(2027, 1, 4, 10)).unofficial_years == (2027,)


def test_every_method_follows_the_same_rule_for_unofficial_years() -> None:
    strict = BusinessCalendar.china(official_until=2026)
    lenient = strict.replace(allow_unofficial_years=True)
    at = sh(2027, 3, 1, 10)
    calls = {
        "day": lambda c: c.day("2027-10-01"),
        "working_hours": lambda c: c.working_hours("2027-10-01"),
        "is_working_day": lambda c: c.is_working_day("2027-10-01"),
        "working_days_between": lambda c: c.working_days_between("2027-01-01", "2027-01-31"),
        "is_open": lambda c: c.is_open(at),
        "next_opening": lambda c: c.next_opening(at),
        "next_opening_detailed": lambda c: c.next_opening_detailed(at),
        "next_closing": lambda c: c.next_closing(at),
        "add": lambda c: c.add(at, H),
        "add_detailed": lambda c: c.add_detailed(at, H),
        "between": lambda c: c.between(at, at + H),
        "between_detailed": lambda c: c.between_detailed(at, at + H),
        "add_working_days": lambda c: c.add_working_days(at, 1),
        "add_working_days_detailed": lambda c: c.add_working_days_detailed(at, 1),
    }
    for name, call in calls.items():
        with pytest.raises(CalendarDataMissing, match="2027") as caught:
            call(strict)
        assert caught.value.year == 2027, name
        call(lenient)  # answers from the rule-based data
        doc = getattr(type(strict), name).__doc__
        assert doc is not None
        assert "CalendarDataMissing" in doc, name
    # An answer about an unofficial date says so.
    assert not lenient.day("2027-10-01").official
    assert lenient.day("2027-10-01").label() == "节假日（国庆节；非官方数据）"
    assert lenient.day("2027-10-01").label("en") == "holiday (国庆节; unofficial data)"
    assert strict.unofficial_years_between(at, at) == (2027,)  # never raises


def test_unofficial_years_can_be_allowed_and_are_reported() -> None:
    cal = BusinessCalendar.china(official_until=2026, allow_unofficial_years=True)
    near_end = sh(2026, 12, 30, 10)
    result = cal.add_detailed(near_end, 3 * timedelta(hours=7.5))
    assert result.unofficial_years == (2027,)
    assert not result.is_official
    (warning,) = result.warnings
    assert warning.year == 2027
    assert warning.official_until == 2026
    assert "2027" in warning.message
    assert "2027" in warning.message_zh
    assert cal.add(near_end, 3 * timedelta(hours=7.5)) == result.value
    assert cal.unofficial_years_between(near_end, result.value) == (2027,)
    assert cal.unofficial_years_between(result.value, near_end) == (2027,)
    within = cal.add_detailed(near_end, H)
    assert within.is_official
    assert within.warnings == ()
    assert cal.between_detailed(near_end, sh(2028, 1, 3, 10)).unofficial_years == (2027, 2028)
    assert cal.add_working_days_detailed(near_end, 3).unofficial_years == (2027,)
    assert cal.next_opening_detailed(sh(2027, 1, 1, 20)).unofficial_years == (2027,)


def test_the_warning_says_what_is_known_of_the_year() -> None:
    start = sh(2025, 12, 31, 17)
    span = timedelta(days=500)
    pinned = BusinessCalendar.china(official_until=2025, allow_unofficial_years=True)
    w2026, w2027 = pinned.between_detailed(start, start + span).warnings
    # 2026: the package has makeup days; the calendar's boundary is pinned lower.
    assert w2026.makeup_days is True
    assert "ends with 2025" in w2026.message
    assert "does list makeup working days" in w2026.message
    assert "by rule" not in w2026.message
    assert "without makeup" not in w2026.message
    assert "调休工作日" in w2026.message_zh and "未含" not in w2026.message_zh
    # 2027: computed by rule, without makeup days.
    assert w2027.makeup_days is False
    assert "computes 2027 by rule, without makeup working days" in w2027.message
    assert "按规则推算，未含调休工作日" in w2027.message_zh
    us = BusinessCalendar.from_country(
        "US", timezone="America/New_York", official_until=2025, allow_unofficial_years=True
    )
    (w,) = us.add_working_days_detailed(datetime(2025, 12, 31, 10, tzinfo=UTC), 3).warnings
    assert w.makeup_days is False
    assert "调休" not in w.message and "by its rules" in w.message
    bare = BusinessCalendar("UTC", WeeklyHours.always(), official_until=2025)
    bare = bare.replace(allow_unofficial_years=True)
    (w,) = bare.add_detailed(datetime(2025, 12, 31, 23, tzinfo=UTC), 2 * H).warnings
    assert w.makeup_days is None
    assert "no country data" in w.message
    assert str(w) == w.message


def test_the_provider_adds_a_published_year() -> None:
    cal = BusinessCalendar.china(official_until=2026)
    # A made-up arrangement: Jan 1 (Fri) and Jan 4 (Mon) off, Sat Jan 9 worked.
    published = cal.with_official_year(
        2027, holidays=["2027-01-01", date(2027, 1, 4)], workdays=["2027-01-09"]
    )
    assert cal.official_until == published.official_until == 2026
    assert published.is_official(2027)
    assert published.official_through == 2027
    assert not published.is_official(2028)
    assert published.is_working_day("2027-01-09")
    assert published.day("2027-01-09").kind is DayKind.MAKEUP_WORKDAY
    assert not published.is_working_day("2027-01-04")
    assert published.is_working_day("2027-02-08")  # the package's rule-based holiday is replaced
    near_end = sh(2026, 12, 31, 17)
    assert published.add(near_end, 2 * H) == sh(2027, 1, 5, 10)
    assert published.add_detailed(near_end, 2 * H).is_official
    with pytest.raises(CalendarDataMissing, match="2028"):
        published.add(near_end, timedelta(days=200))
    replaced = published.with_official_year(2027, holidays=["2027-01-01"])
    assert replaced.is_working_day("2027-01-04")
    assert len(replaced.official_years) == 1
    gap = cal.with_official_year(2028, holidays=[])
    assert gap.official_through == 2026
    assert gap.is_official(2028)


def test_a_published_year_carries_holiday_names() -> None:
    cal = BusinessCalendar.china(official_until=2025)
    published = cal.with_official_year(
        2026,
        holidays={"2026-01-01": "元旦", date(2026, 1, 2): None, "2026-10-01": "国庆节"},
        workdays=["2026-01-04"],
    )
    assert published.day("2026-01-01").name == "元旦"
    assert published.day("2026-10-01").label() == "节假日（国庆节）"
    assert published.day("2026-01-02").kind is DayKind.HOLIDAY
    assert published.day("2026-01-02").name is None
    (year,) = published.official_years
    assert year.holiday_names == {date(2026, 1, 1): "元旦", date(2026, 10, 1): "国庆节"}
    assert year.name_of(date(2026, 1, 2)) is None
    named = OfficialYear(2026, ["2026-01-01"], names={"2026-01-01": "元旦"})
    assert named.name_of(date(2026, 1, 1)) == "元旦"
    with pytest.raises(ValidationError, match="not holidays") as caught:
        OfficialYear(2026, ["2026-01-01"], names={"2026-01-02": "x"})
    assert caught.value.field == "names"


def test_replacing_a_year_needs_its_holidays_and_its_own_dates() -> None:
    cal = BusinessCalendar.china(official_until=2026)
    with pytest.raises(ValidationError, match="merge=True") as caught:
        cal.with_official_year(2027, workdays=["2027-02-20"])
    assert caught.value.field == "holidays"
    with pytest.raises(ValidationError, match="only dates of 2027") as caught:
        cal.with_official_year(2027, holidays=["2027-01-01", "2026-12-31"])
    assert caught.value.field == "holidays"
    assert "2026-12-31" in str(caught.value)
    with pytest.raises(ValidationError, match="only dates of 2027") as caught:
        cal.with_official_year(2027, holidays=[], workdays=["2028-01-02"], merge=True)
    assert caught.value.field == "workdays"
    with pytest.raises(ValidationError, match="calendar date") as caught:
        cal.with_official_year(2027, holidays={"2027-13-01": "x"})
    assert caught.value.field == "holidays"


def test_merge_lays_a_few_dates_over_the_computed_year() -> None:
    cal = BusinessCalendar.china(official_until=2026)
    computed = cal.replace(allow_unofficial_years=True)
    merged = cal.with_official_year(
        2027,
        holidays={"2027-10-06": "国庆节", "2027-10-07": "国庆节", "2027-02-11": None},
        workdays=["2027-09-26", "2027-02-10"],
        merge=True,
    )
    assert merged.is_official(2027)
    # The package's computed holidays stay, with their names.
    assert merged.day("2027-10-01").kind is DayKind.HOLIDAY
    assert merged.day("2027-10-01").name == "国庆节"
    assert merged.day("2027-01-01").name == "元旦"
    # The given dates change the year.
    assert merged.day("2027-10-07").name == "国庆节"
    assert merged.day("2027-09-26").kind is DayKind.MAKEUP_WORKDAY  # a Sunday, worked
    assert merged.day("2027-02-10").kind is DayKind.MAKEUP_WORKDAY  # a computed holiday, worked
    assert merged.day("2027-02-11").kind is DayKind.HOLIDAY
    changed = {date(2027, 10, 6), date(2027, 10, 7), date(2027, 2, 11)}
    changed |= {date(2027, 9, 26), date(2027, 2, 10)}
    day = date(2027, 1, 1)
    while day.year == 2027:
        if day not in changed:
            assert merged.working_hours(day) == computed.working_hours(day), day
        day += timedelta(days=1)
    # Merging again starts from the published year; replacing drops it.
    again = merged.with_official_year(2027, holidays=["2027-10-08"], merge=True)
    assert not again.is_working_day("2027-10-07")
    assert not again.is_working_day("2027-10-08")
    assert again.is_working_day("2027-09-26")
    assert len(again.official_years) == 1
    # The merged year is stored complete: a round trip keeps every date and name.
    stored = BusinessCalendar.from_dict(json.loads(json.dumps(merged.to_dict())))
    assert stored == merged
    assert stored.to_dict()["official_years"]["2027"]["holidays"]["2027-10-01"] == "国庆节"


def test_official_year_validation() -> None:
    with pytest.raises(ValidationError, match="only dates of 2027"):
        OfficialYear(2027, holidays=["2026-12-31"])
    with pytest.raises(ValidationError, match="both"):
        OfficialYear(2027, holidays=["2027-01-02"], workdays=["2027-01-02"])
    with pytest.raises(ValidationError, match="year must be an int"):
        OfficialYear("2027", holidays=[])  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="name of holiday"):
        OfficialYear(2027, holidays={"2027-01-01": 1})  # type: ignore[dict-item]
    # Holidays given as a list are stored without names.
    assert OfficialYear(2027, ["2027-01-01"]).to_dict() == {
        "holidays": {"2027-01-01": None},
        "workdays": [],
    }


# --------------------------------------------------------------------------- storage


def test_to_dict_round_trips_through_json() -> None:
    cal = (
        BusinessCalendar.china(
            extra_holidays=["2025-09-29"],
            extra_workdays=["2025-09-27"],
            date_hours={"2025-12-31": ["09:00-12:00"]},
            makeup_day_windows=["10:00-16:00"],
            allow_unofficial_years=True,
            name="北京服务台",
        )
        .with_official_year(2027, holidays=["2027-01-01"], workdays=["2027-01-09"])
        .replace(official_until=2026)
    )
    data = json.loads(json.dumps(cal.to_dict()))
    again = BusinessCalendar.from_dict(data)
    assert again == cal
    assert hash(again) == hash(cal)
    assert again.to_dict() == cal.to_dict()
    assert again.add(sh(2025, 12, 31, 11), 2 * H) == cal.add(sh(2025, 12, 31, 11), 2 * H)
    for simple in (
        BusinessCalendar.always_open("Europe/Berlin"),
        BusinessCalendar.from_country("DE", subdiv="BY", timezone="Europe/Berlin"),
    ):
        assert BusinessCalendar.from_dict(json.loads(json.dumps(simple.to_dict()))) == simple


def test_a_stored_calendar_with_the_default_boundary_follows_the_package(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    default = BusinessCalendar.china()
    assert not default.official_until_is_explicit
    data = json.loads(json.dumps(default.to_dict()))
    assert "official_until" not in data
    restored = BusinessCalendar.from_dict(data)
    assert restored == default
    assert not restored.official_until_is_explicit
    pinned = BusinessCalendar.china(official_until=2025)
    assert pinned.official_until_is_explicit
    assert pinned.to_dict()["official_until"] == 2025
    assert BusinessCalendar.from_dict(pinned.to_dict()) == pinned
    assert BusinessCalendar.china(official_until=None).to_dict()["official_until"] is None
    assert pinned != BusinessCalendar.china(official_until="auto")
    # A newer holidays release with the next year's makeup days moves the default.
    newest = default.official_until
    assert newest is not None
    monkeypatch.setattr(
        "itsm_core.calendars.dates.default_official_until",
        lambda country, subdiv=None: newest + 1,
    )
    later = BusinessCalendar.from_dict(data)
    assert later.official_until == newest + 1
    assert later.is_official(newest + 1)
    assert BusinessCalendar.from_dict(pinned.to_dict()).official_until == 2025
    # The default follows a changed country; an explicit year stays.
    assert default.replace(country="US").official_until == newest + 1  # (patched)
    monkeypatch.undo()
    assert default.replace(country="US").official_until is None
    assert pinned.replace(country="US").official_until == 2025
    assert pinned.replace(official_until="auto") == BusinessCalendar.china()


def test_from_dict_refuses_bad_input() -> None:
    data = BusinessCalendar.always_open().to_dict()
    with pytest.raises(ValidationError, match="unknown calendar keys"):
        BusinessCalendar.from_dict({**data, "colour": "red"})
    with pytest.raises(ValidationError, match="version"):
        BusinessCalendar.from_dict({**data, "version": 99})
    with pytest.raises(ValidationError, match="lacks"):
        BusinessCalendar.from_dict({"version": 1})
    with pytest.raises(ValidationError, match="mapping"):
        BusinessCalendar.from_dict([])  # type: ignore[arg-type]
