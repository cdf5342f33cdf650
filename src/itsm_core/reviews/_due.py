"""A review's due clock: an SLA clock (target kind ``review``) from planning to holding.

The clock starts when a review is planned, measuring the business time up to
its due instant on the review's calendar; holding the review stops it (met,
or missed if it breached), cancelling stops it too, and rescheduling
re-targets it to the new due instant with the elapsed business time carried
over. Its warnings and breach reach the usual SLA hooks through
:meth:`core.sla.tick <itsm_core.sla.SlaService.tick>`. Without the SLA
service no clock runs.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from itsm_core.calendars.calendar import BusinessCalendar
from itsm_core.kernel.actors import Actor
from itsm_core.reviews.model import ServiceReview
from itsm_core.sla.agreements import Target, TargetKind
from itsm_core.sla.keeper import ClockKeeper
from itsm_core.storage.base import UnitOfWork

__all__ = ["SUBJECT_KIND", "DueClocks"]

SUBJECT_KIND = "service_review"
"""The subject kind of a review's due clock."""

_ZERO = timedelta(0)


class DueClocks:
    """Reviews' due clocks and calendars, in the caller's unit of work.

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

    def start(self, uow: UnitOfWork, actor: Actor, review: ServiceReview, at: datetime) -> None:
        """Start the review's due clock at ``at`` (nothing if no business time is left)."""
        if self.sla is None:
            return
        span = self.calendar(review.calendar).between(at, review.due_at)
        if span <= _ZERO:
            return
        target = Target("review", "general", TargetKind.REVIEW, span, calendar=review.calendar)
        self.sla.start_in(
            uow,
            actor,
            subject_kind=SUBJECT_KIND,
            subject_id=review.id,
            target=target,
            at=at,
            handler=review.project_manager,
            customer=review.customer,
        )

    def stop(
        self, uow: UnitOfWork, actor: Actor, review: ServiceReview, at: datetime, reason: str
    ) -> None:
        """Stop the review's open due clock, if one runs."""
        if self.sla is None:
            return
        clock = self.sla.open_clock_in(uow, SUBJECT_KIND, review.id, TargetKind.REVIEW)
        if clock is None:
            return
        when = max(at, clock.log[-1].at) if clock.log else at
        self.sla.stop_in(uow, actor, clock.id, reason=reason, at=when)

    def retarget(
        self, uow: UnitOfWork, actor: Actor, review: ServiceReview, at: datetime, reason: str
    ) -> None:
        """Re-target the open clock to the review's (new) due instant; start one if none runs."""
        if self.sla is None:
            return
        clock = self.sla.open_clock_in(uow, SUBJECT_KIND, review.id, TargetKind.REVIEW)
        if clock is None:
            self.start(uow, actor, review, at)
            return
        calendar = self.calendar(clock.calendar)
        elapsed = clock.elapsed(at, self.sla.calendar)
        remaining = calendar.between(at, review.due_at)
        total = elapsed + max(remaining, _ZERO)
        if total <= _ZERO:
            return
        target = Target(
            clock.service,
            clock.priority,
            TargetKind.REVIEW,
            total,
            calendar=clock.calendar,
            thresholds=clock.thresholds,
        )
        self.sla.change_target_in(uow, actor, clock.id, target, reason=reason, at=at)
