"""SLA clocks on real business calendars.

Business calendars (:class:`BusinessCalendar`): time zone, weekly working windows
with breaks, public holidays and China's makeup working days (调休), provider dates,
DST-correct business-time arithmetic on a per-year index.
"""

from itsm_core.sla.calendar import BusinessCalendar, HoursSpec, WindowsSpec
from itsm_core.sla.country_data import YEARLY_PUBLISHED_COUNTRIES, default_official_until
from itsm_core.sla.days import CalendarResult, DayInfo, DayKind, OfficialYear, UnofficialYear
from itsm_core.sla.hours import WEEKDAY_LABELS_ZH, WEEKDAY_NAMES, WeeklyHours, Window

__all__ = [
    "WEEKDAY_LABELS_ZH",
    "WEEKDAY_NAMES",
    "YEARLY_PUBLISHED_COUNTRIES",
    "BusinessCalendar",
    "CalendarResult",
    "DayInfo",
    "DayKind",
    "HoursSpec",
    "OfficialYear",
    "UnofficialYear",
    "WeeklyHours",
    "Window",
    "WindowsSpec",
    "default_official_until",
]
