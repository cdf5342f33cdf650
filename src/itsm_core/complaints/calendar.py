"""The calendar complaint periods are computed on.

Improvement periods (改进周期) and the callback promise ("within one working
day of handling", 002 §4.1.6) are business time. The complaint service takes
any object with the two methods of :class:`ComplaintCalendar` — such as
:class:`itsm_core.sla.BusinessCalendar` — and defaults to
:class:`WallClockCalendar`, which counts every hour of every day.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol, runtime_checkable

from itsm_core.clock import require_aware, require_duration
from itsm_core.errors import ValidationError

__all__ = ["ComplaintCalendar", "WallClockCalendar"]


@runtime_checkable
class ComplaintCalendar(Protocol):
    """What the complaint service needs of a business calendar."""

    def add(self, start: datetime, duration: timedelta, /) -> datetime:
        """Return the instant at which ``duration`` of business time has passed since ``start``."""
        ...

    def add_working_days(self, start: datetime, days: int, /) -> datetime:
        """Return the same point of the working day, ``days`` working days after ``start``."""
        ...


class WallClockCalendar:
    """A 24×7 calendar: every day is a working day and every hour counts."""

    def add(self, start: datetime, duration: timedelta, /) -> datetime:
        """Return ``start + duration``.

        :raises ValidationError: if ``start`` is naive or ``duration`` negative.
        """
        return require_aware(start, "start") + require_duration(duration, "duration")

    def add_working_days(self, start: datetime, days: int, /) -> datetime:
        """Return ``start`` plus ``days`` whole days.

        :raises ValidationError: if ``start`` is naive or ``days`` is not a
            non-negative int.
        """
        if isinstance(days, bool) or not isinstance(days, int) or days < 0:
            raise ValidationError(f"days must be a non-negative int, got {days!r}", field="days")
        return require_aware(start, "start") + timedelta(days=days)
