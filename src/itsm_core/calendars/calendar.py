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

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any, Literal, TypeVar
from zoneinfo import ZoneInfo

import attrs

from itsm_core.calendars.dates import AUTO
from itsm_core.calendars.days import (
    HolidaysSpec,
    OfficialYear,
    as_date,
    dates_converter,
)
from itsm_core.calendars.hours import WeeklyHours, Window, parse_windows
from itsm_core.calendars.working_time import WorkingTime
from itsm_core.kernel.errors import ValidationError

__all__ = ["BusinessCalendar", "HoursSpec", "WindowsSpec"]

T = TypeVar("T")

#: Windows of one day: :class:`Window` objects or texts like ``"09:00-12:00"``.
WindowsSpec = Iterable[Window | str]
#: Weekly hours: a :class:`WeeklyHours`, a mapping of weekdays to windows, or the
#: windows of every working weekday (used with ``weekdays``).
HoursSpec = WeeklyHours | Mapping[str | int, WindowsSpec] | Sequence[Window | str]

_FORMAT_VERSION = 1
_AUTO = AUTO


# --------------------------------------------------------------------------- the calendar


@attrs.frozen
class BusinessCalendar(WorkingTime):
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
