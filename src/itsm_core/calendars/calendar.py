"""Business calendars: when a provider works, in which zone, on which dates.

A :class:`BusinessCalendar` combines

* an IANA time zone (:mod:`zoneinfo`);
* weekly working windows, several per day (``09:00-12:00`` and ``13:30-18:00``);
* the public holidays and makeup working days (China's 调休) of a country and
  subdivision from the ``holidays`` package;
* the provider's own dates: extra holidays, extra working days, and dates with
  their own hours (a half day).

It adds business time to instants, measures business time between instants and
finds the next opening — with a per-year index, so the cost does not grow with
the length of the target.

Semantics (all computations follow from these):

* **Wall-clock windows.** An instant is *open* when its local wall-clock time in
  the calendar's zone falls inside a window of its local date. Across a DST change
  a window has its real length: ``01:00-04:00`` is 2 h on a spring-forward day and
  4 h on an autumn day; a window wholly inside the skipped hour is empty.
* **Half-open windows.** A window is open at its start and closed at its end.
* **Adding.** ``add(start, d)`` for ``d > 0`` is the earliest instant ``t`` with
  ``between(start, t) == d``: a target that ends exactly at a closing is due at the
  closing (``12:00``), not at the next opening (``13:30``). When ``start`` is
  outside working time, counting starts at the next opening. ``add(start, 0)`` is
  ``next_opening(start)``: ``start`` itself if open, else the next opening. Thus
  ``between(a, add(a, d)) == d`` holds for every ``a`` and every ``d >= 0``.
* **Between.** ``between(a, b)`` is the working time in ``[a, b)``; for ``b < a`` it
  is ``-between(b, a)`` (negative), so ``between(a, b) + between(b, c) ==
  between(a, c)`` always holds.
* **Official data.** Every method that answers from a year's holiday data —
  :meth:`~BusinessCalendar.day`, :meth:`~BusinessCalendar.working_hours`,
  :meth:`~BusinessCalendar.is_working_day`, :meth:`~BusinessCalendar.is_open`, the
  searches and the arithmetic — follows one rule: for a year after the official
  data (:attr:`BusinessCalendar.official_until`, or a year added with
  :meth:`~BusinessCalendar.with_official_year`) it raises
  :class:`~itsm_core.kernel.errors.CalendarDataMissing`, unless the calendar has
  ``allow_unofficial_years=True``; then it answers from the rule-based data (the
  ``*_detailed`` methods report the year as a warning, :class:`DayInfo` has
  ``official=False``).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping, Sequence
from datetime import MAXYEAR, MINYEAR, UTC, date, datetime, timedelta
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
    DAY_US,
    YearIndex,
    build_year_index,
    from_us,
    to_us,
    wall_to_us,
)
from itsm_core.calendars.country_data import country_holidays, country_year, default_official_until
from itsm_core.calendars.days import (
    CalendarResult,
    DayInfo,
    DayKind,
    HolidaysSpec,
    OfficialYear,
    UnofficialYear,
    as_date,
    dates_converter,
)
from itsm_core.calendars.hours import WeeklyHours, Window, parse_windows
from itsm_core.kernel.clock import require_aware, require_duration
from itsm_core.kernel.errors import CalendarDataMissing, CalendarError, ValidationError

__all__ = ["BusinessCalendar", "HoursSpec", "WindowsSpec"]

T = TypeVar("T")

#: Windows of one day: :class:`Window` objects or texts like ``"09:00-12:00"``.
WindowsSpec = Iterable[Window | str]
#: Weekly hours: a :class:`WeeklyHours`, a mapping of weekdays to windows, or the
#: windows of every working weekday (used with ``weekdays``).
HoursSpec = WeeklyHours | Mapping[str | int, WindowsSpec] | Sequence[Window | str]

_FORMAT_VERSION = 1
#: The last instant a calendar computes with, kept a day clear of ``datetime.max``
#: so that any zone's local date is still inside the supported years.
_LAST_US = to_us(datetime(MAXYEAR - 1, 12, 31, tzinfo=UTC))
_AUTO: Literal["auto"] = "auto"


# --------------------------------------------------------------------------- the calendar


@attrs.frozen
class BusinessCalendar:
    """A business calendar: zone, weekly windows, holidays, makeup days and special dates.

    Immutable; the per-year index it builds on first use is a cache (thread-safe:
    two threads may build the same year, which is harmless). Build one with
    :meth:`china`, :meth:`from_country`, :meth:`always_open`, :meth:`from_dict` or
    directly::

        BusinessCalendar(
            "Asia/Shanghai",
            WeeklyHours.workweek("09:00-12:00", "13:30-18:00"),
            country="CN",
        )

    How a date's windows are found (first rule that applies wins):

    1. ``date_hours`` names the date: its windows (empty = closed).
    2. The date is in ``extra_holidays``: closed.
    3. The date is in ``extra_workdays``: open, with the weekday's windows, or
       ``makeup_day_windows`` if the weekday has none. Its kind is
       :attr:`DayKind.EXTRA_WORKDAY` when the date would otherwise be off (a rest
       day or a public holiday); a date that is a working or makeup day anyway
       keeps that kind.
    4. Country data (or a year added with :meth:`with_official_year`): a holiday is
       closed; a makeup working day (调休) is open like rule 3.
    5. The weekly windows of the weekday.

    :param timezone: IANA zone name or :class:`zoneinfo.ZoneInfo`; windows are
        wall-clock times in this zone and results are returned in it.
    :param weekly: the weekly windows (:class:`WeeklyHours` or a mapping such as
        ``{"mon-fri": ["09:00-12:00", "13:30-18:00"]}``).
    :param country: ISO 3166 code for public holidays and makeup days from the
        ``holidays`` package, or None.
    :param subdiv: the country's subdivision (state, province), or None.
    :param language: language of holiday names (e.g. ``"zh_CN"``), or None for the
        package's default.
    :param makeup_day_windows: windows of a makeup / extra working day whose weekday
        has no weekly windows; None means the windows of the first weekday (from
        Monday) that has any.
    :param extra_holidays: the provider's own closed dates.
    :param extra_workdays: the provider's own working dates (also overrides a
        public holiday); :attr:`DayKind.EXTRA_WORKDAY` tells them from official
        makeup days.
    :param date_hours: dates with their own windows, e.g. ``{"2025-12-31":
        ["09:00-12:00"]}``; an empty list closes the date.
    :param official_until: the last year whose holiday data is official; None means
        no limit. The default, ``"auto"``, follows :func:`default_official_until` for
        the country (for CN the last year with makeup days in the installed
        ``holidays``) — also after :meth:`to_dict` / :meth:`from_dict`, so a stored
        calendar picks up a newer ``holidays`` release; a year given explicitly
        stays fixed. Calendars compare equal only with the same setting.
    :param allow_unofficial_years: if False (the default) every method that needs a
        year after ``official_until`` (and not added with :meth:`with_official_year`)
        — a look-up such as :meth:`day` as well as a computation — raises
        :class:`~itsm_core.kernel.errors.CalendarDataMissing`; if True it answers from the
        rule-based data and reports the year (see :meth:`add_detailed`,
        :attr:`DayInfo.official`, :meth:`unofficial_years_between`).
    :param official_years: officially published years added by the provider
        (see :meth:`with_official_year`).
    :param name: a display name, e.g. ``"北京服务台"``.
    :raises ValidationError: for a malformed value.
    :raises CalendarError: for an unknown country or subdivision, conflicting
        dates, or a calendar that is never open.

    A calendar open only on some dates — no weekly windows, a few ``date_hours``
    or ``extra_workdays`` (an event's on-call days, say) — is valid. A
    computation that needs working time after its last open date raises
    :class:`~itsm_core.kernel.errors.CalendarError` naming that date, as does any
    calendar without working time for :attr:`HORIZON_YEARS` years.
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

    # ------------------------------------------------------------------ constructors

    @classmethod
    def always_open(
        cls, timezone: str | ZoneInfo = "UTC", *, name: str | None = None
    ) -> BusinessCalendar:
        """A 24×7 calendar: always open, no holidays.

        Business time on it is elapsed time, the same in every zone: :meth:`add`,
        :meth:`between`, :meth:`is_open` and :meth:`next_opening` do not depend on
        the zone. The zone still matters where local dates do: results are returned
        in it, :meth:`add_working_days` counts its local dates and keeps its
        wall-clock time (one working day from 12:00 before a spring DST change is
        12:00 the next day, 23 hours later), and :meth:`day` /
        :meth:`working_days_between` take dates in it.

        :param timezone: the calendar's zone (IANA name or :class:`~zoneinfo.ZoneInfo`).
        :param name: a display name.
        """
        return cls(timezone, WeeklyHours.always(), official_until=None, name=name)

    @classmethod
    def from_country(
        cls,
        country: str,
        *,
        timezone: str | ZoneInfo,
        hours: HoursSpec = ("09:00-17:00",),
        weekdays: str | Iterable[str | int] = "mon-fri",
        subdiv: str | None = None,
        language: str | None = None,
        makeup_day_windows: WindowsSpec | None = None,
        extra_holidays: Iterable[date | str] = (),
        extra_workdays: Iterable[date | str] = (),
        date_hours: Mapping[date | str, WindowsSpec] | None = None,
        official_until: int | Literal["auto"] | None = _AUTO,
        allow_unofficial_years: bool = False,
        name: str | None = None,
    ) -> BusinessCalendar:
        """A calendar with a country's public holidays and makeup working days.

        ``BusinessCalendar.from_country("US", subdiv="CA", timezone="America/Los_Angeles",
        hours=["09:00-17:00"])``.

        :param country: ISO 3166 code known to the ``holidays`` package.
        :param timezone: IANA zone name (required: many countries have several zones).
        :param hours: windows of each working weekday (e.g. ``["09:00-12:00",
            "13:30-18:00"]``), or a :class:`WeeklyHours` / mapping for different days.
        :param weekdays: the working weekdays when ``hours`` is a list of windows.
        :param subdiv: the subdivision (state, province), if any.
        :param language: language of holiday names, e.g. ``"zh_CN"``.
        :param makeup_day_windows: windows of a makeup day whose weekday has none.
        :param extra_holidays: the provider's own closed dates.
        :param extra_workdays: the provider's own working dates.
        :param date_hours: dates with their own windows.
        :param official_until: last year of official data; ``"auto"`` derives it
            (:func:`default_official_until`), None means no limit.
        :param allow_unofficial_years: go on past ``official_until`` with a warning
            instead of raising.
        :param name: a display name.
        """
        return cls(
            timezone,
            _weekly_from_spec(hours, weekdays),
            country=country,
            subdiv=subdiv,
            language=language,
            makeup_day_windows=makeup_day_windows,
            extra_holidays=extra_holidays,
            extra_workdays=extra_workdays,
            date_hours=date_hours or {},
            official_until=official_until,
            allow_unofficial_years=allow_unofficial_years,
            name=name,
        )

    @classmethod
    def china(
        cls,
        *,
        timezone: str | ZoneInfo = "Asia/Shanghai",
        hours: HoursSpec = ("09:00-12:00", "13:30-18:00"),
        weekdays: str | Iterable[str | int] = "mon-fri",
        subdiv: str | None = None,
        language: str | None = "zh_CN",
        makeup_day_windows: WindowsSpec | None = None,
        extra_holidays: Iterable[date | str] = (),
        extra_workdays: Iterable[date | str] = (),
        date_hours: Mapping[date | str, WindowsSpec] | None = None,
        official_until: int | Literal["auto"] | None = _AUTO,
        allow_unofficial_years: bool = False,
        name: str | None = None,
    ) -> BusinessCalendar:
        """A mainland-China calendar: statutory holidays and 调休 makeup working days.

        Defaults: ``Asia/Shanghai``, Monday to Friday ``09:00-12:00`` and
        ``13:30-18:00`` (lunch break), holiday names in Chinese, official data up
        to the last year with makeup days in the installed ``holidays`` package.
        A makeup working day on a weekend uses the weekday windows. The parameters
        are those of :meth:`from_country`.
        """
        return cls.from_country(
            "CN",
            timezone=timezone,
            hours=hours,
            weekdays=weekdays,
            subdiv=subdiv,
            language=language,
            makeup_day_windows=makeup_day_windows,
            extra_holidays=extra_holidays,
            extra_workdays=extra_workdays,
            date_hours=date_hours,
            official_until=official_until,
            allow_unofficial_years=allow_unofficial_years,
            name=name,
        )

    # ------------------------------------------------------------------ derived calendars

    def replace(self, **changes: Any) -> BusinessCalendar:
        """A copy with some fields changed (the fields of the constructor).

        Fields not named keep their values. An ``official_until`` left at its
        default (``"auto"``) follows a changed country; an explicit one stays, so
        pass it too (or ``official_until="auto"``) when changing the country.

        :param changes: field values, e.g. ``allow_unofficial_years=True``.
        :raises ValidationError: for a name that is not a field, or a bad value.
        """
        fields = {f.alias for f in attrs.fields(type(self)) if f.init}
        unknown = sorted(set(changes) - fields)
        if unknown:
            raise ValidationError(
                f"a calendar has no field {', '.join(unknown)}; its fields: "
                + ", ".join(sorted(fields)),
                field=unknown[0],
            )
        return attrs.evolve(self, **changes)

    def with_official_year(
        self,
        year: int,
        *,
        holidays: HolidaysSpec | None = None,
        workdays: Iterable[date | str] = (),
        merge: bool = False,
    ) -> BusinessCalendar:
        """A copy that knows the officially published arrangement of ``year``.

        Use it when the State Council (or another government) publishes the next
        year's holidays and makeup working days; the year then counts as official.

        By default the given dates **replace** all of the year's country data:
        give the complete arrangement — every day off (with its name, as a mapping
        ``{"2026-10-01": "国庆节", ...}``, or as a list of dates) and every makeup
        working day. A date not listed is an ordinary day of its weekday.

        With ``merge=True`` the given dates are laid over the year's current data —
        the arrangement added earlier for that year, else the ``holidays``
        package's computation — for a publication that differs from it in a few
        dates: a given holiday is closed (a name given replaces the old one), a
        given working day is worked; every other date keeps its data. The merged
        result is stored as the year's complete arrangement, so it does not change
        with a later ``holidays`` release.

        :param year: the year published.
        :param holidays: the year's days off: a mapping of date to name (None for
            no name) or a list of dates; required unless ``merge=True``.
        :param workdays: the year's makeup working days (调休).
        :param merge: lay the dates over the year's current data instead of
            replacing it.
        :raises ValidationError: if a date lies outside ``year``, is both a holiday
            and a working day, or ``holidays`` is missing without ``merge=True``.
        """
        if not merge:
            if holidays is None:
                raise ValidationError(
                    f"with_official_year({year}, ...) replaces all of the year's holiday "
                    "data: give holidays= with every day off of the year (a mapping of "
                    "date to name, or a list of dates), or pass merge=True to change "
                    "only the dates you give",
                    field="holidays",
                )
            published = OfficialYear(year, holidays, workdays)
        else:
            given = OfficialYear(year, () if holidays is None else holidays, workdays)
            names, days_off, worked = self._year_data(year)
            for day in given.holidays:
                worked.discard(day)
                days_off.add(day)
            names.update(given.names)
            for day in given.workdays:
                days_off.discard(day)
                names.pop(day, None)
                worked.add(day)
            published = OfficialYear(year, {d: names.get(d) for d in days_off}, worked)
        others = tuple(y for y in self.official_years if y.year != year)
        return attrs.evolve(self, official_years=(*others, published))

    def with_extra_holidays(self, *days: date | str) -> BusinessCalendar:
        """A copy closed on ``days`` (removing them from extra working days and date hours)."""
        added = dates_converter(days, "extra_holidays")
        return attrs.evolve(
            self,
            extra_holidays=self.extra_holidays | added,
            extra_workdays=self.extra_workdays - added,
            date_hours=tuple(item for item in self.date_hours if item[0] not in added),
        )

    def with_extra_workdays(self, *days: date | str) -> BusinessCalendar:
        """A copy open on ``days`` (removing them from extra holidays and date hours)."""
        added = dates_converter(days, "extra_workdays")
        return attrs.evolve(
            self,
            extra_workdays=self.extra_workdays | added,
            extra_holidays=self.extra_holidays - added,
            date_hours=tuple(item for item in self.date_hours if item[0] not in added),
        )

    def with_date_hours(self, day: date | str, windows: WindowsSpec) -> BusinessCalendar:
        """A copy where ``day`` has exactly ``windows`` (e.g. a half day; empty = closed).

        :param day: the date.
        :param windows: its windows, e.g. ``["09:00-12:00"]``.
        """
        target = as_date(day)
        return attrs.evolve(
            self,
            extra_workdays=self.extra_workdays - {target},
            extra_holidays=self.extra_holidays - {target},
            date_hours=(
                *(item for item in self.date_hours if item[0] != target),
                (target, parse_windows(windows, target.isoformat())),
            ),
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

    # ------------------------------------------------------------------ instants

    def is_open(self, at: datetime) -> bool:
        """True if the calendar is open at the instant ``at``.

        :param at: an aware datetime (any zone).
        :raises ValidationError: if ``at`` is naive.
        :raises CalendarDataMissing: if ``at`` lies in a year without official data
            and unofficial years are not allowed.
        """
        t = to_us(require_aware(at, "at"))
        return self._index(self._year_of(t), []).interval_at(t) is not None

    def next_opening(self, at: datetime) -> datetime:
        """The first open instant at or after ``at`` (``at`` itself when open).

        :param at: an aware datetime.
        :raises ValidationError: if ``at`` is naive.
        :raises CalendarDataMissing: if the search reaches a year without official
            data and unofficial years are not allowed.
        :raises CalendarError: if the calendar does not open within
            :attr:`HORIZON_YEARS` years.
        """
        return self.next_opening_detailed(at).value

    def next_opening_detailed(self, at: datetime) -> CalendarResult[datetime]:
        """:meth:`next_opening` with the warnings on unofficial years it used.

        :raises CalendarDataMissing: as :meth:`next_opening`.
        """
        t = to_us(require_aware(at, "at"))
        touched: list[int] = []
        value = self._next_open_us(t, touched)
        return self._result(from_us(value, self.timezone), touched)

    def next_closing(self, at: datetime) -> datetime | None:
        """The end of the working period that contains ``at`` or, if closed, of the next one.

        Working periods that touch (``..-24:00`` then ``00:00-..``) count as one.

        :param at: an aware datetime.
        :returns: the closing instant, or None if the calendar stays open for
            :attr:`HORIZON_YEARS` years (a 24×7 calendar).
        :raises ValidationError: if ``at`` is naive.
        :raises CalendarDataMissing: if the search reaches a year without official
            data and unofficial years are not allowed.
        :raises CalendarError: if the calendar does not open within the horizon.
        """
        t = to_us(require_aware(at, "at"))
        touched: list[int] = []
        start = self._next_open_us(t, touched)
        year = self._year_of(start)
        idx = self._index(year, touched)
        i = idx.interval_at(start)
        assert i is not None
        end = idx.run_end[i]
        for later in range(year + 1, year + 1 + self.HORIZON_YEARS):
            # Only a period running to local midnight of 1 January goes on next year.
            if end < wall_to_us(self.timezone, date(later, 1, 1), 0):
                return from_us(end, self.timezone)
            nxt = self._index(later, touched)
            if nxt.first_start != end:
                return from_us(end, self.timezone)
            end = nxt.run_end[0]
        return None

    def add(self, start: datetime, duration: timedelta) -> datetime:
        """The instant at which ``duration`` of business time has passed since ``start``.

        Counting starts at ``start`` if open, else at the next opening. For a
        positive duration the result is the earliest instant with
        ``between(start, result) == duration`` (a target ending at a closing is due
        at the closing); ``add(start, timedelta(0))`` is ``next_opening(start)``.

        :param start: an aware datetime.
        :param duration: a non-negative business duration.
        :returns: an aware datetime in the calendar's zone.
        :raises ValidationError: if ``start`` is naive or ``duration`` negative.
        :raises CalendarDataMissing: if the computation reaches a year without
            official data and unofficial years are not allowed.
        :raises CalendarError: if the calendar has no working time for
            :attr:`HORIZON_YEARS` years on the way.
        """
        return self.add_detailed(start, duration).value

    def add_detailed(self, start: datetime, duration: timedelta) -> CalendarResult[datetime]:
        """:meth:`add` with the warnings on the unofficial years it used.

        With ``allow_unofficial_years=True`` this is how a caller (the SLA clock)
        learns that a due date rests on rule-based holiday data.

        :raises CalendarDataMissing: as :meth:`add`.
        """
        t = to_us(require_aware(start, "start"))
        remaining = require_duration(duration, "duration") // timedelta(microseconds=1)
        if t + remaining > _LAST_US:
            # Business time never runs faster than real time: the result lies at or
            # after start + duration.
            raise ValidationError(
                f"cannot add {duration} of business time to {start.isoformat()}: even "
                f"round the clock it would end after the year {MAXYEAR - 1}, the last a "
                "calendar supports; give a business duration of at most a few years",
                field="duration",
            )
        touched: list[int] = []
        if remaining == 0:
            value = self._next_open_us(t, touched)
            return self._result(from_us(value, self.timezone), touched)
        year = self._year_of(t)
        progress_year = year
        reached = t  # the end of the working time counted so far
        while True:
            idx = self._index(year, touched)
            position = idx.position(t)
            available = idx.total - position
            if remaining <= available:
                value = idx.locate_end(position + remaining)
                return self._result(from_us(value, self.timezone), touched)
            if available:
                progress_year = year
                reached = idx.ends[-1]
            remaining -= available
            year += 1
            if year - progress_year > self.HORIZON_YEARS:
                raise self._never_open(
                    reached, f"cannot add {duration} of business time to {start.isoformat()}"
                )

    def between(self, start: datetime, end: datetime) -> timedelta:
        """Business time in ``[start, end)``; negative (``-between(end, start)``) if end < start.

        :param start: an aware datetime.
        :param end: an aware datetime.
        :raises ValidationError: if either is naive.
        :raises CalendarDataMissing: if a year from ``start`` to ``end`` has no
            official data and unofficial years are not allowed.
        """
        return self.between_detailed(start, end).value

    def between_detailed(self, start: datetime, end: datetime) -> CalendarResult[timedelta]:
        """:meth:`between` with the warnings on the unofficial years it used.

        :raises CalendarDataMissing: as :meth:`between`.
        """
        a = to_us(require_aware(start, "start"))
        b = to_us(require_aware(end, "end"))
        touched: list[int] = []
        sign = 1
        if b < a:
            a, b, sign = b, a, -1
        if a == b:
            return self._result(timedelta(0), touched)
        # [a, b) ends with the instant before b: a span that ends at the local midnight
        # starting a year needs nothing of that year (nor its official data).
        ya, yb = self._year_of(a), self._year_of(b - 1)
        first = self._index(ya, touched)
        if ya == yb:
            total = first.position(b) - first.position(a)
        else:
            total = first.total - first.position(a)
            for year in range(ya + 1, yb):
                total += self._index(year, touched).total
            total += self._index(yb, touched).position(b)
        return self._result(timedelta(microseconds=sign * total), touched)

    def add_working_days(self, start: datetime, days: int) -> datetime:
        """The same wall-clock time, ``days`` working days later.

        For promises like "call back within one working day". Let ``D0`` be the
        local date of ``start`` if it is a working day and ``start`` is before its
        last closing, with ``w`` the wall-clock time of ``start``; otherwise ``D0``
        is the next working day and ``w`` its start (00:00). The result is the first
        open instant at or after wall time ``w`` on the ``days``-th working day after
        ``D0``, or that day's last closing if it closes earlier (a half day).

        Examples (Mon–Fri 09:00-12:00, 13:30-18:00): Tue 15:00 + 1 → Wed 15:00;
        Tue 12:30 (lunch) + 1 → Wed 13:30; Tue 19:00 + 1 → Thu 09:00; Sat 10:00 + 1
        → Tue 09:00; Tue 16:00 + 1 with Wed a half day 09:00-12:00 → Wed 12:00.
        ``days == 0`` gives ``next_opening(start)``. A working day is a local date
        with working time (see :meth:`is_working_day`).

        :param start: an aware datetime.
        :param days: a non-negative number of working days.
        :raises ValidationError: if ``start`` is naive or ``days`` is negative.
        :raises CalendarDataMissing: if the count reaches a year without official
            data and unofficial years are not allowed.
        :raises CalendarError: if no working day follows within :attr:`HORIZON_YEARS`.
        """
        return self.add_working_days_detailed(start, days).value

    def add_working_days_detailed(self, start: datetime, days: int) -> CalendarResult[datetime]:
        """:meth:`add_working_days` with the warnings on the unofficial years it used.

        :raises CalendarDataMissing: as :meth:`add_working_days`.
        """
        t = to_us(require_aware(start, "start"))
        if isinstance(days, bool) or not isinstance(days, int) or days < 0:
            raise ValidationError(f"days must be a non-negative int, got {days!r}", field="days")
        if days > (_LAST_US - t) // DAY_US:
            # A working day takes at least one local date.
            raise ValidationError(
                f"cannot add {days} working days to {start.isoformat()}: they would end "
                f"after the year {MAXYEAR - 1}, the last a calendar supports",
                field="days",
            )
        touched: list[int] = []
        if days == 0:
            return self._result(from_us(self._next_open_us(t, touched), self.timezone), touched)
        local = from_us(t, self.timezone)
        year = local.year
        idx = self._index(year, touched)
        ordinal = local.date().toordinal()
        k = idx.working_day_at_or_after(ordinal)
        wall = 0
        if k < len(idx.day_ordinals) and idx.day_ordinals[k] == ordinal:
            if t < idx.ends[idx.day_first[k + 1] - 1]:
                wall = (local - local.replace(hour=0, minute=0, second=0, microsecond=0)) // (
                    timedelta(microseconds=1)
                )
            else:
                k += 1
        target = k + days
        progress_year = year
        reached = t  # the end of the last working day counted so far
        while target >= len(idx.day_ordinals):
            if idx.day_ordinals:
                progress_year = year
                reached = max(t, idx.ends[-1])
            target -= len(idx.day_ordinals)
            year += 1
            if year - progress_year > self.HORIZON_YEARS:
                raise self._never_open(
                    reached,
                    f"cannot add {days} working day{'s' * (days != 1)} to {start.isoformat()}",
                )
            idx = self._index(year, touched)
        first, stop = idx.day_first[target], idx.day_first[target + 1]
        moment = wall_to_us(self.timezone, date.fromordinal(idx.day_ordinals[target]), wall)
        i = bisect_right(idx.ends, moment, first, stop)
        value = max(moment, idx.starts[i]) if i < stop else idx.ends[stop - 1]
        return self._result(from_us(value, self.timezone), touched)

    # ------------------------------------------------------------------ serialisation

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dict that :meth:`from_dict` turns back into an equal calendar.

        ``official_until`` is written only when it was given explicitly. A calendar
        with the default boundary is stored without it, so when it is read back
        the boundary follows the ``holidays`` package installed then: a stored
        China calendar takes the next year as official once a ``holidays`` release
        has its makeup days. Give ``official_until`` explicitly to pin it.
        """
        data: dict[str, Any] = {
            "version": _FORMAT_VERSION,
            "name": self.name,
            "timezone": self.timezone.key,
            "weekly": self.weekly.to_dict(),
            "country": self.country,
            "subdiv": self.subdiv,
            "language": self.language,
            "makeup_day_windows": None
            if self.makeup_day_windows is None
            else [str(w) for w in self.makeup_day_windows],
            "extra_holidays": [d.isoformat() for d in sorted(self.extra_holidays)],
            "extra_workdays": [d.isoformat() for d in sorted(self.extra_workdays)],
            "date_hours": {d.isoformat(): [str(w) for w in ws] for d, ws in self.date_hours},
            "allow_unofficial_years": self.allow_unofficial_years,
            "official_years": {str(y.year): y.to_dict() for y in self.official_years},
        }
        if self.official_until_is_explicit:
            data["official_until"] = self.official_until
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> BusinessCalendar:
        """Rebuild a calendar from :meth:`to_dict` output.

        :param data: the dict (e.g. loaded from JSON); without ``official_until`` the
            calendar takes the default boundary (see :meth:`to_dict`).
        :raises ValidationError: for an unknown format version, unknown or missing keys.
        """
        if not isinstance(data, Mapping):
            raise ValidationError(
                f"a calendar dict must be a mapping, got {type(data).__name__}", field="data"
            )
        version = data.get("version", _FORMAT_VERSION)
        if version != _FORMAT_VERSION:
            raise ValidationError(
                f"unknown calendar format version {version!r}; this library reads "
                f"version {_FORMAT_VERSION}",
                field="version",
            )
        known = {
            "version", "name", "timezone", "weekly", "country", "subdiv", "language",
            "makeup_day_windows", "extra_holidays", "extra_workdays", "date_hours",
            "official_until", "allow_unofficial_years", "official_years",
        }  # fmt: skip
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValidationError(
                f"unknown calendar keys {unknown}; allowed: {sorted(known)}", field="data"
            )
        missing = [key for key in ("timezone", "weekly") if key not in data]
        if missing:
            raise ValidationError(f"calendar dict lacks {missing}", field="data")
        kwargs: dict[str, Any] = {
            "country": data.get("country"),
            "subdiv": data.get("subdiv"),
            "language": data.get("language"),
            "makeup_day_windows": data.get("makeup_day_windows"),
            "extra_holidays": data.get("extra_holidays", ()),
            "extra_workdays": data.get("extra_workdays", ()),
            "date_hours": data.get("date_hours", {}),
            "allow_unofficial_years": data.get("allow_unofficial_years", False),
            "official_years": data.get("official_years") or {},
            "name": data.get("name"),
        }
        if "official_until" in data:
            kwargs["official_until"] = data["official_until"]
        return cls(data["timezone"], WeeklyHours.from_dict(data["weekly"]), **kwargs)

    # ------------------------------------------------------------------ internals

    def _workday_windows(self, day: date) -> tuple[Window, ...]:
        windows = self.weekly.on(day.weekday())
        if windows:
            return windows
        if self.makeup_day_windows is not None:
            return self.makeup_day_windows
        return self.weekly.first_working_day_windows

    def _country_year(self, year: int) -> tuple[dict[date, str], frozenset[date]]:
        key = ("country", year)
        cached = self._cache.get(key)
        if cached is None:
            assert self.country is not None
            cached = country_year(self.country, self.subdiv, self.language, year)
            self._cache[key] = cached
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
        special: dict[date, tuple[Window, ...]] | None = self._cache.get(("date_hours", 0))
        if special is None:
            special = self._cache.setdefault(("date_hours", 0), dict(self.date_hours))
        if day in special:
            return DayInfo(day, DayKind.SPECIAL_HOURS, special[day], None, official)
        if day in self.extra_holidays:
            return DayInfo(day, DayKind.HOLIDAY, (), None, official)
        weekday_windows = self.weekly.on(day.weekday())
        holiday_name: str | None = None
        is_holiday = is_makeup = False
        published = self._published(day.year)
        if published is not None:
            is_holiday = day in published.holidays
            is_makeup = day in published.workdays
            holiday_name = published.name_of(day) if is_holiday else None
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
        key = ("index", year)
        idx: YearIndex | None = self._cache.get(key)
        if idx is None:
            # Two threads may build the same year at once; setdefault keeps one. Harmless.
            idx = build_year_index(year, self.timezone, lambda d: self._plan(d).windows)
            idx = self._cache.setdefault(key, idx)
        return idx

    def _year_of(self, t: int) -> int:
        return from_us(t, self.timezone).year

    def _next_open_us(self, t: int, touched: list[int]) -> int:
        year = self._year_of(t)
        for later in range(year, year + 1 + self.HORIZON_YEARS):
            idx = self._index(later, touched)
            i = idx.next_interval(t)
            if i is not None:
                return max(t, idx.starts[i])
        raise self._never_open(t)

    def _last_open_before(self, t: int) -> tuple[date, int] | None:
        """The local date and end of the last working interval that starts before ``t``.

        Looks back at most :attr:`HORIZON_YEARS` years; None if none is found.
        """
        year = self._year_of(t)
        for earlier in range(year, year - 1 - self.HORIZON_YEARS, -1):
            try:
                idx = self._index(earlier, [])
            except CalendarError:  # out of range, or a year without official data
                return None
            i = bisect_left(idx.starts, t) - 1
            if i >= 0:
                k = bisect_right(idx.day_first, i) - 1
                return date.fromordinal(idx.day_ordinals[k]), min(idx.ends[i], t)
        return None

    def _never_open(self, t: int, doing: str | None = None) -> CalendarError:
        after = from_us(t, self.timezone).isoformat()
        text = (
            f"the calendar has no opening after {after} within {self.HORIZON_YEARS} years "
            "(the horizon searched)"
        )
        last = self._last_open_before(t)
        if last is None:
            text += f", nor any working time in the {self.HORIZON_YEARS} years before it"
            before = from_us(t, self.timezone).date()
            opened = [d for d, windows in self.date_hours if windows and d < before]
            opened += [d for d in self.extra_workdays if d < before]
            if opened:
                text += f"; the last date it opens explicitly is {max(opened).isoformat()}"
        else:
            day, end = last
            text += (
                f"; the last date it is open is {day.isoformat()} (its working time ends "
                f"{from_us(end, self.timezone).isoformat()})"
            )
        if doing:
            text = f"{doing}: {text}"
        return CalendarError(
            text + ". A calendar open only on a few dates (date_hours, extra_workdays) has "
            "no working time after its last one; add dates or weekly windows, or check its "
            "holidays",
            field="calendar",
        )

    def _unofficial(self, year: int) -> UnofficialYear:
        makeup = None if self.country is None else bool(self._country_year(year)[1])
        return UnofficialYear(year, self.official_through, self.country, makeup)

    def _result(self, value: T, touched: list[int]) -> CalendarResult[T]:
        warnings = tuple(self._unofficial(year) for year in sorted(touched))
        return CalendarResult(value, warnings)


def _weekly_from_spec(hours: HoursSpec, weekdays: str | Iterable[str | int]) -> WeeklyHours:
    if isinstance(hours, WeeklyHours):
        return hours
    if isinstance(hours, Mapping):
        return WeeklyHours(hours)
    if isinstance(hours, str | Window):
        return WeeklyHours.workweek(hours, weekdays=weekdays)
    if not isinstance(hours, Iterable):
        raise ValidationError(
            "hours must be the windows of a working day, e.g. ['09:00-12:00', "
            "'13:30-18:00'], a mapping of weekdays to windows or a WeeklyHours; got "
            f"{type(hours).__name__}",
            field="hours",
        )
    return WeeklyHours.workweek(*hours, weekdays=weekdays)
