"""Business calendars: the working time every promise of the library is measured on.

A :class:`BusinessCalendar` has a time zone, weekly working windows with breaks,
public holidays and China's makeup working days (调休), provider dates, and
DST-correct business-time arithmetic on a per-year index.
:class:`WorkingCalendar` is the one calendar protocol the areas compute their
promises with. A :class:`CalendarRegistry` (``core.calendars``) holds the
calendars an application works with, by name.
"""

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from itsm_core.calendars.calendar import BusinessCalendar, HoursSpec, WindowsSpec
    from itsm_core.calendars.country_data import YEARLY_PUBLISHED_COUNTRIES, default_official_until
    from itsm_core.calendars.days import (
        CalendarResult,
        DayInfo,
        DayKind,
        OfficialYear,
        UnofficialYear,
    )
    from itsm_core.calendars.hours import WEEKDAY_LABELS_ZH, WEEKDAY_NAMES, WeeklyHours, Window
    from itsm_core.calendars.registry import DEFAULT_CALENDAR, CalendarRegistry
    from itsm_core.calendars.working import WorkingCalendar
else:
    from itsm_core.kernel.lazy import lazy_exports

    __getattr__, __dir__ = lazy_exports(
        __name__,
        {
            "itsm_core.calendars.calendar": ("BusinessCalendar", "HoursSpec", "WindowsSpec"),
            "itsm_core.calendars.country_data": (
                "YEARLY_PUBLISHED_COUNTRIES",
                "default_official_until",
            ),
            "itsm_core.calendars.days": (
                "CalendarResult",
                "DayInfo",
                "DayKind",
                "OfficialYear",
                "UnofficialYear",
            ),
            "itsm_core.calendars.hours": (
                "WEEKDAY_LABELS_ZH",
                "WEEKDAY_NAMES",
                "WeeklyHours",
                "Window",
            ),
            "itsm_core.calendars.registry": ("DEFAULT_CALENDAR", "CalendarRegistry"),
            "itsm_core.calendars.working": ("WorkingCalendar",),
        },
    )

__all__ = [
    "DEFAULT_CALENDAR",
    "WEEKDAY_LABELS_ZH",
    "WEEKDAY_NAMES",
    "YEARLY_PUBLISHED_COUNTRIES",
    "BusinessCalendar",
    "CalendarRegistry",
    "CalendarResult",
    "DayInfo",
    "DayKind",
    "HoursSpec",
    "OfficialYear",
    "UnofficialYear",
    "WeeklyHours",
    "Window",
    "WindowsSpec",
    "WorkingCalendar",
    "default_official_until",
]
