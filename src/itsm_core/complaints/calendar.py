"""The calendar complaint periods are computed on.

Improvement periods (改进周期) and the callback promise ("within one working
day of handling", 002 §4.1.6) are business time. The library has one calendar
protocol, :class:`itsm_core.sla.WorkingCalendar`, and one implementation,
:class:`itsm_core.sla.BusinessCalendar`; the names below are kept for code
written against the complaint package:

* :data:`ComplaintCalendar` is :class:`~itsm_core.sla.WorkingCalendar`;
* :func:`WallClockCalendar` returns ``BusinessCalendar.always_open("UTC")``,
  which counts every hour of every day.

Through the facade the complaint service computes its periods on the SLA
calendar its :class:`~itsm_core.complaints.ComplaintPolicy` names (the
facade's ``calendar``, by default), the same calendar its SLA clocks run on.
"""

from __future__ import annotations

from itsm_core.sla.calendar import BusinessCalendar
from itsm_core.sla.working import WorkingCalendar

__all__ = ["ComplaintCalendar", "WallClockCalendar"]

ComplaintCalendar = WorkingCalendar
"""What the complaint service needs of a business calendar: an alias of
:class:`itsm_core.sla.WorkingCalendar`."""


def WallClockCalendar() -> BusinessCalendar:
    """Return a 24×7 calendar: every day is a working day and every hour counts.

    It is ``BusinessCalendar.always_open("UTC")``: business time is elapsed
    time, and ``add_working_days(start, n)`` is ``start`` plus ``n`` days.
    """
    return BusinessCalendar.always_open("UTC", name="24×7")
