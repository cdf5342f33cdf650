"""What a business calendar is made of, and how it treats each date.

:class:`CalendarDates` is the first layer of
:class:`~itsm_core.calendars.BusinessCalendar`: its fields and their checks,
which years have official holiday data, and the plan of each local date
(holiday, makeup working day, special hours, windows) with the per-year index
built from it. Instant arithmetic is the next layer
(:class:`~itsm_core.calendars.working_time.WorkingTime`); the constructors,
derived calendars and serialisation are the calendar itself.
"""

from __future__ import annotations

from datetime import MAXYEAR, MINYEAR, date, datetime
from typing import Any, Literal, TypeVar
from zoneinfo import ZoneInfo

import attrs

from itsm_core.calendars._convert import (
    country_converter,
    date_hours_converter,
    extra_holidays_converter,
    extra_workdays_converter,
    flag_validator,
    official_years_converter,
    optional_text_validator,
    optional_windows_converter,
    weekly_converter,
    zone_converter,
)
from itsm_core.calendars._index import (
    YearIndex,
    build_year_index,
    from_us,
)
from itsm_core.calendars.country_data import country_holidays, country_year, default_official_until
from itsm_core.calendars.days import (
    CalendarResult,
    DayInfo,
    DayKind,
    OfficialYear,
    UnofficialYear,
    as_date,
)
from itsm_core.calendars.hours import WeeklyHours, Window
from itsm_core.kernel.clock import require_aware
from itsm_core.kernel.errors import CalendarDataMissing, CalendarError, ValidationError

__all__ = ["AUTO", "CalendarDates"]

T = TypeVar("T")

#: ``official_until="auto"``: the boundary follows the country and the installed
#: ``holidays`` package (:func:`~itsm_core.calendars.default_official_until`).
AUTO: Literal["auto"] = "auto"
_AUTO = AUTO


@attrs.frozen
class CalendarDates:
    """The fields of a business calendar and the plan of its dates.

    Not built directly: build a :class:`~itsm_core.calendars.BusinessCalendar`,
    whose description lists the parameters.
    """

    #: Years searched for an opening (or a closing) before a calendar is declared
    #: never open (or never closing).
    HORIZON_YEARS = 3

    timezone: ZoneInfo = attrs.field(converter=zone_converter)
    weekly: WeeklyHours = attrs.field(converter=weekly_converter)
    country: str | None = attrs.field(default=None, converter=country_converter, kw_only=True)
    subdiv: str | None = attrs.field(default=None, validator=optional_text_validator, kw_only=True)
    language: str | None = attrs.field(
        default=None, validator=optional_text_validator, kw_only=True
    )
    makeup_day_windows: tuple[Window, ...] | None = attrs.field(
        default=None, converter=optional_windows_converter, kw_only=True
    )
    extra_holidays: frozenset[date] = attrs.field(
        factory=frozenset, converter=extra_holidays_converter, kw_only=True
    )
    extra_workdays: frozenset[date] = attrs.field(
        factory=frozenset, converter=extra_workdays_converter, kw_only=True
    )
    date_hours: tuple[tuple[date, tuple[Window, ...]], ...] = attrs.field(
        factory=tuple, converter=date_hours_converter, kw_only=True
    )
    _official_until: int | Literal["auto"] | None = attrs.field(
        default=_AUTO, kw_only=True, alias="official_until"
    )
    allow_unofficial_years: bool = attrs.field(
        default=False, validator=flag_validator, kw_only=True
    )
    official_years: tuple[OfficialYear, ...] = attrs.field(
        factory=tuple, converter=official_years_converter, kw_only=True
    )
    name: str | None = attrs.field(default=None, validator=optional_text_validator, kw_only=True)
    _cache: dict[tuple[str, int], Any] = attrs.field(
        factory=dict, init=False, eq=False, hash=False, repr=False
    )

    def __attrs_post_init__(self) -> None:
        setting = self._official_until
        if (
            setting != _AUTO
            and setting is not None
            and (isinstance(setting, bool) or not isinstance(setting, int))
        ):
            raise ValidationError(
                f"official_until must be a year (int), None or 'auto', got {setting!r}",
                field="official_until",
            )
        if self.country is not None:
            country_holidays(self.country, self.subdiv, self.language, [])
        elif self.subdiv is not None:
            raise ValidationError("subdiv needs a country", field="subdiv")
        both = sorted(self.extra_holidays & self.extra_workdays)
        if both:
            raise CalendarError(
                "a date cannot be both an extra holiday and an extra working day: "
                + ", ".join(d.isoformat() for d in both),
                field="extra_workdays",
            )
        special = {d for d, _ in self.date_hours}
        clash = sorted(special & (self.extra_holidays | self.extra_workdays))
        if clash:
            raise CalendarError(
                "a date with its own hours (date_hours) must not also be an extra holiday "
                "or extra working day: " + ", ".join(d.isoformat() for d in clash),
                field="date_hours",
            )
        for day in sorted(self.extra_workdays):
            if not self._workday_windows(day):
                raise CalendarError(
                    f"extra working day {day} has no hours: its weekday has no weekly "
                    "windows and makeup_day_windows is empty; give makeup_day_windows or "
                    "use date_hours for that date",
                    field="extra_workdays",
                )
        if (
            self.weekly.is_empty
            and not self.extra_workdays
            and not any(windows for _, windows in self.date_hours)
        ):
            raise CalendarError(
                "the calendar is never open: no weekday has working windows and no date "
                "is opened explicitly; give weekly windows, e.g. "
                "WeeklyHours.workweek('09:00-18:00'), or use BusinessCalendar.always_open()",
                field="weekly",
            )

    # ------------------------------------------------------------------ official data

    @property
    def official_until(self) -> int | None:
        """The last year whose holiday data is official; None means no limit.

        Given explicitly, or by default (``"auto"``) derived from the country and the
        installed ``holidays`` package (:func:`default_official_until`).
        """
        if self._official_until == _AUTO:
            return default_official_until(self.country, self.subdiv)
        return self._official_until

    @property
    def official_until_is_explicit(self) -> bool:
        """True if ``official_until`` was given; False if it follows the ``holidays`` package."""
        return self._official_until != _AUTO

    def is_official(self, year: int) -> bool:
        """True if the calendar's data for ``year`` is official.

        :param year: a calendar year.
        """
        if self.official_until is None or year <= self.official_until:
            return True
        return any(y.year == year for y in self.official_years)

    @property
    def official_through(self) -> int | None:
        """The last year up to which *every* year is official (None: no limit).

        ``official_until`` extended by years added with :meth:`with_official_year`
        that follow it without a gap.
        """
        if self.official_until is None:
            return None
        last = self.official_until
        added = {y.year for y in self.official_years}
        while last + 1 in added:
            last += 1
        return last

    def unofficial_years_between(self, start: datetime, end: datetime) -> tuple[int, ...]:
        """The years without official data touched by the span from ``start`` to ``end``.

        Use it to learn which warnings a computation over this span carries
        (e.g. ``add(start, d)`` touches ``unofficial_years_between(start, result)``).
        Never raises for unofficial data.

        :param start: one end of the span (aware).
        :param end: the other end (aware; may be before ``start``).
        """
        a = require_aware(start, "start").astimezone(self.timezone).year
        b = require_aware(end, "end").astimezone(self.timezone).year
        lo, hi = min(a, b), max(a, b)
        return tuple(y for y in range(lo, hi + 1) if not self.is_official(y))

    # ------------------------------------------------------------------ days

    @property
    def date_hours_map(self) -> dict[date, tuple[Window, ...]]:
        """``date_hours`` as a dict."""
        return dict(self.date_hours)

    def day(self, day: date | str) -> DayInfo:
        """How the calendar treats the local date ``day`` (kind, windows, holiday name).

        With ``allow_unofficial_years=True`` a date of an unofficial year is
        described with ``official=False``; to look at such a year on a strict
        calendar, ask ``calendar.replace(allow_unofficial_years=True)``.

        :param day: the date.
        :raises ValidationError: if ``day`` is not a date.
        :raises CalendarDataMissing: if the year's data is not official and
            unofficial years are not allowed.
        """
        target = as_date(day)
        self._require_year(target.year, [])
        return self._plan(target)

    def working_hours(self, day: date | str) -> tuple[Window, ...]:
        """The wall-clock working windows of the local date ``day`` (empty when closed).

        :param day: the date.
        :raises ValidationError: if ``day`` is not a date.
        :raises CalendarDataMissing: if the year's data is not official and
            unofficial years are not allowed.
        """
        return self.day(day).windows

    def is_working_day(self, day: date | str) -> bool:
        """True if the local date ``day`` has working time.

        :param day: the date.
        :raises ValidationError: if ``day`` is not a date.
        :raises CalendarDataMissing: if the year's data is not official and
            unofficial years are not allowed.
        """
        target = as_date(day)
        idx = self._index(target.year, [])
        k = idx.working_day_at_or_after(target.toordinal())
        return k < len(idx.day_ordinals) and idx.day_ordinals[k] == target.toordinal()

    def working_days_between(self, first: date | str, last: date | str) -> int:
        """The number of working dates from ``first`` to ``last``, both included.

        :param first: the first date.
        :param last: the last date (not before ``first``).
        :raises ValidationError: if ``last`` is before ``first``.
        :raises CalendarDataMissing: if a year from ``first`` to ``last`` has no
            official data and unofficial years are not allowed.
        """
        lo, hi = as_date(first, "first"), as_date(last, "last")
        if hi < lo:
            raise ValidationError(f"last ({hi}) must not be before first ({lo})", field="last")
        count = 0
        for year in range(lo.year, hi.year + 1):
            idx = self._index(year, [])
            count += idx.working_day_at_or_after(hi.toordinal() + 1) - (
                idx.working_day_at_or_after(lo.toordinal())
            )
        return count

    # ------------------------------------------------------------------ internals

    def _workday_windows(self, day: date) -> tuple[Window, ...]:
        windows = self.weekly.on(day.weekday())
        if windows:
            return windows
        if self.makeup_day_windows is not None:
            return self.makeup_day_windows
        return self.weekly.first_working_day_windows

    def _country_year(self, year: int) -> tuple[dict[date, str], frozenset[date]]:
        # A cache (as the year index's): its key and what it keeps change no answer.
        key = ("country", year)  # pragma: no mutate
        cached = self._cache.get(key)
        if cached is None:
            assert self.country is not None
            cached = country_year(self.country, self.subdiv, self.language, year)
            self._cache[key] = cached  # pragma: no mutate
        result: tuple[dict[date, str], frozenset[date]] = cached
        return result

    def _published(self, year: int) -> OfficialYear | None:
        return next((y for y in self.official_years if y.year == year), None)

    def _year_data(self, year: int) -> tuple[dict[date, str], set[date], set[date]]:
        """The holiday names, holidays and makeup days the calendar has for ``year``."""
        published = self._published(year)
        if published is not None:
            return published.holiday_names, set(published.holidays), set(published.workdays)
        if self.country is None:
            return {}, set(), set()
        names, makeup = self._country_year(year)
        return dict(names), set(names), set(makeup)

    def _plan(self, day: date) -> DayInfo:
        official = self.is_official(day.year)
        # ``date_hours`` as a dict, cached: its key changes no answer.
        key = ("date_hours", 0)  # pragma: no mutate
        special: dict[date, tuple[Window, ...]] | None = self._cache.get(key)  # pragma: no mutate
        if special is None:
            special = self._cache.setdefault(key, dict(self.date_hours))  # pragma: no mutate
        if day in special:
            return DayInfo(day, DayKind.SPECIAL_HOURS, special[day], None, official)
        if day in self.extra_holidays:
            return DayInfo(day, DayKind.HOLIDAY, (), None, official)
        weekday_windows = self.weekly.on(day.weekday())
        holiday_name: str | None = None
        is_holiday = is_makeup = False  # pragma: no mutate (None reads the same)
        published = self._published(day.year)
        if published is not None:
            is_holiday = day in published.holidays
            is_makeup = day in published.workdays
            holiday_name = published.name_of(day)  # None unless a named holiday
        elif self.country is not None:
            names, makeup = self._country_year(day.year)
            holiday_name = names.get(day)
            is_holiday = holiday_name is not None
            is_makeup = day in makeup
        if day in self.extra_workdays:
            if is_holiday or not (weekday_windows or is_makeup):
                kind = DayKind.EXTRA_WORKDAY  # the provider's listing opens the day
            else:
                kind = DayKind.MAKEUP_WORKDAY if is_makeup else DayKind.WORKDAY
            return DayInfo(day, kind, self._workday_windows(day), holiday_name, official)
        if is_holiday:
            return DayInfo(day, DayKind.HOLIDAY, (), holiday_name, official)
        if is_makeup:
            return DayInfo(day, DayKind.MAKEUP_WORKDAY, self._workday_windows(day), None, official)
        if weekday_windows:
            return DayInfo(day, DayKind.WORKDAY, weekday_windows, None, official)
        return DayInfo(day, DayKind.REST_DAY, (), None, official)

    def _require_year(self, year: int, touched: list[int]) -> None:
        """Raise for a year without official data, unless allowed; note it in ``touched``."""
        if self.is_official(year):
            return
        if not self.allow_unofficial_years:
            raise CalendarDataMissing(
                f"the calendar has no official holiday data for {year} "
                f"({self.country or 'its'} data is official up to "
                f"{self.official_through}); add the published dates with "
                f"with_official_year({year}, holidays=..., workdays=...), or build the "
                "calendar with allow_unofficial_years=True to go on with rule-based "
                "data and a warning",
                year=year,
            )
        if year not in touched:
            touched.append(year)

    def _index(self, year: int, touched: list[int]) -> YearIndex:
        if not MINYEAR < year < MAXYEAR:
            raise CalendarError(
                f"year {year} is outside the supported range {MINYEAR + 1}..{MAXYEAR - 1}",
                field="year",
            )
        self._require_year(year, touched)
        key = ("index", year)  # pragma: no mutate (any key of its own)
        # A cache: without it, setdefault below still keeps the first index built.
        idx: YearIndex | None = self._cache.get(key)  # pragma: no mutate
        if idx is None:
            # Two threads may build the same year at once; setdefault keeps one. Harmless.
            idx = build_year_index(year, self.timezone, lambda d: self._plan(d).windows)
            idx = self._cache.setdefault(key, idx)
        return idx

    def _year_of(self, t: int) -> int:
        return from_us(t, self.timezone).year

    def _unofficial(self, year: int) -> UnofficialYear:
        makeup = None if self.country is None else bool(self._country_year(year)[1])
        return UnofficialYear(year, self.official_through, self.country, makeup)

    def _result(self, value: T, touched: list[int]) -> CalendarResult[T]:
        warnings = tuple(self._unofficial(year) for year in sorted(touched))
        return CalendarResult(value, warnings)
