"""Promises in business time on SLA clocks: what every area that makes one shares.

An area whose use cases promise a time — a complaint's improvement period and
its callback, the callback of a service record — computes the promised
instant on a business calendar and, when it has the SLA service, runs the
promise on an :class:`~itsm_core.sla.SlaClock` in the same unit of work as its
own change, so that both commit together or neither does. Warnings and the
breach chain then reach plug-ins through ``itsm_sla_warning`` and
``itsm_sla_breach`` when :meth:`~itsm_core.sla.SlaService.tick` finds them due.

* :class:`PromiseTerms`: where a promise's target comes from — the target
  ``(service, priority, kind)`` of the agreement the area names, else the
  area's defaults (calendar name, warning thresholds).
* :func:`promised_instant`: the deadline a clock started at an instant on a
  target has.
* :class:`PromiseClocks`: the calendars (the SLA service's, by name, or the
  area's own calendar when there is no SLA service) and the clocks — find,
  start and stop one in the caller's unit of work; without the SLA service
  there are no clocks and these do nothing.
* :class:`Promise`: one computed promise — the due instant, and the target and
  agreement of its clock (none when no clock runs).
"""

from __future__ import annotations

from datetime import datetime, timedelta

import attrs

from itsm_core.calendars.calendar import BusinessCalendar
from itsm_core.calendars.working import WorkingCalendar
from itsm_core.kernel.actors import Actor
from itsm_core.kernel.errors import ValidationError
from itsm_core.sla.agreements import DEFAULT_CALENDAR, DEFAULT_THRESHOLDS, Target, TargetKind
from itsm_core.sla.clock import SlaClock
from itsm_core.sla.keeper import ClockKeeper
from itsm_core.sla.storage import AGREEMENT_SPEC
from itsm_core.storage.base import UnitOfWork

__all__ = [
    "Promise",
    "PromiseClocks",
    "PromiseTerms",
    "promised_instant",
    "warning_thresholds",
]

_ZERO = timedelta(0)


def warning_thresholds(value: object) -> tuple[float, ...]:
    """Check warning thresholds as an SLA target does; return them as a tuple.

    :raises ValidationError: unless a strictly increasing sequence of fractions
        strictly between 0 and 1 (the breach at 1 always follows).
    """
    probe = Target("", "", TargetKind.CALLBACK, working_days=1, thresholds=value)
    return probe.thresholds


def promised_instant(calendar: WorkingCalendar, start: datetime, target: Target) -> datetime:
    """Return the deadline an SLA clock started at ``start`` on ``target`` has.

    A duration: ``calendar.add(start, duration)``. Working days: the business
    time of those days (``between(start, add_working_days(start, n))``) added
    to ``start`` — the instant that business time has run.
    """
    if target.duration is not None:
        return calendar.add(start, target.duration)
    assert target.working_days is not None
    end = calendar.add_working_days(start, target.working_days)
    return calendar.add(start, calendar.between(start, end))


@attrs.frozen
class Promise:
    """One promised period, computed for a command.

    :param due_at: the due instant the subject records.
    :param target: the SLA clock's target (None when no clock runs); for an
        extension, the extension's business time.
    :param agreement_id: the agreement the target comes from, if any.
    """

    due_at: datetime
    target: Target | None = None
    agreement_id: str | None = None


@attrs.frozen
class PromiseTerms:
    """Where an area's promises take their targets from.

    :param service: the service of the targets (and the service looked up in
        the agreement).
    :param calendar: the name of the SLA calendar of a target built from the
        defaults.
    :param thresholds: the warning thresholds of a target built from the defaults.
    :param agreement_id: the agreement whose targets replace the defaults, if any.
    """

    service: str
    calendar: str = DEFAULT_CALENDAR
    thresholds: tuple[float, ...] = DEFAULT_THRESHOLDS
    agreement_id: str | None = None

    def template(self, uow: UnitOfWork, priority: str, kind: TargetKind) -> Target | None:
        """The agreement's target ``(service, priority, kind)``, or None without an agreement.

        :raises NotFound: if the agreement does not exist.
        :raises ValidationError: naming what exists, if it has no such target.
        """
        if self.agreement_id is None:
            return None
        agreement = uow.get(AGREEMENT_SPEC, self.agreement_id)
        return agreement.target_for(self.service, priority, kind)

    def target(
        self,
        priority: str,
        kind: TargetKind,
        template: Target | None = None,
        *,
        duration: timedelta | None = None,
        working_days: int | None = None,
    ) -> Target:
        """A target of ``duration`` or ``working_days``: the template's calendar and
        thresholds with that amount, or, without a template, the defaults'."""
        if template is not None:
            return attrs.evolve(template, duration=duration, working_days=working_days)
        return Target(
            self.service,
            priority,
            kind,
            duration,
            working_days=working_days,
            calendar=self.calendar,
            thresholds=self.thresholds,
        )


class PromiseClocks:
    """An area's calendars and SLA clocks, used inside its own units of work.

    :param sla: the SLA clock keeper; None (no SLA service): due instants are
        computed on ``calendar`` and no clock runs.
    :param calendar: the calendar to compute on without the SLA service
        (default: 24×7 in UTC).
    """

    def __init__(self, sla: ClockKeeper | None, calendar: WorkingCalendar | None = None) -> None:
        self.sla = sla
        self.own: WorkingCalendar = calendar or BusinessCalendar.always_open("UTC", name="24×7")

    def calendar(self, name: str) -> WorkingCalendar:
        """The SLA calendar registered as ``name``, or the own calendar without SLA.

        :raises ValidationError: naming the registered calendars, for an unknown name.
        """
        return self.own if self.sla is None else self.sla.calendar(name)

    def span(self, name: str, start: datetime, due: datetime) -> timedelta:
        """The business time from ``start`` to ``due`` on the calendar ``name``.

        :raises ValidationError: if there is none (``due_at`` names the problem).
        """
        span = self.calendar(name).between(start, due)
        if span <= _ZERO:
            raise ValidationError(
                f"the due instant {due.isoformat()} leaves no business time after "
                f"{start.isoformat()} on the calendar {name!r}; give a later instant or a "
                "period of business time",
                field="due_at",
            )
        return span

    def promise(
        self, due: datetime, target: Target | None, agreement_id: str | None = None
    ) -> Promise:
        """The promise due at ``due``; it carries its target only when a clock will run."""
        if self.sla is None or target is None:
            return Promise(due)
        return Promise(due, target, agreement_id)

    def promised(self, start: datetime, target: Target, agreement_id: str | None = None) -> Promise:
        """The promise of ``target`` from ``start``: due at the clock's deadline."""
        due = promised_instant(self.calendar(target.calendar), start, target)
        return self.promise(due, target, agreement_id)

    def open_clock(
        self, uow: UnitOfWork, subject_kind: str, subject_id: str, kind: TargetKind
    ) -> SlaClock | None:
        """The subject's running or paused clock of ``kind``, or None (always without SLA)."""
        if self.sla is None:
            return None
        return self.sla.open_clock_in(uow, subject_kind, subject_id, kind)

    def start(
        self,
        uow: UnitOfWork,
        actor: Actor,
        promise: Promise,
        *,
        subject_kind: str,
        subject_id: str,
        at: datetime,
        handler: str | None = None,
        customer: str | None = None,
    ) -> SlaClock | None:
        """Start the clock of ``promise`` from ``at`` in ``uow``; None if no clock runs.

        :raises ValidationError: as :meth:`~itsm_core.sla.keeper.ClockKeeper.start_in`.
        """
        if self.sla is None or promise.target is None:
            return None
        return self.sla.start_in(
            uow,
            actor,
            subject_kind=subject_kind,
            subject_id=subject_id,
            target=promise.target,
            at=at,
            agreement_id=promise.agreement_id,
            handler=handler,
            customer=customer,
        )

    def stop(
        self,
        uow: UnitOfWork,
        actor: Actor,
        *,
        subject_kind: str,
        subject_id: str,
        kind: TargetKind,
        at: datetime,
        reason: str = "",
        not_before_last_entry: bool = False,
    ) -> SlaClock | None:
        """Stop the subject's open clock of ``kind`` at ``at`` in ``uow``; None if none runs.

        :param not_before_last_entry: stop at the clock's last log entry (e.g. its
            start) when ``at`` is earlier, instead of refusing the instant.
        :raises ValidationError: for an ``at`` before the clock's last entry,
            unless ``not_before_last_entry``.
        """
        clock = self.open_clock(uow, subject_kind, subject_id, kind)
        if clock is None or self.sla is None:
            return None
        if not_before_last_entry and clock.log and at < clock.log[-1].at:
            at = clock.log[-1].at
        return self.sla.stop_loaded_in(uow, actor, clock, reason=reason, at=at)
