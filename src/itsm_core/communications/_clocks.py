"""The SLA clocks of customer communications, in the caller's unit of work.

* A key customer's call: when a notice is issued, the phone call to each
  key customer is due within the notice's ``call_within`` business time, on
  a clock (subject kind ``customer_notice_call``, subject id
  ``<notice id>/<customer>``, target kind ``notice_call``). A call that
  reaches the customer stops it; closing or cancelling the notice stops the
  clocks still open.
* Proactive feedback: each update is due on a clock (subject kind
  ``proactive_feedback``, target kind ``progress_update``) of the agreed
  interval; an update stops it and starts the next; closing stops it.

Their warnings and breaches reach the usual SLA hooks through
:meth:`core.sla.tick <itsm_core.sla.SlaService.tick>`. Without the SLA
service no clock runs, and due instants are counted on the own calendar.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from itsm_core.calendars.calendar import BusinessCalendar
from itsm_core.communications.feedback import ProactiveFeedback
from itsm_core.communications.notice import CustomerNotice
from itsm_core.kernel.actors import Actor
from itsm_core.sla.agreements import Target, TargetKind
from itsm_core.sla.keeper import ClockKeeper
from itsm_core.storage.base import UnitOfWork

__all__ = ["CALL_SUBJECT", "FEEDBACK_SUBJECT", "Clocks", "call_subject"]

CALL_SUBJECT = "customer_notice_call"
"""The subject kind of a key customer's call clock."""

FEEDBACK_SUBJECT = "proactive_feedback"
"""The subject kind of a progress update clock."""


def call_subject(notice_id: str, customer: str) -> str:
    """The subject id of the call clock of ``customer`` on notice ``notice_id``."""
    return f"{notice_id}/{customer}"


class Clocks:
    """The communications' clocks and calendars.

    :param sla: the SLA clock keeper (None: no clocks, the own calendar).
    :param calendar: the calendar without the SLA service (default 24×7 in UTC).
    """

    def __init__(self, sla: ClockKeeper | None, calendar: BusinessCalendar | None = None) -> None:
        self.sla = sla
        self.own = calendar or BusinessCalendar.always_open("UTC", name="24×7")

    def calendar(self, name: str) -> BusinessCalendar:
        """The calendar registered as ``name`` (the own calendar without the SLA service).

        :raises ValidationError: naming the registered calendars, for an unknown name.
        """
        return self.own if self.sla is None else self.sla.calendar(name)

    def due(self, calendar: str, at: datetime, interval: timedelta) -> datetime:
        """The instant ``interval`` of business time after ``at`` on ``calendar``."""
        return self.calendar(calendar).add(at, interval)

    def _stop(
        self, uow: UnitOfWork, actor: Actor, kind: str, subject: str, target: TargetKind,
        at: datetime, reason: str,
    ) -> None:  # fmt: skip
        if self.sla is None:
            return
        clock = self.sla.open_clock_in(uow, kind, subject, target)
        if clock is not None:
            when = max(at, clock.log[-1].at) if clock.log else at
            self.sla.stop_in(uow, actor, clock.id, reason=reason, at=when)

    def start_calls(
        self, uow: UnitOfWork, actor: Actor, notice: CustomerNotice, at: datetime
    ) -> None:
        """Start the call clock of every key customer of an issued notice."""
        if self.sla is None:
            return
        for recipient in notice.recipients:
            if not recipient.key:
                continue
            target = Target(
                notice.kind.value,
                "key_customer",
                TargetKind.NOTICE_CALL,
                notice.call_within,
                calendar=notice.calendar,
            )
            self.sla.start_in(
                uow,
                actor,
                subject_kind=CALL_SUBJECT,
                subject_id=call_subject(notice.id, recipient.customer),
                target=target,
                at=at,
                handler=actor.id,
                customer=recipient.customer,
            )

    def stop_call(
        self, uow: UnitOfWork, actor: Actor, notice: CustomerNotice, customer: str,
        at: datetime, reason: str,
    ) -> None:  # fmt: skip
        """Stop the call clock of ``customer`` on ``notice``, if one runs."""
        self._stop(
            uow, actor, CALL_SUBJECT, call_subject(notice.id, customer),
            TargetKind.NOTICE_CALL, at, reason,
        )  # fmt: skip

    def stop_calls(
        self, uow: UnitOfWork, actor: Actor, notice: CustomerNotice, at: datetime, reason: str
    ) -> None:
        """Stop every call clock of ``notice`` still open."""
        for recipient in notice.recipients:
            if recipient.key:
                self.stop_call(uow, actor, notice, recipient.customer, at, reason)

    def start_update(
        self, uow: UnitOfWork, actor: Actor, feedback: ProactiveFeedback, at: datetime
    ) -> None:
        """Start the clock of the next progress update."""
        if self.sla is None:
            return
        target = Target(
            "proactive_feedback",
            feedback.reason.value,
            TargetKind.PROGRESS_UPDATE,
            feedback.interval,
            calendar=feedback.calendar,
        )
        self.sla.start_in(
            uow,
            actor,
            subject_kind=FEEDBACK_SUBJECT,
            subject_id=feedback.id,
            target=target,
            at=at,
            handler=feedback.handler,
            customer=feedback.customer,
        )

    def stop_update(
        self, uow: UnitOfWork, actor: Actor, feedback: ProactiveFeedback, at: datetime,
        reason: str,
    ) -> None:  # fmt: skip
        """Stop the clock of the update due, if one runs."""
        self._stop(
            uow, actor, FEEDBACK_SUBJECT, feedback.id, TargetKind.PROGRESS_UPDATE, at, reason
        )
