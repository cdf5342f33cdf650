"""Callbacks on SLA clocks: the callback within one working day is a promise.

Every callback the satisfaction service schedules is a time the provider
promises (a callback within one working day of handling):

* a callback of the daily sample (or one the coordinator adds), and the second
  callback after a record was sent back to the engineer, are due
  ``callback_due_working_days`` working days after the record was handled
  (resolved, else closed);
* a key customer's monthly callback is due ``monthly_callback_working_days``
  working days after the month starts (local midnight of the 1st).

When the satisfaction service has the SLA service (as it always does through
the facade), each such callback runs on an :class:`~itsm_core.sla.SlaClock`:
subject kind ``"service_callback"`` (:data:`SUBJECT_KIND`), subject id the
callback's id, target kind ``callback``, started at the instant the promise
runs from (the handling, the month's start) in the same unit of work that
schedules the callback, so both commit together or neither does. The target's
service is the record's service ("" for a monthly callback); its warning
thresholds are the policy's ``callback_warning_thresholds``; the clock's
handler is the coordinator when known (the coordinator who schedules it, or,
for the second callback, whoever made the first), its customer the callback's
customer. The callback's ``due_at`` is the clock's deadline (the instant the
working days' business time has run): the same instant as
``calendar.add_working_days`` when that lies in working time, else the last
closing before it.

Recording the callback (``solved`` or ``not_solved``) or cancelling it stops
the clock in the same unit of work — met, or missed if it breached; a failed
attempt (``unreachable``) leaves it running. A late callback therefore sets off
the warnings and the breach chain (``itsm_sla_warning``, ``itsm_sla_breach``)
when :meth:`~itsm_core.sla.SlaService.tick` finds them due.

**Which calendar**: the clocks run on a calendar registered with the SLA
service. A calendar given to the satisfaction service (the facade's
``calendar``, registered there as ``"default"``) runs under the name it is
registered with; one not registered yet is registered as ``"satisfaction"``
(:data:`CALLBACK_CALENDAR`). Without a calendar, the one registered as
``"satisfaction"`` is used if there is one (e.g. ``ItsmCore(calendars=
{"satisfaction": ...})``), else the Monday–Friday
:func:`~itsm_core.satisfaction.sampling.WeekdayCalendar` in the policy's zone
is registered under that name. The calendar is looked up by name at every use,
so a calendar replaced with :meth:`core.calendars.register
<itsm_core.calendars.CalendarRegistry.register>`
(e.g. with next year's official holidays) applies to new callbacks at once;
:meth:`~itsm_core.sla.SlaService.recalculate_calendar` moves the open clocks.

**Without the SLA service** (a satisfaction service built on its own) no clock
runs and a callback is due ``calendar.add_working_days(start, n)``. With
``callback_due_working_days`` set to 0 no clock runs either.

The generic part — targets, the promised instant, clocks in the caller's unit
of work — is :mod:`itsm_core.sla.promises`, shared with the complaint promises.
"""

from __future__ import annotations

from datetime import datetime

from itsm_core.calendars.calendar import BusinessCalendar
from itsm_core.calendars.working import WorkingCalendar
from itsm_core.kernel.actors import Actor
from itsm_core.kernel.clock import require_aware
from itsm_core.kernel.errors import ValidationError
from itsm_core.satisfaction.model import Callback
from itsm_core.satisfaction.sampling import WeekdayCalendar
from itsm_core.sla.agreements import DEFAULT_CALENDAR, DEFAULT_THRESHOLDS, TargetKind
from itsm_core.sla.clock import SlaClock
from itsm_core.sla.keeper import ClockKeeper
from itsm_core.sla.promises import Promise, PromiseClocks, PromiseTerms
from itsm_core.storage.base import UnitOfWork

__all__ = ["CALLBACK_CALENDAR", "SUBJECT_KIND", "CallbackClocks"]

#: The subject kind of a callback's SLA clock (the callback's aggregate kind).
SUBJECT_KIND = Callback.KIND

#: The name under which a callback calendar not registered yet is registered.
CALLBACK_CALENDAR = "satisfaction"


class CallbackClocks:
    """The callbacks' calendar, due instants and SLA clocks.

    :param sla: the SLA service (None: no clocks).
    :param calendar: the provider's business calendar (see the module's
        description for how it is found in the SLA service).
    :param timezone: the zone of the default Monday–Friday calendar.
    :raises ValidationError: with the SLA service, for a calendar to register
        that is not a :class:`~itsm_core.sla.BusinessCalendar`.
    """

    def __init__(
        self, sla: ClockKeeper | None, calendar: WorkingCalendar | None, timezone: str
    ) -> None:
        self.sla = sla
        self._clocks = PromiseClocks(sla, calendar or WeekdayCalendar(timezone))
        self.calendar_name = CALLBACK_CALENDAR
        if sla is not None:
            if calendar is not None:
                self.calendar_name = self._adopt(sla, calendar)
            elif CALLBACK_CALENDAR not in sla.calendars:
                sla.calendars.register(CALLBACK_CALENDAR, WeekdayCalendar(timezone))

    @property
    def calendar(self) -> WorkingCalendar:
        """The calendar callbacks are due on (with SLA: the one registered as
        :attr:`calendar_name`)."""
        return self._clocks.calendar(self.calendar_name)

    @calendar.setter
    def calendar(self, value: WorkingCalendar) -> None:
        if self.sla is None:
            self._clocks.own = value
        else:
            self.calendar_name = self._adopt(self.sla, value)

    @staticmethod
    def _adopt(sla: ClockKeeper, calendar: WorkingCalendar) -> str:
        names = sla.calendars.names_of(calendar)
        if names:
            return DEFAULT_CALENDAR if DEFAULT_CALENDAR in names else names[0]
        if not isinstance(calendar, BusinessCalendar):
            raise ValidationError(
                "callbacks run on SLA clocks, which need an itsm_core.sla.BusinessCalendar; "
                f"got {type(calendar).__name__}",
                field="calendar",
            )
        sla.calendars.register(CALLBACK_CALENDAR, calendar)
        return CALLBACK_CALENDAR

    def promise(
        self,
        start: datetime,
        working_days: int,
        *,
        service: str | None = None,
        thresholds: tuple[float, ...] = DEFAULT_THRESHOLDS,
    ) -> Promise:
        """The callback promised ``working_days`` working days after ``start``.

        With the SLA service (and at least one working day) it carries the
        clock's target and is due at the clock's deadline; else it is due
        ``calendar.add_working_days(start, working_days)`` and runs no clock.
        """
        if self.sla is None or working_days < 1:
            due = self.calendar.add_working_days(start, working_days)
            return Promise(require_aware(due, "due_at"))
        terms = PromiseTerms(service or "", self.calendar_name, thresholds)
        target = terms.target("", TargetKind.CALLBACK, working_days=working_days)
        return self._clocks.promised(start, target)

    def start(
        self,
        uow: UnitOfWork,
        actor: Actor,
        callback: Callback,
        promise: Promise,
        *,
        at: datetime,
        handler: str | None = None,
    ) -> SlaClock | None:
        """Start the callback's clock from ``at`` in ``uow`` (None if no clock runs)."""
        return self._clocks.start(
            uow,
            actor,
            promise,
            subject_kind=SUBJECT_KIND,
            subject_id=callback.id,
            at=at,
            handler=handler,
            customer=callback.customer,
        )

    def stop(
        self, uow: UnitOfWork, actor: Actor, callback: Callback, *, at: datetime, reason: str
    ) -> SlaClock | None:
        """Stop the callback's open clock at ``at`` in ``uow`` (None if none runs).

        An ``at`` before the clock started (a monthly callback made before the
        month began) stops it at its start.
        """
        return self._clocks.stop(
            uow,
            actor,
            subject_kind=SUBJECT_KIND,
            subject_id=callback.id,
            kind=TargetKind.CALLBACK,
            at=at,
            reason=reason,
            not_before_last_entry=True,
        )
