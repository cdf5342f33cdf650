"""The calendars an application works with, by name: configuration, not data.

A :class:`CalendarRegistry` is filled when the application starts (the
facade's ``calendar`` and ``calendars`` settings) and may be changed later,
e.g. when a year's official holidays are published. SLA targets, complaint
periods and satisfaction callbacks name the calendar they run on; a clock
stores that name and looks the calendar up at every use, so a calendar
registered again under the same name applies from then on. Registering is
configuration: it takes no actor and records no event.
"""

from __future__ import annotations

from collections.abc import Mapping

from itsm_core.calendars.calendar import BusinessCalendar
from itsm_core.kernel.errors import ValidationError

__all__ = ["DEFAULT_CALENDAR", "CalendarRegistry"]

#: The name of the calendar a target uses when it names none.
DEFAULT_CALENDAR = "default"


class CalendarRegistry:
    """Business calendars by name (``core.calendars``).

    The calendar named :data:`DEFAULT_CALENDAR` is always there: the one
    given, or 24×7 in UTC.

    :param default: the calendar registered as ``"default"``.
    :param calendars: more calendars by name.
    :raises ValidationError: for a value that is not a mapping of names to
        :class:`~itsm_core.calendars.BusinessCalendar` objects.
    """

    def __init__(
        self,
        default: BusinessCalendar | None = None,
        calendars: Mapping[str, BusinessCalendar] | None = None,
    ) -> None:
        if calendars is not None and not isinstance(calendars, Mapping):
            raise ValidationError(
                "calendars must map names to BusinessCalendar objects, e.g. "
                f"{{'beijing-desk': BusinessCalendar.china()}}, got {type(calendars).__name__}",
                field="calendars",
            )
        self._calendars: dict[str, BusinessCalendar] = {}
        self.register(DEFAULT_CALENDAR, default or BusinessCalendar.always_open())
        for name, calendar in (calendars or {}).items():
            self.register(name, calendar)

    def register(self, name: str, calendar: BusinessCalendar) -> BusinessCalendar:
        """Make ``calendar`` available under ``name`` (replacing any); return it.

        After replacing a calendar that open SLA clocks use (e.g. with a year's
        official dates added), recalculate them with
        :meth:`~itsm_core.sla.SlaService.recalculate_calendar` to move their
        due instants.

        :param name: the name targets use, e.g. ``"beijing-desk"``.
        :param calendar: the business calendar.
        :raises ValidationError: for an empty name or a value that is not a calendar.
        """
        if not isinstance(name, str) or not name.strip():
            raise ValidationError(
                f"a calendar name must be a non-empty string, got {name!r}", field="name"
            )
        if not isinstance(calendar, BusinessCalendar):
            raise ValidationError(
                f"calendar must be an itsm_core.calendars.BusinessCalendar, got "
                f"{type(calendar).__name__}",
                field="calendar",
            )
        self._calendars[name.strip()] = calendar
        return calendar

    def get(self, name: str = DEFAULT_CALENDAR) -> BusinessCalendar:
        """Return the calendar registered as ``name``.

        :raises ValidationError: naming the registered calendars, if there is none such.
        """
        try:
            return self._calendars[name]
        except (KeyError, TypeError):
            raise ValidationError(
                f"no business calendar named {name!r} is registered; registered: "
                f"{', '.join(self.names())} (register one with "
                "core.calendars.register(name, calendar))",
                field="calendar",
            ) from None

    def names(self) -> list[str]:
        """Return the registered names, sorted."""
        return sorted(self._calendars)

    def names_of(self, calendar: object) -> list[str]:
        """Return the names ``calendar`` (this very object) is registered under, sorted."""
        return sorted(n for n, c in self._calendars.items() if c is calendar)

    def __contains__(self, name: object) -> bool:
        return name in self._calendars

    def __repr__(self) -> str:
        return f"CalendarRegistry({self.names()!r})"
