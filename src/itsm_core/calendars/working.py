"""The one calendar protocol of the library: what an area needs of a business calendar.

Every promise the provider makes in business time — a complaint's improvement
period, the callback within one working day, a satisfaction callback — is
computed on an object with the three methods of :class:`WorkingCalendar`.
:class:`~itsm_core.sla.BusinessCalendar` is the implementation (a 24×7
calendar is ``BusinessCalendar.always_open("UTC")``); the protocol exists so
that a test, or an application with its own calendar service, can stand in
for it where no SLA clock runs.

SLA clocks themselves need a :class:`~itsm_core.calendars.BusinessCalendar`
registered by name (:meth:`CalendarRegistry.register
<itsm_core.calendars.CalendarRegistry.register>`, ``core.calendars``) (they
also record which years rest on unofficial holiday data).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol, runtime_checkable

__all__ = ["WorkingCalendar"]


@runtime_checkable
class WorkingCalendar(Protocol):
    """A business calendar: business-time arithmetic and working days.

    :class:`~itsm_core.sla.BusinessCalendar` implements it; the semantics of
    each method are those documented there.
    """

    def add(self, start: datetime, duration: timedelta, /) -> datetime:
        """Return the instant at which ``duration`` of business time has passed since ``start``."""
        ...

    def between(self, start: datetime, end: datetime, /) -> timedelta:
        """Return the business time in ``[start, end)`` (negative if ``end < start``)."""
        ...

    def add_working_days(self, start: datetime, days: int, /) -> datetime:
        """Return the same point of the working day, ``days`` working days after ``start``."""
        ...
