"""Properties of business-time arithmetic, and the index against a brute-force reference.

The reference knows nothing of the index nor of how the calendar classifies a day:
it is built from the calendar's *inputs* (weekly windows in minutes, the provider's
dates) and the ``holidays`` package's data alone, and applies the documented rules
itself (a date's own hours, then extra holidays, extra working days, the country's
holidays and makeup days, then the weekday). It steps minute by minute in UTC and
asks whether the local wall-clock time of each minute lies in a window of its local
date. Windows, zone offsets and DST changes are all on whole minutes, so minute
steps are exact. A day the calendar classifies wrongly fails these tests.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import attrs
import holidays
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from itsm_core.calendars import BusinessCalendar, WeeklyHours, Window

MINUTE = timedelta(minutes=1)
ZONES = ["UTC", "Asia/Shanghai", "America/New_York", "Europe/Berlin", "Australia/Lord_Howe"]
# DST changes of 2025 (New York, Berlin, Lord Howe), a year end, and the Chinese
# holidays and makeup days of 2025 (Spring Festival, Labour Day, National Day).
ANCHORS = [
    datetime(2025, 1, 28, tzinfo=UTC),
    datetime(2025, 3, 9, tzinfo=UTC),
    datetime(2025, 3, 30, tzinfo=UTC),
    datetime(2025, 4, 6, tzinfo=UTC),
    datetime(2025, 4, 30, tzinfo=UTC),
    datetime(2025, 10, 5, tzinfo=UTC),
    datetime(2025, 10, 26, tzinfo=UTC),
    datetime(2025, 11, 2, tzinfo=UTC),
    datetime(2025, 12, 31, tzinfo=UTC),
]
# Minute points of the day that hit the DST hours, a lunch break, midnight.
POINTS = [0, 60, 90, 120, 150, 180, 210, 240, 540, 720, 810, 1080, 1320, 1440]
STEP_BUDGET = 14 * 24 * 60

Spans = tuple[tuple[int, int], ...]
"""A day's windows as ``(start, end)`` minutes after local midnight."""


@attrs.frozen
class Inputs:
    """What a calendar is built from: the reference reads these, never the calendar."""

    zone: str
    weekly: tuple[Spans, ...]
    country: str | None = None
    makeup: Spans | None = None
    extra_holidays: frozenset[date] = frozenset()
    extra_workdays: frozenset[date] = frozenset()
    special: dict[date, Spans] = attrs.field(factory=dict)

    def calendar(self) -> BusinessCalendar:
        def windows(spans: Spans) -> list[Window]:
            return [Window(a * 60, b * 60) for a, b in spans]

        return BusinessCalendar(
            ZoneInfo(self.zone),
            WeeklyHours([windows(day) for day in self.weekly]),
            country=self.country,
            makeup_day_windows=None if self.makeup is None else windows(self.makeup),
            extra_holidays=self.extra_holidays,
            extra_workdays=self.extra_workdays,
            date_hours={d: windows(s) for d, s in self.special.items()},
            allow_unofficial_years=True,  # long targets on sparse calendars pass 2026
        )


class Reference:
    """Brute-force business time, one minute at a time, from the inputs and holiday data."""

    def __init__(self, inputs: Inputs) -> None:
        self.inputs = inputs
        self.zone = ZoneInfo(inputs.zone)
        self.years: dict[int, tuple[frozenset[date], frozenset[date]]] = {}
        self.windows: dict[date, Spans] = {}

    def country_year(self, year: int) -> tuple[frozenset[date], frozenset[date]]:
        """The country's holidays and makeup working days, from the ``holidays`` package."""
        if self.inputs.country is None:
            return frozenset(), frozenset()
        if year not in self.years:
            data = holidays.country_holidays(self.inputs.country, years=[year])
            self.years[year] = (
                frozenset(d for d in data if d.year == year),
                frozenset(d for d in data.weekend_workdays if d.year == year),
            )
        return self.years[year]

    def worked_like_a_weekday(self, day: date) -> Spans:
        own = self.inputs.weekly[day.weekday()]
        if own:
            return own
        if self.inputs.makeup is not None:
            return self.inputs.makeup
        return next((w for w in self.inputs.weekly if w), ())

    def day_spans(self, day: date) -> Spans:
        """The documented rules, first match wins."""
        i = self.inputs
        if day in i.special:
            return i.special[day]
        if day in i.extra_holidays:
            return ()
        if day in i.extra_workdays:
            return self.worked_like_a_weekday(day)
        public, makeup = self.country_year(day.year)
        if day in public:
            return ()
        if day in makeup:
            return self.worked_like_a_weekday(day)
        return i.weekly[day.weekday()]

    def is_open(self, t: datetime) -> bool:
        local = t.astimezone(self.zone)
        day = local.date()
        spans = self.windows.get(day)
        if spans is None:
            spans = self.windows[day] = self.day_spans(day)
        wall = local.hour * 60 + local.minute
        return any(a <= wall < b for a, b in spans)

    def between(self, a: datetime, b: datetime) -> timedelta:
        count, t = 0, a
        while t < b:
            count += self.is_open(t)
            t += MINUTE
        return count * MINUTE

    def next_opening(self, a: datetime) -> datetime | None:
        t = a
        for _ in range(STEP_BUDGET):
            if self.is_open(t):
                return t
            t += MINUTE
        return None

    def add(self, a: datetime, minutes: int) -> datetime | None:
        if minutes == 0:
            return self.next_opening(a)
        count, t = 0, a
        for _ in range(STEP_BUDGET):
            if self.is_open(t):
                count += 1
                if count == minutes:
                    return t + MINUTE
            t += MINUTE
        return None


minute_of_day = st.one_of(st.sampled_from(POINTS), st.integers(0, 1440))


@st.composite
def day_windows(draw: st.DrawFn, max_windows: int = 3) -> Spans:
    points = sorted(
        draw(st.lists(minute_of_day, min_size=0, max_size=2 * max_windows, unique=True))
    )
    if len(points) % 2:
        points = points[:-1]
    return tuple((points[i], points[i + 1]) for i in range(0, len(points), 2))


@st.composite
def inputs(draw: st.DrawFn) -> tuple[Inputs, datetime]:
    zone = draw(st.sampled_from(ZONES))
    anchor = draw(st.sampled_from(ANCHORS))
    days = [draw(day_windows()) for _ in range(7)]
    if not any(days):
        days[draw(st.integers(0, 6))] = ((9 * 60, 17 * 60),)
    near = st.integers(-6, 8).map(lambda n: (anchor + timedelta(days=n)).date())
    extra_holidays = draw(st.sets(near, max_size=3))
    extra_workdays = draw(st.sets(near, max_size=3)) - extra_holidays
    special = draw(st.dictionaries(near, day_windows(), max_size=2))
    special = {d: w for d, w in special.items() if d not in extra_holidays | extra_workdays}
    makeup = draw(st.one_of(st.none(), day_windows(2).filter(bool)))
    country = draw(st.sampled_from([None, None, "CN", "DE"]))
    spec = Inputs(
        zone,
        tuple(days),
        country=country,
        makeup=makeup,
        extra_holidays=frozenset(extra_holidays),
        extra_workdays=frozenset(extra_workdays),
        special=special,
    )
    return spec, anchor


@st.composite
def calendars(draw: st.DrawFn) -> tuple[BusinessCalendar, datetime]:
    spec, anchor = draw(inputs())
    return spec.calendar(), anchor


def instants(anchor: datetime, spread_days: int = 4) -> st.SearchStrategy[datetime]:
    span = spread_days * 24 * 60
    return st.integers(-span, span).map(lambda m: anchor + m * MINUTE)


@st.composite
def calendar_and_start(draw: st.DrawFn) -> tuple[Inputs, datetime]:
    spec, anchor = draw(inputs())
    return spec, draw(instants(anchor))


@settings(deadline=None, max_examples=60)
@given(calendar_and_start(), st.integers(0, 3 * 24 * 60))
def test_between_matches_the_reference(case: tuple[Inputs, datetime], span: int) -> None:
    spec, a = case
    b = a + span * MINUTE
    assert spec.calendar().between(a, b) == Reference(spec).between(a, b)


@settings(deadline=None, max_examples=60)
@given(calendar_and_start(), st.integers(0, 900))
def test_add_matches_the_reference(case: tuple[Inputs, datetime], minutes: int) -> None:
    spec, a = case
    expected = Reference(spec).add(a, minutes)
    assume(expected is not None)
    assert spec.calendar().add(a, minutes * MINUTE).astimezone(UTC) == expected


@settings(deadline=None, max_examples=60)
@given(calendar_and_start())
def test_is_open_and_next_opening_match_the_reference(
    case: tuple[Inputs, datetime],
) -> None:
    spec, t = case
    calendar, reference = spec.calendar(), Reference(spec)
    assert calendar.is_open(t) == reference.is_open(t)
    expected = reference.next_opening(t)
    assume(expected is not None)
    assert calendar.next_opening(t).astimezone(UTC) == expected
    found = calendar.next_closing(t)
    assert found is not None
    closing = found.astimezone(UTC)  # arithmetic in UTC: a DST zone's is wall-clock
    assert not reference.is_open(closing)
    assert reference.is_open(closing - MINUTE)
    assert calendar.between(expected, closing) == closing - expected


CN_INPUTS = Inputs(
    "Asia/Shanghai", (((540, 720), (810, 1080)),) * 5 + ((), ()), country="CN"
)
CN_REFERENCE = Reference(CN_INPUTS)


@settings(deadline=None)
@given(st.dates(date(2018, 1, 1), date(2027, 12, 31)))
def test_china_classifies_each_day_as_the_holiday_data_says(day: date) -> None:
    """Holidays closed, makeup weekends (调休) open, as in the ``holidays`` data alone."""
    calendar = BusinessCalendar.china(allow_unofficial_years=True)
    expected = CN_REFERENCE.day_spans(day)
    assert calendar.is_working_day(day) == bool(expected)
    assert tuple((w.start // 60, w.end // 60) for w in calendar.working_hours(day)) == expected


# --------------------------------------------------------------------------- algebra

CN = BusinessCalendar.china(allow_unofficial_years=True)
CN_START = datetime(2025, 9, 1, tzinfo=ZoneInfo("Asia/Shanghai"))
any_instant = st.integers(0, 120 * 86_400 * 10**6).map(
    lambda us: CN_START + timedelta(microseconds=us)
)
durations = st.one_of(
    st.integers(0, 30 * 86_400 * 10**6).map(lambda us: timedelta(microseconds=us)),
    st.integers(0, 40 * 60).map(lambda m: m * MINUTE),
)


@settings(deadline=None)
@given(calendars(), st.integers(-4 * 24 * 60, 4 * 24 * 60), durations)
def test_between_of_add_is_the_duration_on_random_calendars(
    case: tuple[BusinessCalendar, datetime], offset: int, d: timedelta
) -> None:
    calendar, anchor = case
    a = anchor + offset * MINUTE + timedelta(microseconds=offset * 7919)
    assert calendar.between(a, calendar.add(a, d)) == d


@settings(deadline=None)
@given(any_instant, durations)
def test_between_of_add_is_the_duration(a: datetime, d: timedelta) -> None:
    result = CN.add(a, d)
    assert CN.between(a, result) == d
    assert result >= a
    if d:
        # The earliest such instant: a moment earlier, less time has passed.
        assert CN.between(a, result - timedelta(microseconds=1)) < d
    else:
        assert result == CN.next_opening(a)


@settings(deadline=None)
@given(any_instant, durations, durations)
def test_add_is_monotonic_in_the_duration(a: datetime, d1: timedelta, d2: timedelta) -> None:
    d1, d2 = sorted((d1, d2))
    assert CN.add(a, d1) <= CN.add(a, d2)
    if d2 > d1:  # adding in two steps is adding at once
        assert CN.add(CN.add(a, d1), d2 - d1) == CN.add(a, d2)


@settings(deadline=None)
@given(any_instant, any_instant, durations)
def test_add_is_monotonic_in_the_start(a1: datetime, a2: datetime, d: timedelta) -> None:
    a1, a2 = sorted((a1, a2))
    assert CN.add(a1, d) <= CN.add(a2, d)


@settings(deadline=None)
@given(any_instant, any_instant, any_instant)
def test_between_is_additive_and_antisymmetric(a: datetime, b: datetime, c: datetime) -> None:
    assert CN.between(a, b) + CN.between(b, c) == CN.between(a, c)
    assert CN.between(a, b) == -CN.between(b, a)


@settings(deadline=None)
@given(any_instant, st.integers(0, 300))
def test_add_working_days_moves_whole_working_days(a: datetime, n: int) -> None:
    result = CN.add_working_days(a, n)
    assert result >= a
    assert CN.is_open(result) or CN.next_opening(result) > result
    # Open at the result, or the result closes its day (a half day ends earlier).
    assert CN.is_open(result) or CN.is_open(result - timedelta(microseconds=1))
    if CN.is_open(a) and n:
        # Started in working time: the same wall-clock time (every CN day has the
        # same windows).
        assert result.astimezone(CN.timezone).time() == a.astimezone(CN.timezone).time()
    if n:
        first = CN.next_opening(a).date()
        counted = CN.working_days_between(first, result.date())
        # The result's date is the n-th working day after the starting working day.
        assert counted == n + 1


@settings(deadline=None)
@given(calendar_and_start(), st.integers(1, 6))
def test_add_working_days_on_random_calendars(
    case: tuple[Inputs, datetime], n: int
) -> None:
    spec, a = case
    calendar = spec.calendar()
    zone = calendar.timezone
    result = calendar.add_working_days(a, n).astimezone(UTC)
    assert result > a
    # The result lies on (or closes) the n-th working day after the starting one.
    last = result if calendar.is_open(result) else result - timedelta(microseconds=1)
    first = calendar.next_opening(a).astimezone(zone).date()
    assert calendar.working_days_between(first, last.astimezone(zone).date()) == n + 1
    assert calendar.is_open(result) or calendar.is_open(last)
