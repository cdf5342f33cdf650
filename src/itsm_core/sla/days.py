"""Value objects a business calendar hands out: days, published years, results."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Generic, TypeVar

import attrs

from itsm_core.errors import ValidationError
from itsm_core.labels import Labelled, Language
from itsm_core.sla.hours import Window

__all__ = ["CalendarResult", "DayInfo", "DayKind", "OfficialYear", "UnofficialYear", "as_date"]

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


def dates_converter(values: Iterable[object]) -> frozenset[date]:
    """Convert an iterable of dates / ISO texts to a frozenset of dates."""
    if isinstance(values, str | date):
        values = [values]
    return frozenset(as_date(v) for v in values)


class DayKind(Labelled):
    """What kind of day a date is in a business calendar (``.zh`` / ``.en`` labels)."""

    #: A regular working day of the weekly hours.
    WORKDAY = "workday", "工作日", "working day"
    #: A day without weekly hours (e.g. a weekend day) that is not a holiday.
    REST_DAY = "rest_day", "休息日", "rest day"
    #: A public holiday or a provider's extra holiday.
    HOLIDAY = "holiday", "节假日", "holiday"
    #: A day normally off that is worked (China's 调休 makeup day, or a provider's extra day).
    MAKEUP_WORKDAY = "makeup_workday", "调休工作日", "makeup working day"
    #: A date whose hours the provider set explicitly (e.g. a half day).
    SPECIAL_HOURS = "special_hours", "特殊工作时间", "special hours"


@attrs.frozen
class DayInfo:
    """How a business calendar treats one local date.

    :param day: the date.
    :param kind: the kind of day.
    :param windows: the wall-clock working windows of the date (empty when closed).
        On a DST-change day the real working time can differ from the wall-clock sum.
    :param name: the holiday's name from the ``holidays`` package (in the
        calendar's language), when there is one.
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

        :param lang: ``"zh"`` (default) or ``"en"``.
        """
        text = self.kind.label(lang)
        if self.name:
            text += f"（{self.name}）" if lang == "zh" else f" ({self.name})"
        if not self.official:
            text += "（非官方数据）" if lang == "zh" else " (unofficial data)"
        return text


def _sorted_unique_dates(values: Iterable[object]) -> frozenset[date]:
    return dates_converter(values)


@attrs.frozen
class OfficialYear:
    """The officially published holidays and makeup working days of one year.

    Replaces the ``holidays`` package's data for that year (all of it: list every
    holiday of the year, not only the changes).

    :param year: the year the dates belong to.
    :param holidays: the non-working holiday dates of the year (dates or ISO texts).
    :param workdays: the makeup working days (调休): dates normally off that are worked.
    :raises ValidationError: if a date lies outside ``year`` or is in both sets.
    """

    year: int
    holidays: frozenset[date] = attrs.field(converter=_sorted_unique_dates, factory=frozenset)
    workdays: frozenset[date] = attrs.field(converter=_sorted_unique_dates, factory=frozenset)

    def __attrs_post_init__(self) -> None:
        if isinstance(self.year, bool) or not isinstance(self.year, int):
            raise ValidationError(
                f"year must be an int, got {type(self.year).__name__}", field="year"
            )
        stray = sorted(d for d in self.holidays | self.workdays if d.year != self.year)
        if stray:
            raise ValidationError(
                f"official dates for {self.year} must lie in {self.year}; got "
                + ", ".join(d.isoformat() for d in stray),
                field="official_year",
            )
        both = sorted(self.holidays & self.workdays)
        if both:
            raise ValidationError(
                "a date cannot be both a holiday and a makeup working day: "
                + ", ".join(d.isoformat() for d in both),
                field="official_year",
            )

    def to_dict(self) -> dict[str, list[str]]:
        """JSON-able form: ``{"holidays": [...ISO dates], "workdays": [...]}``."""
        return {
            "holidays": [d.isoformat() for d in sorted(self.holidays)],
            "workdays": [d.isoformat() for d in sorted(self.workdays)],
        }


@attrs.frozen
class UnofficialYear:
    """A warning: a computation used a year whose holiday data is not official.

    :param year: the year without official data.
    :param official_until: the last year with official data.
    :param country: the calendar's country code, if any.
    """

    year: int
    official_until: int | None
    country: str | None = None

    @property
    def message(self) -> str:
        """A sentence for logs and for the warning recorded on an SLA clock."""
        who = f"{self.country} " if self.country else ""
        return (
            f"{who}holiday data for {self.year} is not official (official data ends with "
            f"{self.official_until}); the year was computed by rule, without makeup "
            "working days (调休), and may change when the official dates are published"
        )

    @property
    def message_zh(self) -> str:
        """The same warning in Chinese, for display."""
        return (
            f"{self.year} 年的节假日数据尚未正式公布（正式数据截至 {self.official_until} 年），"
            "按规则推算，未含调休工作日，公布后可能变化"
        )

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
