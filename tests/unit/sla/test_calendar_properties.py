"""Properties of business-time arithmetic, and the index against a brute-force reference.

The reference knows nothing of the index: it steps minute by minute in UTC and asks
whether the local wall-clock time of each minute lies in a window of its local date
(:meth:`BusinessCalendar.working_hours`). Windows, zone offsets and DST changes are
all on whole minutes, so minute steps are exact.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from itsm_core.calendars import BusinessCalendar, WeeklyHours, Window

MINUTE = timedelta(minutes=1)
ZONES = ["UTC", "Asia/Shanghai", "America/New_York", "Europe/Berlin", "Australia/Lord_Howe"]
# DST changes of 2025 (New York, Berlin, Lord Howe) and a year end.
ANCHORS = [
    datetime(2025, 3, 9, tzinfo=UTC),
    datetime(2025, 3, 30, tzinfo=UTC),
    datetime(2025, 4, 6, tzinfo=UTC),
    datetime(2025, 10, 5, tzinfo=UTC),
    datetime(2025, 10, 26, tzinfo=UTC),
    datetime(2025, 11, 2, tzinfo=UTC),
    datetime(2025, 12, 31, tzinfo=UTC),
]
# Minute points of the day that hit the DST hours, a lunch break, midnight.
POINTS = [0, 60, 90, 120, 150, 180, 210, 240, 540, 720, 810, 1080, 1320, 1440]
STEP_BUDGET = 14 * 24 * 60


class Reference:
    """Brute-force business time, one minute at a time."""

    def __init__(self, calendar: BusinessCalendar) -> None:
        self.calendar = calendar
        self.zone = calendar.timezone
        self.windows: dict[date, tuple[Window, ...]] = {}

    def is_open(self, t: datetime) -> bool:
        local = t.astimezone(self.zone)
        day = local.date()
        windows = self.windows.get(day)
        if windows is None:
            windows = self.windows[day] = self.calendar.working_hours(day)
        wall = local.hour * 3600 + local.minute * 60 + local.second
        return any(w.start <= wall < w.end for w in windows)

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
def day_windows(draw: st.DrawFn, max_windows: int = 3) -> list[Window]:
    points = sorted(
        draw(st.lists(minute_of_day, min_size=0, max_size=2 * max_windows, unique=True))
    )
    if len(points) % 2:
        points = points[:-1]
    return [Window(points[i] * 60, points[i + 1] * 60) for i in range(0, len(points), 2)]


@st.composite
def calendars(draw: st.DrawFn) -> tuple[BusinessCalendar, datetime]:
    zone = ZoneInfo(draw(st.sampled_from(ZONES)))
    anchor = draw(st.sampled_from(ANCHORS))
    days = [draw(day_windows()) for _ in range(7)]
    if not any(days):
        days[draw(st.integers(0, 6))] = [Window("09:00", "17:00")]
    near = st.integers(-6, 8).map(lambda n: (anchor + timedelta(days=n)).date())
    extra_holidays = draw(st.sets(near, max_size=3))
    extra_workdays = draw(st.sets(near, max_size=3)) - extra_holidays
    special = draw(st.dictionaries(near, day_windows(), max_size=2))
    special = {d: w for d, w in special.items() if d not in extra_holidays | extra_workdays}
    makeup = draw(st.one_of(st.none(), day_windows(2).filter(bool)))
    country = draw(st.sampled_from([None, None, "CN", "DE"]))
    calendar = BusinessCalendar(
        zone,
        WeeklyHours(days),
        country=country,
        makeup_day_windows=makeup,
        extra_holidays=extra_holidays,
        extra_workdays=extra_workdays,
        date_hours=special,
        allow_unofficial_years=True,  # long targets on sparse calendars pass 2026
    )
    return calendar, anchor


def instants(anchor: datetime, spread_days: int = 4) -> st.SearchStrategy[datetime]:
    span = spread_days * 24 * 60
    return st.integers(-span, span).map(lambda m: anchor + m * MINUTE)


@st.composite
def calendar_and_start(draw: st.DrawFn) -> tuple[BusinessCalendar, datetime]:
    calendar, anchor = draw(calendars())
    return calendar, draw(instants(anchor))


@settings(deadline=None, max_examples=60)
@given(calendar_and_start(), st.integers(0, 3 * 24 * 60))
def test_between_matches_the_reference(case: tuple[BusinessCalendar, datetime], span: int) -> None:
    calendar, a = case
    b = a + span * MINUTE
    assert calendar.between(a, b) == Reference(calendar).between(a, b)


@settings(deadline=None, max_examples=60)
@given(calendar_and_start(), st.integers(0, 900))
def test_add_matches_the_reference(case: tuple[BusinessCalendar, datetime], minutes: int) -> None:
    calendar, a = case
    expected = Reference(calendar).add(a, minutes)
    assume(expected is not None)
    assert calendar.add(a, minutes * MINUTE).astimezone(UTC) == expected


@settings(deadline=None, max_examples=60)
@given(calendar_and_start())
def test_is_open_and_next_opening_match_the_reference(
    case: tuple[BusinessCalendar, datetime],
) -> None:
    calendar, t = case
    reference = Reference(calendar)
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
    case: tuple[BusinessCalendar, datetime], n: int
) -> None:
    calendar, a = case
    zone = calendar.timezone
    result = calendar.add_working_days(a, n).astimezone(UTC)
    assert result > a
    # The result lies on (or closes) the n-th working day after the starting one.
    last = result if calendar.is_open(result) else result - timedelta(microseconds=1)
    first = calendar.next_opening(a).astimezone(zone).date()
    assert calendar.working_days_between(first, last.astimezone(zone).date()) == n + 1
    assert calendar.is_open(result) or calendar.is_open(last)
