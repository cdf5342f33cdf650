"""Analysis periods: calendar months written ``"YYYY-MM"``.

A period's year is 0001 to 9998 (so that the month after it still exists);
anything else, or a value that is not such a string, is a
:class:`~itsm_core.kernel.errors.ValidationError` naming the form expected.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, tzinfo

from itsm_core.kernel.clock import require_aware
from itsm_core.kernel.errors import ValidationError

__all__ = [
    "parse_period",
    "period_bounds",
    "period_of",
    "period_window",
    "periods_of",
    "previous_period",
]

_PERIOD = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
_FIRST_YEAR, _LAST_YEAR = 1, 9998


def _whole(value: object, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(f"{field} must be a whole number, got {value!r}", field=field)
    return value


def parse_period(value: object, field: str = "period") -> tuple[int, int]:
    """Return ``(year, month)`` of a period string ``"YYYY-MM"``.

    :raises ValidationError: if ``value`` is not such a string.
    """
    match = _PERIOD.match(value) if isinstance(value, str) else None
    if match is None or not _FIRST_YEAR <= int(match.group(1)) <= _LAST_YEAR:
        raise ValidationError(
            f"{field} must be a month written 'YYYY-MM' (e.g. '2025-03'), with a year from "
            f"{_FIRST_YEAR:04d} to {_LAST_YEAR}, got {value!r}",
            field=field,
        )
    return int(match.group(1)), int(match.group(2))


def _format(year: int, month: int) -> str:
    return f"{year:04d}-{month:02d}"


def previous_period(period: str, steps: int = 1) -> str:
    """Return the period ``steps`` months before ``period``.

    :raises ValidationError: if ``period`` is malformed, ``steps`` is not a
        whole number >= 0, or the result is before 0001-01.
    """
    if _whole(steps, "steps") < 0:
        raise ValidationError(f"steps must not be negative, got {steps}", field="steps")
    year, month = parse_period(period)
    index = year * 12 + (month - 1) - steps
    if index < _FIRST_YEAR * 12:
        raise ValidationError(
            f"{steps} month(s) before {period} is before {_FIRST_YEAR:04d}-01", field="period"
        )
    return _format(index // 12, index % 12 + 1)


def period_window(period: str, window: int) -> tuple[str, ...]:
    """Return the ``window`` periods ending with ``period``, oldest first.

    :raises ValidationError: if ``window`` is not a whole number of at least 1.
    """
    if _whole(window, "window") < 1:
        raise ValidationError(f"window must be at least 1 period, got {window}", field="window")
    return tuple(previous_period(period, k) for k in range(window - 1, -1, -1))


def periods_of(value: str | Iterable[str], field: str = "periods") -> tuple[str, ...]:
    """Return the validated, de-duplicated, sorted periods of ``value``.

    :param value: one period or several.
    :raises ValidationError: if there is none or one is malformed.
    """
    if isinstance(value, str):
        items: Sequence[str] = [value]
    elif isinstance(value, Iterable) and not isinstance(value, bytes | Mapping):
        items = list(value)
    else:
        raise ValidationError(
            f"{field}: give a period 'YYYY-MM' or a list of them, got {value!r}", field=field
        )
    if not items:
        raise ValidationError(f"{field}: give at least one period 'YYYY-MM'", field=field)
    for item in items:
        parse_period(item, field)
    return tuple(sorted(set(items)))


def period_of(instant: datetime, zone: tzinfo) -> str:
    """Return the period of an instant, as seen on the wall clock of ``zone``."""
    local = require_aware(instant, "instant").astimezone(zone)
    return _format(local.year, local.month)


def period_bounds(period: str, zone: tzinfo) -> tuple[datetime, datetime]:
    """Return the half-open range ``[start, end)`` of ``period`` in ``zone``."""
    year, month = parse_period(period)
    start = datetime(year, month, 1, tzinfo=zone)
    end = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=zone)
    return start, end
