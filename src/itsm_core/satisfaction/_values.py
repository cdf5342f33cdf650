"""Checked values shared by the satisfaction modules: text, zones, days and months."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from itsm_core.calendars.days import as_date
from itsm_core.kernel.clock import require_aware
from itsm_core.kernel.errors import ValidationError

__all__ = [
    "DEFAULT_TIMEZONE",
    "as_day",
    "as_period",
    "local_day",
    "local_period",
    "optional_text",
    "require_text",
    "zone",
]

DEFAULT_TIMEZONE = "Asia/Shanghai"
"""The zone in which days and months are counted unless the provider sets another."""


def zone(name: object) -> ZoneInfo:
    """Return the IANA time zone ``name``.

    :raises ValidationError: if there is no such zone.
    """
    if isinstance(name, str) and name:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    raise ValidationError(
        f"unknown time zone {name!r}; use an IANA name such as 'Asia/Shanghai'", field="timezone"
    )


def local_day(at: datetime, timezone: str) -> str:
    """Return the local calendar date of ``at`` in ``timezone``, ``"YYYY-MM-DD"``."""
    return require_aware(at, "at").astimezone(zone(timezone)).date().isoformat()


def local_period(at: datetime, timezone: str) -> str:
    """Return the local calendar month of ``at`` in ``timezone``, ``"YYYY-MM"``."""
    return require_aware(at, "at").astimezone(zone(timezone)).strftime("%Y-%m")


as_day = as_date
"""Return a ``date`` or ``"YYYY-MM-DD"`` as a date (a datetime is refused); see
:func:`itsm_core.calendars.days.as_date`."""


def as_period(value: object, name: str = "period") -> str:
    """Return ``value`` if it is a month written ``"YYYY-MM"``.

    :raises ValidationError: otherwise.
    """
    if isinstance(value, str) and len(value) == 7 and value[4] == "-":
        try:
            date.fromisoformat(value + "-01")
        except ValueError:
            pass
        else:
            return value
    raise ValidationError(
        f"{name} must be a month written 'YYYY-MM' (e.g. '2026-05'), got {value!r}", field=name
    )


def require_text(value: object, name: str) -> str:
    """Return ``value`` stripped if it is a non-blank string.

    :raises ValidationError: for a blank or non-string value.
    """
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(f"{name} must be a non-blank string, got {value!r}", field=name)
    return value.strip()


def optional_text(value: object, name: str) -> str | None:
    """Return None for None or blank text, else ``value`` stripped.

    :raises ValidationError: for a value that is not a string.
    """
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValidationError(f"{name} must be a string or None, got {value!r}", field=name)
    return value.strip() or None
