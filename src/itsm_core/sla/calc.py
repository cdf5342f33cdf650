"""Finding business calendars by name, and the clock's arithmetic on them.

A clock stores the name of its calendar and looks it up at every use through a
:data:`CalendarLookup` (such as :meth:`CalendarRegistry.get
<itsm_core.calendars.CalendarRegistry.get>`); :class:`ClockCalc` does its
calendar arithmetic and collects the years without official holiday data that
a computation used.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from itsm_core.calendars.calendar import BusinessCalendar
from itsm_core.calendars.days import UnofficialYear
from itsm_core.kernel.errors import CalendarError, ItsmError, ValidationError
from itsm_core.sla.agreements import Target
from itsm_core.sla.clock_log import ZERO

__all__ = ["CalendarLookup", "ClockCalc", "find_calendar"]

#: Finds a business calendar by name (raises ValidationError for an unknown name).
CalendarLookup = Callable[[str], BusinessCalendar]


def find_calendar(lookup: CalendarLookup, name: str) -> BusinessCalendar:
    """The calendar ``lookup`` finds for ``name``, or a ValidationError naming the problem.

    A lookup may be :meth:`CalendarRegistry.get
    <itsm_core.calendars.CalendarRegistry.get>` (``core.calendars.get``, which
    raises a ValidationError for an unknown name) or any callable such as
    ``{"cn": calendar}.__getitem__`` (whose KeyError is turned into one).
    """
    if not callable(lookup):
        raise ValidationError(
            "calendars must be a function that finds a BusinessCalendar by name, such as "
            f"core.calendars.get; got {type(lookup).__name__}",
            field="calendars",
        )
    try:
        calendar = lookup(name)
    except ItsmError:
        raise
    except LookupError:
        raise ValidationError(
            f"no business calendar named {name!r} is known to the calendar lookup; register "
            "it (core.calendars.register) or give a target on a known calendar",
            field="calendar",
        ) from None
    if not isinstance(calendar, BusinessCalendar):
        raise ValidationError(
            f"the calendar lookup gave {type(calendar).__name__} for {name!r}, not a "
            "BusinessCalendar",
            field="calendar",
        )
    return calendar


class ClockCalc:
    """Calendar arithmetic that collects the unofficial years it used.

    One is made per command of a clock: it finds each calendar once, and
    computes each due instant once (the firing of the levels due and the
    arming of the next one ask for the same instants).

    :param lookup: finds a calendar by name.
    """

    def __init__(self, lookup: CalendarLookup) -> None:
        self._find = lookup
        self._calendars: dict[str, BusinessCalendar] = {}
        self._instants: dict[tuple[str, datetime, timedelta], datetime] = {}
        self.warnings: dict[int, UnofficialYear] = {}

    def lookup(self, name: str) -> BusinessCalendar:
        """The calendar named ``name`` (found once per name; see :func:`find_calendar`)."""
        calendar = self._calendars.get(name)
        if calendar is None:
            calendar = self._calendars[name] = find_calendar(self._find, name)
        return calendar

    def _keep(self, warnings: tuple[UnofficialYear, ...]) -> None:
        for w in warnings:
            self.warnings.setdefault(w.year, w)

    def add(self, calendar: str, start: datetime, duration: timedelta) -> datetime:
        key = (calendar, start, duration)
        value = self._instants.get(key)
        if value is None:
            result = self.lookup(calendar).add_detailed(start, duration)
            self._keep(result.warnings)
            value = self._instants[key] = result.value
        return value

    def between(self, calendar: str, start: datetime, end: datetime) -> timedelta:
        result = self.lookup(calendar).between_detailed(start, end)
        self._keep(result.warnings)
        return result.value

    def add_working_days(self, calendar: str, start: datetime, days: int) -> datetime:
        result = self.lookup(calendar).add_working_days_detailed(start, days)
        self._keep(result.warnings)
        return result.value

    def budget(self, target_calendar: str, start: datetime, target: Target) -> timedelta:
        if target.duration is not None:
            return target.duration
        assert target.working_days is not None
        end = self.add_working_days(target_calendar, start, target.working_days)
        budget = self.between(target_calendar, start, end)
        # a calendar that opens always yields time: the branch cannot run, so no mutant of it
        # can be told apart
        if budget <= ZERO:  # pragma: no cover, no mutate block
            raise CalendarError(
                f"{target.working_days} working days from {start.isoformat()} give no "
                f"business time on calendar {target_calendar!r}",
                field="working_days",
            )
        return budget
