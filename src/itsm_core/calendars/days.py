"""Value objects a business calendar hands out: days, published years, results."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any, Generic, TypeVar

import attrs

from itsm_core.calendars.country_data import YEARLY_PUBLISHED_COUNTRIES
from itsm_core.calendars.hours import Window
from itsm_core.kernel.errors import ValidationError
from itsm_core.kernel.labels import Labelled, Language

__all__ = [
    "CalendarResult",
    "DayInfo",
    "DayKind",
    "HolidaysSpec",
    "OfficialYear",
    "UnofficialYear",
    "as_date",
]

T = TypeVar("T")


def as_date(value: object, name: str = "day") -> date:
    """Return ``value`` as a :class:`datetime.date`.

    :param value: a ``date`` or an ISO text ``"YYYY-MM-DD"`` (a ``datetime`` is refused:
        a calendar date has no time of day).
    :param name: the field name used in error messages.
    :raises ValidationError: for any other value.
    """
    if isinstance(value, date) and not hasattr(value, "hour"):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ValidationError(
        f"{name} must be a calendar date (datetime.date or 'YYYY-MM-DD'), got {value!r}",
        field=name,
    )


def dates_converter(values: Iterable[object], name: str = "day") -> frozenset[date]:
    """Convert an iterable of dates / ISO texts to a frozenset of dates.

    :param name: the field named in the error for a value that is not a date.
    """
    if isinstance(values, str | date):
        values = [values]
    if not isinstance(values, Iterable):
        raise ValidationError(
            f"{name} must be a list of calendar dates (datetime.date or 'YYYY-MM-DD'), "
            f"got {type(values).__name__}",
            field=name,
        )
    return frozenset(as_date(v, name) for v in values)


class DayKind(Labelled):
    """What kind of day a date is in a business calendar (``.zh`` / ``.en`` labels)."""

    #: A regular working day of the weekly hours.
    WORKDAY = "workday", "工作日", "working day"
    #: A day without weekly hours (e.g. a weekend day) that is not a holiday.
    REST_DAY = "rest_day", "休息日", "rest day"
    #: A public holiday or a provider's extra holiday.
    HOLIDAY = "holiday", "节假日", "holiday"
    #: An official makeup working day (China's 调休): a day normally off that is worked.
    MAKEUP_WORKDAY = "makeup_workday", "调休工作日", "makeup working day"
    #: A day otherwise off (a rest day or a public holiday) that the provider works
    #: (``extra_workdays``).
    EXTRA_WORKDAY = "extra_workday", "额外工作日", "extra working day"
    #: A date whose hours the provider set explicitly (e.g. a half day).
    SPECIAL_HOURS = "special_hours", "特殊工作时间", "special hours"


@attrs.frozen
class DayInfo:
    """How a business calendar treats one local date.

    :param day: the date.
    :param kind: the kind of day.
    :param windows: the wall-clock working windows of the date (empty when closed).
        On a DST-change day the real working time can differ from the wall-clock sum.
    :param name: the holiday's name, when there is one: from the ``holidays``
        package (in the calendar's language) or from the published year
        (:meth:`BusinessCalendar.with_official_year`).
    :param official: False if the date's country data is computed by rule, not
        published officially (see :attr:`BusinessCalendar.official_until`).
    """

    day: date
    kind: DayKind
    windows: tuple[Window, ...]
    name: str | None = None
    official: bool = True

    @property
    def is_working(self) -> bool:
        """True if the date has any working window."""
        return bool(self.windows)

    def label(self, lang: Language = "zh") -> str:
        """A display label, e.g. ``"节假日（国庆节）"`` or ``"makeup working day"``.

        The kind, then one pair of brackets with the holiday name and, for a year
        without official data, a note: ``"节假日（元旦；非官方数据）"``,
        ``"holiday (元旦; unofficial data)"``. Brackets inside a name become commas,
        so labels never nest brackets: the name ``"休息日（由 2025-10-11 调休）"``
        gives ``"节假日（休息日，由 2025-10-11 调休）"``.

        :param lang: ``"zh"`` (default) or ``"en"``.
        """
        text = self.kind.label(lang)
        details: list[str] = []
        if self.name:
            details.append(_without_brackets(self.name))
        if not self.official:
            details.append("非官方数据" if lang == "zh" else "unofficial data")
        if not details:
            return text
        if lang == "zh":
            return f"{text}（{'；'.join(details)}）"
        return f"{text} ({'; '.join(details)})"


_BRACKETED = re.compile(r"\s*([（(])([^（）()]*)[）)]")


def _without_brackets(text: str) -> str:
    """Turn bracketed parts into comma-separated ones: ``"端午节（补假）"`` → ``"端午节，补假"``."""

    def flatten(match: re.Match[str]) -> str:
        sep = "，" if match[1] == "（" else ", "
        following = match.string[match.end() : match.end() + 1]
        after = sep if following and following not in "）)，,；;。. " else ""
        return (sep if match.start() else "") + match[2].strip() + after

    while True:
        flattened = _BRACKETED.sub(flatten, text)
        if flattened == text:
            return text
        text = flattened


#: The holidays of a published year: a mapping of date to name (None for an
#: unnamed date), or just the dates.
HolidaysSpec = Mapping[Any, str | None] | Iterable[date | str]


def _holidays_with_names(
    value: HolidaysSpec, name: str = "holidays"
) -> tuple[frozenset[date], dict[date, str]]:
    if isinstance(value, Mapping):
        days: set[date] = set()
        names: dict[date, str] = {}
        for key, label in value.items():
            day = as_date(key, name)
            days.add(day)
            if label is None or label == "":
                continue
            if not isinstance(label, str):
                raise ValidationError(
                    f"the name of holiday {day} must be text or None, got {label!r}", field=name
                )
            names[day] = label
        return frozenset(days), names
    return dates_converter(value, name), {}


@attrs.frozen(init=False)
class OfficialYear:
    """The officially published holidays and makeup working days of one year.

    The *complete* arrangement of the year: it replaces the ``holidays`` package's
    data for that year, so it lists every holiday of the year, not only changes
    (:meth:`BusinessCalendar.with_official_year` with ``merge=True`` builds one
    from the package's data and a few changes).

    ``OfficialYear(2026, holidays={"2026-01-01": "元旦", ...}, workdays=["2026-01-04"])``

    :param year: the year the dates belong to.
    :param holidays: the non-working holiday dates of the year: a mapping of date
        (or ISO text) to the holiday's name (None or ``""`` for no name), or an
        iterable of dates.
    :param workdays: the makeup working days (调休): dates normally off that are worked.
    :param names: names of holidays given as plain dates, date → name (optional;
        a mapping for ``holidays`` is simpler).
    :raises ValidationError: if a date lies outside ``year``, is both a holiday and
        a working day, or a name belongs to no holiday.
    """

    year: int
    holidays: frozenset[date]
    workdays: frozenset[date]
    #: Holiday names, ``(date, name)`` pairs in date order (unnamed dates omitted).
    names: tuple[tuple[date, str], ...]

    def __init__(
        self,
        year: int,
        holidays: HolidaysSpec = (),
        workdays: Iterable[date | str] = (),
        *,
        names: Mapping[Any, str] | Iterable[tuple[date | str, str]] | None = None,
    ) -> None:
        if isinstance(year, bool) or not isinstance(year, int) or not 1 <= year <= 9999:
            raise ValidationError(f"year must be an int from 1 to 9999, got {year!r}", field="year")
        days, named = _holidays_with_names(holidays)
        worked = dates_converter(workdays, "workdays")
        if names is not None:
            extra, more = _holidays_with_names(dict(names), "names")
            orphans = sorted(extra - days)
            if orphans:
                raise ValidationError(
                    "names given for dates that are not holidays of the year: "
                    + ", ".join(d.isoformat() for d in orphans),
                    field="names",
                )
            named.update(more)
        for field, values in (("holidays", days), ("workdays", worked)):
            stray = sorted(d for d in values if d.year != year)
            if stray:
                raise ValidationError(
                    f"the official arrangement of {year} holds only dates of {year}; "
                    f"{field} has "
                    + ", ".join(d.isoformat() for d in stray)
                    + " — publish each year separately (with_official_year(year, ...))",
                    field=field,
                )
        both = sorted(days & worked)
        if both:
            raise ValidationError(
                "a date cannot be both a holiday and a makeup working day: "
                + ", ".join(d.isoformat() for d in both),
                field="workdays",
            )
        self.__attrs_init__(year, days, worked, tuple(sorted(named.items())))

    @property
    def holiday_names(self) -> dict[date, str]:
        """The holiday names as a dict (unnamed dates are absent)."""
        return dict(self.names)

    def name_of(self, day: date) -> str | None:
        """The name of the holiday on ``day``, or None (unnamed, or not a holiday)."""
        for named, name in self.names:
            if named == day:
                return name
        return None

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form: ``{"holidays": {ISO date: name or None}, "workdays": [ISO dates]}``."""
        names = self.holiday_names
        return {
            "holidays": {d.isoformat(): names.get(d) for d in sorted(self.holidays)},
            "workdays": [d.isoformat() for d in sorted(self.workdays)],
        }


@attrs.frozen
class UnofficialYear:
    """A warning: a computation used a year past the calendar's official data.

    What is known about such a year: it lies after the last year the calendar
    counts as official (``official_until``, extended by published years), and —
    for a calendar with country data — whether the installed ``holidays`` package
    lists makeup working days (调休) for it. For China, none means the package
    computed the year by rule; some means the package may already have the
    published arrangement while the calendar's ``official_until`` is pinned lower.

    :param year: the year without official data.
    :param official_until: the last year with official data.
    :param country: the calendar's country code, if any.
    :param makeup_days: whether the ``holidays`` package lists makeup working days
        for ``year``; None for a calendar without country data.
    """

    year: int
    official_until: int | None
    country: str | None = None
    makeup_days: bool | None = None

    @property
    def message(self) -> str:
        """A sentence for logs and for the warning recorded on an SLA clock."""
        who = f"{self.country} " if self.country else ""
        text = (
            f"{who}holiday data for {self.year} is not official: the calendar's official "
            f"data ends with {self.official_until}"
        )
        if self.makeup_days is None:
            return text + "; the calendar has no country data, only its own dates"
        if self.makeup_days:
            return text + (
                f"; the installed holidays package does list makeup working days (调休) "
                f"for {self.year} — if they are the published arrangement, raise "
                f"official_until or add the year with with_official_year({self.year}, ...)"
            )
        if self.country in YEARLY_PUBLISHED_COUNTRIES:
            return text + (
                f"; the holidays package computes {self.year} by rule, without makeup "
                "working days (调休), so the dates may change when the official "
                "arrangement is published"
            )
        return text + (
            f"; the holidays package computes {self.year} by its rules, which may "
            "differ from the dates finally observed"
        )

    @property
    def message_zh(self) -> str:
        """The same warning in Chinese, for display."""
        text = (
            f"{self.year} 年的节假日数据不是正式数据（日历的正式数据截至 {self.official_until} 年）"
        )
        if self.makeup_days is None:
            return text + "，日历无国家节假日数据，仅有自定日期"
        if self.makeup_days:
            return text + (
                f"；已安装的 holidays 包含 {self.year} 年的调休工作日，若与正式公布的安排"
                f"一致，可提高 official_until 或用 with_official_year({self.year}, ...) 添加该年"
            )
        if self.country in YEARLY_PUBLISHED_COUNTRIES:
            return text + "，按规则推算，未含调休工作日，正式公布后可能变化"
        return text + "，按 holidays 包的规则计算，可能与实际安排不同"

    def __str__(self) -> str:
        return self.message


@attrs.frozen
class CalendarResult(Generic[T]):
    """An answer of a business calendar together with its warnings.

    Returned by the ``*_detailed`` methods of
    :class:`~itsm_core.sla.BusinessCalendar`.

    :param value: the answer (a datetime, a timedelta, ...).
    :param warnings: one :class:`UnofficialYear` per year without official data
        that the computation used, in year order; empty when all data was official.
    """

    value: T
    warnings: tuple[UnofficialYear, ...] = ()

    @property
    def unofficial_years(self) -> tuple[int, ...]:
        """The years without official data that the computation used."""
        return tuple(w.year for w in self.warnings)

    @property
    def is_official(self) -> bool:
        """True if the computation used only official data."""
        return not self.warnings
