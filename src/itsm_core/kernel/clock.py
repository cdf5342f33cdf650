"""Time sources. Every instant in the library is timezone-aware.

A naive :class:`~datetime.datetime` (one without ``tzinfo``) is refused with a
:class:`~itsm_core.kernel.errors.ValidationError` wherever it enters the library.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any, Protocol, runtime_checkable
from zoneinfo import ZoneInfo

import attrs

from itsm_core.kernel.errors import ValidationError

__all__ = [
    "ALWAYS_AWARE",
    "Clock",
    "FrozenClock",
    "SystemClock",
    "aware_field",
    "require_aware",
    "require_duration",
]


ALWAYS_AWARE = frozenset({timezone, ZoneInfo})
"""Zone classes whose ``utcoffset`` is never None: a datetime in one of them is aware."""


def require_aware(value: object, name: str = "instant") -> datetime:
    """Return ``value`` if it is a timezone-aware datetime, else raise.

    :param value: the value to check.
    :param name: the field name used in the error message.
    :raises ValidationError: if ``value`` is not a datetime or is naive.
    """
    if type(value) is datetime and type(value.tzinfo) in ALWAYS_AWARE and 1 < value.year < 9999:
        return value  # the common case, at once: aware, and inside the years in UTC
    if not isinstance(value, datetime):
        raise ValidationError(
            f"{name} must be a timezone-aware datetime, got {type(value).__name__}",
            field=name,
        )
    if value.tzinfo is None or value.tzinfo.utcoffset(value) is None:
        raise ValidationError(
            f"{name} must be timezone-aware (got naive {value.isoformat()}); "
            "attach a zone, e.g. datetime(..., tzinfo=ZoneInfo('Asia/Shanghai'))",
            field=name,
        )
    if 1 < value.year < 9999:  # an offset (under a day) cannot leave the years 1 to 9999
        return value
    try:
        value.astimezone(UTC)
    except OverflowError:
        raise ValidationError(
            f"{name} ({value.isoformat()}) is outside the years 1 to 9999 in UTC; "
            "instants are stored and compared in UTC",
            field=name,
        ) from None
    return value


def aware_field(
    name: str | None = None, *, optional: bool = False
) -> Callable[[object, attrs.Attribute[Any], object], None]:
    """Return the attrs validator of a field that holds a timezone-aware datetime.

    The field's value is checked by :func:`require_aware`: a value that is
    not a datetime, a naive one, or one outside the years 1 to 9999 in UTC
    raises its :class:`~itsm_core.kernel.errors.ValidationError`, whose
    message and ``field`` name the field::

        at: datetime = attrs.field(validator=aware_field())
        closed_at: datetime | None = attrs.field(default=None, validator=aware_field(optional=True))

    :param name: the name the error gives the field; default the attribute's name.
    :param optional: None is accepted too (a field not set yet).
    """

    def check(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if value is None and optional:
            return
        require_aware(value, attribute.name if name is None else name)

    check.__itsm_value_only__ = True  # type: ignore[attr-defined]  # (see storage snapshots)
    return check


def require_duration(value: object, name: str = "duration") -> timedelta:
    """Return ``value`` if it is a non-negative :class:`~datetime.timedelta`, else raise.

    :raises ValidationError: if ``value`` is not a timedelta or is negative.
    """
    if not isinstance(value, timedelta):
        raise ValidationError(
            f"{name} must be a datetime.timedelta, got {type(value).__name__}", field=name
        )
    if value < timedelta(0):
        raise ValidationError(f"{name} must not be negative (got {value})", field=name)
    return value


@runtime_checkable
class Clock(Protocol):
    """Anything that tells the current, timezone-aware instant."""

    def now(self) -> datetime:
        """Return the current instant (timezone-aware)."""
        ...


class SystemClock:
    """The real time, in UTC."""

    def now(self) -> datetime:
        """Return the current instant in UTC."""
        return datetime.now(UTC)


class FrozenClock:
    """A clock that stands still until moved; for tests and replays.

    :param at: the instant the clock shows (timezone-aware).
    """

    def __init__(self, at: datetime) -> None:
        self._now = require_aware(at, "at")
        self._lock = threading.Lock()

    def now(self) -> datetime:
        """Return the instant the clock is set to."""
        return self._now

    def set(self, at: datetime) -> None:
        """Move the clock to ``at`` (forwards or backwards)."""
        value = require_aware(at, "at")
        with self._lock:
            self._now = value

    def advance(self, delta: timedelta | None = None, **kwargs: float) -> datetime:
        """Move the clock forward by ``delta`` (or ``timedelta(**kwargs)``) and return the new now.

        :raises ValidationError: if the step is negative.
        """
        step = require_duration(delta if delta is not None else timedelta(**kwargs), "delta")
        with self._lock:
            self._now = self._now + step
            return self._now
