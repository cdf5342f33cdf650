"""The SLA area's entities and value objects, in one place.

The model is made of small modules, each with one job, re-exported here:

* :mod:`itsm_core.sla.agreements`: :class:`Agreement` (SLA, OLA, underpinning
  contract) and its :class:`Target` rows;
* :mod:`itsm_core.sla.periods`: the contract's :class:`ServicePeriod` and its
  notices;
* :mod:`itsm_core.sla.clock`: the :class:`SlaClock` and its commands, on
  :mod:`itsm_core.sla.clock_core` (its fields and the arithmetic of its
  levels), :mod:`itsm_core.sla.clock_log` (its log and what the log gives) and
  :mod:`itsm_core.sla.calc` (finding calendars by name).

The clock's transition table is :mod:`itsm_core.sla.lifecycle`.
"""

from itsm_core.sla.agreements import (
    DEFAULT_CALENDAR,
    DEFAULT_THRESHOLDS,
    Agreement,
    AgreementKind,
    Target,
    TargetKind,
)
from itsm_core.sla.calc import CalendarLookup, find_calendar
from itsm_core.sla.clock import SlaClock
from itsm_core.sla.clock_log import (
    BREACH_LEVEL,
    ClockEntry,
    ClockReplay,
    ClockStatus,
    level_amount,
)
from itsm_core.sla.periods import PeriodNoticeKind, ServicePeriod, ServicePeriodNotice

__all__ = [
    "BREACH_LEVEL",
    "DEFAULT_CALENDAR",
    "DEFAULT_THRESHOLDS",
    "Agreement",
    "AgreementKind",
    "CalendarLookup",
    "ClockEntry",
    "ClockReplay",
    "ClockStatus",
    "PeriodNoticeKind",
    "ServicePeriod",
    "ServicePeriodNotice",
    "SlaClock",
    "Target",
    "TargetKind",
    "find_calendar",
    "level_amount",
]
