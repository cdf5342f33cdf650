"""Converters of business-calendar fields (internal): friendly input, canonical values."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from itsm_core.calendars.days import OfficialYear, as_date, dates_converter
from itsm_core.calendars.hours import WeeklyHours, Window, parse_windows
from itsm_core.kernel.errors import ValidationError


def zone_converter(value: object) -> ZoneInfo:
    if isinstance(value, ZoneInfo):
        return value
    if isinstance(value, str):
        try:
            return ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValidationError(
                f"unknown time zone {value!r}; use an IANA zone name such as "
                "'Asia/Shanghai', 'Europe/Berlin' or 'UTC'",
                field="timezone",
            ) from exc
    raise ValidationError(
        f"timezone must be an IANA zone name or a zoneinfo.ZoneInfo, got {type(value).__name__}",
        field="timezone",
    )


def weekly_converter(value: object) -> WeeklyHours:
    if isinstance(value, WeeklyHours):
        return value
    return WeeklyHours(value)


def country_converter(value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(
            f"country must be an ISO 3166 code such as 'CN' or 'US', got {value!r}",
            field="country",
        )
    return value.strip().upper()


def flag_validator(_instance: object, attribute: Any, value: object) -> None:
    """Refuse anything but True or False (a text such as ``"false"`` would be truthy)."""
    if not isinstance(value, bool):
        raise ValidationError(
            f"{attribute.name} must be True or False, got {value!r}", field=attribute.name
        )


def optional_text_validator(_instance: object, attribute: Any, value: object) -> None:
    """Refuse anything but a string or None."""
    if value is not None and not isinstance(value, str):
        raise ValidationError(
            f"{attribute.name} must be a string or None, got {type(value).__name__}",
            field=attribute.name,
        )


def extra_holidays_converter(value: Iterable[object]) -> frozenset[date]:
    return dates_converter(value, "extra_holidays")


def extra_workdays_converter(value: Iterable[object]) -> frozenset[date]:
    return dates_converter(value, "extra_workdays")


def optional_windows_converter(value: object) -> tuple[Window, ...] | None:
    if value is None:
        return None
    return parse_windows(value, "makeup working days")  # type: ignore[arg-type]


def date_hours_converter(value: object) -> tuple[tuple[date, tuple[Window, ...]], ...]:
    if isinstance(value, Mapping):
        items: Iterable[Any] = value.items()
    elif isinstance(value, Iterable):
        items = value
    else:
        raise ValidationError(
            "date_hours must map dates to windows, e.g. {'2025-12-31': ['09:00-12:00']}",
            field="date_hours",
        )
    result: dict[date, tuple[Window, ...]] = {}
    for item in items:
        if isinstance(item, str) or not isinstance(item, tuple | list) or len(item) != 2:
            raise ValidationError(
                "date_hours must map dates to windows, e.g. {'2025-12-31': ['09:00-12:00']} "
                f"(or hold (date, windows) pairs); got the item {item!r}",
                field="date_hours",
            )
        key, windows = item
        day = as_date(key, "date_hours")
        if day in result:
            raise ValidationError(f"date_hours names {day} twice", field="date_hours")
        result[day] = parse_windows(windows, day.isoformat())
    return tuple(sorted(result.items()))


def official_year_item(year: object, item: object) -> OfficialYear:
    """One entry of a mapping of years to published arrangements (``to_dict`` form)."""
    if isinstance(item, OfficialYear):
        return item
    if isinstance(year, int) and not isinstance(year, bool):
        number = year
    elif isinstance(year, str) and year.strip().isdigit():
        number = int(year)
    else:
        raise ValidationError(
            f"official_years maps years to their arrangement; {year!r} is not a year",
            field="official_years",
        )
    if not isinstance(item, Mapping) or not set(item) <= {"holidays", "workdays", "names"}:
        raise ValidationError(
            f"the official arrangement of {number} must be a mapping with 'holidays' and "
            f"'workdays' (as OfficialYear.to_dict() writes it), got {item!r}",
            field="official_years",
        )
    return OfficialYear(number, **item)


def official_years_converter(value: object) -> tuple[OfficialYear, ...]:
    if isinstance(value, Mapping):
        years = [official_year_item(year, item) for year, item in value.items()]
    elif isinstance(value, Iterable):
        years = list(value)
    else:
        raise ValidationError(
            "official_years must be a sequence of OfficialYear", field="official_years"
        )
    seen: set[int] = set()
    for item in years:
        if not isinstance(item, OfficialYear):
            raise ValidationError(
                f"official_years must hold OfficialYear objects, got {item!r}",
                field="official_years",
            )
        if item.year in seen:
            raise ValidationError(
                f"official dates for {item.year} are given twice", field="official_years"
            )
        seen.add(item.year)
    return tuple(sorted(years, key=lambda y: y.year))
