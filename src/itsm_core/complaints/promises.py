"""A complaint's promises in business time, and the SLA clocks they run on.

A complaint carries two promises of the provider (SLA and time promises): the
improvement period (改进期限) and the callback after handling (回访, within
one working day of handling). :class:`ComplaintPromises` computes their due
instants on a business calendar and, when the complaint service has the SLA
service (as it always does through the facade), runs each on an
:class:`~itsm_core.sla.SlaClock` in the same unit of work as the
complaint's change, so both commit together or neither does: the callback's
clock has the complaint as subject (kind ``"complaint"``, target
``callback``), the improvement period's the complaint's improvement item
(kind ``"improvement_item"``, target ``improvement``; computed here, run by
the improvement register). The clocks' warnings (50/75/90 % by default) and breaches then reach
plug-ins through ``itsm_sla_warning`` and ``itsm_sla_breach`` like any other
promise, when :meth:`~itsm_core.sla.SlaService.tick` finds them due (or a
complaint command catches them up).

How each step of the complaint maps onto a clock:

* **Improvement required with a period** (a business duration): the clock's
  target is that duration; the improvement is due when it has run
  (``calendar.add``), which is also the clock's deadline.
* **Improvement required with an explicit due instant**: the clock's target is
  the business time between the requirement and that instant. The improvement
  keeps the instant as given; the clock's deadline is the earliest instant at
  which that business time has run — the same instant when it lies in working
  time, else the last closing before it (no business time passes in between).
  An instant that leaves no business time is refused.
* The improvement clock is the improvement item's (subject kind
  ``improvement_item``, :mod:`itsm_core.improvements`): extended at the
  first follow-up or by the office's new period, it carries the elapsed
  business time over; met or decided, it stops.
* **Handled** (met, decided, or a transferred complaint the business unit
  resolved): the callback clock starts — the business time of the policy's
  working days from handling (or the agreement's callback target). The
  complaint's ``callback_due_at`` is that clock's deadline. **The callback is
  recorded** (closed or reopened): the callback clock stops.

The targets come from the agreement the :class:`ComplaintPolicy` names, or
from its defaults (calendar ``sla_calendar``, thresholds
``warning_thresholds``; service ``"complaint"`` and the severity as priority).
What is not particular to complaints — the targets from an agreement or the
defaults, the promised instant, starting and stopping a clock in the
caller's unit of work — lives in :mod:`itsm_core.sla.promises`;
:class:`Promise` and :func:`promised_instant` are re-exported here.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from itsm_core.calendars.working import WorkingCalendar
from itsm_core.complaints.enums import ComplaintState, Severity
from itsm_core.complaints.model import Complaint
from itsm_core.complaints.policy import ComplaintPolicy
from itsm_core.kernel.actors import Actor
from itsm_core.kernel.clock import require_aware, require_duration
from itsm_core.kernel.errors import ValidationError
from itsm_core.sla.agreements import Target, TargetKind
from itsm_core.sla.clock import SlaClock
from itsm_core.sla.keeper import ClockKeeper
from itsm_core.sla.promises import Promise, PromiseClocks, PromiseTerms, promised_instant
from itsm_core.storage.base import UnitOfWork

__all__ = ["SUBJECT_KIND", "ComplaintPromises", "Promise", "promised_instant"]

#: The subject kind of a complaint's SLA clocks.
SUBJECT_KIND = "complaint"

_ZERO = timedelta(0)


def _positive(value: timedelta, what: str) -> timedelta:
    span = require_duration(value, what)
    if span <= _ZERO:
        raise ValidationError(f"{what} must be longer than zero", field=what)
    return span


def _one_of(period: timedelta | None, due_at: datetime | None, what: str) -> None:
    if (period is None) == (due_at is None):
        raise ValidationError(
            f"give the {what} either as a business duration (a timedelta) or as an "
            "explicit due instant, not both and not neither",
            field=what,
        )


class ComplaintPromises:
    """Computes a complaint's due instants and runs them on SLA clocks.

    :param policy: the provider's complaint policy (targets, calendar name).
    :param calendar: the calendar to compute on when there is no SLA service
        (default: 24×7 in UTC).
    :param sla: the SLA service; with it, due instants are computed on its
        calendars and the promises run on its clocks.
    :raises ValidationError: for both ``calendar`` and ``sla``, a calendar
        without the :class:`~itsm_core.sla.WorkingCalendar` methods, or an
        agreement in the policy without the SLA service.
    """

    def __init__(
        self,
        policy: ComplaintPolicy,
        *,
        calendar: WorkingCalendar | None = None,
        sla: ClockKeeper | None = None,
    ) -> None:
        if calendar is not None and not isinstance(calendar, WorkingCalendar):
            raise ValidationError(
                "calendar must have add(start, duration), between(start, end) and "
                f"add_working_days(start, days), got {type(calendar).__name__}",
                field="calendar",
            )
        if calendar is not None and sla is not None:
            raise ValidationError(
                "give the complaint service a calendar or the SLA service, not both: with "
                "the SLA service the periods run on its calendar named by "
                "ComplaintPolicy.sla_calendar",
                field="calendar",
            )
        if policy.agreement_id is not None and sla is None:
            raise ValidationError(
                "ComplaintPolicy.agreement_id needs the SLA service (use the facade, or "
                "pass sla= to the complaint service)",
                field="agreement_id",
            )
        self.policy = policy
        self.sla = sla
        self._clocks = PromiseClocks(sla, calendar)
        if sla is not None:
            sla.calendar(policy.sla_calendar)  # an unknown name fails now, not at a follow-up

    # ------------------------------------------------------------------ calendars

    @property
    def calendar(self) -> WorkingCalendar:
        """The calendar the complaint's periods are computed on by default."""
        return self._named(self.policy.sla_calendar)

    def _named(self, name: str) -> WorkingCalendar:
        return self._clocks.calendar(name)

    # ------------------------------------------------------------------ targets

    @property
    def _terms(self) -> PromiseTerms:
        p = self.policy
        return PromiseTerms(
            p.agreement_service, p.sla_calendar, p.warning_thresholds, p.agreement_id
        )

    def _template(self, uow: UnitOfWork, severity: Severity, kind: TargetKind) -> Target | None:
        return self._terms.template(uow, severity.value, kind)

    def _target(
        self,
        severity: Severity,
        kind: TargetKind,
        template: Target | None,
        *,
        duration: timedelta | None = None,
        working_days: int | None = None,
    ) -> Target:
        return self._terms.target(
            severity.value, kind, template, duration=duration, working_days=working_days
        )

    def _promise(self, due: datetime, target: Target | None) -> Promise:
        return self._clocks.promise(due, target, self.policy.agreement_id)

    # ------------------------------------------------------------------ periods

    def improvement(
        self,
        uow: UnitOfWork,
        complaint: Complaint,
        at: datetime,
        period: timedelta | None,
        due_at: datetime | None,
    ) -> Promise:
        """The improvement period required at ``at``: a duration or an explicit instant.

        With an agreement in the policy, neither may be given: the agreement's
        improvement target is the period.

        :raises ValidationError: for both or neither (without an agreement), a
            period not longer than zero, or a due instant with no business time
            before it.
        """
        template = self._template(uow, complaint.severity, TargetKind.IMPROVEMENT)
        if template is not None and period is None and due_at is None:
            return self._promise(
                promised_instant(self._named(template.calendar), at, template), template
            )
        _one_of(period, due_at, "period")
        name = template.calendar if template is not None else self.policy.sla_calendar
        calendar = self._named(name)
        if period is not None:
            span = _positive(period, "period")
            target = self._target(
                complaint.severity, TargetKind.IMPROVEMENT, template, duration=span
            )
            return self._promise(calendar.add(at, span), target)
        due = require_aware(due_at, "due_at")
        if self.sla is None or due <= at:
            return Promise(due)  # a due instant not after ``at``: the complaint refuses it
        span = self._clocks.span(name, at, due)
        target = self._target(complaint.severity, TargetKind.IMPROVEMENT, template, duration=span)
        return self._promise(due, target)

    def callback(self, uow: UnitOfWork, complaint: Complaint, at: datetime) -> Promise:
        """The callback promise of a complaint handled at ``at``."""
        template = self._template(uow, complaint.severity, TargetKind.CALLBACK)
        if template is not None:
            target: Target | None = template
        elif self.policy.callback_working_days > 0:
            target = self._target(
                complaint.severity,
                TargetKind.CALLBACK,
                None,
                working_days=self.policy.callback_working_days,
            )
        else:
            target = None
        if target is None:
            return Promise(self.calendar.add_working_days(at, 0))
        return self._clocks.promised(at, target, self.policy.agreement_id)

    # ------------------------------------------------------------------ clocks

    def open_clock(
        self, uow: UnitOfWork, complaint: Complaint, kind: TargetKind
    ) -> SlaClock | None:
        """The complaint's running or paused clock of ``kind``, or None (or without SLA)."""
        return self._clocks.open_clock(uow, SUBJECT_KIND, complaint.id, kind)

    def settle(
        self,
        uow: UnitOfWork,
        actor: Actor,
        complaint: Complaint,
        before: ComplaintState,
        at: datetime,
        *,
        callback: Promise | None = None,
        reason: str = "",
    ) -> None:
        """Start, change or stop the complaint's clocks after a change from ``before``.

        Called in the command's unit of work, after the complaint accepted the
        change; what happens follows from the states before and after (see the
        module's description). Without the SLA service it does nothing.

        :param callback: the callback promise, when the complaint became handled.
        :param reason: why, for the clocks' logs (the callback's outcome).
        """
        sla = self.sla
        after = complaint.state
        if sla is None or after is before:
            return
        S = ComplaintState
        if after is S.HANDLED and callback is not None:
            self._clocks.start(
                uow,
                actor,
                callback,
                subject_kind=SUBJECT_KIND,
                subject_id=complaint.id,
                at=at,
                handler=complaint.relationship_manager,
                customer=complaint.customer,
            )
        if before is S.FEEDBACK_GIVEN:
            self._stop(uow, actor, complaint, TargetKind.CALLBACK, at, reason)

    def _stop(
        self,
        uow: UnitOfWork,
        actor: Actor,
        complaint: Complaint,
        kind: TargetKind,
        at: datetime,
        reason: str,
    ) -> None:
        self._clocks.stop(
            uow,
            actor,
            subject_kind=SUBJECT_KIND,
            subject_id=complaint.id,
            kind=kind,
            at=at,
            reason=reason,
        )
